/**
 * The model compiler against TF.js itself, on the native backend: for each model of the zoo, one
 * compiled step's gradients (TensorFlow's C++ gradient registry) equal tf.variableGrads' on the same
 * weights and batch, and a few epochs through the compiled graph track an op-by-op TF.js loop with
 * the matching tf.train optimiser. Models or settings without a graph form get a reason naming the
 * layer; a loss that cannot score the model's output is a UserError.
 *
 * Norm: per weight, ‖g_graph − g_tfjs‖₂ / ‖g_tfjs‖₂ (relative L2 over the weight's elements).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { isUserError } from '../../../../src/core/common/errors.js';
import { compileGraphPath, compileTrainingGraph } from '../../../../src/training/graph/compile-model.js';
import type { GraphTrainingPath } from '../../../../src/training/graph/graph-training-path.js';
import { accuracyKind } from '../../../../src/training/graph/metrics.js';
import type { TrainingPathOptions } from '../../../../src/training/training-path.js';
import {
  batchOf,
  batchTensors,
  graphSkipReason,
  referenceForward,
  referenceLoss,
  referenceOptimizer,
  relativeL2,
  useTensorflowBackend,
  ZOO,
  type Dataset,
  type ZooEntry,
} from './zoo.js';

const skip = graphSkipReason();
const THREADS = { intraOpThreads: 1, interOpThreads: 1 };

/**
 * Gradients: float32 reassociation between TensorFlow's graph kernels and TF.js' eager ones (seen:
 * ≤ 3e-6, batch-norm betas the largest).
 */
const GRADIENT_TOLERANCE = 1e-4;
/** Last-epoch loss sum, graph vs TF.js loop, relative (seen: ≤ 1e-6 after 4–12 steps). */
const TRAINING_LOSS_TOLERANCE = 1e-4;
/** Every weight after training, relative L2 (seen: ≤ 1.2e-5, a conv bias). */
const TRAINED_WEIGHT_TOLERANCE = 1e-3;

function compile(entry: ZooEntry, model: tf.LayersModel, seed = 7): GraphTrainingPath {
  const path = compileGraphPath({
    model,
    loss: entry.loss,
    metrics: entry.metrics,
    optimizer: entry.optimizer,
    seed,
    threads: THREADS,
  });
  if ('reason' in path) throw new Error(`no graph form: ${path.reason}`);
  return path;
}

/** The shape of each Dropout's mask in a Sequential: its input's, with the batch. */
function maskTensors(model: tf.LayersModel, masks: readonly Float32Array[], count: number): tf.Tensor[] {
  const dropouts = model.layers.filter((l) => l.getClassName() === 'Dropout');
  return masks.map((mask, i) => tf.tensor(mask, [count, ...(dropouts[i]!.outputShape as number[]).slice(1)]));
}

/** TF.js' own metric sums of a batch (inference mode). */
function referenceMetricSums(
  entry: ZooEntry,
  model: tf.LayersModel,
  data: Dataset,
  count: number,
): Record<string, number> {
  return tf.tidy(() => {
    const { xs, ys } = batchTensors(data, batchOf(data, 0, count, 1, 0), model);
    const out = model.predict(xs.length === 1 ? xs[0]! : xs) as tf.Tensor;
    const y = ys[0]!;
    const sums: Record<string, number> = {};
    for (const metric of entry.metrics) {
      let perExample: tf.Tensor;
      if (metric === 'meanSquaredError') perExample = tf.metrics.meanSquaredError(y, out);
      else if (metric === 'meanAbsoluteError') perExample = tf.metrics.meanAbsoluteError(y, out);
      else {
        const kind = accuracyKind(entry.loss, out.shape.at(-1));
        perExample =
          kind === 'sparse'
            ? tf.cast(tf.equal(tf.argMax(out, -1), y.toInt().flatten()), 'float32')
            : kind === 'categorical'
              ? tf.metrics.categoricalAccuracy(y, out)
              : tf.metrics.binaryAccuracy(y, out);
      }
      sums[metric] = tf.sum(perExample).dataSync()[0]!;
    }
    return sums;
  });
}

