import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../../src/training/backends/backend.js';
import {
  simdTranspose,
  transposeMatrices,
} from '../../../../../src/training/backends/wasm-kernels/transpose-simd.js';
import { randomFloats } from './compare.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** Reference: [batch, rows, cols] → [batch, cols, rows]. */
function transposeReference(values: Float32Array, batch: number, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++)
        out[b * rows * cols + c * rows + r] = values[b * rows * cols + r * cols + c]!;
  }
  return out;
}

describe('transposeMatrices on wasm', () => {
  it('has the SIMD transpose on this runtime', () => {
    expect(simdTranspose(tf.backend() as BackendWasm)).toBeTypeOf('function');
  });

  // Multiples of 4 take the SIMD path (row strips of 16, the last one partial); others the built-in kernel.
  it.each([
    [1, 4, 4],
    [1, 20, 8],
    [2, 36, 12],
    [1, 64, 3072],
    [3, 6, 10],
    [1, 5, 8],
  ])('moves every value exactly: batch %i, %i × %i', (batch, rows, cols) => {
    const wasm = tf.backend() as BackendWasm;
    const values = randomFloats(batch * rows * cols, rows * 7 + cols);
    const x = tf.tensor3d(values, [batch, rows, cols]);
    const info = transposeMatrices(wasm, x);
    const y = tf.engine().makeTensorFromTensorInfo(info, wasm);
    expect(y.shape).toEqual([batch, cols, rows]);
    expect(
      Buffer.from((y.dataSync() as Float32Array).buffer).equals(
        Buffer.from(transposeReference(values, batch, rows, cols).buffer),
      ),
    ).toBe(true);
    tf.dispose([x, y]);
  });
});
