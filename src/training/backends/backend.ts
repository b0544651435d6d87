/**
 * TF.js backend selection. The engine is written against `@tensorflow/tfjs` only; at start we pick
 * the first backend that loads: `tfjs-node-gpu` → `tfjs-node` → `wasm` → `cpu`. The native packages
 * are optional dependencies whose own install step cannot run here (it downloads libtensorflow);
 * `seedsweep setup` builds their addon instead (src/interfaces/setup/native.ts). A native package without its
 * addon is skipped without importing it; when automatic selection ends on wasm or cpu for that
 * reason, {@link backendNotice} says so, once per thread, for the pool to print once per process.
 * `SEEDSWEEP_BACKEND` or `options.backend` names one backend; a named backend that cannot load is a
 * `UserError` saying how to build it.
 *
 * Per-thread: TF.js keeps one engine per JS realm, so every piscina thread calls `initBackend` once;
 * repeated calls with the same request return the same promise.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import * as tf from './tfjs.js';
import { UserError } from '../../core/common/errors.js';
import {
  BACKEND_PREFERENCE,
  BackendName,
  GPU_SETUP_COMMAND,
  NATIVE_PACKAGES,
  NATIVE_SETUP_COMMAND,
  backendFromEnv,
  nativeBuildStatus,
  type NativeBackendName,
} from './native-probe.js';
import type { BackendInfo } from '../runner/types.js';
import { installWasmKernels, WasmKernelSet } from './wasm-kernels/index.js';

export {
  BACKEND_ENV,
  BACKEND_PREFERENCE,
  BackendName,
  GPU_SETUP_COMMAND,
  NATIVE_PACKAGES,
  NATIVE_SETUP_COMMAND,
  backendFromEnv,
  nativeBuildStatus,
  type NativeBackendName,
  type NativeBuildStatus,
} from './native-probe.js';

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /** Backend to use. @default the `SEEDSWEEP_BACKEND` variable, else automatic selection */
  backend?: BackendName;
  /**
   * Throw a `UserError` when the named backend cannot load, instead of falling back down the
   * preference list. Ignored in automatic selection (`cpu` always loads).
   * @default true
   */
  strict?: boolean;
  /** Gradient kernels on the wasm backend; `builtin` exists for benchmarks. @default 'seedsweep' */
  wasmKernels?: WasmKernelSet;
}

const require = createRequire(import.meta.url);

/**
 * Why a backend did not load (for the error message of an explicit choice); `notBuilt`, the short
 * form, when a native backend's addon is missing.
 */
type LoadResult = { ok: true; info: BackendInfo } | { ok: false; reason: string; notBuilt?: string };

/**
 * Hide TensorFlow's C++ INFO logs (the CPU-feature banner; warnings and errors still show) unless
 * `TF_CPP_MIN_LOG_LEVEL` is set. The oneDNN line printed once per process before logging is set up
 * ignores it. Only the main thread can do this: a worker thread's `process.env` is a copy that native
 * code does not see, so call it before starting threads.
 */
export function quietTensorFlowLogs(): void {
  if (isMainThread && process.env['TF_CPP_MIN_LOG_LEVEL'] === undefined) {
    process.env['TF_CPP_MIN_LOG_LEVEL'] = '1';
  }
}

function packageVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return tf.version_core;
  }
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}

/** Per-thread outcome of importing each native package: a failed import is not retried. */
const nativeImports = new Map<string, Promise<string | undefined>>();

/**
 * Import a native tfjs-node package once per thread; resolves to the failure reason, if any. A
 * package without its binding fails half-way through registering its kernels, and a retry (or the
 * other native package) would log one "already registered" warning per kernel: keep it quiet.
 */
function importNative(pkg: string): Promise<string | undefined> {
  let attempt = nativeImports.get(pkg);
  if (attempt === undefined) {
    attempt = withoutWarnings(async () => {
      try {
        // A string variable keeps TypeScript from requiring the optional package's types.
        const specifier: string = pkg;
        await import(specifier);
        return undefined;
      } catch (error) {
        return `${pkg} did not load: ${describe(error)}`;
      }
    });
    nativeImports.set(pkg, attempt);
  }
  return attempt;
}

/** Run `action` with console.warn silenced (TF.js reports init and registration problems there). */
async function withoutWarnings<T>(action: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    return await action();
  } finally {
    console.warn = warn;
  }
}

