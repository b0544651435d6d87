import { Conv2DBackpropFilter, getKernel } from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../../../../src/training/backends/backend.js';
import {
  installedWasmKernels,
  installWasmKernels,
  REPLACED_KERNELS,
  WasmKernelSet,
} from '../../../../../src/training/backends/wasm-kernels/index.js';
import { originalKernel } from '../../../../../src/training/backends/wasm-kernels/wasm-heap.js';

describe('installWasmKernels', () => {
  it('replaces kernels keeping their setupFunc, and restores the built-in ones', async () => {
    await initBackend({ backend: 'wasm' });
    expect(installedWasmKernels()).toBe(WasmKernelSet.seedsweep);
    expect(REPLACED_KERNELS).toEqual([
      'Conv2DBackpropInput',
      'MaxPoolGrad',
      'BatchMatMul',
      'Sum',
      'Identity',
    ]);
    for (const name of REPLACED_KERNELS) {
      const active = getKernel(name, 'wasm');
      const builtin = originalKernel(name);
      expect(active, name).not.toBe(builtin);
      // The fallback path calls the wasm function that the built-in setup binds.
      expect(active?.setupFunc, name).toBe(builtin.setupFunc);
    }
    installWasmKernels({ kernels: WasmKernelSet.builtin });
    for (const name of REPLACED_KERNELS) expect(getKernel(name, 'wasm'), name).toBe(originalKernel(name));
    // The backend has no filter gradient of its own: it stays registered either way.
    expect(getKernel(Conv2DBackpropFilter, 'wasm')).toBeDefined();
    installWasmKernels({ kernels: WasmKernelSet.seedsweep });
    for (const name of REPLACED_KERNELS) expect(getKernel(name, 'wasm'), name).not.toBe(originalKernel(name));
  });
});
