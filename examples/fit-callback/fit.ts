/**
 * An existing Keras-style `model.fit` loop joined to a sweep by one callback, as Ray Tune's
 * TuneReportCheckpointCallback does: `sweepCallback` reports fit's epoch logs (loss, acc, val_loss,
 * val_acc), checkpoints the model and its optimiser, restores them when the trial resumes (fit starts
 * at `ctx.epoch`), and ends fit when the sweep stops the trial. A plain training function, as Ray Tune
 * and Optuna take them; seedsweep seeds the shuffle and the Dropout masks from the trial seed.
 */
import * as tf from '@tensorflow/tfjs';
import { sweepCallback, type TrainableContext } from 'seedsweep';
import { PIXELS, type Digits } from '../mlp-digits/digits.js';

export async function fitDigits(
  params: { hidden: number; dropout: number; lr: number },
  ctx: TrainableContext<Digits>,
): Promise<void> {
  const { images, labels, trainCount, testCount } = ctx.dataset;
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [PIXELS],
        units: params.hidden,
        activation: 'relu',
        kernelInitializer: tf.initializers.heNormal({ seed: ctx.seed }),
      }),
      tf.layers.dropout({ rate: params.dropout }),
      tf.layers.dense({
        units: 10,
        activation: 'softmax',
        kernelInitializer: tf.initializers.glorotUniform({ seed: ctx.seed + 1 }),
      }),
    ],
  });
  model.compile({
    optimizer: tf.train.adam(params.lr),
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  });
  const all = PIXELS * trainCount;
  const x = tf.tensor2d(images.subarray(0, all), [trainCount, PIXELS]);
  const y = tf.tensor1d(Float32Array.from(labels.subarray(0, trainCount)));
  const vx = tf.tensor2d(images.subarray(all, all + PIXELS * testCount), [testCount, PIXELS]);
  const vy = tf.tensor1d(Float32Array.from(labels.subarray(trainCount, trainCount + testCount)));
  try {
    await model.fit(x, y, {
      epochs: ctx.epochs,
      initialEpoch: ctx.epoch, // > 0 when the trial resumed: the callback restored that epoch's state
      batchSize: 64,
      validationData: [vx, vy],
      callbacks: [await sweepCallback(ctx, { model })],
    });
  } finally {
    tf.dispose([x, y, vx, vy]);
    model.dispose();
  }
}
