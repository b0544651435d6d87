/**
 * An MLP on 28×28 digits, written with TF.js layers against seedsweep's trainable contract: seeded
 * weights and data order, one `ctx.report` per epoch, weights and Adam state checkpointed so a resumed
 * trial continues where it stopped (to float32 rounding: `tf.train.adam` restores its β powers as
 * pow(β, t), not as the running product; the built-in image classifier's fused Adam is bit-exact).
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { defineTrainable, mulberry32 } from 'seedsweep';
import { PIXELS, type Digits } from './digits.js';

/** A seeded permutation of 0..n-1 (Fisher–Yates). */
function permutation(n: number, seed: number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const next = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

interface MlpState {
  weights: { shape: number[]; data: Float32Array }[];
  optimizer: { shape: number[]; data: Float32Array }[];
}

export const mlp = defineTrainable<
  { hidden: number; layers: number; lr: number; batch_size: number },
  Digits
>({
  name: 'digits-mlp',
  version: 2,
  params: z.object({
    hidden: z.number().int().min(4).max(4096).default(128),
    layers: z.number().int().min(1).max(4).default(1),
    lr: z.number().positive().max(1).default(1e-3),
    batch_size: z.number().int().min(1).max(4096).default(64),
  }),
  metrics: ['loss', 'accuracy', 'val_loss', 'val_accuracy'],
  async run(params, ctx) {
    const data = ctx.dataset;
    const model = tf.sequential();
    for (let i = 0; i < params.layers; i++) {
      model.add(
        tf.layers.dense({
          units: params.hidden,
          activation: 'relu',
          kernelInitializer: tf.initializers.glorotUniform({ seed: ctx.seed * 10 + i }),
          ...(i === 0 ? { inputShape: [PIXELS] } : {}),
        }),
      );
    }
    // Logits out: the loss applies the softmax itself (a second softmax would flatten the gradients).
    model.add(
      tf.layers.dense({
        units: 10,
        kernelInitializer: tf.initializers.glorotUniform({ seed: ctx.seed * 10 + params.layers }),
      }),
    );
    const optimizer = tf.train.adam(params.lr);
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const restored = ctx.restore<MlpState>();
    if (restored) {
      model.setWeights(restored.weights.map((w) => tf.tensor(w.data, w.shape)));
      await optimizer.setWeights(
        restored.optimizer.map((w, i) => ({ name: `s${i}`, tensor: tf.tensor(w.data, w.shape) })),
      );
    }
    const { images, labels, trainCount, testCount } = data;
    const batch = (indices: ArrayLike<number>) =>
      tf.tidy(() => {
        const x = new Float32Array(indices.length * PIXELS);
        const y = new Int32Array(indices.length);
        for (let k = 0; k < indices.length; k++) {
          const i = indices[k]!;
          x.set(images.subarray(i * PIXELS, (i + 1) * PIXELS), k * PIXELS);
          y[k] = labels[i]!;
        }
        return { x: tf.tensor2d(x, [indices.length, PIXELS]), y: tf.oneHot(tf.tensor1d(y, 'int32'), 10) };
      });
    const evaluate = (from: number, count: number): [number, number] => {
      const { x, y } = batch(Int32Array.from({ length: count }, (_, k) => from + k));
      const [loss, accuracy] = tf.tidy(() => {
        const p = tf.softmax(model.predict(x) as tf.Tensor2D);
        return [
          tf.metrics.categoricalCrossentropy(y, p).mean().dataSync()[0]!,
          tf.metrics.categoricalAccuracy(y, p).mean().dataSync()[0]!,
        ];
      });
      tf.dispose([x, y]);
      return [loss, accuracy];
    };
    try {
      while (ctx.epoch < ctx.epochs) {
        const order = permutation(trainCount, ctx.seed * 7919 + ctx.epoch + 1);
        for (let start = 0; start < trainCount; start += params.batch_size) {
          const { x, y } = batch(order.subarray(start, Math.min(trainCount, start + params.batch_size)));
          optimizer.minimize(
            () => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar,
            false,
            variables,
          );
          tf.dispose([x, y]);
        }
        const [loss, accuracy] = evaluate(0, Math.min(trainCount, 2000));
        const [valLoss, valAccuracy] = evaluate(trainCount, testCount);
        const optimizerWeights = await optimizer.getWeights();
        ctx.checkpoint({
          weights: model.getWeights().map((t) => ({ shape: t.shape, data: Float32Array.from(t.dataSync()) })),
          optimizer: optimizerWeights.map((w) => ({
            shape: w.tensor.shape,
            data: Float32Array.from(w.tensor.dataSync()),
          })),
        } satisfies MlpState);
        await ctx.report({ loss, accuracy, val_loss: valLoss, val_accuracy: valAccuracy });
      }
    } finally {
      optimizer.dispose();
      model.dispose();
    }
  },
});
