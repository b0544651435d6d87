/**
 * Model stats of any TF.js layers model: trainable parameters per layer kind, non-trainable weights,
 * forward FLOPs per example. For the study's architectures they are the hand-derived numbers
 * (tests/unit/models/image-classifier/architectures.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { modelStatsOf } from '../../../../src/training/model-stats.js';
import { imageClassifierParams } from '../../../../src/models/image-classifier/params.js';
import { buildImageClassifier } from '../../../../src/models/image-classifier/architectures.js';
import { useTestBackend } from '../fixtures.js';

beforeAll(async () => {
  await useTestBackend();
});

describe('modelStatsOf', () => {
  it.each([
    ['fc', {}, 1_707_274, 3_412_992],
    ['cnn', { kernel_size: 3 }, 315_722, 8_377_600],
    ['cnn', { kernel_size: 5 }, 259_914, 14_415_360],
  ] as const)('%s %j: the study’s parameter count and FLOPs', (model, options, params, flops) => {
    const built = buildImageClassifier(imageClassifierParams.parse({ model, ...options }), 0);
    const stats = modelStatsOf(built);
    built.dispose();
    expect(stats.totalParams).toBe(params);
    expect(stats.flopsPerImage).toBe(flops);
    expect(stats.convParams + stats.denseParams).toBe(params);
    expect(stats).toMatchObject({ normParams: 0, embeddingParams: 0, otherParams: 0, nonTrainableParams: 0 });
  });

  it('files every kind of layer: conv, dense, norm, embedding, other; moving statistics as non-trainable', () => {
    const tokens = tf.input({ shape: [5], dtype: 'int32' });
    const embedded = tf.layers.embedding({ inputDim: 20, outputDim: 4 }).apply(tokens) as tf.SymbolicTensor;
    const recurrent = tf.layers.simpleRNN({ units: 3 }).apply(embedded) as tf.SymbolicTensor; // [5×4 → 3]
    const image = tf.input({ shape: [6, 6, 2] });
    const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3 }).apply(image) as tf.SymbolicTensor; // 4×4×4
    const normed = tf.layers.batchNormalization().apply(conv) as tf.SymbolicTensor;
    const flat = tf.layers.flatten().apply(normed) as tf.SymbolicTensor;
    const joined = tf.layers.concatenate().apply([flat, recurrent]) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 2 }).apply(joined) as tf.SymbolicTensor;
    const model = tf.model({ inputs: [tokens, image], outputs: out });
    const stats = modelStatsOf(model);
    model.dispose();
    expect(stats).toEqual({
      embeddingParams: 20 * 4,
      otherParams: 4 * 3 + 3 * 3 + 3, // simple RNN: kernel, recurrent kernel, bias
      convParams: 3 * 3 * 2 * 4 + 4,
      normParams: 4 + 4, // γ, β
      nonTrainableParams: 4 + 4, // moving mean, moving variance
      denseParams: (64 + 3) * 2 + 2,
      totalParams: 80 + 24 + 76 + 8 + 136,
      flopsPerImage:
        2 * (3 * 3 * 2 * 4) * 16 + // conv at 4×4 output positions
        2 * (4 * 3 + 3 * 3) * 5 + // the RNN's kernels at 5 time steps
        2 * 67 * 2, // dense
    });
  });
});
