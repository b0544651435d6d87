import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Piscina } from 'piscina';
import { afterEach, describe, expect, it } from 'vitest';
import { isUserError } from '../../../common/errors.js';
import { resolveWorkerScript } from '../../../common/worker-script.js';
import { BackendName, backendFromEnv, initBackend } from '../../../engine/backend.js';
import { cnnGradients, relativeError } from './kernels/compare.js';

const require = createRequire(import.meta.url);

/**
 * True when a native tfjs-node package has its binding (built by its install script, which this
 * repo does not allow: then `lib/` is missing and the package cannot load).
 */
async function nativeLoads(pkg: string): Promise<boolean> {
  try {
    return existsSync(path.join(path.dirname(require.resolve(`${pkg}/package.json`)), 'lib'));
  } catch {
    return false;
  }
}

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

const savedEnv = process.env.SEEDSWEEP_BACKEND;
afterEach(() => {
  if (savedEnv === undefined) delete process.env.SEEDSWEEP_BACKEND;
  else process.env.SEEDSWEEP_BACKEND = savedEnv;
});

describe('initBackend', () => {
  it('falls through the missing native backends to wasm, once per thread', async () => {
    delete process.env.SEEDSWEEP_BACKEND;
    const native =
      (await nativeLoads('@tensorflow/tfjs-node-gpu')) || (await nativeLoads('@tensorflow/tfjs-node'));
    const first = await initBackend();
    const second = await initBackend();
    expect(second).toBe(first);
    if (!native) {
      expect(first).toEqual({ name: 'wasm', version: tf.version_core });
      expect(tf.getBackend()).toBe('wasm');
    }
  });

  it.each([
    [BackendName.tensorflow, 'npm install @tensorflow/tfjs-node'],
    [BackendName.tensorflowGpu, 'CUDA'],
  ])('rejects an explicit %s that cannot load with install instructions', async (backend, hint) => {
    if (
      await nativeLoads(
        backend === BackendName.tensorflow ? '@tensorflow/tfjs-node' : '@tensorflow/tfjs-node-gpu',
      )
    )
      return;
    const error = await rejection(initBackend({ backend }));
    expect(isUserError(error)).toBe(true);
    expect(error.code).toBe('E_BACKEND_UNAVAILABLE');
    expect(error.message).toContain(hint);
    expect(error.message).toContain('allowScripts');
  });

  it('falls back from an unavailable named backend when not strict', async () => {
    if (await nativeLoads('@tensorflow/tfjs-node')) return;
    const info = await initBackend({ backend: BackendName.tensorflow, strict: false });
    expect(info.name).toBe('wasm');
  });

  it('honours SEEDSWEEP_BACKEND and rejects unknown names', async () => {
    process.env.SEEDSWEEP_BACKEND = 'cpu';
    expect(await initBackend()).toEqual({ name: 'cpu', version: tf.version_cpu });
    expect(tf.getBackend()).toBe('cpu');
    process.env.SEEDSWEEP_BACKEND = 'tpu';
    const error = await rejection(initBackend());
    expect(error.code).toBe('E_BAD_BACKEND');
    expect(error.message).toContain('SEEDSWEEP_BACKEND=tpu');
    expect(backendFromEnv({ SEEDSWEEP_BACKEND: ' Auto ' })).toBeUndefined();
    expect(backendFromEnv({ SEEDSWEEP_BACKEND: 'WASM' })).toBe('wasm');
  });

  it('trains a CNN on wasm with gradients matching cpu, bit-identical on reruns', async () => {
    await initBackend({ backend: 'cpu' });
    const reference = cnnGradients(3);
    await initBackend({ backend: 'wasm' });
    const first = cnnGradients(3);
    const second = cnnGradients(3);
    expect(Math.abs(first.loss - reference.loss)).toBeLessThan(1e-5 * Math.abs(reference.loss));
    for (const [name, values] of Object.entries(reference.gradients)) {
      expect(relativeError(first.gradients[name] as Float32Array, values), name).toBeLessThanOrEqual(1e-5);
      expect(Array.from(second.gradients[name] as Float32Array), name).toEqual(
        Array.from(first.gradients[name] as Float32Array),
      );
    }
  });

  it('works inside piscina worker threads with the same results as the main thread', async () => {
    delete process.env.SEEDSWEEP_BACKEND;
    if ((await nativeLoads('@tensorflow/tfjs-node')) || (await nativeLoads('@tensorflow/tfjs-node-gpu')))
      return;
    await initBackend({ backend: 'wasm' });
    const main = cnnGradients(5);
    const { filename, execArgv } = resolveWorkerScript(import.meta.url, './kernels/backend-thread');
    const pool = new Piscina({ filename, execArgv, minThreads: 1, maxThreads: 1 });
    try {
      const results = await Promise.all([pool.run(5), pool.run(5)]);
      for (const result of results) {
        expect(result.first).toEqual({ name: 'wasm', version: tf.version_core });
        expect(result.second).toEqual(result.first);
        expect(result.active).toBe('wasm');
        expect(result.loss).toBe(main.loss);
        for (const [name, values] of Object.entries(main.gradients)) {
          expect(Array.from(result.gradients[name] as Float32Array), name).toEqual(Array.from(values));
        }
      }
    } finally {
      await pool.destroy();
    }
  });
});
