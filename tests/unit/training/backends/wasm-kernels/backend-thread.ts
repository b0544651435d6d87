/**
 * Piscina worker used by backend.test.ts: initialises the backend in a worker thread (twice, to
 * check idempotence) and computes the reference CNN gradients there.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../../../src/training/backends/backend.js';
import { cnnGradients } from './compare.js';

export default async function run(seed: number): Promise<{
  first: unknown;
  second: unknown;
  active: string;
  loss: number;
  gradients: Record<string, Float32Array>;
}> {
  const first = await initBackend();
  const second = await initBackend();
  return { first, second, active: tf.getBackend(), ...cnnGradients(seed) };
}
