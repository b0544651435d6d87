/**
 * `seedsweep worker --queue gpu --gpus 0,1` end to end, on a host without a usable GPU: the real GPU
 * children fail fast (no tfjs-node-gpu binding here; an unreachable Temporal address elsewhere), and
 * the command must then exit non-zero, naming each GPU whose worker failed.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../common/paths.js';

const run = promisify(execFile);

describe('seedsweep worker --queue gpu --gpus', () => {
  it('exits non-zero and names each GPU whose worker failed', async () => {
    const env = {
      ...process.env,
      // Never reach a real server, even on a host where the GPU backend loads.
      TEMPORAL_ADDRESS: '127.0.0.1:1',
      MLFLOW_TRACKING_URI: 'http://127.0.0.1:1',
      SEEDSWEEP_STATE_DIR: mkdtempSync(path.join(os.tmpdir(), 'seedsweep-gpu-worker-')),
    };
    let result: { code: number; stderr: string };
    try {
      const { stderr } = await run(
        process.execPath,
        [
          '--import',
          'tsx',
          path.join(PACKAGE_ROOT, 'cli', 'main.ts'),
          'worker',
          '--queue',
          'gpu',
          '--gpus',
          '0,1',
        ],
        {
          cwd: PACKAGE_ROOT,
          env,
          timeout: 90_000,
        },
      );
      result = { code: 0, stderr };
    } catch (error) {
      const e = error as { code: number; stderr: string };
      result = { code: e.code, stderr: e.stderr };
    }
    expect(result.stderr).not.toMatch(/unexpected error/);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/GPU 0 worker \(pid \d+\) exited with code 2/);
    expect(result.stderr).toMatch(/GPU 1 worker \(pid \d+\) exited with code 2/);
    expect(result.stderr).toMatch(/error\[E_GPU_WORKER_FAILED\]: GPU 0 worker .*; GPU 1 worker /);
  });
});
