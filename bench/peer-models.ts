/**
 * The peer bench's user models (bench/peer.ts): three trainables written as a user writes them, with
 * the package API only (`defineModelTrainable` from 'seedsweep', layers from `@tensorflow/tfjs`). Each
 * has a Keras twin of the same layers and parameter count in scripts/peer_keras.py. They train on a
 * built-in image dataset (`dataset: { name: synthetic }` or cifar10), which a trainable gets as an
 * image split: uint8 images in a shared store and the indices of its train and test images.
 *   - `cnn3User`: the study's CNN 3×3 (src/models/image-classifier/architectures.ts) as a user's model.
 *   - `resnetUser`: a small ResNet: stem conv 16, residual blocks of 16, 32 (stride 2), 64 (stride 2)
 *     channels (Conv-BN-ReLU, 1×1 projection shortcut when the shape changes, Add), global average pooling.
 *   - `sepcnnUser`: a depthwise-separable CNN: stem conv 32, separable convs 64, 128, 256 with pooling.
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { defineModelTrainable, type IndexedSource } from 'seedsweep';

/** A built-in image dataset as `ctx.dataset` holds it: 32×32×3 uint8 images (NHWC) and labels 0–9. */
interface ImageSplit {
  store: { images: Uint8Array; labels: Uint8Array; classNames: string[] };
  train: Int32Array;
  test: Int32Array;
}

const SHAPE = [32, 32, 3];
const PIXELS = 32 * 32 * 3;

/** The images `ids` of the store, scaled to [0, 1] (as the built-in classifier scales them). */
function images({ store }: ImageSplit, ids: Int32Array): IndexedSource {
  return {
    size: ids.length,
    inputShapes: [SHAPE],
    targetShape: [],
    fill(indices, start, count, batch) {
      const [x, y] = [batch.inputs[0]!, batch.targets[0]!];
      for (let row = 0; row < count; row++) {
        const id = ids[indices[start + row]!]!;
        const from = id * PIXELS;
        for (let i = 0; i < PIXELS; i++) x[row * PIXELS + i] = store.images[from + i]! / 255;
        y[row] = store.labels[id]!;
      }
    },
  };
}

const params = z.object({
  lr: z.number().positive().max(1).default(1e-3),
  batch_size: z.number().int().min(1).max(4096).default(64),
});

/** A classifier of 10 classes on a built-in image split, Adam, batch `batch_size`. */
function imageTrainable(name: string, build: () => tf.LayersModel) {
  return defineModelTrainable({
    name,
    params,
    build,
    compile: (p) => ({
      optimizer: tf.train.adam(p.lr),
      loss: 'sparseCategoricalCrossentropy',
      metrics: ['accuracy'],
    }),
    data: (split: ImageSplit) => ({
      train: images(split, split.train),
      test: images(split, split.test),
      classNames: split.store.classNames,
    }),
    batchSize: (p) => p.batch_size,
  });
}

export const cnn3User = imageTrainable('cnn3-user', () =>
  tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: SHAPE, filters: 32, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: 'relu' }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  }),
);

type Node = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, x: Node | Node[]) => layer.apply(x) as Node;

/** Convolution (no bias: the batch norm's β replaces it), then batch normalisation. */
const convBn = (x: Node, filters: number, kernelSize: number, strides = 1) =>
  apply(
    tf.layers.batchNormalization(),
    apply(tf.layers.conv2d({ filters, kernelSize, strides, padding: 'same', useBias: false }), x),
  );

/** relu(convBn(relu(convBn(x))) + shortcut): a 1×1 projection when the stride or channels change. */
function residual(x: Node, filters: number, strides: number): Node {
  const y = convBn(apply(tf.layers.reLU(), convBn(x, filters, 3, strides)), filters, 3);
  const shortcut = strides === 1 && x.shape.at(-1) === filters ? x : convBn(x, filters, 1, strides);
  return apply(tf.layers.reLU(), apply(tf.layers.add(), [y, shortcut]));
}

export const resnetUser = imageTrainable('resnet-user', () => {
  const input = tf.input({ shape: SHAPE });
  let x = apply(tf.layers.reLU(), convBn(input, 16, 3));
  for (const [filters, strides] of [
    [16, 1],
    [32, 2],
    [64, 2],
  ] as const)
    x = residual(x, filters, strides);
  x = apply(tf.layers.globalAveragePooling2d({}), x);
  return tf.model({
    inputs: input,
    outputs: apply(tf.layers.dense({ units: 10, activation: 'softmax' }), x),
  });
});

export const sepcnnUser = imageTrainable('sepcnn-user', () =>
  tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: SHAPE,
        filters: 32,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
      }),
      tf.layers.separableConv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.separableConv2d({ filters: 128, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.separableConv2d({ filters: 256, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  }),
);
