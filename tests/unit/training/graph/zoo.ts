/**
 * The graph compiler's test models and their TF.js references: each zoo entry builds a model (seeded
 * initialisers), a small generated dataset, and says how to train it; `referenceLoss` and
 * `referenceForward` compute the same batch-mean loss op by op in TF.js (its own loss formulas from
 * tf.metrics / tf.losses), so gradients and training runs can be compared with the compiled graph.
 */
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '../../../../src/core/common/random.js';
import { BackendName, initBackend, nativeBuildStatus } from '../../../../src/training/backends/backend.js';
import type {
  HostArray,
  HostBatch,
  LossSpec,
  MetricSpec,
  OptimizerSpec,
} from '../../../../src/training/training-path.js';
import { loadGraphAddon } from '../../../../src/training/graph/native.js';

/** Why the graph tests cannot run here, or undefined when the native backend and the addon are built. */
export function graphSkipReason(): string | undefined {
  const status = nativeBuildStatus(BackendName.tensorflow);
  if (!status.built) return `needs the native TensorFlow backend (${status.reason})`;
  const addon = loadGraphAddon();
  return 'reason' in addon ? `needs the graph addon (${addon.reason})` : undefined;
}

export async function useTensorflowBackend(): Promise<void> {
  await initBackend({ backend: BackendName.tensorflow });
}

/** A dataset in host memory: per input / target the array and the per-example shape. */
export interface Dataset {
  count: number;
  inputs: { data: HostArray; dims: number[] }[];
  targets: { data: HostArray; dims: number[] }[];
}

export interface ZooEntry {
  name: string;
  build(): tf.LayersModel;
  loss: LossSpec;
  metrics: MetricSpec[];
  optimizer: OptimizerSpec;
  data(count: number, seed: number): Dataset;
  batchSize: number;
  examples: number;
  epochs: number;
}

let initSeed = 1000;
/** A seeded Glorot initialiser (each call a new stream). */
const glorot = () => tf.initializers.glorotUniform({ seed: initSeed++ });

/**
 * `entry.build()` with its initialisers' seeds counted from `base`: the same weights on every call.
 * A trial's `build` must repeat (a killed trial rebuilds before it resumes, and must have trained
 * from the weights an uninterrupted run starts from); plain `build()` draws new seeds each call.
 */
export function buildRepeatable(entry: ZooEntry, base: number): tf.LayersModel {
  const saved = initSeed;
  initSeed = base;
  try {
    return entry.build();
  } finally {
    initSeed = saved;
  }
}

function uniform(length: number, seed: number, low = -1, high = 1): Float32Array {
  const random = mulberry32(seed);
  return Float32Array.from({ length }, () => low + (high - low) * random());
}

