/**
 * Parameter counts and forward-pass cost: of the registry's architectures from their options alone
 * (no TensorFlow), so specs, reports and benchmarks can use them without building a model; and of
 * any built TF.js layers model from its layers' weights and shapes ({@link modelStatsOf}).
 * FLOPs count 2 per multiply-add of the conv, dense and recurrent layers; bias adds, activations,
 * normalisation, pooling and softmax are left out (they are < 1 % of the total here).
 */
import type * as tf from '@tensorflow/tfjs';
import { UserError } from '../common/errors.js';
import { IMAGE_CHANNELS, IMAGE_HEIGHT, IMAGE_WIDTH } from '../datasets/types.js';
import { canonicalModelOptions } from './architectures.js';
import type { ModelStats } from './types.js';

/** Number of output classes of every model (CIFAR-10). */
export const NUM_CLASSES = 10;

/** One weighted layer as the stats see it. */
export interface LayerCost {
  kind: 'conv' | 'dense';
  /** Trainable parameters: weights + biases. */
  params: number;
  /** Forward FLOPs per image (2 × multiply-adds). */
  flops: number;
}

/** Options of {@link computeModelStats} and {@link layerCosts}. */
export interface ModelStatsOptions {
  /** Architecture name in the registry (`fc`, `cnn`). */
  model: string;
  /** Architecture options; missing ones take the registry defaults. */
  modelOptions: Record<string, number | string>;
}

function dense(inputs: number, units: number): LayerCost {
  return { kind: 'dense', params: inputs * units + units, flops: 2 * inputs * units };
}

/** Output side of a square convolution (stride 1) in Keras semantics. */
function convOutputSide(side: number, kernel: number, padding: string): number {
  return padding === 'same' ? side : side - kernel + 1;
}

/**
 * The weighted layers of a model in order. Throws a {@link UserError} when the options shrink the
 * feature map to nothing (e.g. an 11×11 `valid` kernel on the second conv layer).
 */
export function layerCosts(options: ModelStatsOptions): LayerCost[] {
  const { model } = options;
  const o = canonicalModelOptions(model, options.modelOptions);
  const inputs = IMAGE_HEIGHT * IMAGE_WIDTH * IMAGE_CHANNELS;
  if (model === 'fc') {
    const units1 = o['units1'] as number;
    const units2 = o['units2'] as number;
    return [dense(inputs, units1), dense(units1, units2), dense(units2, NUM_CLASSES)];
  }
  if (model === 'cnn') {
    const k = o['kernelSize'] as number;
    const padding = o['padding'] as string;
    const filters = [o['filters1'] as number, o['filters2'] as number];
    const layers: LayerCost[] = [];
    let side = IMAGE_HEIGHT;
    let channels = IMAGE_CHANNELS;
    for (const f of filters) {
      const out = convOutputSide(side, k, padding);
      const pooled = Math.floor(out / 2);
      if (out < 1 || pooled < 1) {
        throw new UserError(
          'E_BAD_MODEL_OPTION',
          `model 'cnn' with kernel_size ${k} and padding '${padding}' leaves no feature map (side ${side} → conv ${out} → pool ${pooled}); use a smaller kernel_size or padding 'same'.`,
        );
      }
      layers.push({
        kind: 'conv',
        params: k * k * channels * f + f,
        flops: 2 * k * k * channels * f * out * out,
      });
      side = pooled;
      channels = f;
    }
    const flat = side * side * channels;
    const units = o['denseUnits'] as number;
    layers.push(dense(flat, units), dense(units, NUM_CLASSES));
    return layers;
  }
  // The registry knows the name but this module does not: a programming error, not a user one.
  throw new Error(`computeModelStats: no layer formulas for model '${model}'`);
}

/** Total, conv and dense parameter counts and forward FLOPs per image of a model. */
export function computeModelStats(options: ModelStatsOptions): ModelStats {
  const layers = layerCosts(options);
  const sum = (kind: LayerCost['kind'] | 'all', field: 'params' | 'flops') =>
    layers.filter((l) => kind === 'all' || l.kind === kind).reduce((s, l) => s + l[field], 0);
  return {
    totalParams: sum('all', 'params'),
    convParams: sum('conv', 'params'),
    denseParams: sum('dense', 'params'),
    flopsPerImage: sum('all', 'flops'),
  };
}

