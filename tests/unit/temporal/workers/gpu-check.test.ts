/**
 * The GPU worker's fail-fast checks: with stand-in probes for each missing piece, and on this host as
 * it is (without a GPU the check must fail; with one it passes only if the GPU build is in place).
 */
import { describe, expect, it } from 'vitest';
import { isUserError } from '../../../../src/core/common/errors.js';
import {
  checkGpuHost,
  parseNvidiaSmiList,
  requireGpuDevice,
  systemGpuProbe,
  type GpuHostProbe,
} from '../../../../src/temporal/workers/gpu-check.js';

const FIX = '`SEEDSWEEP_GPU=1 bash scripts/setup.sh`';

function failure(action: () => void): Error & { code?: string } {
  try {
    action();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a failure');
}

const probe = (over: Partial<GpuHostProbe>): GpuHostProbe => ({
  listGpus: () => ({ ok: true, indices: ['0', '1'] }),
  gpuBackendMissing: () => undefined,
  ...over,
});

describe('checkGpuHost', () => {
  it('passes when the driver lists the GPUs and the GPU build is in place', () => {
    expect(() => checkGpuHost(['0', '1'], probe({}))).not.toThrow();
    expect(() => checkGpuHost(undefined, probe({}))).not.toThrow();
  });

  it.each([
    [
      'no driver',
      probe({ listGpus: () => ({ ok: false, reason: 'no NVIDIA driver (nvidia-smi not found)' }) }),
      ['0'],
      'no NVIDIA driver (nvidia-smi not found)',
    ],
    ['an absent GPU index', probe({}), ['0', '3'], 'GPU 3 not found (nvidia-smi lists 0, 1)'],
    [
      'no GPU build',
      probe({ gpuBackendMissing: () => '@tensorflow/tfjs-node-gpu is not built' }),
      ['0'],
      '@tensorflow/tfjs-node-gpu is not built',
    ],
  ])('fails on one line naming %s and the fixing command', (_what, p, gpus, missing) => {
    const error = failure(() => checkGpuHost(gpus, p));
    expect(isUserError(error)).toBe(true);
    expect(error.code).toBe('E_GPU_BACKEND');
    expect(error.message).toContain(missing);
    expect(error.message).toContain(FIX);
    expect(error.message).not.toContain('\n');
  });

  it('names every missing piece at once', () => {
    const error = failure(() =>
      checkGpuHost(
        ['0'],
        probe({
          listGpus: () => ({ ok: false, reason: 'no NVIDIA driver (nvidia-smi not found)' }),
          gpuBackendMissing: () => '@tensorflow/tfjs-node-gpu is not built',
        }),
      ),
    );
    expect(error.message).toMatch(
      /^GPU worker cannot start: no NVIDIA driver \(nvidia-smi not found\); @tensorflow\/tfjs-node-gpu is not built\. Fix: /,
    );
  });

  it('on this host: fails unless nvidia-smi lists a GPU and the GPU build is in place', () => {
    const gpus = systemGpuProbe.listGpus();
    const missing = systemGpuProbe.gpuBackendMissing();
    if (gpus.ok && missing === undefined) {
      expect(() => checkGpuHost(undefined)).not.toThrow();
      return;
    }
    const error = failure(() => checkGpuHost(['0']));
    expect(error.code).toBe('E_GPU_BACKEND');
    expect(error.message).toContain(FIX);
    if (!gpus.ok) expect(error.message).toContain(gpus.reason);
    if (missing !== undefined) expect(error.message).toContain(missing);
  });
});

describe('parseNvidiaSmiList', () => {
  it('reads the indices of `nvidia-smi -L`', () => {
    expect(
      parseNvidiaSmiList(
        'GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-1)\nGPU 1: NVIDIA A100-SXM4-40GB (UUID: GPU-2)\n',
      ),
    ).toEqual(['0', '1']);
    expect(parseNvidiaSmiList('No devices found.\n')).toEqual([]);
  });
});

describe('requireGpuDevice', () => {
  it('accepts a backend on a GPU and rejects one that fell back to the CPU', () => {
    expect(() =>
      requireGpuDevice({ name: 'tensorflow-gpu', version: '4.22.0', tfVersion: '2.21.0', device: 'gpu' }),
    ).not.toThrow();
    const error = failure(() =>
      requireGpuDevice({ name: 'tensorflow-gpu', version: '4.22.0', tfVersion: '2.21.0', device: 'cpu' }),
    );
    expect(error.code).toBe('E_GPU_BACKEND');
    expect(error.message).toContain('TensorFlow sees no GPU');
    expect(error.message).toContain(FIX);
  });
});