function size(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** Labels from a fixed random projection of the inputs (learnable, deterministic). */
function projectLabels(x: Float32Array, perExample: number, classes: number, seed: number): Int32Array {
  const count = x.length / perExample;
  const directions = uniform(perExample * classes, seed);
  return Int32Array.from({ length: count }, (_, n) => {
    let best = 0;
    let bestScore = -Infinity;
    for (let c = 0; c < classes; c++) {
      let score = 0;
      for (let j = 0; j < perExample; j++) score += x[n * perExample + j]! * directions[c * perExample + j]!;
      if (score > bestScore) [best, bestScore] = [c, score];
    }
    return best;
  });
}

function oneHot(labels: Int32Array, classes: number): Float32Array {
  const out = new Float32Array(labels.length * classes);
  labels.forEach((label, n) => (out[n * classes + label] = 1));
  return out;
}

function imageClassification(dims: number[], classes: number, encoding: 'sparse' | 'onehot') {
  return (count: number, seed: number): Dataset => {
    const x = uniform(count * size(dims), seed);
    const labels = projectLabels(x, size(dims), classes, seed + 1);
    return {
      count,
      inputs: [{ data: x, dims }],
      targets: [
        encoding === 'sparse'
          ? { data: labels, dims: [] }
          : { data: oneHot(labels, classes), dims: [classes] },
      ],
    };
  };
}

export const ZOO: ZooEntry[] = [
  {
    name: 'MLP (logits, sparse CE from logits, sgd)',
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [10], units: 16, activation: 'relu', kernelInitializer: glorot() }),
          tf.layers.dense({ units: 12, activation: 'selu', kernelInitializer: glorot() }),
          tf.layers.dense({ units: 4, kernelInitializer: glorot() }),
        ],
      }),
    loss: { name: 'sparseCategoricalCrossentropy', fromLogits: true },
    metrics: ['accuracy'],
    optimizer: { name: 'sgd', learningRate: 0.1 },
    data: imageClassification([10], 4, 'sparse'),
    batchSize: 32,
    examples: 128,
    epochs: 3,
  },
  {
    name: 'study CNN 3×3 (adam)',
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.conv2d({
            inputShape: [32, 32, 3],
            filters: 32,
            kernelSize: 3,
            activation: 'relu',
            kernelInitializer: glorot(),
          }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu', kernelInitializer: glorot() }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: glorot() }),
          tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: glorot() }),
        ],
      }),
    loss: { name: 'sparseCategoricalCrossentropy' },
    metrics: ['accuracy'],
    optimizer: { name: 'adam', learningRate: 1e-3 },
    data: imageClassification([32, 32, 3], 10, 'sparse'),
    batchSize: 16,
    examples: 32,
    epochs: 2,
  },
  {
    name: 'ResNet-style (BatchNormalization, Add; momentum, Nesterov)',
    build: () => {
      const input = tf.input({ shape: [8, 8, 3] });
      const conv = (filters: number, strides = 1) =>
        tf.layers.conv2d({
          filters,
          kernelSize: 3,
          strides,
          padding: 'same',
          useBias: false,
          kernelInitializer: glorot(),
        });
      const bnRelu = (x: tf.SymbolicTensor) =>
        tf.layers
          .activation({ activation: 'relu' })
          .apply(tf.layers.batchNormalization().apply(x)) as tf.SymbolicTensor;
      const stem = bnRelu(conv(8).apply(input) as tf.SymbolicTensor);
      const branch = tf.layers
        .batchNormalization()
        .apply(conv(8).apply(bnRelu(conv(8).apply(stem) as tf.SymbolicTensor))) as tf.SymbolicTensor;
      const joined = tf.layers
        .activation({ activation: 'relu' })
        .apply(tf.layers.add().apply([stem, branch])) as tf.SymbolicTensor;
      const down = bnRelu(conv(16, 2).apply(joined) as tf.SymbolicTensor);
      const pooled = tf.layers.globalAveragePooling2d({}).apply(down);
      const output = tf.layers
        .dense({ units: 5, activation: 'softmax', kernelInitializer: glorot() })
        .apply(pooled) as tf.SymbolicTensor;
      return tf.model({ inputs: input, outputs: output });
    },
    loss: { name: 'categoricalCrossentropy' },
    metrics: ['accuracy'],
    optimizer: { name: 'sgd', learningRate: 0.05, momentum: 0.9, nesterov: true },
    data: imageClassification([8, 8, 3], 5, 'onehot'),
    batchSize: 16,
    examples: 64,
    epochs: 3,
  },
  {
    name: 'depthwise-separable CNN (pooling; rmsprop)',
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.separableConv2d({
            inputShape: [12, 12, 3],
            filters: 8,
            kernelSize: 3,
            padding: 'same',
            activation: 'relu',
            depthwiseInitializer: glorot(),
            pointwiseInitializer: glorot(),
          }),
          tf.layers.depthwiseConv2d({
            kernelSize: 3,
            strides: 2,
            depthMultiplier: 2,
            activation: 'relu6',
            depthwiseInitializer: glorot(),
          }),
          tf.layers.conv2d({
            filters: 8,
            kernelSize: 3,
            padding: 'same',
            activation: 'elu',
            kernelInitializer: glorot(),
          }),
          tf.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
          tf.layers.globalMaxPooling2d({}),
          tf.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: glorot() }),
        ],
      }),
    loss: { name: 'sparseCategoricalCrossentropy' },
    metrics: ['accuracy'],
    optimizer: { name: 'rmsprop', learningRate: 2e-3, momentum: 0.5 },
    data: imageClassification([12, 12, 3], 4, 'sparse'),
    batchSize: 16,
    examples: 64,
    epochs: 3,
  },
  {
    name: 'Conv1D sequence classifier (int32 tokens, Embedding, GlobalAveragePooling1D; adam)',
    build: () => {
      const input = tf.input({ shape: [16], dtype: 'int32' });
      let x = tf.layers
        .embedding({
          inputDim: 20,
          outputDim: 8,
          embeddingsInitializer: tf.initializers.randomUniform({
            minval: -0.5,
            maxval: 0.5,
            seed: initSeed++,
          }),
        })
        .apply(input) as tf.SymbolicTensor;
      x = tf.layers
        .conv1d({
          filters: 12,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
          kernelInitializer: glorot(),
        })
        .apply(x) as tf.SymbolicTensor;
      x = tf.layers.maxPooling1d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
      x = tf.layers
        .conv1d({ filters: 12, kernelSize: 3, activation: 'softplus', kernelInitializer: glorot() })
        .apply(x) as tf.SymbolicTensor;
      x = tf.layers.averagePooling1d({ poolSize: 2, strides: 1 }).apply(x) as tf.SymbolicTensor;
      x = tf.layers.globalAveragePooling1d({}).apply(x) as tf.SymbolicTensor;
      const output = tf.layers
        .dense({ units: 3, activation: 'softmax', kernelInitializer: glorot() })
        .apply(x) as tf.SymbolicTensor;
      return tf.model({ inputs: input, outputs: output });
    },
    loss: { name: 'sparseCategoricalCrossentropy' },
    metrics: ['accuracy'],
    optimizer: { name: 'adam', learningRate: 5e-3 },
    data: (count, seed) => {
      const random = mulberry32(seed);
      const tokens = Int32Array.from({ length: count * 16 }, () => Math.floor(random() * 20));
      const labels = Int32Array.from({ length: count }, (_, n) => {
        let small = 0;
        for (let t = 0; t < 16; t++) if (tokens[n * 16 + t]! < 7) small++;
        return small < 5 ? 0 : small < 7 ? 1 : 2;
      });
      return { count, inputs: [{ data: tokens, dims: [16] }], targets: [{ data: labels, dims: [] }] };
    },
    batchSize: 32,
    examples: 128,
    epochs: 3,
  },
  {
    name: 'autoencoder (MSE; adagrad)',
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [12], units: 6, activation: 'tanh', kernelInitializer: glorot() }),
          tf.layers.dense({ units: 3, activation: 'softsign', kernelInitializer: glorot() }),
          tf.layers.dense({ units: 6, activation: 'mish', kernelInitializer: glorot() }),
          tf.layers.dense({ units: 12, activation: 'sigmoid', kernelInitializer: glorot() }),
        ],
      }),
    loss: { name: 'meanSquaredError' },
    metrics: ['meanAbsoluteError'],
    optimizer: { name: 'adagrad', learningRate: 0.1 },
    data: (count, seed) => {
      const x = uniform(count * 12, seed, 0, 1);
      return { count, inputs: [{ data: x, dims: [12] }], targets: [{ data: x, dims: [12] }] };
    },
    batchSize: 32,
    examples: 128,
    epochs: 3,
  },
  {
    name: 'regression (LayerNormalization, Huber; momentum)',
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [6], units: 16, activation: 'elu', kernelInitializer: glorot() }),
          tf.layers.layerNormalization({}),
          tf.layers.dense({ units: 8, activation: 'gelu_new', kernelInitializer: glorot() }),
          tf.layers.dense({ units: 1, kernelInitializer: glorot() }),
        ],
      }),
    loss: { name: 'huber', delta: 0.5 },
    metrics: ['meanAbsoluteError', 'meanSquaredError'],
    optimizer: { name: 'sgd', learningRate: 0.05, momentum: 0.5 },
    data: (count, seed) => {
      const x = uniform(count * 6, seed);
      const y = Float32Array.from({ length: count }, (_, n) => {
        const row = x.subarray(n * 6, n * 6 + 6);
        return 2 * row[0]! - row[1]! * row[2]! + Math.sin(3 * row[3]!);
      });
      return { count, inputs: [{ data: x, dims: [6] }], targets: [{ data: y, dims: [1] }] };
    },
    batchSize: 32,
    examples: 128,
    epochs: 3,
  },
  {
    name: 'Dropout net (binary CE; adam)',
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [10], units: 24, activation: 'relu', kernelInitializer: glorot() }),
          tf.layers.dropout({ rate: 0.3 }),
          tf.layers.dense({ units: 12, activation: 'gelu', kernelInitializer: glorot() }),
          tf.layers.dropout({ rate: 0.2 }),
          tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: glorot() }),
        ],
      }),
    loss: { name: 'binaryCrossentropy' },
    metrics: ['accuracy'],
    optimizer: { name: 'adam', learningRate: 5e-3 },
    data: (count, seed) => {
      const x = uniform(count * 10, seed);
      const labels = projectLabels(x, 10, 2, seed + 1);
      return {
        count,
        inputs: [{ data: x, dims: [10] }],
        targets: [{ data: Float32Array.from(labels), dims: [1] }],
      };
    },
    batchSize: 32,
    examples: 128,
    epochs: 3,
  },
  {
    name: 'every activation (functional: Concatenate, Multiply, Reshape, GlobalMaxPooling1D; adam)',
    build: () => {
      const activations = [
        'elu',
        'hardSigmoid',
        'linear',
        'relu',
        'relu6',
        'selu',
        'sigmoid',
        'softmax',
        'softplus',
        'softsign',
        'tanh',
        'swish',
        'mish',
        'gelu',
        'gelu_new',
      ] as const;
      const input = tf.input({ shape: [6] });
      const hidden = tf.layers
        .dense({ units: 8, kernelInitializer: glorot() })
        .apply(input) as tf.SymbolicTensor;
      const branches = activations.map(
        (a) => tf.layers.activation({ activation: a }).apply(hidden) as tf.SymbolicTensor,
      );
      const gate = tf.layers.multiply().apply([branches[6]!, branches[10]!]) as tf.SymbolicTensor;
      const joined = tf.layers.concatenate().apply([...branches, gate]) as tf.SymbolicTensor;
      const grid = tf.layers.reshape({ targetShape: [activations.length + 1, 8] }).apply(joined);
      const pooled = tf.layers.globalMaxPooling1d({}).apply(grid);
      const output = tf.layers
        .dense({ units: 3, activation: 'softmax', kernelInitializer: glorot() })
        .apply(pooled) as tf.SymbolicTensor;
      return tf.model({ inputs: input, outputs: output });
    },
    loss: { name: 'categoricalCrossentropy' },
    metrics: ['accuracy'],
    optimizer: { name: 'adam', learningRate: 1e-2 },
    data: imageClassification([6], 3, 'onehot'),
    batchSize: 32,
    examples: 64,
    epochs: 3,
  },
  {
    name: 'advanced activations and merges (ReLU, LeakyReLU, Softmax layer, logSoftmax, Average, Maximum, Minimum; adam)',
    build: () => {
      const input = tf.input({ shape: [6] });
      const hidden = tf.layers
        .dense({ units: 8, kernelInitializer: glorot() })
        .apply(input) as tf.SymbolicTensor;
      const capped = tf.layers.reLU({ maxValue: 0.5 }).apply(hidden) as tf.SymbolicTensor;
      const leaky = tf.layers.leakyReLU({ alpha: 0.2 }).apply(hidden) as tf.SymbolicTensor;
      // TF.js registers logSoftmax but leaves it out of its ActivationIdentifier type.
      const logSoftmax = tf.layers
        .activation({ activation: 'logSoftmax' as 'softmax' })
        .apply(hidden) as tf.SymbolicTensor;
      const merged = [
        tf.layers.multiply().apply([capped, leaky]),
        tf.layers.average().apply([capped, leaky, logSoftmax]),
        tf.layers.maximum().apply([capped, logSoftmax]),
        tf.layers.minimum().apply([leaky, logSoftmax]),
      ] as tf.SymbolicTensor[];
      const joined = tf.layers.concatenate().apply(merged) as tf.SymbolicTensor;
      const logits = tf.layers
        .dense({ units: 3, kernelInitializer: glorot() })
        .apply(joined) as tf.SymbolicTensor;
      return tf.model({ inputs: input, outputs: tf.layers.softmax().apply(logits) as tf.SymbolicTensor });
    },
    loss: { name: 'categoricalCrossentropy' },
    metrics: ['accuracy'],
    optimizer: { name: 'adam', learningRate: 1e-2 },
    data: imageClassification([6], 3, 'onehot'),
    batchSize: 32,
    examples: 64,
    epochs: 3,
  },
];