describe.skipIf(skip !== undefined)(`compileTrainingGraph${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(useTensorflowBackend);

  describe.each(ZOO)('$name', (entry) => {
    it("one step's gradients equal TF.js' (relative L2 ≤ 1e-4 per weight)", () => {
      const model = entry.build();
      const data = entry.data(entry.batchSize, 11);
      const batch = batchOf(data, 0, entry.batchSize, 1, 0);
      const path = compile(entry, model);
      try {
        const inspected = path.inspect(batch);
        const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
        const { value, grads } = tf.tidy(() => {
          const { xs, ys } = batchTensors(data, batch, model);
          const masks = maskTensors(model, inspected.dropoutMasks, batch.count);
          const result = tf.variableGrads(
            () => referenceLoss(entry.loss, ys[0]!, referenceForward(model, xs, masks)),
            variables,
          );
          return {
            value: result.value.dataSync()[0]!,
            grads: variables.map((v) => result.grads[v.name]!.dataSync() as Float32Array),
          };
        });
        expect(Math.abs(inspected.lossSum / batch.count - value) / Math.abs(value)).toBeLessThan(1e-5);
        model.trainableWeights.forEach((w, i) => {
          const graphGradient = inspected.gradients[i];
          expect(graphGradient, `gradient of ${w.name}`).not.toBeNull();
          expect(relativeL2(graphGradient!, grads[i]!), `gradient of ${w.name}`).toBeLessThan(
            GRADIENT_TOLERANCE,
          );
        });
      } finally {
        path.dispose();
      }
    });

    it('trains like an op-by-op TF.js loop with the tf.train optimiser', () => {
      const model = entry.build();
      const data = entry.data(entry.examples, 23);
      const path = compile(entry, model);
      const optimizer = referenceOptimizer(entry.optimizer);
      try {
        const steps = Math.ceil(entry.examples / entry.batchSize);
        let graphLoss = 0;
        let referenceLossSum = 0;
        for (let epoch = 1; epoch <= entry.epochs; epoch++) {
          graphLoss = 0;
          referenceLossSum = 0;
          for (let step = 0; step < steps; step++) {
            const start = step * entry.batchSize;
            const batch = batchOf(
              data,
              start,
              Math.min(entry.batchSize, entry.examples - start),
              epoch,
              step,
            );
            const masks = path.session.graph.dropout.length > 0 ? path.inspect(batch).dropoutMasks : [];
            graphLoss += path.trainBatch(batch).lossSum;
            tf.tidy(() => {
              const { xs, ys } = batchTensors(data, batch, model);
              const maskValues = maskTensors(model, masks, batch.count);
              const cost = optimizer.minimize(
                () => referenceLoss(entry.loss, ys[0]!, referenceForward(model, xs, maskValues)),
                true,
              )!;
              referenceLossSum += cost.dataSync()[0]! * batch.count;
            });
          }
        }
        const relative = Math.abs(graphLoss - referenceLossSum) / Math.abs(referenceLossSum);
        expect(
          relative,
          `last-epoch loss graph ${graphLoss / entry.examples} vs TF.js ${referenceLossSum / entry.examples}`,
        ).toBeLessThan(TRAINING_LOSS_TOLERANCE);

        // Every weight, batch norm's moving statistics included, ends where TF.js' did.
        const trained = model.weights.map((w) => w.read().dataSync() as Float32Array);
        path.syncModel();
        model.weights.forEach((w, i) => {
          expect(
            relativeL2(w.read().dataSync() as Float32Array, trained[i]!),
            `weight ${w.name}`,
          ).toBeLessThan(TRAINED_WEIGHT_TOLERANCE);
        });

        // Inference mode on the same weights: dropout off, moving statistics; metrics as TF.js counts them.
        const evaluation = path.evaluateBatch(batchOf(data, 0, entry.examples, 1, 0));
        const reference = tf.tidy(() => {
          const { xs, ys } = batchTensors(data, batchOf(data, 0, entry.examples, 1, 0), model);
          return referenceLoss(
            entry.loss,
            ys[0]!,
            model.predict(xs.length === 1 ? xs[0]! : xs) as tf.Tensor,
          ).dataSync()[0]!;
        });
        expect(Math.abs(evaluation.lossSum / entry.examples - reference) / reference).toBeLessThan(1e-4);
        const metrics = referenceMetricSums(entry, model, data, entry.examples);
        for (const metric of entry.metrics) {
          expect(evaluation.metricSums[metric], metric).toBeCloseTo(
            metrics[metric]!,
            metric === 'accuracy' ? 6 : 3,
          );
        }
      } finally {
        path.dispose();
        optimizer.dispose();
      }
    });
  });

  /** What the dilation cases give their layer. */
  interface WindowArgs {
    inputShape: number[];
    kernelSize: number[];
    dilationRate: [number] | [number, number];
    activation: 'tanh';
  }

  // TF.js has no gradient for dilated convolutions: the reference is the same convolution with an
  // explicitly dilated kernel (zeros between the taps), whose gradient at the taps is the dilated one's.
  describe.each([
    {
      name: 'Conv2D same, dilation 2',
      input: [9, 9, 2],
      kernel: [3, 3],
      dilation: [2, 2],
      make: (o: WindowArgs) => tf.layers.conv2d({ filters: 3, padding: 'same', ...o }),
    },
    {
      name: 'Conv2D valid, dilation [2, 3]',
      input: [9, 10, 2],
      kernel: [3, 2],
      dilation: [2, 3],
      make: (o: WindowArgs) => tf.layers.conv2d({ filters: 3, padding: 'valid', ...o }),
    },
    {
      name: 'Conv1D valid, dilation 2',
      input: [11, 2],
      kernel: [3],
      dilation: [2],
      make: (o: WindowArgs) => tf.layers.conv1d({ filters: 3, padding: 'valid', ...o }),
    },
    {
      name: 'DepthwiseConv2D same, dilation 2',
      input: [7, 8, 2],
      kernel: [3, 3],
      dilation: [2, 2],
      make: (o: WindowArgs) =>
        tf.layers.depthwiseConv2d({
          depthMultiplier: 2,
          padding: 'same',
          ...o,
          kernelSize: o.kernelSize as [number, number],
        }),
    },
    {
      name: 'SeparableConv2D valid, dilation 2',
      input: [9, 9, 2],
      kernel: [2, 2],
      dilation: [2, 2],
      make: (o: WindowArgs) => tf.layers.separableConv2d({ filters: 3, padding: 'valid', ...o }),
    },
  ])('$name', ({ input, kernel, dilation, make }) => {
    it('has the gradients of the explicitly dilated convolution', () => {
      const effective = kernel.map((k, i) => (k - 1) * dilation[i]! + 1);
      const build = (kernelSize: number[], dilationRate: number[]) =>
        tf.sequential({
          layers: [
            make({
              inputShape: input,
              kernelSize,
              dilationRate: dilationRate as WindowArgs['dilationRate'],
              activation: 'tanh',
            }),
            tf.layers.flatten(),
            tf.layers.dense({ units: 3, activation: 'softmax' }),
          ],
        });
      const dilated = build(kernel, dilation);
      const explicit = build(
        effective,
        kernel.map(() => 1),
      );
      // Same weights; the dilated kernels' taps spread out with zeros between them.
      const taps: (number[] | undefined)[] = dilated.weights.map((w, i) => {
        const target = explicit.weights[i]!;
        const values = w.read().dataSync();
        if (w.shape.join() === target.shape.join()) {
          target.write(tf.tensor(values, target.shape as number[]));
          return undefined;
        }
        const spatial = kernel.length;
        const inner = (w.shape as number[]).slice(spatial).reduce((a, b) => a * b, 1);
        const out = new Float32Array(target.shape.reduce((a, b) => a! * b!, 1)!);
        const indices: number[] = [];
        for (let p = 0; p < values.length / inner; p++) {
          const i0 = spatial === 2 ? Math.floor(p / kernel[1]!) : p;
          const i1 = spatial === 2 ? p % kernel[1]! : 0;
          const q = spatial === 2 ? i0 * dilation[0]! * effective[1]! + i1 * dilation[1]! : i0 * dilation[0]!;
          for (let c = 0; c < inner; c++) {
            out[q * inner + c] = values[p * inner + c]!;
            indices.push(q * inner + c);
          }
        }
        target.write(tf.tensor(out, target.shape as number[]));
        return indices;
      });
      const data = {
        count: 8,
        inputs: [
          {
            data: Float32Array.from({ length: 8 * input.reduce((a, b) => a * b, 1) }, (_, i) =>
              Math.sin(i * 0.37),
            ),
            dims: input,
          },
        ],
        targets: [{ data: Int32Array.from({ length: 8 }, (_, i) => i % 3), dims: [] }],
      };
      const batch = batchOf(data, 0, 8, 1, 0);
      const entry = {
        loss: { name: 'sparseCategoricalCrossentropy' },
        metrics: [],
        optimizer: { name: 'sgd', learningRate: 0.1 },
      } as unknown as ZooEntry;
      const path = compile(entry, dilated);
      try {
        const inspected = path.inspect(batch);
        const variables = explicit.trainableWeights.map((w) => w.read() as tf.Variable);
        const grads = tf.tidy(() => {
          const { xs, ys } = batchTensors(data, batch, explicit);
          const result = tf.variableGrads(
            () => referenceLoss(entry.loss, ys[0]!, referenceForward(explicit, xs)),
            variables,
          );
          return variables.map((v) => result.grads[v.name]!.dataSync() as Float32Array);
        });
        dilated.trainableWeights.forEach((w, i) => {
          const reference = taps[i] ? Float32Array.from(taps[i], (q) => grads[i]![q]!) : grads[i]!;
          expect(relativeL2(inspected.gradients[i]!, reference), `gradient of ${w.name}`).toBeLessThan(
            GRADIENT_TOLERANCE,
          );
        });
      } finally {
        path.dispose();
      }
    });
  });

  // Every loss formula, on a one-layer model whose head picks the path (logits, probabilities
  // without softmax / sigmoid, several positions per example).
  describe.each([
    {
      loss: { name: 'sparseCategoricalCrossentropy' },
      input: [5],
      units: 4,
      activation: 'sigmoid',
      target: 'sparse',
    },
    {
      loss: { name: 'categoricalCrossentropy' },
      input: [5],
      units: 4,
      activation: 'softplus',
      target: 'onehot',
    },
    {
      loss: { name: 'categoricalCrossentropy', fromLogits: true },
      input: [5],
      units: 4,
      activation: 'linear',
      target: 'onehot',
    },
    {
      loss: { name: 'binaryCrossentropy', fromLogits: true },
      input: [5],
      units: 2,
      activation: 'linear',
      target: 'binary',
    },
    {
      loss: { name: 'binaryCrossentropy' },
      input: [5],
      units: 2,
      activation: 'hardSigmoid',
      target: 'binary',
    },
    { loss: { name: 'meanAbsoluteError' }, input: [5], units: 3, activation: 'tanh', target: 'real' },
    {
      loss: { name: 'sparseCategoricalCrossentropy' },
      input: [5, 3],
      units: 4,
      activation: 'softmax',
      target: 'sparse',
    },
    {
      loss: { name: 'categoricalCrossentropy', fromLogits: true },
      input: [5, 3],
      units: 4,
      activation: 'linear',
      target: 'onehot',
    },
  ] as const)('loss $loss.name (fromLogits $loss.fromLogits), head $activation, input $input', (c) => {
    it("has TF.js' loss, gradients and metrics", () => {
      const model = tf.sequential({
        layers: [
          tf.layers.dense({
            inputShape: [...c.input],
            units: c.units,
            activation: c.activation,
            kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }),
          }),
        ],
      });
      const count = 12;
      const positions = c.input.length === 2 ? c.input[0] : 1;
      const wave = (n: number, f: number) =>
        Float32Array.from({ length: n }, (_, i) => Math.sin(f * i + 0.3));
      const labels = Int32Array.from({ length: count * positions }, (_, i) => (i * 7) % c.units);
      const targetDims = c.input.length === 2 ? [positions] : [];
      const target =
        c.target === 'sparse'
          ? { data: labels, dims: targetDims }
          : c.target === 'onehot'
            ? {
                data: Float32Array.from({ length: labels.length * c.units }, (_, i) =>
                  labels[Math.floor(i / c.units)] === i % c.units ? 1 : 0,
                ),
                dims: [...targetDims, c.units],
              }
            : c.target === 'binary'
              ? {
                  data: Float32Array.from({ length: count * c.units }, (_, i) => (i % 3 === 0 ? 1 : 0)),
                  dims: [c.units],
                }
              : { data: wave(count * c.units, 1.7), dims: [c.units] };
      const data = {
        count,
        inputs: [{ data: wave(count * c.input.reduce((a, b) => a * b, 1), 0.9), dims: [...c.input] }],
        targets: [target],
      };
      const batch = batchOf(data, 0, count, 1, 0);
      const options: TrainingPathOptions = {
        model,
        loss: c.loss,
        metrics: c.target === 'real' ? ['meanSquaredError'] : ['accuracy'],
        optimizer: { name: 'sgd', learningRate: 0.1 },
        seed: 1,
        threads: THREADS,
      };
      const path = compileGraphPath(options);
      if ('reason' in path) throw new Error(path.reason);
      try {
        const inspected = path.inspect(batch);
        const evaluation = path.evaluateBatch(batch);
        const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
        const reference = tf.tidy(() => {
          const { xs, ys } = batchTensors(data, batch, model);
          const result = tf.variableGrads(
            () => referenceLoss(c.loss, ys[0]!, model.apply(xs[0]!) as tf.Tensor),
            variables,
          );
          const out = model.apply(xs[0]!) as tf.Tensor;
          const y = ys[0]!;
          const metric =
            c.target === 'real'
              ? tf.metrics.meanSquaredError(y, out)
              : c.target === 'sparse'
                ? tf.cast(tf.equal(tf.argMax(out, -1), y), 'float32')
                : c.target === 'onehot'
                  ? tf.cast(tf.equal(tf.argMax(out, -1), tf.argMax(y, -1)), 'float32')
                  : tf.metrics.binaryAccuracy(y, c.loss.fromLogits ? tf.sigmoid(out) : out);
          return {
            loss: result.value.dataSync()[0]!,
            grads: variables.map((v) => result.grads[v.name]!.dataSync() as Float32Array),
            metric: tf.sum(metric).dataSync()[0]! / positions,
          };
        });
        expect(Math.abs(inspected.lossSum / count - reference.loss) / reference.loss).toBeLessThan(1e-5);
        expect(Math.abs(evaluation.lossSum / count - reference.loss) / reference.loss).toBeLessThan(1e-5);
        variables.forEach((v, i) =>
          expect(relativeL2(inspected.gradients[i]!, reference.grads[i]!), v.name).toBeLessThan(
            GRADIENT_TOLERANCE,
          ),
        );
        expect(Object.values(evaluation.metricSums)[0]).toBeCloseTo(reference.metric, 4);
      } finally {
        path.dispose();
      }
    });
  });

  it('compiles two inputs, two outputs and a nested Sequential (losses summed over the outputs)', () => {
    const a = tf.input({ shape: [4] });
    const b = tf.input({ shape: [3] });
    const shared = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [7], units: 6, activation: 'tanh' }),
        tf.layers.dense({ units: 5, activation: 'relu' }),
      ],
    });
    const body = shared.apply(tf.layers.concatenate().apply([a, b])) as tf.SymbolicTensor;
    const heads = [
      tf.layers.dense({ units: 2 }).apply(body) as tf.SymbolicTensor,
      tf.layers.dense({ units: 1, activation: 'sigmoid' }).apply(body) as tf.SymbolicTensor,
    ];
    const model = tf.model({ inputs: [a, b], outputs: heads });
    const options: TrainingPathOptions = {
      model,
      loss: { name: 'meanSquaredError' },
      metrics: [],
      optimizer: { name: 'adam', learningRate: 1e-3 },
      seed: 1,
      threads: THREADS,
    };
    expect(compileTrainingGraph({ ...options, metrics: ['meanAbsoluteError'] })).toEqual({
      reason: 'metrics of a model with 2 outputs have no graph form',
    });
    const path = compileGraphPath(options);
    if ('reason' in path) throw new Error(path.reason);
    try {
      const wave = (n: number, f: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(f * i));
      const data = {
        count: 6,
        inputs: [
          { data: wave(24, 0.3), dims: [4] },
          { data: wave(18, 0.7), dims: [3] },
        ],
        targets: [
          { data: wave(12, 1.1), dims: [2] },
          { data: wave(6, 1.9), dims: [1] },
        ],
      };
      const batch = batchOf(data, 0, 6, 1, 0);
      const inspected = path.inspect(batch);
      const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
      expect(variables).toHaveLength(8);
      const { value, grads } = tf.tidy(() => {
        const { xs, ys } = batchTensors(data, batch, model);
        const result = tf.variableGrads(() => {
          const outs = model.apply(xs, { training: true }) as tf.Tensor[];
          return tf.add(
            referenceLoss(options.loss, ys[0]!, outs[0]!),
            referenceLoss(options.loss, ys[1]!, outs[1]!),
          ) as tf.Scalar;
        }, variables);
        return {
          value: result.value.dataSync()[0]!,
          grads: variables.map((v) => result.grads[v.name]!.dataSync() as Float32Array),
        };
      });
      expect(Math.abs(inspected.lossSum / 6 - value) / value).toBeLessThan(1e-5);
      variables.forEach((v, i) =>
        expect(relativeL2(inspected.gradients[i]!, grads[i]!), v.name).toBeLessThan(GRADIENT_TOLERANCE),
      );
    } finally {
      path.dispose();
    }
  });

  describe('refusals', () => {
    const base = (model: tf.LayersModel): TrainingPathOptions => ({
      model,
      loss: { name: 'sparseCategoricalCrossentropy' },
      metrics: ['accuracy'],
      optimizer: { name: 'adam', learningRate: 1e-3 },
      seed: 1,
      threads: THREADS,
    });

    it('names the layer without a graph form', () => {
      const model = tf.sequential({
        layers: [
          tf.layers.lstm({ inputShape: [5, 3], units: 4, name: 'lstm_1' }),
          tf.layers.dense({ units: 3, activation: 'softmax' }),
        ],
      });
      expect(compileTrainingGraph(base(model))).toEqual({ reason: 'layer lstm_1 (LSTM) has no graph form' });
    });

    it('names the setting without a graph form', () => {
      const regularised = tf.sequential({
        layers: [
          tf.layers.dense({
            inputShape: [4],
            units: 3,
            name: 'dense_l2',
            kernelRegularizer: tf.regularizers.l2(),
          }),
          tf.layers.dense({ units: 3, activation: 'softmax' }),
        ],
      });
      expect(compileTrainingGraph(base(regularised))).toEqual({
        reason: 'layer dense_l2 (Dense): kernelRegularizer (regularisers have no graph form)',
      });
      const causal = tf.sequential({
        layers: [
          tf.layers.conv1d({
            inputShape: [6, 2],
            filters: 3,
            kernelSize: 2,
            padding: 'causal',
            name: 'conv_causal',
          }),
          tf.layers.globalAveragePooling1d({}),
        ],
      });
      expect(compileTrainingGraph(base(causal))).toEqual({
        reason: "layer conv_causal (Conv1D): padding 'causal' has no graph form",
      });
    });

    it('raises a UserError naming the shapes when the output cannot be scored by the loss', () => {
      const model = tf.sequential({
        layers: [tf.layers.dense({ inputShape: [4], units: 1, name: 'one_unit', activation: 'sigmoid' })],
      });
      let error: unknown;
      try {
        compileTrainingGraph(base(model));
      } catch (e) {
        error = e;
      }
      expect(isUserError(error)).toBe(true);
      expect((error as Error).message).toBe(
        'loss sparseCategoricalCrossentropy needs a last axis of two or more classes (for one unit use binaryCrossentropy); model output one_unit/one_unit has shape [null,1].',
      );
    });

    it('raises a UserError naming the shapes when a batch holds too few targets', () => {
      const model = tf.sequential({
        layers: [tf.layers.dense({ inputShape: [4], units: 3, name: 'three', activation: 'softmax' })],
      });
      const path = compileGraphPath({ ...base(model), loss: { name: 'categoricalCrossentropy' } });
      if ('reason' in path) throw new Error(path.reason);
      try {
        const batch = {
          inputs: [new Float32Array(8)],
          targets: [new Float32Array(2)],
          count: 2,
          epoch: 1,
          step: 0,
        };
        expect(() => path.trainBatch(batch)).toThrow(
          'targets of output three/three holds 2 values for 2 examples of shape [3] (6 needed).',
        );
      } finally {
        path.dispose();
      }
    });
  });
});
