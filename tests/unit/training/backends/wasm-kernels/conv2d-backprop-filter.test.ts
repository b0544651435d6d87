import { backend_util, Conv2DBackpropFilter } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../../../../src/training/backends/backend.js';
import { conv2dFilterGradIsSimd } from '../../../../../src/training/backends/wasm-kernels/conv2d-backprop-filter.js';
import { simdFilterAccumulators } from '../../../../../src/training/backends/wasm-kernels/conv2d-backprop-filter-simd.js';
import { compareWithCpu, randomFloats } from './compare.js';

interface Case {
  batch: number;
  size: [number, number];
  inChannels: number;
  outChannels: number;
  kernel: [number, number];
  strides: [number, number];
  pad: 'valid' | 'same' | number;
  dataFormat?: 'NHWC' | 'NCHW';
}

const cases: Case[] = [
  { batch: 4, size: [12, 12], inChannels: 3, outChannels: 8, kernel: [3, 3], strides: [1, 1], pad: 'valid' },
  { batch: 3, size: [11, 9], inChannels: 5, outChannels: 7, kernel: [3, 3], strides: [2, 2], pad: 'valid' },
  { batch: 2, size: [10, 13], inChannels: 4, outChannels: 6, kernel: [3, 3], strides: [1, 1], pad: 'same' },
  { batch: 2, size: [9, 10], inChannels: 3, outChannels: 5, kernel: [5, 5], strides: [2, 2], pad: 'same' },
  { batch: 2, size: [8, 8], inChannels: 2, outChannels: 3, kernel: [4, 2], strides: [2, 1], pad: 'same' },
  { batch: 2, size: [7, 9], inChannels: 3, outChannels: 4, kernel: [3, 3], strides: [1, 2], pad: 1 },
  { batch: 2, size: [11, 12], inChannels: 8, outChannels: 6, kernel: [3, 3], strides: [2, 2], pad: 'same' },
  { batch: 2, size: [9, 9], inChannels: 16, outChannels: 4, kernel: [5, 3], strides: [1, 2], pad: 2 },
  {
    batch: 2,
    size: [15, 15],
    inChannels: 32,
    outChannels: 64,
    kernel: [3, 3],
    strides: [1, 1],
    pad: 'valid',
  },
  {
    batch: 2,
    size: [9, 8],
    inChannels: 3,
    outChannels: 4,
    kernel: [3, 3],
    strides: [2, 2],
    pad: 'same',
    dataFormat: 'NCHW',
  },
  // Output channels a multiple of 16: the direct SIMD path (whole filter rows, or tap by tap when padding clips them).
  { batch: 3, size: [12, 12], inChannels: 3, outChannels: 32, kernel: [3, 3], strides: [1, 1], pad: 'valid' },
  { batch: 2, size: [10, 13], inChannels: 5, outChannels: 16, kernel: [3, 3], strides: [1, 1], pad: 'same' },
  { batch: 2, size: [11, 9], inChannels: 4, outChannels: 16, kernel: [5, 5], strides: [2, 2], pad: 'same' },
  { batch: 2, size: [9, 10], inChannels: 3, outChannels: 48, kernel: [3, 2], strides: [2, 1], pad: 1 },
  {
    batch: 2,
    size: [8, 9],
    inChannels: 2,
    outChannels: 16,
    kernel: [3, 3],
    strides: [1, 1],
    pad: 'valid',
    dataFormat: 'NCHW',
  },
];

describe('Conv2DBackpropFilter on wasm (seedsweep kernel)', () => {
  it('has the SIMD accumulators on this runtime (so the multiple-of-16 cases exercise them)', async () => {
    await initBackend({ backend: 'wasm' });
    expect(simdFilterAccumulators(tf.backend() as BackendWasm)).toBeDefined();
  });

  it.each(cases)(
    'matches the cpu backend: $size $inChannels→$outChannels k$kernel s$strides $pad $dataFormat',
    async (c) => {
      const format = c.dataFormat ?? 'NHWC';
      const xShape: [number, number, number, number] =
        format === 'NHWC' ? [c.batch, ...c.size, c.inChannels] : [c.batch, c.inChannels, ...c.size];
      const filterShape: [number, number, number, number] = [...c.kernel, c.inChannels, c.outChannels];
      const info = backend_util.computeConv2DInfo(
        xShape,
        filterShape,
        c.strides,
        1,
        c.pad,
        undefined,
        false,
        backend_util.convertConv2DDataFormat(format),
      );
      const dyShape =
        format === 'NHWC'
          ? [c.batch, info.outHeight, info.outWidth, c.outChannels]
          : [c.batch, c.outChannels, info.outHeight, info.outWidth];
      const inputs = {
        x: {
          values: randomFloats(
            xShape.reduce((a, b) => a * b),
            11,
          ),
          shape: xShape,
        },
        dy: {
          values: randomFloats(
            dyShape.reduce((a, b) => a * b),
            12,
          ),
          shape: dyShape,
        },
      };
      expect(conv2dFilterGradIsSimd(info)).toBe(c.outChannels % 16 === 0);
      const attrs = { strides: c.strides, pad: c.pad, dataFormat: format, filterShape };
      const { wasm, cpu, error } = await compareWithCpu(Conv2DBackpropFilter, inputs, attrs);
      expect(wasm.shape).toEqual(filterShape);
      expect(cpu.shape).toEqual(filterShape);
      expect(error).toBeLessThanOrEqual(1e-5);
    },
  );
});