/** Rows [start, start + count) of a dataset as a batch. */
export function batchOf(data: Dataset, start: number, count: number, epoch: number, step: number): HostBatch {
  const rows = (a: { data: HostArray; dims: number[] }) =>
    a.data.subarray(start * size(a.dims), (start + count) * size(a.dims));
  return { inputs: data.inputs.map(rows), targets: data.targets.map(rows), count, epoch, step };
}

/** The batch as TF.js tensors. */
export function batchTensors(
  data: Dataset,
  batch: HostBatch,
  model: tf.LayersModel,
): { xs: tf.Tensor[]; ys: tf.Tensor[] } {
  return {
    xs: batch.inputs.map((a, i) =>
      tf.tensor(
        a,
        [batch.count, ...data.inputs[i]!.dims],
        model.inputs[i]!.dtype === 'int32' ? 'int32' : 'float32',
      ),
    ),
    ys: batch.targets.map((a, i) =>
      tf.tensor(a, [batch.count, ...data.targets[i]!.dims], a instanceof Int32Array ? 'int32' : 'float32'),
    ),
  };
}

/**
 * The model in training mode op by op; a Sequential's Dropout layers multiply by the given masks
 * (the graph's, so both sides drop the same units) instead of drawing their own.
 */
export function referenceForward(
  model: tf.LayersModel,
  xs: tf.Tensor[],
  masks: readonly tf.Tensor[] = [],
): tf.Tensor {
  if (masks.length === 0) return model.apply(xs.length === 1 ? xs[0]! : xs, { training: true }) as tf.Tensor;
  let x = xs[0]!;
  let next = 0;
  for (const layer of model.layers) {
    x =
      layer.getClassName() === 'Dropout'
        ? tf.mul(x, masks[next++]!)
        : (layer.apply(x, { training: true }) as tf.Tensor);
  }
  return x;
}

