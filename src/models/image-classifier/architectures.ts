/**
 * Builds the image classifier's architectures (src/models/image-classifier/params.ts) as TF.js layers
 * models with seeded weight initialisation: each weighted layer gets its own seed derived from the
 * trial seed, with Keras' defaults (Glorot-uniform kernels, zero biases, stride 1, 2×2 pooling).
 */
import * as tf from '../../training/backends/tfjs.js';
import { IMAGE_CHANNELS, IMAGE_HEIGHT, IMAGE_WIDTH } from '../../datasets/types.js';
import { NUM_CLASSES, type ImageClassifierParams } from './params.js';
import { deriveSeed } from '../../training/runner/seeding.js';

/**
 * A new, uncompiled model for 32×32×3 inputs with a 10-way softmax output. `params` are complete
 * (parsed by `imageClassifierParams`); layer `i`'s kernel is initialised from `deriveSeed(seed, 'layer', i)`.
 */
export function buildImageClassifier(params: ImageClassifierParams, seed: number): tf.LayersModel {
  let layerIndex = 0;
  // A fresh initialiser per layer: a shared seeded initialiser would give every layer the same stream.
  const init = () => ({
    kernelInitializer: tf.initializers.glorotUniform({ seed: deriveSeed(seed, 'layer', layerIndex++) }),
    biasInitializer: tf.initializers.zeros(),
  });
  const inputShape = [IMAGE_HEIGHT, IMAGE_WIDTH, IMAGE_CHANNELS];
  const net = tf.sequential();
  if (params.model === 'fc') {
    net.add(tf.layers.flatten({ inputShape }));
    net.add(tf.layers.dense({ units: params.units1, activation: 'relu', ...init() }));
    net.add(tf.layers.dense({ units: params.units2, activation: 'relu', ...init() }));
    net.add(tf.layers.dense({ units: NUM_CLASSES, activation: 'softmax', ...init() }));
    return net;
  }
  const { kernel_size: kernelSize, padding } = params;
  net.add(
    tf.layers.conv2d({
      inputShape,
      filters: params.filters1,
      kernelSize,
      padding,
      activation: 'relu',
      ...init(),
    }),
  );
  net.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  net.add(tf.layers.conv2d({ filters: params.filters2, kernelSize, padding, activation: 'relu', ...init() }));
  net.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  net.add(tf.layers.flatten());
  net.add(tf.layers.dense({ units: params.dense_units, activation: 'relu', ...init() }));
  net.add(tf.layers.dense({ units: NUM_CLASSES, activation: 'softmax', ...init() }));
  return net;
}
