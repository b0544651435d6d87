/**
 * The seedsweep gradient kernels for the TF.js wasm backend. `installWasmKernels` is idempotent and
 * may run before or after the backend initialises: overrides keep the built-in kernel's `setupFunc`
 * (it binds the wasm function the fallback path calls), and the engine looks kernels up per call.
 *
 * | kernel               | seedsweep path                                        | falls back to built-in for     |
 * |----------------------|-------------------------------------------------------|--------------------------------|
 * | Conv2DBackpropFilter | direct SIMD accumulation (Co % 16 = 0), else          | — (the backend has none)       |
 * |                      | transposed im2col + one XNNPACK matmul (added kernel) |                                |
 * | Conv2DBackpropInput  | conv of padded dy with flipped filter                 | stride > 1, NCHW, pad ≥ kernel |
 * | MaxPoolGrad          | SIMD for 2×2/stride 2 (C % 4 = 0), else one arg-max   | non-float32                    |
 * |                      | pass; the first maximum wins ties either way          |                                |
 * | BatchMatMul          | SIMD transpose, then plain matmul                     | non-float32, no transposes     |
 * | Sum                  | float64 column sums over leading axes                 | other axes, non-float32        |
 * | Identity             | shares the data (no copy), like the cpu backend       | strings                        |
 *
 * The SIMD paths are WebAssembly modules assembled at run time (wasm-asm.ts) that work on the
 * backend's heap in place; without wasm SIMD they are skipped and the scalar paths run.
 */
import { Conv2DBackpropFilter, getKernel, registerKernel, unregisterKernel } from '../tfjs.js';
import type { KernelConfig } from '@tensorflow/tfjs';
import { batchMatMulConfig } from './batch-mat-mul.js';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.js';
import { identityConfig } from './identity.js';
import { maxPoolGradConfig } from './max-pool-grad.js';
import { sumConfig } from './sum.js';
import { captureOriginal, WASM } from './wasm-heap.js';

/** Which gradient kernels the wasm backend runs. */
export const WasmKernelSet = {
  /** seedsweep's fast kernels (the default). */
  seedsweep: 'seedsweep',
  /** The backend's own kernels, plus only the missing `Conv2DBackpropFilter` (for benchmarks). */
  builtin: 'builtin',
} as const;
export type WasmKernelSet = (typeof WasmKernelSet)[keyof typeof WasmKernelSet];

/** Kernels that replace a built-in one. */
const REPLACEMENTS: readonly KernelConfig[] = [
  conv2DBackpropInputConfig,
  maxPoolGradConfig,
  batchMatMulConfig,
  sumConfig,
  identityConfig,
];

/** Names of the kernels seedsweep replaces (for tests and benchmarks). */
export const REPLACED_KERNELS: readonly string[] = REPLACEMENTS.map((c) => c.kernelName);

let installed: WasmKernelSet | undefined;

/** Options of {@link installWasmKernels}. */
export interface InstallWasmKernelsOptions {
  /** Which kernel set to activate. @default 'seedsweep' */
  kernels?: WasmKernelSet;
}

function replace(config: KernelConfig): void {
  if (getKernel(config.kernelName, WASM) !== undefined) unregisterKernel(config.kernelName, WASM);
  registerKernel(config);
}

/**
 * Register the seedsweep kernels on the wasm backend (or restore the built-in ones). Safe to call
 * any number of times, in any thread; affects only this thread's TF.js engine.
 */
export function installWasmKernels(options: InstallWasmKernelsOptions = {}): void {
  const kernels = options.kernels ?? WasmKernelSet.seedsweep;
  if (installed === kernels) return;
  replace(conv2DBackpropFilterConfig);
  if (getKernel(Conv2DBackpropFilter, WASM) === undefined)
    throw new Error('Conv2DBackpropFilter failed to register.');
  for (const config of REPLACEMENTS) {
    const original = captureOriginal(config.kernelName);
    if (original === undefined) continue; // Nothing to replace or to fall back to: leave as is.
    replace(kernels === WasmKernelSet.seedsweep ? { ...config, setupFunc: original.setupFunc } : original);
  }
  installed = kernels;
}

/** The kernel set installed in this thread, if any. */
export function installedWasmKernels(): WasmKernelSet | undefined {
  return installed;
}
