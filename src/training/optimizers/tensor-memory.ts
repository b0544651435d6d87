/**
 * Float32 data of tensors for the fused optimisers: zero-copy views of the wasm heap on the wasm
 * backend, `dataSync` copies elsewhere. New values always go into a NEW tensor (never written in
 * place): the wasm backend caches XNNPACK operators with packed weights by tensor id, so an
 * in-place write would leave a stale packed copy behind.
 */
import * as tf from '../backends/tfjs.js';
import type { TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
export { emscripten, heapPointer } from '../backends/wasm-kernels/wasm-asm.js';

/** The wasm backend when it is the active one. */
export function activeWasmBackend(): BackendWasm | undefined {
  return tf.getBackend() === 'wasm' ? (tf.backend() as BackendWasm) : undefined;
}

/**
 * Makes a new float32 tensor of `shape` and lets `compute` fill it from the data of `inputs`. On
 * wasm, `out` and `ins` are views of the heap, taken after the output was allocated (allocating
 * can grow the heap, which detaches older views): `compute` must not allocate TF.js tensors.
 */
export function computeTensor(
  shape: number[],
  inputs: readonly tf.Tensor[],
  compute: (out: Float32Array, ins: Float32Array[]) => void,
): tf.Tensor {
  for (const t of inputs) {
    if (t.dtype !== 'float32') throw new Error(`fused optimiser: expected a float32 tensor, got ${t.dtype}.`);
  }
  const wasm = activeWasmBackend();
  if (wasm !== undefined) {
    const info = wasm.makeOutput(shape, 'float32');
    const out = wasm.typedArrayFromHeap(info) as Float32Array;
    const ins = inputs.map((t) => wasm.typedArrayFromHeap(t as unknown as TensorInfo) as Float32Array);
    compute(out, ins);
    return tf.engine().makeTensorFromTensorInfo(info, wasm);
  }
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  compute(
    out,
    inputs.map((t) => t.dataSync() as Float32Array),
  );
  return tf.tensor(out, shape, 'float32');
}
