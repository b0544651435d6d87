/**
 * `MaxPoolGrad` for the wasm backend: one pass over the input finds each window's arg-max and routes
 * the output gradient there. Ties go to the first maximum in row-major window order, exactly like
 * the cpu backend, so exactly one position per window receives the gradient. Non-overlapping windows
 * (stride ≥ window, the Keras `MaxPool 2` case) write each gradient once; overlapping windows add
 * up in float64 in the cpu backend's order, so results are bit-identical to it. We never fall back:
 * the built-in kernel (4.22) is slower and drops some gradients of overlapping windows (a 3×3,
 * stride-2 pool on a 9×9 input loses the gradient at row 4, column 0).
 */
import { backend_util, MaxPoolGrad } from '../tfjs.js';
import type { KernelConfig, KernelFunc, MaxPoolGradAttrs, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { simdPoolRowRouter } from './max-pool-grad-simd.js';
import { heapPointer } from './wasm-asm.js';
import { heapF32, originalKernel, WASM } from './wasm-heap.js';

/** True when an input position can belong to two pooling windows. */
export function maxPoolWindowsOverlap(info: backend_util.Conv2DInfo): boolean {
  return info.strideHeight < info.filterHeight || info.strideWidth < info.filterWidth;
}

/**
 * Route `dy` ([B,OH,OW,C]) to each window's first arg-max in `x` ([B,H,W,C]), adding into `dx`
 * (zeroed by the caller; a Float64Array when windows overlap, so sums round once, as on cpu).
 */
export function routeMaxPoolGrad(
  x: Float32Array,
  dy: Float32Array,
  dx: Float32Array | Float64Array,
  info: backend_util.Conv2DInfo,
): void {
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const maxValue = new Float32Array(c);
  const maxIndex = new Int32Array(c);
  let dyIndex = 0;
  for (let b = 0; b < batchSize; b++) {
    const batchBase = b * inHeight * inWidth * c;
    for (let oh = 0; oh < outHeight; oh++) {
      const h0 = oh * strideHeight - padTop;
      const hLo = Math.max(0, h0);
      const hHi = Math.min(inHeight, h0 + filterHeight);
      for (let ow = 0; ow < outWidth; ow++, dyIndex += c) {
        const w0 = ow * strideWidth - padLeft;
        const wLo = Math.max(0, w0);
        const wHi = Math.min(inWidth, w0 + filterWidth);
        if (hHi - hLo === 2 && wHi - wLo === 2) {
          route2x2(x, dy, dx, batchBase + (hLo * inWidth + wLo) * c, inWidth * c, c, dyIndex);
          continue;
        }
        maxValue.fill(Number.NEGATIVE_INFINITY);
        maxIndex.fill(-1);
        for (let h = hLo; h < hHi; h++) {
          for (let w = wLo; w < wHi; w++) {
            const base = batchBase + (h * inWidth + w) * c;
            for (let d = 0; d < c; d++) {
              const v = x[base + d] as number;
              // Strict `>`: the first maximum in scan order wins, as in the cpu backend.
              if (v > (maxValue[d] as number)) {
                maxValue[d] = v;
                maxIndex[d] = base + d;
              }
            }
          }
        }
        for (let d = 0; d < c; d++) {
          const at = maxIndex[d] as number;
          if (at >= 0) dx[at] = (dx[at] as number) + (dy[dyIndex + d] as number);
        }
      }
    }
  }
}

/** The common 2×2 window, unrolled: same first-strict-maximum rule in the same scan order. */
function route2x2(
  x: Float32Array,
  dy: Float32Array,
  dx: Float32Array | Float64Array,
  topLeft: number,
  rowStride: number,
  c: number,
  dyIndex: number,
): void {
  for (let d = 0; d < c; d++) {
    const p00 = topLeft + d;
    const p10 = p00 + rowStride;
    let best = Number.NEGATIVE_INFINITY;
    let at = -1;
    let v = x[p00] as number;
    if (v > best) {
      best = v;
      at = p00;
    }
    v = x[p00 + c] as number;
    if (v > best) {
      best = v;
      at = p00 + c;
    }
    v = x[p10] as number;
    if (v > best) {
      best = v;
      at = p10;
    }
    v = x[p10 + c] as number;
    if (v > best) at = p10 + c;
    if (at >= 0) dx[at] = (dx[at] as number) + (dy[dyIndex + d] as number);
  }
}

/** True for the pool the SIMD router handles: 2×2, stride 2, windows inside the input, channels a multiple of 4. */
export function maxPoolGradIsSimd(info: backend_util.Conv2DInfo): boolean {
  return (
    info.filterHeight === 2 &&
    info.filterWidth === 2 &&
    info.strideHeight === 2 &&
    info.strideWidth === 2 &&
    info.padInfo.top === 0 &&
    info.padInfo.left === 0 &&
    info.outHeight * 2 <= info.inHeight &&
    info.outWidth * 2 <= info.inWidth &&
    info.inChannels % 4 === 0
  );
}

/** The SIMD path: one call per row of windows; uncovered last rows/columns (odd sizes) get zeros. */
function routeSimd(
  wasm: BackendWasm,
  input: TensorInfo,
  dy: TensorInfo,
  dx: TensorInfo,
  info: backend_util.Conv2DInfo,
): boolean {
  const route = simdPoolRowRouter(wasm);
  if (route === undefined) return false;
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth } = info;
  if (outHeight * 2 < inHeight || outWidth * 2 < inWidth) heapF32(wasm, dx).fill(0);
  const [x0, dy0, dx0] = [input, dy, dx].map((t) => heapPointer(wasm, t)) as [number, number, number];
  const channelBytes = inChannels * 4;
  const rowBytes = inWidth * channelBytes;
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const inOffset = (b * inHeight + 2 * oh) * rowBytes;
      const dyOffset = (b * outHeight + oh) * outWidth * channelBytes;
      route(x0 + inOffset, dy0 + dyOffset, dx0 + inOffset, outWidth, channelBytes, rowBytes);
    }
  }
  return true;
}

const maxPoolGrad: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args;
  const wasm = backend as BackendWasm;
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolGradAttrs;
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  if (input.dtype !== 'float32' || dy.dtype !== 'float32')
    return originalKernel(MaxPoolGrad).kernelFunc(args);
  const dx = wasm.makeOutput(input.shape, 'float32');
  if (maxPoolGradIsSimd(info) && routeSimd(wasm, input, dy, dx, info)) return dx;
  const dxView = heapF32(wasm, dx);
  if (maxPoolWindowsOverlap(info)) {
    const sums = new Float64Array(dxView.length);
    routeMaxPoolGrad(heapF32(wasm, input), heapF32(wasm, dy), sums, info);
    dxView.set(sums);
  } else {
    dxView.fill(0);
    routeMaxPoolGrad(heapF32(wasm, input), heapF32(wasm, dy), dxView, info);
  }
  return dx;
};

/** Kernel config registered by `installWasmKernels({ kernels: 'seedsweep' })`. */
export const maxPoolGradConfig: KernelConfig = {
  kernelName: MaxPoolGrad,
  backendName: WASM,
  kernelFunc: maxPoolGrad,
};
