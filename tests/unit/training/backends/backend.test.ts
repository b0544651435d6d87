import * as tf from '@tensorflow/tfjs';
import { Piscina } from 'piscina';
import { afterEach, describe, expect, it } from 'vitest';
import { isUserError } from '../../../../src/core/common/errors.js';
import { resolveWorkerScript } from '../../../../src/core/common/worker-script.js';
import {
  BackendName,
  backendFromEnv,
  backendNotice,
  initBackend,
  nativeBuildStatus,
  type NativeBackendName,
} from '../../../../src/training/backends/backend.js';
import { cnnGradients, relativeError } from './wasm-kernels/compare.js';

/** True when scripts/native-tf.sh (run by scripts/setup.sh) built the package's addon. */
function nativeBuilt(name: NativeBackendName): boolean {
  return nativeBuildStatus(name).built;
}
const anyNative = nativeBuilt(BackendName.tensorflowGpu) || nativeBuilt(BackendName.tensorflow);
const NEEDS_NATIVE = 'needs the native TensorFlow backend (bash scripts/setup.sh builds it)';

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
  it('selects the first backend that loads, once per thread, and says why when it is not native', async () => {
    delete process.env.SEEDSWEEP_BACKEND;
    const first = await initBackend();
    const second = await initBackend();
    expect(second).toBe(first);
    if (anyNative) {
      expect(first.name).toMatch(/^tensorflow(-gpu)?$/);
      expect(first.tfVersion).toMatch(/^\d+\.\d+\.\d+/);
      expect(['cpu', 'gpu']).toContain(first.device);
      expect(backendNotice()).toBeUndefined();
    } else {
      expect(first).toEqual({ name: 'wasm', version: tf.version_core, device: 'cpu' });
      expect(tf.getBackend()).toBe('wasm');
      expect(backendNotice()).toBe(
        'seedsweep: training on wasm (@tensorflow/tfjs-node is not built: run `bash scripts/setup.sh` to build the native TensorFlow backend)',
      );
    }
  });

  it('selects again when code in the thread switched TF.js to another backend since', async () => {
    expect((await initBackend({ backend: BackendName.wasm })).name).toBe('wasm');
    await tf.setBackend('cpu');
    expect((await initBackend({ backend: BackendName.wasm })).name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('says nothing about the native backend when wasm is asked for by name', async () => {
    await initBackend({ backend: BackendName.wasm });
    expect(backendNotice()).toBeUndefined();
  });

  it.each([
    [BackendName.tensorflow, '`bash scripts/setup.sh`'],
    [BackendName.tensorflowGpu, '`SEEDSWEEP_GPU=1 bash scripts/setup.sh`'],
  ])('rejects an explicit %s that is not built, saying how to build it', async (backend, command) => {
    if (nativeBuilt(backend)) return;
    const error = await rejection(initBackend({ backend }));
    expect(isUserError(error)).toBe(true);
    expect(error.code).toBe('E_BACKEND_UNAVAILABLE');
    expect(error.message).toContain('is not built');
    expect(error.message).toContain(command);
    expect(error.message).toContain('SEEDSWEEP_NATIVE_TF unset');
    expect(error.message).not.toContain('npm install');
  });

  it('locates the addon where tfjs-node itself looks for it', () => {
    for (const name of [BackendName.tensorflow, BackendName.tensorflowGpu] as const) {
      const status = nativeBuildStatus(name);
      if (status.built) expect(status.bindingPath).toMatch(/lib\/napi-v\d+\/tfjs_binding\.node$/);
      else {
        expect(status.reason).toMatch(/^@tensorflow\/tfjs-node(-gpu)? is not (built|installed)$/);
        if (status.reason.endsWith('built'))
          expect(status.detail).toMatch(/^no lib\/napi-v\d+\/tfjs_binding\.node$/);
      }
    }
  });

  it.skipIf(!nativeBuilt(BackendName.tensorflow))(
    `records TensorFlow's version and the device of the native backend (${NEEDS_NATIVE})`,
    async () => {
      const info = await initBackend({ backend: BackendName.tensorflow });
      expect(info).toEqual({
        name: 'tensorflow',
        version: '4.22.0',
        tfVersion: expect.stringMatching(/^\d+\.\d+\.\d+/),
        device: expect.stringMatching(/^(cpu|gpu)$/),
      });
      expect(tf.getBackend()).toBe('tensorflow');
      expect(tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)).dataSync()[0])).toBe(3);
    },
  );

  it('falls back from an unavailable named backend when not strict', async () => {
    const absent = [BackendName.tensorflowGpu, BackendName.tensorflow].find((name) => !nativeBuilt(name));
    if (absent === undefined) return; // both built: nothing is unavailable
    const info = await initBackend({ backend: absent, strict: false });
    expect(info.name).not.toBe(absent);
    expect(info.name).toBe(nativeBuilt(BackendName.tensorflow) ? 'tensorflow' : 'wasm');
  });

  it('honours SEEDSWEEP_BACKEND and rejects unknown names', async () => {
    process.env.SEEDSWEEP_BACKEND = 'cpu';
    expect(await initBackend()).toEqual({ name: 'cpu', version: tf.version_cpu, device: 'cpu' });
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
    // The threads select through the environment they start with, so they use wasm even where the
    // native backend is built.
    process.env.SEEDSWEEP_BACKEND = 'wasm';
    await initBackend({ backend: 'wasm' });
    const main = cnnGradients(5);
    const { filename, execArgv } = resolveWorkerScript(import.meta.url, './wasm-kernels/backend-thread');
    const pool = new Piscina({ filename, execArgv, minThreads: 1, maxThreads: 1 });
    try {
      const results = await Promise.all([pool.run(5), pool.run(5)]);
      for (const result of results) {
        expect(result.first).toEqual({ name: 'wasm', version: tf.version_core, device: 'cpu' });
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
