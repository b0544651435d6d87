/**
 * `Conv2DBackpropFilter` for the wasm backend, which has none. The filter gradient is
 * dW[kh,kw,ci,co] = Σ_{b,oh,ow} x[b, oh·s+kh−pt, ow·s+kw−pl, ci] · dy[b,oh,ow,co]: we lay the input
 * patches out transposed (im2col, one row per filter tap) and multiply by the output gradient with
 * one plain XNNPACK matmul: [KH·KW·Ci, N] · [N, Co] with N = B·OH·OW. Any stride and padding.
 * Single-threaded and order-fixed, so results are bit-identical run to run.
 */
import { backend_util, Conv2DBackpropFilter } from '../tfjs.js';
import type { Conv2DBackpropFilterAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { simdFilterAccumulators } from './conv2d-backprop-filter-simd.js';
import { heapPointer } from './wasm-asm.js';
import { heapF32, runOriginal, WASM, withShape } from './wasm-heap.js';

/**
 * Fill `colT` ([KH·KW·Ci, B·OH·OW], row-major) with the transposed patches of the NHWC input `x`.
 * Two loop orders with identical results: with many input channels, reading `x` contiguously (one
 * pixel's channels at a time) and writing KH·KW·Ci rows in step keeps both sides in cache; with
 * few channels (the first layer) filling one row at a time is faster.
 */
export function im2colTransposed(x: Float32Array, colT: Float32Array, info: backend_util.Conv2DInfo): void {
  if (info.inChannels >= 8) im2colTransposedByPixel(x, colT, info);
  else im2colTransposedByRow(x, colT, info);
}

function im2colTransposedByRow(x: Float32Array, colT: Float32Array, info: backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const n = batchSize * outHeight * outWidth;
  const rowStride = inWidth * inChannels;
  const colStep = strideWidth * inChannels;
  for (let kh = 0; kh < filterHeight; kh++) {
    for (let kw = 0; kw < filterWidth; kw++) {
      const offH = kh * dilationHeight - padTop;
      const offW = kw * dilationWidth - padLeft;
      // Output columns whose input column is inside the image: ow in [owLo, owHi).
      const owLo = Math.max(0, Math.ceil(-offW / strideWidth));
      const owHi = Math.min(outWidth, Math.floor((inWidth - 1 - offW) / strideWidth) + 1);
      for (let ci = 0; ci < inChannels; ci++) {
        let dst = ((kh * filterWidth + kw) * inChannels + ci) * n;
        for (let b = 0; b < batchSize; b++) {
          const batchBase = b * inHeight * rowStride + ci;
          for (let oh = 0; oh < outHeight; oh++) {
            const ih = oh * strideHeight + offH;
            if (ih < 0 || ih >= inHeight || owHi <= owLo) {
              colT.fill(0, dst, dst + outWidth);
              dst += outWidth;
              continue;
            }
            let ow = 0;
            for (; ow < owLo; ow++) colT[dst++] = 0;
            let src = batchBase + ih * rowStride + (owLo * strideWidth + offW) * inChannels;
            for (; ow < owHi; ow++) {
              colT[dst++] = x[src] as number;
              src += colStep;
            }
            for (; ow < outWidth; ow++) colT[dst++] = 0;
          }
        }
      }
    }
  }
}

function im2colTransposedByPixel(x: Float32Array, colT: Float32Array, info: backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const n = batchSize * outHeight * outWidth;
  const rowStride = inWidth * inChannels;
  let col0 = 0;
  for (let b = 0; b < batchSize; b++) {
    const batchBase = b * inHeight * rowStride;
    for (let oh = 0; oh < outHeight; oh++, col0 += outWidth) {
      for (let kh = 0; kh < filterHeight; kh++) {
        const ih = oh * strideHeight + kh * dilationHeight - padTop;
        const rowInside = ih >= 0 && ih < inHeight;
        for (let kw = 0; kw < filterWidth; kw++) {
          const rowBase = (kh * filterWidth + kw) * inChannels * n + col0;
          for (let ow = 0; ow < outWidth; ow++) {
            const iw = ow * strideWidth + kw * dilationWidth - padLeft;
            let dst = rowBase + ow;
            if (!rowInside || iw < 0 || iw >= inWidth) {
              for (let ci = 0; ci < inChannels; ci++, dst += n) colT[dst] = 0;
              continue;
            }
            let src = batchBase + ih * rowStride + iw * inChannels;
            for (let ci = 0; ci < inChannels; ci++, dst += n) colT[dst] = x[src++] as number;
          }
        }
      }
    }
  }
}

/** True when the direct SIMD path applies: output channels a multiple of 16 (four f32x4 vectors). */
export function conv2dFilterGradIsSimd(info: backend_util.Conv2DInfo): boolean {
  return info.outChannels % 16 === 0;
}

/** Output columns `[lo, hi)` whose input column `ow·stride + offset` lies inside `[0, inWidth)`. */
function columnRange(offset: number, stride: number, inWidth: number, outWidth: number): [number, number] {
  const lo = Math.max(0, Math.ceil(-offset / stride));
  const hi = Math.min(outWidth, Math.floor((inWidth - 1 - offset) / stride) + 1);
  return [lo, Math.max(lo, hi)];
}

/**
 * The direct SIMD filter gradient (see conv2d-backprop-filter-simd.ts), or undefined when the
 * runtime lacks wasm SIMD. One accumulation per (image, output row, filter row), covering the
 * whole filter row at once when its taps share their output columns, else one per tap.
 */
function conv2dFilterGradSimd(
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo | undefined {
  const simd = simdFilterAccumulators(backend);
  if (simd === undefined) return undefined;
  const {
    batchSize,
    inHeight,
    inWidth,
    inChannels: ci,
    outChannels: co,
    outHeight,
    outWidth,
    filterHeight,
    filterWidth,
  } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const dw = backend.makeOutput([filterHeight, filterWidth, ci, co], 'float32');
  heapF32(backend, dw).fill(0);
  const [x0, dy0, dw0] = [x, dy, dw].map((t) => heapPointer(backend, t)) as [number, number, number];
  const coBytes = co * 4;
  const xStep = strideWidth * ci * 4;
  const ranges = Array.from({ length: filterWidth }, (_, kw) =>
    columnRange(kw * dilationWidth - padLeft, strideWidth, inWidth, outWidth),
  );
  const [lo0, hi0] = ranges[0]!;
  const wholeRow = dilationWidth === 1 && ranges.every(([lo, hi]) => lo === lo0 && hi === hi0);
  /** Accumulate `channels` virtual channels starting at filter tap (kh, kw) over output columns [lo, hi). */
  const run = (
    b: number,
    oh: number,
    ih: number,
    kh: number,
    kw: number,
    lo: number,
    hi: number,
    channels: number,
  ) => {
    if (hi <= lo) return;
    const iw = lo * strideWidth + kw * dilationWidth - padLeft;
    const xAt = x0 + ((b * inHeight + ih) * inWidth + iw) * ci * 4;
    const dyAt = dy0 + ((b * outHeight + oh) * outWidth + lo) * coBytes;
    const dwAt = dw0 + (kh * filterWidth + kw) * ci * coBytes;
    const pairs = channels >> 1;
    if (pairs > 0) simd.accumulate2(xAt, dyAt, dwAt, hi - lo, xStep, coBytes, pairs, coBytes);
    if (channels % 2 === 1)
      simd.accumulate1(
        xAt + (channels - 1) * 4,
        dyAt,
        dwAt + (channels - 1) * coBytes,
        hi - lo,
        xStep,
        coBytes,
        1,
        coBytes,
      );
  };
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let kh = 0; kh < filterHeight; kh++) {
        const ih = oh * strideHeight + kh * dilationHeight - padTop;
        if (ih < 0 || ih >= inHeight) continue;
        if (wholeRow) run(b, oh, ih, kh, 0, lo0, hi0, filterWidth * ci);
        else
          for (let kw = 0; kw < filterWidth; kw++) run(b, oh, ih, kh, kw, ranges[kw]![0], ranges[kw]![1], ci);
      }
    }
  }
  return dw;
}

