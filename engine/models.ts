/**
 * Builds the registry's architectures (engine/architectures.ts) as TF.js layers models with seeded
 * weight initialisation: each weighted layer gets its own seed derived from the trial seed, with
 * Keras' defaults (Glorot-uniform kernels, zero biases, `valid` padding, stride 1, 2×2 pooling).
 */
import * as tf from './tfjs.js';
import { IMAGE_CHANNELS, IMAGE_HEIGHT, IMAGE_WIDTH } from '../datasets/types.js';
import { canonicalModelOptions } from './architectures.js';
import { NUM_CLASSES, layerCosts } from './model-stats.js';
import { deriveSeed } from './seeding.js';

/** Options of {@link buildModel}. */
export interface BuildModelOptions {
  /** Architecture name in the registry (`fc`, `cnn`). */
  model: string;
  /** Architecture options; missing ones take the registry defaults. Checked against the registry. */
  modelOptions: Record<string, number | string>;
  /** Trial seed (non-negative integer); layer `i` is initialised from `deriveSeed(seed, 'layer', i)`. */
  seed: number;
}

/** A new, uncompiled model for 32×32×3 inputs with a 10-way softmax output. */
export function buildModel(options: BuildModelOptions): tf.LayersModel {
  const { model, seed } = options;
  const o = canonicalModelOptions(model, options.modelOptions);
  layerCosts({ model, modelOptions: o }); // rejects options that leave no feature map
  let layerIndex = 0;
  // A fresh initialiser per layer: a shared seeded initialiser would give every layer the same stream.
  const init = () => ({
    kernelInitializer: tf.initializers.glorotUniform({ seed: deriveSeed(seed, 'layer', layerIndex++) }),
    biasInitializer: tf.initializers.zeros(),
  });
  const inputShape = [IMAGE_HEIGHT, IMAGE_WIDTH, IMAGE_CHANNELS];
  const net = tf.sequential();
  if (model === 'fc') {
    net.add(tf.layers.flatten({ inputShape }));
    net.add(tf.layers.dense({ units: o['units1'] as number, activation: 'relu', ...init() }));
    net.add(tf.layers.dense({ units: o['units2'] as number, activation: 'relu', ...init() }));
    net.add(tf.layers.dense({ units: NUM_CLASSES, activation: 'softmax', ...init() }));
    return net;
  }
  if (model === 'cnn') {
    const kernelSize = o['kernelSize'] as number;
    const padding = o['padding'] as 'valid' | 'same';
    net.add(
      tf.layers.conv2d({
        inputShape,
        filters: o['filters1'] as number,
        kernelSize,
        padding,
        activation: 'relu',
        ...init(),
      }),
    );
    net.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    net.add(
      tf.layers.conv2d({
        filters: o['filters2'] as number,
        kernelSize,
        padding,
        activation: 'relu',
        ...init(),
      }),
    );
    net.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    net.add(tf.layers.flatten());
    net.add(tf.layers.dense({ units: o['denseUnits'] as number, activation: 'relu', ...init() }));
    net.add(tf.layers.dense({ units: NUM_CLASSES, activation: 'softmax', ...init() }));
    return net;
  }
  throw new Error(`buildModel: no builder for model '${model}'`);
}
