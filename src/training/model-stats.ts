/**
 * Parameter counts and forward-pass cost of any built TF.js layers model, from its layers' weights
 * and shapes ({@link modelStatsOf}). FLOPs count 2 per multiply-add of the conv, dense and recurrent
 * layers; bias adds, activations, normalisation, pooling and softmax are left out (they are < 1 % of
 * the total for the study's models).
 */
import type * as tf from '@tensorflow/tfjs';
import type { ModelStats } from './runner/types.js';

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
 * layers model.
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
