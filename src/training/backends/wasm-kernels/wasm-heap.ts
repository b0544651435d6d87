/**
 * Low-level helpers shared by the seedsweep wasm kernels: views of tensors on the wasm heap,
 * zero-copy reshapes, and calls into the backend's original (built-in) kernels.
 *
 * Kernels run inside `engine.runKernel`, so they must work on `TensorInfo`s of the wasm backend
 * directly (as the built-in kernels do) and free every intermediate with `disposeData`.
 */
import { getKernel } from '../tfjs.js';
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** Backend name the kernels register under. */
export const WASM = 'wasm';

/** A float32 view of a tensor's data on the wasm heap. Take views only after all allocations: growing the heap detaches them. */
export function heapF32(backend: BackendWasm, info: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/** The same data under another shape (no copy; the caller keeps ownership of `info`). */
export function withShape(info: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

/** Original kernels captured before seedsweep overrides them, so fast paths can fall back. */
const originals = new Map<string, KernelConfig>();

/** Remember the built-in kernel `name` (first call wins, so re-installing never captures our own override). */
export function captureOriginal(name: string): KernelConfig | undefined {
  const existing = originals.get(name);
  if (existing !== undefined) return existing;
  const config = getKernel(name, WASM);
  if (config !== undefined) originals.set(name, config);
  return config;
}

/** The built-in kernel `name`, whether or not seedsweep has replaced it. */
export function originalKernel(name: string): KernelConfig {
  const config = originals.get(name) ?? getKernel(name, WASM);
  if (config === undefined) throw new Error(`The wasm backend has no built-in ${name} kernel.`);
  return config;
}

/** Run the built-in kernel `name` and return its single output. */
export function runOriginal(
  name: string,
  backend: BackendWasm,
  inputs: Record<string, TensorInfo>,
  attrs: NamedAttrMap,
): TensorInfo {
  const out = originalKernel(name).kernelFunc({ inputs, backend, attrs });
  if (Array.isArray(out)) {
    const [first] = out;
    if (first === undefined || out.length !== 1)
      throw new Error(`${name} returned ${out.length} outputs, expected 1.`);
    return first;
  }
  return out;
}
