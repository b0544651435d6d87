import { Sum } from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { leadingReductionAxes } from '../../../../../src/training/backends/wasm-kernels/sum.js';
import { compareWithCpu, randomFloats } from './compare.js';

interface Case {
  shape: number[];
  axis: number | number[];
  keepDims: boolean;
  /** Leading axes the seedsweep path reduces (0: the built-in kernel runs). */
  leading: number;
}

const cases: Case[] = [
  { shape: [16, 30, 30, 32], axis: [0, 1, 2], keepDims: false, leading: 3 },
  { shape: [64, 128], axis: 0, keepDims: false, leading: 1 },
  { shape: [5, 7, 9], axis: [1, 0], keepDims: true, leading: 2 },
  { shape: [7, 3], axis: 0, keepDims: false, leading: 1 },
  { shape: [3, 4, 5, 6], axis: [-4, -3], keepDims: false, leading: 2 },
  { shape: [64, 10], axis: -1, keepDims: true, leading: 0 },
  { shape: [4, 5, 6], axis: [0, 2], keepDims: false, leading: 0 },
  { shape: [4, 5], axis: [0, 1], keepDims: false, leading: 0 },
];

describe('Sum on wasm (seedsweep kernel)', () => {
  it.each(cases)('matches the cpu backend: $shape axis $axis keepDims=$keepDims', async (c) => {
    expect(leadingReductionAxes(c.shape, c.axis)).toBe(c.leading);
    const inputs = {
      x: {
        values: randomFloats(
          c.shape.reduce((a, b) => a * b),
          51,
        ),
        shape: c.shape,
      },
    };
    const { wasm, cpu, error } = await compareWithCpu(Sum, inputs, { axis: c.axis, keepDims: c.keepDims });
    expect(wasm.shape).toEqual(cpu.shape);
    // float64 accumulation like the cpu backend: equal up to float32 rounding.
    expect(error).toBeLessThanOrEqual(c.leading > 0 ? 1e-7 : 1e-5);
  });
});
