/**
 * Zero-copy `Identity` for the wasm backend. The built-in kernel copies the data, and the engine
 * runs Identity (via `clone`) for every tensor the gradient tape saves, so a training step copied
 * each activation once more. Like the cpu backend's Identity (and the wasm `Reshape`), this one
 * shares the data and counts a reference: tensors are immutable, so sharing is safe.
 */
import { Identity } from '../tfjs.js';
import type { IdentityInputs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { originalKernel, WASM } from './wasm-heap.js';

const identity: KernelFunc = (args) => {
  const { x } = args.inputs as unknown as IdentityInputs & { x: TensorInfo };
  if (x.dtype === 'string') return originalKernel(Identity).kernelFunc(args);
  (args.backend as BackendWasm).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
};

/** Kernel config registered by `installWasmKernels({ kernels: 'seedsweep' })`. */
export const identityConfig: KernelConfig = { kernelName: Identity, backendName: WASM, kernelFunc: identity };
