import * as tf from '@tensorflow/tfjs';
import { Identity } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../../src/training/backends/backend.js';
import { compareWithCpu, randomFloats } from './compare.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('Identity on wasm (seedsweep kernel)', () => {
  it('matches the cpu backend', async () => {
    const { wasm, cpu, error } = await compareWithCpu(
      Identity,
      { x: { values: randomFloats(60, 3), shape: [3, 4, 5] } },
      {},
    );
    expect(wasm.shape).toEqual(cpu.shape);
    expect(error).toBe(0);
  });

  it('shares the data instead of copying, and the clone outlives its source', () => {
    const x = tf.tensor([1, 2, 3, 4], [2, 2]);
    const buffersBefore = tf.memory().numDataBuffers;
    const y = tf.clone(x);
    expect(tf.memory().numDataBuffers).toBe(buffersBefore); // no new data buffer
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4]);
    const z = tf.add(y, 1); // the shared data is still valid for kernels
    expect(Array.from(z.dataSync())).toEqual([2, 3, 4, 5]);
    tf.dispose([y, z]);
  });

  it('keeps ints and bools intact', () => {
    const i = tf.tensor([1, -2, 3], [3], 'int32');
    const b = tf.tensor([true, false], [2], 'bool');
    const [ci, cb] = [tf.clone(i), tf.clone(b)];
    expect(Array.from(ci.dataSync())).toEqual([1, -2, 3]);
    expect(Array.from(cb.dataSync())).toEqual([1, 0]);
    expect([ci.dtype, cb.dtype]).toEqual(['int32', 'bool']);
    tf.dispose([i, b, ci, cb]);
  });
});
