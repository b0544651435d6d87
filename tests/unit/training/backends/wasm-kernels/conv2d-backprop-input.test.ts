import { backend_util, Conv2DBackpropInput } from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { conv2dBackpropInputIsFast } from '../../../../../src/training/backends/wasm-kernels/conv2d-backprop-input.js';
import { compareWithCpu, randomFloats } from './compare.js';

interface Case {
  batch: number;
  size: [number, number];
  inChannels: number;
  outChannels: number;
  kernel: [number, number];
  strides: [number, number];
  pad: 'valid' | 'same' | number;
  /** Whether the seedsweep fast path handles it (otherwise the built-in kernel does). */
  fast: boolean;
}

const cases: Case[] = [
  {
    batch: 3,
    size: [13, 13],
    inChannels: 8,
    outChannels: 16,
    kernel: [3, 3],
    strides: [1, 1],
    pad: 'valid',
    fast: true,
  },
  {
    batch: 2,
    size: [14, 11],
    inChannels: 5,
    outChannels: 7,
    kernel: [5, 5],
    strides: [1, 1],
    pad: 'valid',
    fast: true,
  },
  {
    batch: 2,
    size: [10, 12],
    inChannels: 4,
    outChannels: 6,
    kernel: [3, 3],
    strides: [1, 1],
    pad: 'same',
    fast: true,
  },
  {
    batch: 2,
    size: [9, 8],
    inChannels: 3,
    outChannels: 5,
    kernel: [4, 2],
    strides: [1, 1],
    pad: 'same',
    fast: true,
  },
  {
    batch: 2,
    size: [8, 9],
    inChannels: 3,
    outChannels: 4,
    kernel: [3, 3],
    strides: [1, 1],
    pad: 2,
    fast: true,
  },
  {
    batch: 2,
    size: [15, 15],
    inChannels: 32,
    outChannels: 64,
    kernel: [3, 3],
    strides: [1, 1],
    pad: 'valid',
    fast: true,
  },
  {
    batch: 2,
    size: [11, 10],
    inChannels: 3,
    outChannels: 4,
    kernel: [3, 3],
    strides: [2, 2],
    pad: 'same',
    fast: false,
  },
  {
    batch: 2,
    size: [8, 8],
    inChannels: 3,
    outChannels: 4,
    kernel: [3, 3],
    strides: [1, 1],
    pad: 3,
    fast: false,
  },
];

describe('Conv2DBackpropInput on wasm (seedsweep kernel)', () => {
  it.each(cases)(
    'matches the cpu backend: $size $inChannels→$outChannels k$kernel s$strides pad $pad',
    async (c) => {
      const inputShape: [number, number, number, number] = [c.batch, ...c.size, c.inChannels];
      const filterShape: [number, number, number, number] = [...c.kernel, c.inChannels, c.outChannels];
      const info = backend_util.computeConv2DInfo(inputShape, filterShape, c.strides, 1, c.pad);
      expect(conv2dBackpropInputIsFast(info)).toBe(c.fast);
      const dyShape = [c.batch, info.outHeight, info.outWidth, c.outChannels];
      const inputs = {
        dy: {
          values: randomFloats(
            dyShape.reduce((a, b) => a * b),
            21,
          ),
          shape: dyShape,
        },
        filter: {
          values: randomFloats(
            filterShape.reduce((a, b) => a * b),
            22,
          ),
          shape: filterShape,
        },
      };
      const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape };
      const { wasm, error } = await compareWithCpu(Conv2DBackpropInput, inputs, attrs);
      expect(wasm.shape).toEqual(inputShape);
      expect(error).toBeLessThanOrEqual(1e-5);
    },
  );
});
