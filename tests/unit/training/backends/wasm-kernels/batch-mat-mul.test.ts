import { BatchMatMul } from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { compareWithCpu, randomFloats } from './compare.js';

interface Case {
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
}

const cases: Case[] = [
  { a: [1, 64, 300], b: [1, 64, 128], transposeA: true, transposeB: false },
  { a: [1, 64, 128], b: [1, 300, 128], transposeA: false, transposeB: true },
  { a: [1, 33, 17], b: [1, 45, 33], transposeA: true, transposeB: true },
  { a: [3, 20, 7], b: [3, 20, 9], transposeA: true, transposeB: false },
  { a: [3, 7, 20], b: [1, 9, 20], transposeA: false, transposeB: true },
  { a: [2, 3, 8, 5], b: [2, 3, 6, 8], transposeA: true, transposeB: true },
  { a: [2, 10, 12], b: [2, 12, 6], transposeA: false, transposeB: false },
  // Transposes of sizes that are not multiples of 4 take the built-in transpose.
  { a: [1, 6, 50], b: [1, 6, 70], transposeA: true, transposeB: false },
  { a: [1, 5, 33], b: [1, 90, 33], transposeA: false, transposeB: true },
];

describe('BatchMatMul on wasm (seedsweep kernel)', () => {
  it.each(cases)('matches the cpu backend: $a × $b tA=$transposeA tB=$transposeB', async (c) => {
    const inputs = {
      a: {
        values: randomFloats(
          c.a.reduce((x, y) => x * y),
          41,
        ),
        shape: c.a,
      },
      b: {
        values: randomFloats(
          c.b.reduce((x, y) => x * y),
          42,
        ),
        shape: c.b,
      },
    };
    const { wasm, cpu, error } = await compareWithCpu(BatchMatMul, inputs, {
      transposeA: c.transposeA,
      transposeB: c.transposeB,
    });
    expect(wasm.shape).toEqual(cpu.shape);
    expect(error).toBeLessThanOrEqual(1e-5);
  });
});
