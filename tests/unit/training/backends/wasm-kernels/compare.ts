/**
 * Helpers for the wasm-kernel tests: seeded random data, running one kernel on a chosen backend,
 * and the relative error measure max |diff| / max |ref|.
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedAttrMap } from '@tensorflow/tfjs';
import { initBackend } from '../../../../../src/training/backends/backend.js';

/** Deterministic uniform floats in [-1, 1) (mulberry32). */
export function randomFloats(length: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** Inputs of one kernel call as plain data, so the same values can go to any backend. */
export type KernelInputs = Record<string, { values: Float32Array; shape: number[] }>;

/** Run `kernel` once on `backend` (wasm with seedsweep kernels, or cpu) and return its output values. */
export async function runKernelOn(
  backend: 'wasm' | 'cpu',
  kernel: string,
  inputs: KernelInputs,
  attrs: NamedAttrMap,
): Promise<{ values: Float32Array; shape: number[] }> {
  await initBackend({ backend });
  return tf.tidy(() => {
    const tensors: Record<string, tf.Tensor> = {};
    for (const [name, { values, shape }] of Object.entries(inputs))
      tensors[name] = tf.tensor(values, shape, 'float32');
    const out = tf.engine().runKernel(kernel, tensors, attrs) as tf.Tensor;
    return { values: out.dataSync() as Float32Array, shape: out.shape };
  });
}

/** max |a − ref| / max |ref| (0 when both are all zeros). */
export function relativeError(actual: Float32Array, reference: Float32Array): number {
  if (actual.length !== reference.length) throw new Error(`length ${actual.length} ≠ ${reference.length}`);
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < reference.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs((actual[i] as number) - (reference[i] as number)));
    maxRef = Math.max(maxRef, Math.abs(reference[i] as number));
  }
  if (Number.isNaN(maxDiff)) return Number.POSITIVE_INFINITY;
  return maxRef === 0 ? maxDiff : maxDiff / maxRef;
}

/** Run on wasm and on cpu; return both outputs and the relative error. */
export async function compareWithCpu(
  kernel: string,
  inputs: KernelInputs,
  attrs: NamedAttrMap,
): Promise<{
  wasm: { values: Float32Array; shape: number[] };
  cpu: { values: Float32Array; shape: number[] };
  error: number;
}> {
  const wasm = await runKernelOn('wasm', kernel, inputs, attrs);
  const cpu = await runKernelOn('cpu', kernel, inputs, attrs);
  return { wasm, cpu, error: relativeError(wasm.values, cpu.values) };
}

/**
 * Loss and gradients of a small study-shaped CNN (conv 3×3 → relu → pool 2 → conv 3×3 → relu →
 * pool 2 → dense → softmax cross-entropy) on seeded data, on the current backend. Exercises every
 * seedsweep kernel through TF.js's own gradient code.
 */
export function cnnGradients(
  seed: number,
  batch = 4,
): { loss: number; gradients: Record<string, Float32Array> } {
  return tf.tidy(() => {
    const x = tf.tensor4d(randomFloats(batch * 16 * 16 * 3, seed), [batch, 16, 16, 3]);
    const labels = tf.oneHot(
      tf.tensor1d(
        Array.from({ length: batch }, (_, i) => (i * 7 + seed) % 10),
        'int32',
      ),
      10,
    );
    const weights = {
      w1: tf.variable(
        tf.tensor4d(
          randomFloats(3 * 3 * 3 * 8, seed + 1).map((v) => v * 0.5),
          [3, 3, 3, 8],
        ),
      ),
      b1: tf.variable(tf.tensor1d(randomFloats(8, seed + 2).map((v) => v * 0.1))),
      w2: tf.variable(
        tf.tensor4d(
          randomFloats(3 * 3 * 8 * 16, seed + 3).map((v) => v * 0.2),
          [3, 3, 8, 16],
        ),
      ),
      b2: tf.variable(tf.tensor1d(randomFloats(16, seed + 4).map((v) => v * 0.1))),
      w3: tf.variable(
        tf.tensor2d(
          randomFloats(2 * 2 * 16 * 10, seed + 5).map((v) => v * 0.2),
          [64, 10],
        ),
      ),
    };
    const { value, grads } = tf.variableGrads(() => {
      let h = tf.relu(tf.add(tf.conv2d(x, weights.w1, 1, 'valid'), weights.b1)) as tf.Tensor4D;
      h = tf.maxPool(h, 2, 2, 'valid');
      h = tf.relu(tf.add(tf.conv2d(h, weights.w2, 1, 'valid'), weights.b2)) as tf.Tensor4D;
      h = tf.maxPool(h, 2, 2, 'valid');
      const logits = tf.matMul(tf.reshape(h, [batch, 64]), weights.w3);
      return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
    });
    const gradients: Record<string, Float32Array> = {};
    for (const [name, variable] of Object.entries(weights)) {
      const grad = grads[variable.name];
      if (grad === undefined) throw new Error(`no gradient for ${name}`);
      gradients[name] = grad.dataSync() as Float32Array;
      variable.dispose();
    }
    return { loss: value.dataSync()[0] as number, gradients };
  });
}
