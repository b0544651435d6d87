/**
 * Fast `Conv2DBackpropInput` for the wasm backend. The built-in kernel is a naive loop; for stride 1
 * the input gradient is a plain (XNNPACK) convolution of the output gradient, zero-padded by
 * K−1−pad on each side, with the spatially flipped, in/out-swapped filter. Other cases (strides
 * above 1, NCHW, pads larger than the filter) fall back to the built-in kernel.
 */
import { backend_util, Conv2DBackpropInput } from '../tfjs.js';
import type { Conv2DBackpropInputAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapF32, originalKernel, runOriginal, WASM } from './wasm-heap.js';

/** Write W'[kh,kw,co,ci] = W[KH−1−kh, KW−1−kw, ci, co] into `out`. */
export function flipSwapFilter(
  w: Float32Array,
  out: Float32Array,
  kh: number,
  kw: number,
  ci: number,
  co: number,
): void {
  for (let h = 0; h < kh; h++) {
    for (let v = 0; v < kw; v++) {
      const src = ((kh - 1 - h) * kw + (kw - 1 - v)) * ci * co;
      const dst = (h * kw + v) * co * ci;
      for (let o = 0; o < co; o++) {
        for (let i = 0; i < ci; i++) out[dst + o * ci + i] = w[src + i * co + o] as number;
      }
    }
  }
}

/** True when the fast path computes this case exactly as the convolution-of-flipped-filter identity. */
export function conv2dBackpropInputIsFast(info: backend_util.Conv2DInfo): boolean {
  const { padInfo, filterHeight, filterWidth } = info;
  return (
    info.dataFormat === 'channelsLast' &&
    info.strideHeight === 1 &&
    info.strideWidth === 1 &&
    info.dilationHeight === 1 &&
    info.dilationWidth === 1 &&
    Math.max(padInfo.top, padInfo.bottom) <= filterHeight - 1 &&
    Math.max(padInfo.left, padInfo.right) <= filterWidth - 1
  );
}

const conv2DBackpropInput: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args;
  const wasm = backend as BackendWasm;
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } =
    attrs as unknown as Conv2DBackpropInputAttrs;
  const info = backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    backend_util.convertConv2DDataFormat(dataFormat),
  );
  if (!conv2dBackpropInputIsFast(info)) return originalKernel(Conv2DBackpropInput).kernelFunc(args);

  const { filterHeight: kh, filterWidth: kw, inChannels: ci, outChannels: co, padInfo } = info;
  const flipped = wasm.makeOutput([kh, kw, co, ci], 'float32');
  flipSwapFilter(heapF32(wasm, filter), heapF32(wasm, flipped), kh, kw, ci, co);
  const fullPad: backend_util.ExplicitPadding = [
    [0, 0],
    [kh - 1 - padInfo.top, kh - 1 - padInfo.bottom],
    [kw - 1 - padInfo.left, kw - 1 - padInfo.right],
    [0, 0],
  ];
  const dx = runOriginal(
    'Conv2D',
    wasm,
    { x: dy, filter: flipped },
    {
      strides: [1, 1],
      pad: fullPad,
      dataFormat: 'NHWC',
      dilations: [1, 1],
    },
  );
  wasm.disposeData(flipped.dataId);
  return dx;
};

/** Kernel config registered by `installWasmKernels({ kernels: 'seedsweep' })`. */
export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: WASM,
  kernelFunc: conv2DBackpropInput,
};
