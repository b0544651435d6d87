/**
 * `BatchMatMul` with `transposeA`/`transposeB` on the wasm backend: XNNPACK reaches ~20 GFLOP/s on a
 * plain product but the built-in kernel drops to ~1.5 GFLOP/s when either flag is set (the dense
 * layers' backward pass). An explicit transpose first (SIMD, see transpose-simd.ts), then a plain
 * product, is ~10× faster. Products without transposes go straight to the built-in kernel.
 */
import { BatchMatMul } from '../tfjs.js';
import type { BatchMatMulAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { transposeMatrices } from './transpose-simd.js';
import { originalKernel, runOriginal, WASM, withShape } from './wasm-heap.js';

/** Swap the last two axes of `t` into a new tensor (batch axes flattened for the transpose). */
function transposeLastTwo(backend: BackendWasm, t: TensorInfo): TensorInfo {
  const rank = t.shape.length;
  const rows = t.shape[rank - 2] as number;
  const cols = t.shape[rank - 1] as number;
  const outer = t.shape.slice(0, -2);
  const batch = outer.reduce((a, b) => a * b, 1);
  const out = transposeMatrices(backend, withShape(t, [batch, rows, cols]));
  return withShape(out, [...outer, cols, rows]);
}

const batchMatMul: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args;
  const { transposeA, transposeB } = attrs as unknown as BatchMatMulAttrs;
  const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
  if ((!transposeA && !transposeB) || a.dtype !== 'float32' || b.dtype !== 'float32') {
    return originalKernel(BatchMatMul).kernelFunc(args);
  }
  const wasm = backend as BackendWasm;
  const plainA = transposeA ? transposeLastTwo(wasm, a) : a;
  const plainB = transposeB ? transposeLastTwo(wasm, b) : b;
  const out = runOriginal(
    BatchMatMul,
    wasm,
    { a: plainA, b: plainB },
    { transposeA: false, transposeB: false },
  );
  if (transposeA) wasm.disposeData(plainA.dataId);
  if (transposeB) wasm.disposeData(plainB.dataId);
  return out;
};

/** Kernel config registered by `installWasmKernels({ kernels: 'seedsweep' })`. */
export const batchMatMulConfig: KernelConfig = {
  kernelName: BatchMatMul,
  backendName: WASM,
  kernelFunc: batchMatMul,
};
