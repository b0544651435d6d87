import { backend_util, MaxPoolGrad } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { maxPoolWindowsOverlap } from '../../../../engine/wasm-kernels/max-pool-grad.js';
import { initBackend } from '../../../../engine/backend.js';
import { compareWithCpu, randomFloats } from './compare.js';

interface Case {
  shape: [number, number, number, number];
  filterSize: [number, number];
  strides: [number, number];
  pad: 'valid' | 'same';
  /** Quantise inputs to a few levels so most windows hold ties. */
  ties: boolean;
  /** Whether an input position can sit in two windows (its gradients then add up). */
  overlap: boolean;
}

const cases: Case[] = [
  { shape: [4, 30, 30, 32], filterSize: [2, 2], strides: [2, 2], pad: 'valid', ties: false, overlap: false },
  { shape: [3, 13, 13, 16], filterSize: [2, 2], strides: [2, 2], pad: 'valid', ties: true, overlap: false },
  { shape: [2, 9, 11, 5], filterSize: [2, 2], strides: [2, 2], pad: 'same', ties: true, overlap: false },
  { shape: [2, 10, 9, 3], filterSize: [3, 3], strides: [3, 3], pad: 'same', ties: true, overlap: false },
  { shape: [2, 8, 8, 4], filterSize: [2, 3], strides: [2, 3], pad: 'valid', ties: false, overlap: false },
  // Overlapping windows: the built-in wasm kernel drops the gradient at row 4, column 0 here.
  { shape: [2, 9, 9, 4], filterSize: [3, 3], strides: [2, 2], pad: 'valid', ties: false, overlap: true },
  { shape: [2, 8, 7, 3], filterSize: [3, 3], strides: [1, 2], pad: 'same', ties: true, overlap: true },
];

/** The values max pooling saw: quantised when testing ties. */
function poolInput(c: Case): Float32Array {
  const values = randomFloats(c.shape.reduce((a, b) => a * b), 31);
  return c.ties ? values.map((v) => Math.round(v * 1.5)) : values;
}

describe('MaxPoolGrad on wasm (seedsweep kernel)', () => {
  it.each(cases)('matches the cpu backend exactly: $shape pool $filterSize s$strides $pad ties=$ties', async (c) => {
    const info = backend_util.computePool2DInfo(c.shape, c.filterSize, c.strides, 1, c.pad);
    expect(maxPoolWindowsOverlap(info)).toBe(c.overlap);
    const x = poolInput(c);
    const output = await initBackend({ backend: 'cpu' }).then(() =>
      tf.tidy(() => tf.maxPool(tf.tensor4d(x, c.shape), c.filterSize, c.strides, c.pad).dataSync() as Float32Array),
    );
    const outShape = [c.shape[0], info.outHeight, info.outWidth, c.shape[3]];
    const inputs = {
      dy: { values: randomFloats(output.length, 32), shape: outShape },
      input: { values: x, shape: c.shape },
      output: { values: output, shape: outShape },
    };
    const attrs = { filterSize: c.filterSize, strides: c.strides, pad: c.pad };
    const { wasm, cpu } = await compareWithCpu(MaxPoolGrad, inputs, attrs);
    // Same routing and summation order as the cpu backend: bit-identical.
    expect(Array.from(wasm.values)).toEqual(Array.from(cpu.values));
    if (!c.overlap) {
      // Exactly one position per window receives its (non-zero) gradient, ties included.
      const nonZero = wasm.values.reduce((n, v) => n + (v !== 0 ? 1 : 0), 0);
      expect(nonZero).toBe(output.length);
    }
  });
});
