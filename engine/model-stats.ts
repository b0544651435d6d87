/**
 * Parameter counts and forward-pass cost of the registry's architectures, derived from layer shapes
 * alone (no TensorFlow), so specs, reports and benchmarks can use them without building a model.
 * FLOPs count 2 per multiply-add of the conv and dense layers; bias adds, activations, pooling and
 * softmax are left out (they are < 1 % of the total here).
 */
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
