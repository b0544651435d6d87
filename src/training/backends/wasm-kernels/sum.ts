/**
 * `Sum` over leading axes on the wasm backend: the bias gradient of every conv and dense layer
 * (a [B,H,W,C] gradient summed to [C]). The built-in kernel transposes the reduced axes to the end
 * first, which costs more than the sum. Here one pass over the rows adds into a float64
 * accumulator per column (four rows at a time), so the float32 result is the correctly rounded sum
 * up to float64 error, like the cpu backend's. Other reductions (e.g. over the last axis) use the
 * built-in kernel.
 */
import { backend_util, Sum, util } from '../tfjs.js';
import type { KernelConfig, KernelFunc, SumAttrs, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapF32, originalKernel, WASM } from './wasm-heap.js';

/** Number of leading axes reduced when `axes` is exactly 0..k−1 with k < rank, else 0. */
export function leadingReductionAxes(shape: number[], axis: number | number[]): number {
  const axes = [...new Set(util.parseAxisParam(axis, shape))].sort((a, b) => a - b);
  if (axes.length === 0 || axes.length >= shape.length) return 0;
  return axes.every((a, i) => a === i) ? axes.length : 0;
}

/** out[c] = Σ_r x[r·cols + c], accumulated in float64 (a fixed order: deterministic). */
export function sumRows(x: Float32Array, out: Float32Array, rows: number, cols: number): void {
  const acc = new Float64Array(cols);
  let r = 0;
  let i = 0;
  // Four rows per pass halve the accumulator traffic; float64 keeps the order immaterial in practice.
  for (; r + 4 <= rows; r += 4, i += 4 * cols) {
    for (let c = 0; c < cols; c++) {
      const j = i + c;
      acc[c] =
        (acc[c] as number) +
        ((x[j] as number) +
          (x[j + cols] as number) +
          ((x[j + 2 * cols] as number) + (x[j + 3 * cols] as number)));
    }
  }
  for (; r < rows; r++, i += cols) {
    for (let c = 0; c < cols; c++) acc[c] = (acc[c] as number) + (x[i + c] as number);
  }
  out.set(acc);
}

const sum: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args;
  const { x } = inputs as { x: TensorInfo };
  const { axis, keepDims } = attrs as unknown as SumAttrs;
  const leading = x.dtype === 'float32' ? leadingReductionAxes(x.shape, axis) : 0;
  if (leading === 0) return originalKernel(Sum).kernelFunc(args);
  const wasm = backend as BackendWasm;
  const rows = util.sizeFromShape(x.shape.slice(0, leading));
  const kept = x.shape.slice(leading);
  const cols = util.sizeFromShape(kept);
  const outShape = keepDims
    ? backend_util.expandShapeToKeepDim(
        kept,
        Array.from({ length: leading }, (_, i) => i),
      )
    : kept;
  const out = wasm.makeOutput(outShape, 'float32');
  sumRows(heapF32(wasm, x), heapF32(wasm, out), rows, cols);
  return out;
};

/** Kernel config registered by `installWasmKernels({ kernels: 'seedsweep' })`. */
export const sumConfig: KernelConfig = { kernelName: Sum, backendName: WASM, kernelFunc: sum };
