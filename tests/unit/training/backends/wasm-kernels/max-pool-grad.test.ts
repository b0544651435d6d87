import { backend_util, MaxPoolGrad } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  maxPoolGradIsSimd,
  maxPoolWindowsOverlap,
} from '../../../../../src/training/backends/wasm-kernels/max-pool-grad.js';
import { simdPoolRowRouter } from '../../../../../src/training/backends/wasm-kernels/max-pool-grad-simd.js';
import { initBackend } from '../../../../../src/training/backends/backend.js';
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
  /** Whether the WebAssembly SIMD path runs (2×2, stride 2, no padding, channels a multiple of 4). */
  simd?: boolean;
}

const cases: Case[] = [
  {
    shape: [4, 30, 30, 32],
    filterSize: [2, 2],
    strides: [2, 2],
    pad: 'valid',
    ties: false,
    overlap: false,
    simd: true,
  },
  {
    shape: [3, 13, 13, 16],
    filterSize: [2, 2],
    strides: [2, 2],
    pad: 'valid',
    ties: true,
    overlap: false,
    simd: true,
  },
  {
    shape: [2, 6, 7, 8],
    filterSize: [2, 2],
    strides: [2, 2],
    pad: 'same',
    ties: true,
    overlap: false,
    simd: false,
  },
  { shape: [2, 9, 11, 5], filterSize: [2, 2], strides: [2, 2], pad: 'same', ties: true, overlap: false },
  { shape: [2, 10, 9, 3], filterSize: [3, 3], strides: [3, 3], pad: 'same', ties: true, overlap: false },
  { shape: [2, 8, 8, 4], filterSize: [2, 3], strides: [2, 3], pad: 'valid', ties: false, overlap: false },
  // Overlapping windows: the built-in wasm kernel drops the gradient at row 4, column 0 here.
  { shape: [2, 9, 9, 4], filterSize: [3, 3], strides: [2, 2], pad: 'valid', ties: false, overlap: true },
  { shape: [2, 8, 7, 3], filterSize: [3, 3], strides: [1, 2], pad: 'same', ties: true, overlap: true },
];

/** The values max pooling saw: quantised when testing ties. */
function poolInput(c: Case): Float32Array {
  const values = randomFloats(
    c.shape.reduce((a, b) => a * b),
    31,
  );
  return c.ties ? values.map((v) => Math.round(v * 1.5)) : values;
}

describe('MaxPoolGrad on wasm (seedsweep kernel)', () => {
  it('has the SIMD router on this runtime (so the SIMD cases below exercise it)', async () => {
    await initBackend({ backend: 'wasm' });
    expect(simdPoolRowRouter(tf.backend() as BackendWasm)).toBeTypeOf('function');
  });

  it('routes like the scalar path around −∞ and NaN (they never win) and ties (the first wins)', async () => {
    await initBackend({ backend: 'wasm' });
    const inf = Number.NEGATIVE_INFINITY;
    // One 2×2 window per 4-channel group: channel d of window values [v00, v01, v10, v11].
    const windows = [
      [inf, inf, inf, inf],
      [Number.NaN, 1, 2, 2],
      [3, Number.NaN, 3, 1],
      [inf, Number.NaN, inf, -5],
    ];
    const x = new Float32Array(16);
    windows.forEach((w, d) => w.forEach((v, p) => (x[p * 4 + d] = v)));
    const dy = tf.tensor4d([10, 20, 30, 40], [1, 1, 1, 4]);
    const input = tf.tensor4d(x, [1, 2, 2, 4]);
    const dx = tf.tidy(() =>
      tf.grad((t: tf.Tensor) => tf.mul(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid'), dy))(input),
    );
    const got = Array.from(dx.dataSync());
    const expected = new Array<number>(16).fill(0);
    // Channel 0: nothing beats −∞; 1: the first 2 (position 2); 2: the first 3 (position 0); 3: −5 (position 3).
    expected[2 * 4 + 1] = 20;
    expected[0 * 4 + 2] = 30;
    expected[3 * 4 + 3] = 40;
    expect(got).toEqual(expected);
    tf.dispose([dy, input, dx]);
  });

  it.each(cases)(
    'matches the cpu backend exactly: $shape pool $filterSize s$strides $pad ties=$ties',
    async (c) => {
      const info = backend_util.computePool2DInfo(c.shape, c.filterSize, c.strides, 1, c.pad);
      expect(maxPoolWindowsOverlap(info)).toBe(c.overlap);
      expect(maxPoolGradIsSimd(info)).toBe(c.simd ?? false);
      const x = poolInput(c);
      const output = await initBackend({ backend: 'cpu' }).then(() =>
        tf.tidy(
          () =>
            tf.maxPool(tf.tensor4d(x, c.shape), c.filterSize, c.strides, c.pad).dataSync() as Float32Array,
        ),
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
    },
  );
});
