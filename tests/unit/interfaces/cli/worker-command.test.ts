/**
 * `seedsweep worker --queue gpu --gpus 0,1` end to end. On a host without a usable GPU (no NVIDIA
 * driver, or no GPU build) it must fail fast, before spawning children or connecting anywhere, with one
 * line naming what is missing and the command that fixes it. Where the GPU backend is in place, the
 * children start and fail on an unreachable Temporal address, and the command must exit non-zero,
 * naming each GPU whose worker failed.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../../src/core/common/paths.js';
import { systemGpuProbe } from '../../../../src/temporal/workers/gpu-check.js';
import { cliArgs } from '../../../cli-entry.js';

const run = promisify(execFile);

async function worker(args: string[]): Promise<{ code: number; stderr: string; seconds: number }> {
  const env = {
    ...process.env,
    // Never reach a real server, even on a host where the GPU backend loads.
    TEMPORAL_ADDRESS: '127.0.0.1:1',
    MLFLOW_TRACKING_URI: 'http://127.0.0.1:1',
    SEEDSWEEP_STATE_DIR: mkdtempSync(path.join(os.tmpdir(), 'seedsweep-gpu-worker-')),
  };
  const start = performance.now();
  try {
    const { stderr } = await run(process.execPath, [...cliArgs(), 'worker', ...args], {
      cwd: PACKAGE_ROOT,
      env,
      timeout: 90_000,
    });
    return { code: 0, stderr, seconds: (performance.now() - start) / 1000 };
  } catch (error) {
    const e = error as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr, seconds: (performance.now() - start) / 1000 };
  }
}

const gpuHost = systemGpuProbe.listGpus().ok && systemGpuProbe.gpuBackendMissing() === undefined;

describe('seedsweep worker --queue gpu --gpus', () => {
  it.skipIf(gpuHost)(
    'fails fast on a host without a working GPU backend, in one line with the fixing command',
    async () => {
      const result = await worker(['--queue', 'gpu', '--gpus', '0,1']);
      expect(result.code, result.stderr).toBe(2);
      const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^error\[E_GPU_BACKEND\]: GPU worker cannot start: /);
      expect(lines[0]).toContain('`SEEDSWEEP_GPU=1 bash scripts/setup.sh`');
      expect(lines[0]).not.toMatch(/GPU \d worker \(pid/); // no child was started
      expect(result.seconds).toBeLessThan(30); // CLI start-up only; nothing waits on a network
    },
  );

  it.skipIf(!gpuHost)(
    'exits non-zero and names each GPU whose worker failed (needs a GPU and SEEDSWEEP_GPU=1 bash scripts/setup.sh)',
    async () => {
      const result = await worker(['--queue', 'gpu', '--gpus', '0']);
      expect(result.stderr).not.toMatch(/unexpected error/);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(/GPU 0 worker \(pid \d+\) exited with code 2/);
      expect(result.stderr).toMatch(/error\[E_GPU_WORKER_FAILED\]: GPU 0 worker /);
    },
  );

  it('does not check for a GPU with the noop trainer (orchestration benchmarks)', async () => {
    // The children start (nothing checks a GPU) and fail on the unreachable Temporal address.
    const result = await worker(['--queue', 'gpu', '--gpus', '0', '--trainer', 'noop']);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).not.toContain('E_GPU_BACKEND');
    expect(result.stderr).toMatch(/GPU 0 worker \(pid \d+\) exited with code 2/);
  });
});