/** TF.js' own batch-mean loss (tfjs-layers' losses via tf.metrics; tf.losses for logits and Huber). */
export function referenceLoss(loss: LossSpec, yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  switch (loss.name) {
    case 'sparseCategoricalCrossentropy':
      if (loss.fromLogits) {
        const classes = yPred.shape.at(-1)!;
        return tf.losses.softmaxCrossEntropy(tf.oneHot(yTrue.toInt().flatten(), classes), yPred) as tf.Scalar;
      }
      return tf.mean(lossesSparse(yTrue, yPred));
    case 'categoricalCrossentropy':
      if (loss.fromLogits) return tf.losses.softmaxCrossEntropy(yTrue, yPred) as tf.Scalar;
      return tf.mean(tf.metrics.categoricalCrossentropy(yTrue, yPred));
    case 'binaryCrossentropy':
      if (loss.fromLogits) return tf.losses.sigmoidCrossEntropy(yTrue, yPred) as tf.Scalar;
      return tf.mean(tf.metrics.binaryCrossentropy(yTrue, yPred));
    case 'meanSquaredError':
      return tf.mean(tf.metrics.meanSquaredError(yTrue, yPred));
    case 'meanAbsoluteError':
      return tf.mean(tf.metrics.meanAbsoluteError(yTrue, yPred));
    case 'huber':
      return tf.losses.huberLoss(yTrue, yPred, undefined, loss.delta ?? 1) as tf.Scalar;
  }
}