/** Filter gradient of an NHWC convolution; returns a new [KH, KW, Ci, Co] tensor. */
export function conv2dFilterGradNhwc(
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  if (conv2dFilterGradIsSimd(info)) {
    const direct = conv2dFilterGradSimd(backend, x, dy, info);
    if (direct !== undefined) return direct;
  }
  const { filterHeight, filterWidth, inChannels, outChannels } = info;
  const k = filterHeight * filterWidth * inChannels;
  const n = info.batchSize * info.outHeight * info.outWidth;
  const colT = backend.makeOutput([1, k, n], 'float32');
  im2colTransposed(heapF32(backend, x), heapF32(backend, colT), info);
  const product = runOriginal(
    'BatchMatMul',
    backend,
    { a: colT, b: withShape(dy, [1, n, outChannels]) },
    {
      transposeA: false,
      transposeB: false,
    },
  );
  backend.disposeData(colT.dataId);
  return withShape(product, [filterHeight, filterWidth, inChannels, outChannels]);
}

const conv2DBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as BackendWasm;
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } =
    attrs as unknown as Conv2DBackpropFilterAttrs;
  const format = backend_util.convertConv2DDataFormat(dataFormat);
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    format,
  );
  if (format === 'channelsLast') return conv2dFilterGradNhwc(wasm, x, dy, info);
  // NCHW: move channels last (the patches code is NHWC only). `info` holds sizes and pads only,
  // which do not depend on the layout, so it serves the transposed tensors as is.
  const toNhwc = { perm: [0, 2, 3, 1] };
  const xt = runOriginal('Transpose', wasm, { x }, toNhwc);
  const dyt = runOriginal('Transpose', wasm, { x: dy }, toNhwc);
  const dw = conv2dFilterGradNhwc(wasm, xt, dyt, info);
  wasm.disposeData(xt.dataId);
  wasm.disposeData(dyt.dataId);
  return dw;
};

/** Kernel config registered by `installWasmKernels` (always: the backend lacks this kernel). */
export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: WASM,
  kernelFunc: conv2DBackpropFilter,
};