/** Import a native tfjs-node package; it registers the `tensorflow` backend on our TF.js engine. */
async function loadNative(name: NativeBackendName): Promise<LoadResult> {
  const pkg = NATIVE_PACKAGES[name];
  const status = nativeBuildStatus(name);
  if (!status.built) {
    const reason = status.detail ? `${status.reason} (${status.detail})` : status.reason;
    return { ok: false, reason, notBuilt: status.reason };
  }
  const failure = await importNative(pkg);
  if (failure !== undefined) return { ok: false, reason: failure };
  if (!(await setBackendQuietly('tensorflow'))) {
    return { ok: false, reason: `${pkg} loaded but did not register a working 'tensorflow' backend` };
  }
  // tfjs-node's backend keeps its addon as `binding` (`TF_Version`: TensorFlow's own version string)
  // and asked it once, at creation, whether TensorFlow's eager context has a GPU device.
  const backend = tf.backend() as { binding?: { TF_Version?: unknown }; isUsingGpuDevice?: unknown };
  const tfVersion = backend.binding?.TF_Version;
  return {
    ok: true,
    info: {
      name,
      version: packageVersion(pkg),
      ...(typeof tfVersion === 'string' ? { tfVersion } : {}),
      device: backend.isUsingGpuDevice === true ? 'gpu' : 'cpu',
    },
  };
}

/** `tf.setBackend` logs init failures with console.warn; we report them ourselves. */
async function setBackendQuietly(name: string): Promise<boolean> {
  if (tf.findBackendFactory(name) === null && !(name in tf.engine().registry)) return false;
  return withoutWarnings(async () => {
    try {
      return await tf.setBackend(name);
    } catch {
      return false;
    }
  });
}

/** Directory holding the backend's `.wasm` binaries (node_modules/@tensorflow/tfjs-backend-wasm/dist/). */
export function wasmBinaryDirectory(): string {
  return (
    path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep
  );
}

async function loadWasm(kernels: WasmKernelSet): Promise<LoadResult> {
  let wasmModule: typeof import('@tensorflow/tfjs-backend-wasm');
  try {
    wasmModule = await import('@tensorflow/tfjs-backend-wasm');
    // Threads need cross-origin isolation in browsers and give data-dependent scheduling; one
    // thread per trial keeps reruns bit-identical. SIMD stays on where the runtime has it.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    // Paths can only be set before the backend's first initialisation.
    if (!('wasm' in tf.engine().registry)) wasmModule.setWasmPaths(wasmBinaryDirectory());
  } catch (error) {
    return { ok: false, reason: `@tensorflow/tfjs-backend-wasm did not load: ${describe(error)}` };
  }
  // Register kernels before setBackend so the engine runs their setup on the new backend.
  installWasmKernels({ kernels });
  if (!(await setBackendQuietly('wasm'))) {
    return {
      ok: false,
      reason: 'the wasm backend failed to initialise (are the .wasm files in its dist/ folder?)',
    };
  }
  return { ok: true, info: { name: BackendName.wasm, version: wasmModule.version_wasm, device: 'cpu' } };
}

async function loadCpu(): Promise<LoadResult> {
  if (!(await setBackendQuietly('cpu'))) return { ok: false, reason: 'the cpu backend failed to initialise' };
  return { ok: true, info: { name: BackendName.cpu, version: tf.version_cpu, device: 'cpu' } };
}

function load(name: BackendName, kernels: WasmKernelSet): Promise<LoadResult> {
  switch (name) {
    case BackendName.tensorflowGpu:
    case BackendName.tensorflow:
      return loadNative(name);
    case BackendName.wasm:
      return loadWasm(kernels);
    case BackendName.cpu:
      return loadCpu();
  }
}

/** How to make a backend available, for the error of an explicit choice that did not load. */
export function installHint(name: BackendName): string {
  switch (name) {
    case BackendName.tensorflowGpu:
      return (
        `It needs Linux x86_64, an NVIDIA GPU with its driver, and the native addon: run \`${GPU_SETUP_COMMAND}\` ` +
        '(with SEEDSWEEP_NATIVE_TF unset) on that host; it builds @tensorflow/tfjs-node-gpu against TensorFlow ' +
        'and its CUDA libraries from PyPI (scripts/native-tf.sh; docs/scaling.md).'
      );
    case BackendName.tensorflow:
      return (
        `Run \`${NATIVE_SETUP_COMMAND}\` (with SEEDSWEEP_NATIVE_TF unset): it builds @tensorflow/tfjs-node's addon ` +
        'against TensorFlow from PyPI (scripts/native-tf.sh; docs/scaling.md).'
      );
    case BackendName.wasm:
      return 'Run `npm install @tensorflow/tfjs-backend-wasm` (same version as @tensorflow/tfjs) and keep its dist/*.wasm files.';
    case BackendName.cpu:
      return 'Reinstall @tensorflow/tfjs.';
  }
}

