import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { imageClassifierParams } from '../../../../src/models/image-classifier/params.js';
import { modelStatsOf } from '../../../../src/training/model-stats.js';
import { buildImageClassifier } from '../../../../src/models/image-classifier/architectures.js';
import { useTestBackend } from '../../training/fixtures.js';

/** The built-in's model at these parameters (parsed by its schema: defaults filled in). */
const buildModel = (params: Record<string, unknown>, seed = 1) =>
  buildImageClassifier(imageClassifierParams.parse(params), seed);

/** Stats of the model the parameters build. */
function statsOf(params: Record<string, unknown>) {
  const model = buildModel(params);
  try {
    return modelStatsOf(model);
  } finally {
    model.dispose();
  }
}

beforeAll(useTestBackend);

// Layer formulas: conv params k·k·Cin·F + F; conv FLOPs 2·k·k·Cin·F·Hout·Wout; dense params N·M + M;
// dense FLOPs 2·N·M. `valid`: Hout = H − k + 1; `same`: Hout = H; pool 2: floor(H / 2).
const expected = {
  fc: {
    params: { model: 'fc' },
    // 3072→512, 512→256, 256→10
    convParams: 0,
    denseParams: 3072 * 512 + 512 + (512 * 256 + 256) + (256 * 10 + 10), // 1,707,274
    flopsPerImage: 2 * (3072 * 512 + 512 * 256 + 256 * 10), // 3,412,992
  },
  cnn3valid: {
    params: { model: 'cnn', kernel_size: 3, padding: 'valid' },
    // 32 → conv 30 → pool 15 → conv 13 → pool 6; flatten 6·6·64 = 2304
    convParams: 3 * 3 * 3 * 32 + 32 + (3 * 3 * 32 * 64 + 64), // 896 + 18,496
    denseParams: 2304 * 128 + 128 + (128 * 10 + 10), // 295,040 + 1,290
    flopsPerImage: 2 * (3 * 3 * 3 * 32 * 30 * 30 + 3 * 3 * 32 * 64 * 13 * 13 + 2304 * 128 + 128 * 10), // 8,377,600
  },
  cnn3same: {
    params: { model: 'cnn', kernel_size: 3, padding: 'same' },
    // 32 → conv 32 → pool 16 → conv 16 → pool 8; flatten 8·8·64 = 4096
    convParams: 3 * 3 * 3 * 32 + 32 + (3 * 3 * 32 * 64 + 64),
    denseParams: 4096 * 128 + 128 + (128 * 10 + 10), // 524,416 + 1,290
    flopsPerImage: 2 * (3 * 3 * 3 * 32 * 32 * 32 + 3 * 3 * 32 * 64 * 16 * 16 + 4096 * 128 + 128 * 10), // 12,257,792
  },
  cnn5valid: {
    params: { model: 'cnn', kernel_size: 5, padding: 'valid' },
    // 32 → conv 28 → pool 14 → conv 10 → pool 5; flatten 5·5·64 = 1600
    convParams: 5 * 5 * 3 * 32 + 32 + (5 * 5 * 32 * 64 + 64), // 2,432 + 51,264
    denseParams: 1600 * 128 + 128 + (128 * 10 + 10), // 204,928 + 1,290
    flopsPerImage: 2 * (5 * 5 * 3 * 32 * 28 * 28 + 5 * 5 * 32 * 64 * 10 * 10 + 1600 * 128 + 128 * 10), // 14,415,360
  },
  cnn5same: {
    params: { model: 'cnn', kernel_size: 5, padding: 'same' },
    convParams: 5 * 5 * 3 * 32 + 32 + (5 * 5 * 32 * 64 + 64),
    denseParams: 4096 * 128 + 128 + (128 * 10 + 10),
    flopsPerImage: 2 * (5 * 5 * 3 * 32 * 32 * 32 + 5 * 5 * 32 * 64 * 16 * 16 + 4096 * 128 + 128 * 10), // 32,180,736
  },
};

describe('the image classifier’s models', () => {
  it.each(Object.entries(expected))('%s: the hand-derived parameter counts and FLOPs', (_name, e) => {
    expect(statsOf(e.params)).toMatchObject({
      totalParams: e.convParams + e.denseParams,
      convParams: e.convParams,
      denseParams: e.denseParams,
      flopsPerImage: e.flopsPerImage,
    });
  });

  it('spells out the study totals', () => {
    expect(statsOf({ model: 'fc' }).totalParams).toBe(1_707_274);
    expect(statsOf({ model: 'cnn' }).totalParams).toBe(315_722);
    expect(statsOf({ model: 'cnn', kernel_size: 5 }).totalParams).toBe(259_914);
    expect(statsOf({}).totalParams).toBe(315_722); // model: cnn by default
  });

  it('its schema rejects parameters that leave no feature map, or are out of range, naming them', () => {
    const problems = (params: Record<string, unknown>) => {
      const parsed = imageClassifierParams.safeParse(params);
      return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(problems({ model: 'cnn', kernel_size: 11 })).toEqual([
      expect.stringMatching(/^kernel_size: kernel_size 11 .* leaves no feature map/),
    ]);
    expect(problems({ model: 'cnn', kernel_size: 11, padding: 'same' })).toEqual([]);
    expect(problems({ model: 'cnn', kernel_size: 0 })).toEqual([
      'kernel_size: expected an integer from 1 to 11; got 0',
    ]);
    expect(problems({ model: 'mlp' })).toEqual(['model: unknown model "mlp"; known models: fc, cnn']);
    expect(problems({ model: 'fc', kernel_size: 3 })).toEqual([
      ": 'kernel_size' is a parameter of model cnn, not of fc (fc takes units1, units2)",
    ]);
  });
});

describe('buildImageClassifier', () => {
  it.each(Object.entries(expected))('builds %s with the parameter count the formulas give', (_name, e) => {
    const model = buildModel(e.params);
    try {
      expect(model.countParams()).toBe(e.convParams + e.denseParams);
      expect(model.outputs[0]!.shape).toEqual([null, 10]);
    } finally {
      model.dispose();
    }
  });

  it('uses the study’s layer order: conv, pool, conv, pool, flatten, dense, dense (valid, stride 1)', () => {
    const model = buildModel({ model: 'cnn' });
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
      const model = buildModel({ model: 'fc', units1: 8, units2: 8 }, seed);
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