/** tfjs-layers' sparseCategoricalCrossentropy (not exported by tf.metrics): clip, one-hot, −Σ log. */
function lossesSparse(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  const classes = yPred.shape.at(-1)!;
  const clipped = tf.clipByValue(yPred, 1e-7, 1 - 1e-7);
  const normalised = tf.clipByValue(tf.div(clipped, tf.sum(clipped, -1, true)), 1e-7, 1 - 1e-7);
  return tf.neg(
    tf.sum(tf.mul(tf.oneHot(yTrue.toInt().flatten(), classes).reshape(yPred.shape), tf.log(normalised)), -1),
  );
}

/** The tf.train optimiser of a spec. */
export function referenceOptimizer(spec: OptimizerSpec): tf.Optimizer {
  switch (spec.name) {
    case 'adam':
      return tf.train.adam(spec.learningRate, spec.beta1 ?? 0.9, spec.beta2 ?? 0.999, spec.epsilon ?? 1e-7);
    case 'sgd':
      return (spec.momentum ?? 0) === 0 && !spec.nesterov
        ? tf.train.sgd(spec.learningRate)
        : tf.train.momentum(spec.learningRate, spec.momentum ?? 0, spec.nesterov ?? false);
    case 'rmsprop':
      return tf.train.rmsprop(
        spec.learningRate,
        spec.decay ?? 0.9,
        spec.momentum ?? 0,
        spec.epsilon ?? 1e-7,
        spec.centered ?? false,
      );
    case 'adagrad':
      return tf.train.adagrad(spec.learningRate, spec.initialAccumulatorValue ?? 0.1);
  }
}

/** ‖a − b‖₂ / ‖b‖₂ (0 when both are zero). */
export function relativeL2(actual: ArrayLike<number>, reference: ArrayLike<number>): number {
  if (actual.length !== reference.length) throw new Error(`length ${actual.length} ≠ ${reference.length}`);
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < reference.length; i++) {
    diff += (actual[i]! - reference[i]!) ** 2;
    norm += reference[i]! ** 2;
  }
  return norm === 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
}
