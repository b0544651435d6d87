import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeModelStats } from '../../../engine/model-stats.js';
import { buildModel } from '../../../engine/models.js';
import { useTestBackend } from './fixtures.js';

beforeAll(useTestBackend);

// Layer formulas: conv params k·k·Cin·F + F; conv FLOPs 2·k·k·Cin·F·Hout·Wout; dense params N·M + M;
// dense FLOPs 2·N·M. `valid`: Hout = H − k + 1; `same`: Hout = H; pool 2: floor(H / 2).
const expected = {
  fc: {
    model: 'fc',
    modelOptions: {},
    // 3072→512, 512→256, 256→10
    convParams: 0,
    denseParams: 3072 * 512 + 512 + (512 * 256 + 256) + (256 * 10 + 10), // 1,707,274
    flopsPerImage: 2 * (3072 * 512 + 512 * 256 + 256 * 10), // 3,412,992
  },
  cnn3valid: {
    model: 'cnn',
    modelOptions: { kernelSize: 3, padding: 'valid' },
    // 32 → conv 30 → pool 15 → conv 13 → pool 6; flatten 6·6·64 = 2304
    convParams: 3 * 3 * 3 * 32 + 32 + (3 * 3 * 32 * 64 + 64), // 896 + 18,496
    denseParams: 2304 * 128 + 128 + (128 * 10 + 10), // 295,040 + 1,290
    flopsPerImage: 2 * (3 * 3 * 3 * 32 * 30 * 30 + 3 * 3 * 32 * 64 * 13 * 13 + 2304 * 128 + 128 * 10), // 8,377,600
  },
  cnn3same: {
    model: 'cnn',
    modelOptions: { kernelSize: 3, padding: 'same' },
    // 32 → conv 32 → pool 16 → conv 16 → pool 8; flatten 8·8·64 = 4096
    convParams: 3 * 3 * 3 * 32 + 32 + (3 * 3 * 32 * 64 + 64),
    denseParams: 4096 * 128 + 128 + (128 * 10 + 10), // 524,416 + 1,290
    flopsPerImage: 2 * (3 * 3 * 3 * 32 * 32 * 32 + 3 * 3 * 32 * 64 * 16 * 16 + 4096 * 128 + 128 * 10), // 12,257,792
  },
  cnn5valid: {
    model: 'cnn',
    modelOptions: { kernelSize: 5, padding: 'valid' },
    // 32 → conv 28 → pool 14 → conv 10 → pool 5; flatten 5·5·64 = 1600
    convParams: 5 * 5 * 3 * 32 + 32 + (5 * 5 * 32 * 64 + 64), // 2,432 + 51,264
    denseParams: 1600 * 128 + 128 + (128 * 10 + 10), // 204,928 + 1,290
    flopsPerImage: 2 * (5 * 5 * 3 * 32 * 28 * 28 + 5 * 5 * 32 * 64 * 10 * 10 + 1600 * 128 + 128 * 10), // 14,415,360
  },
  cnn5same: {
    model: 'cnn',
    modelOptions: { kernelSize: 5, padding: 'same' },
    convParams: 5 * 5 * 3 * 32 + 32 + (5 * 5 * 32 * 64 + 64),
    denseParams: 4096 * 128 + 128 + (128 * 10 + 10),
    flopsPerImage: 2 * (5 * 5 * 3 * 32 * 32 * 32 + 5 * 5 * 32 * 64 * 16 * 16 + 4096 * 128 + 128 * 10), // 32,180,736
  },
};

describe('computeModelStats', () => {
  it.each(Object.entries(expected))('matches the hand-derived counts for %s', (_name, e) => {
    const stats = computeModelStats({ model: e.model, modelOptions: e.modelOptions });
    expect(stats).toEqual({
      totalParams: e.convParams + e.denseParams,
      convParams: e.convParams,
      denseParams: e.denseParams,
      flopsPerImage: e.flopsPerImage,
    });
  });

  it('spells out the study totals', () => {
    expect(computeModelStats({ model: 'fc', modelOptions: {} }).totalParams).toBe(1_707_274);
    expect(computeModelStats({ model: 'cnn', modelOptions: {} }).totalParams).toBe(315_722);
    expect(computeModelStats({ model: 'cnn', modelOptions: { kernelSize: 5 } }).totalParams).toBe(259_914);
  });

  it('rejects options that leave no feature map, naming the option', () => {
    expect(() => computeModelStats({ model: 'cnn', modelOptions: { kernelSize: 11 } })).toThrow(
      /kernel_size 11 .* leaves no feature map/,
    );
    expect(() => computeModelStats({ model: 'cnn', modelOptions: { kernelSize: 0 } })).toThrow(
      /kernel_size' must be an integer from 1 to 11; got 0/,
    );
    expect(() => computeModelStats({ model: 'mlp', modelOptions: {} })).toThrow(
      /unknown model 'mlp'; known models: fc, cnn/,
    );
  });
});

describe('buildModel', () => {
  it.each(Object.entries(expected))('builds %s with the parameter count the stats derive', (_name, e) => {
    const model = buildModel({ model: e.model, modelOptions: e.modelOptions, seed: 1 });
    try {
      expect(model.countParams()).toBe(
        computeModelStats({ model: e.model, modelOptions: e.modelOptions }).totalParams,
      );
      expect(model.outputs[0]!.shape).toEqual([null, 10]);
    } finally {
      model.dispose();
    }
  });

  it('uses the registry layer order: conv, pool, conv, pool, flatten, dense, dense (valid, stride 1)', () => {
    const model = buildModel({ model: 'cnn', modelOptions: {}, seed: 1 });
    try {
      expect(model.layers.map((l) => l.getClassName())).toEqual([
        'Conv2D',
        'MaxPooling2D',
        'Conv2D',
        'MaxPooling2D',
        'Flatten',
        'Dense',
        'Dense',
      ]);
      const conv = model.layers[0]!.getConfig();
      expect(conv).toMatchObject({
        filters: 32,
        kernelSize: [3, 3],
        strides: [1, 1],
        padding: 'valid',
        activation: 'relu',
      });
      expect(model.layers[6]!.getConfig()).toMatchObject({ units: 10, activation: 'softmax' });
    } finally {
      model.dispose();
    }
  });

  it('initialises weights from the seed: same seed same weights, other seed or other layer different', () => {
    const tensorsBefore = tf.memory().numTensors;
    const weights = (seed: number) => {
      const model = buildModel({ model: 'fc', modelOptions: { units1: 8, units2: 8 }, seed });
      const values = model.getWeights().map((w) => Array.from(w.dataSync()));
      model.dispose();
      return values;
    };
    const [a, b, c] = [weights(5), weights(5), weights(6)];
    expect(b).toEqual(a);
    expect(c[0]).not.toEqual(a[0]);
    // Biases start at zero (Keras default); the two 8×8-shaped streams of layers 1 and 2 differ.
    expect(a[1]!.every((v) => v === 0)).toBe(true);
    expect(a[3]!.slice(0, 8)).not.toEqual(a[2]!.slice(0, 8));
    // Glorot-uniform bound for the 8→8 layer: sqrt(6 / (8 + 8)).
    expect(Math.max(...a[2]!.map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / 16));
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });
});