/** This thread's last selection fell back from the native backend: what to tell the user. */
let notice: string | undefined;

/**
 * One line for the user when this thread's backend selection fell back past the native TensorFlow
 * backend to wasm or cpu, e.g. `seedsweep: training on wasm (@tensorflow/tfjs-node is not built: run
 * \`bash scripts/setup.sh\` to build the native TensorFlow backend)`; undefined otherwise (a native
 * backend loaded, or wasm/cpu were asked for by name). Valid after {@link initBackend} resolved.
 */
export function backendNotice(): string | undefined {
  return notice;
}

function fallbackNotice(info: BackendInfo, nativeFailure: LoadResult | undefined): string | undefined {
  if (nativeFailure === undefined || nativeFailure.ok) return undefined;
  const why = nativeFailure.notBuilt
    ? `${nativeFailure.notBuilt}: run \`${NATIVE_SETUP_COMMAND}\` to build the native TensorFlow backend`
    : `${nativeFailure.reason}; \`${NATIVE_SETUP_COMMAND}\` rebuilds the native TensorFlow backend`;
  return `seedsweep: training on ${info.name} (${why})`;
}

async function select(
  requested: BackendName | undefined,
  strict: boolean,
  kernels: WasmKernelSet,
): Promise<BackendInfo> {
  notice = undefined;
  const start = requested === undefined ? 0 : BACKEND_PREFERENCE.indexOf(requested);
  const reasons: string[] = [];
  let nativeFailure: LoadResult | undefined;
  for (const name of BACKEND_PREFERENCE.slice(start)) {
    const result = await load(name, kernels);
    if (result.ok) {
      notice = fallbackNotice(result.info, nativeFailure);
      return result.info;
    }
    if (name === BackendName.tensorflow) nativeFailure = result;
    reasons.push(result.reason);
    if (requested !== undefined && strict) {
      throw new UserError(
        'E_BACKEND_UNAVAILABLE',
        `The ${name} backend is not available: ${result.reason}. ${installHint(name)}`,
      );
    }
  }
  throw new UserError('E_BACKEND_UNAVAILABLE', `No TF.js backend loaded: ${reasons.join('; ')}.`);
}

/** The last request and its outcome; `engine` is the TF.js backend it set, once it has. */
let current: { key: string; promise: Promise<BackendInfo>; engine?: string } | undefined;

/**
 * Choose and initialise this thread's TF.js backend. Idempotent: the same request returns the same
 * result; a different request switches backend.
 *
 * @throws UserError `E_BAD_BACKEND` for an unknown `SEEDSWEEP_BACKEND`, `E_BACKEND_UNAVAILABLE` when
 *   a named backend cannot load (with `strict`) or nothing loads at all.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  // TF.js is in production mode from its first import (./tfjs.ts): no "install tfjs-node" banner.
  quietTensorFlowLogs();
  const requested = options.backend ?? backendFromEnv();
  if (requested !== undefined && !(BACKEND_PREFERENCE as readonly string[]).includes(requested)) {
    throw new UserError(
      'E_BAD_BACKEND',
      `Backend '${requested}' is unknown; use one of ${BACKEND_PREFERENCE.join(', ')}.`,
    );
  }
  const strict = options.strict ?? true;
  const kernels = options.wasmKernels ?? WasmKernelSet.seedsweep;
  const key = `${requested ?? 'auto'}|${strict}|${kernels}`;
  // The same request again, unless code in this thread switched TF.js's backend since (a user's
  // trainable calling tf.setBackend, or an earlier test file in the same worker).
  if (current?.key === key && (current.engine === undefined || tf.getBackend() === current.engine))
    return current.promise;
  const promise = select(requested, strict, kernels);
  const request: NonNullable<typeof current> = { key, promise };
  current = request;
  promise.then(
    (info) => {
      request.engine = info.name === 'tensorflow-gpu' ? 'tensorflow' : info.name;
    },
    () => {
      if (current === request) current = undefined; // Do not cache failures.
    },
  );
  return promise;
}