/** The kind of layer a parameter count is filed under in {@link ModelStats}. */
export type LayerKind = 'conv' | 'dense' | 'norm' | 'embedding' | 'other';

/**
 * The kind of a TF.js layer class: every convolution (1-3D, transposed, depthwise, separable,
 * ConvLSTM2D) is `conv`; `Dense` is `dense`; batch and layer normalisation are `norm`; `Embedding`
 * is `embedding`; everything else (recurrent layers, PReLU, custom layers) is `other`.
 */
export function layerKind(className: string): LayerKind {
  if (/conv/i.test(className)) return 'conv';
  if (className === 'Dense') return 'dense';
  if (/normalization$/i.test(className)) return 'norm';
  if (className === 'Embedding') return 'embedding';
  return 'other';
}

const product = (shape: readonly (number | null)[]): number =>
  shape.reduce<number>((p, d) => p * (d ?? 1), 1);

/** Positions a layer's kernel is applied at: the output's (or input's) dims between batch and channels. */
function positions(shape: readonly (number | null)[]): number {
  return product(shape.slice(1, -1));
}

/** A layer weight's short name: `kernel` of `dense_Dense3/kernel`. */
function shortName(weight: tf.LayerVariable): string {
  return weight.originalName.split('/').at(-1) ?? weight.originalName;
}

/**
 * Forward FLOPs per example of one call of a layer: 2 × the kernel's multiply-adds at every position
 * it is applied at (dense: every leading dim of a rank > 2 input; conv: every output position, input
 * position for a transposed conv; recurrent: every time step, input and recurrent kernels).
 */
function callFlops(
  layer: tf.layers.Layer,
  input: readonly (number | null)[],
  output: readonly (number | null)[],
) {
  const kernels = layer.weights.filter((w) => /kernel$/.test(shortName(w)));
  const multiplyAdds = kernels.reduce((sum, w) => sum + product(w.shape), 0);
  const className = layer.getClassName();
  if (className === 'Dense') return 2 * multiplyAdds * positions(input);
  if (/Transpose$/.test(className)) return 2 * multiplyAdds * positions(input);
  if (layerKind(className) === 'conv') return 2 * multiplyAdds * positions(output);
  // Recurrent layers: [batch, time, features] in, one kernel application per time step.
  if (kernels.length > 0 && input.length === 3) return 2 * multiplyAdds * (input[1] ?? 1);
  return 0;
}

/** Adds `layer`'s counts (recursing into nested models) to `totals`. */
function addLayer(layer: tf.layers.Layer, totals: Required<ModelStats>): void {
  const nested = (layer as Partial<tf.LayersModel>).layers;
  if (Array.isArray(nested)) {
    for (const inner of nested) addLayer(inner, totals);
    return;
  }
  const kind = layerKind(layer.getClassName());
  for (const weight of layer.weights) {
    const size = product(weight.shape);
    if (!weight.trainable) totals.nonTrainableParams += size;
    else {
      totals.totalParams += size;
      const field = `${kind}Params` as const;
      totals[field] += size;
    }
  }
  // One call per inbound node: a layer shared by two branches computes twice.
  for (const node of layer.inboundNodes) {
    const input = node.inputShapes[0];
    const output = node.outputShapes[0];
    if (Array.isArray(input) && Array.isArray(output)) {
      totals.flopsPerImage += callFlops(layer, input as (number | null)[], output as (number | null)[]);
    }
  }
}

/**
 * Parameter counts per layer kind ({@link layerKind}) and forward FLOPs per example of any built TF.js
 * layers model. For the registry's architectures it equals {@link computeModelStats}.
 */
export function modelStatsOf(model: tf.LayersModel): Required<ModelStats> {
  const totals: Required<ModelStats> = {
    totalParams: 0,
    convParams: 0,
    denseParams: 0,
    normParams: 0,
    embeddingParams: 0,
    otherParams: 0,
    nonTrainableParams: 0,
    flopsPerImage: 0,
  };
  for (const layer of model.layers) addLayer(layer, totals);
  return totals;
}
