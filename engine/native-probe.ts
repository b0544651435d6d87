/**
 * What can be known about backends without loading TF.js or libtensorflow: the backend names, the
 * `SEEDSWEEP_BACKEND` choice, and whether a native package's addon is built (file checks only; a
 * sweep submitter needs this, and importing tfjs-node maps 800 MB). engine/backend.ts re-exports it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { UserError } from '../common/errors.js';
import { BACKEND_PREFERENCE, BackendName } from '../domain/backends.js';

export { BACKEND_PREFERENCE, BackendName } from '../domain/backends.js';

/** Environment variable that names the backend (`auto` or empty: automatic). */
export const BACKEND_ENV = 'SEEDSWEEP_BACKEND';

/** The native backends and the tfjs-node package providing each. */
export const NATIVE_PACKAGES = {
  [BackendName.tensorflowGpu]: '@tensorflow/tfjs-node-gpu',
  [BackendName.tensorflow]: '@tensorflow/tfjs-node',
} as const;
export type NativeBackendName = keyof typeof NATIVE_PACKAGES;

/** What builds the native CPU backend (scripts/setup.sh runs scripts/native-tf.sh). */
export const NATIVE_SETUP_COMMAND = 'bash scripts/setup.sh';
/** What builds the native GPU backend, on a host with an NVIDIA GPU and its driver. */
export const GPU_SETUP_COMMAND = 'SEEDSWEEP_GPU=1 bash scripts/setup.sh';

const require = createRequire(import.meta.url);

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}

/**
 * Whether a native backend's addon is built, and where it is; else why not, short (`reason`, e.g.
 * `@tensorflow/tfjs-node is not built`) and with the file looked for (`detail`).
 */
export type NativeBuildStatus =
  { built: true; bindingPath: string } | { built: false; reason: string; detail?: string };

/**
 * Whether the addon of a native backend's package is where the package will look for it: node-pre-gyp's
 * `find`, as tfjs-node itself does (`lib/napi-v<N>/tfjs_binding.node`). Checked before importing the
 * package: one without its addon fails half-way through registering its kernels.
 */
export function nativeBuildStatus(name: NativeBackendName): NativeBuildStatus {
  const pkg = NATIVE_PACKAGES[name];
  let manifest: string;
  try {
    manifest = require.resolve(`${pkg}/package.json`);
  } catch {
    return { built: false, reason: `${pkg} is not installed` };
  }
  let bindingPath: string;
  try {
    const preGyp = createRequire(manifest)('@mapbox/node-pre-gyp') as { find(packageJson: string): string };
    bindingPath = preGyp.find(manifest);
  } catch (error) {
    return { built: false, reason: `${pkg} cannot locate its addon: ${describe(error)}` };
  }
  if (!existsSync(bindingPath)) {
    return {
      built: false,
      reason: `${pkg} is not built`,
      detail: `no ${path.relative(path.dirname(manifest), bindingPath)}`,
    };
  }
  return { built: true, bindingPath };
}

/** The backend named by `SEEDSWEEP_BACKEND`, or undefined for automatic selection. */
export function backendFromEnv(env: NodeJS.ProcessEnv = process.env): BackendName | undefined {
  const raw = env[BACKEND_ENV]?.trim().toLowerCase();
  if (raw === undefined || raw === '' || raw === 'auto') return undefined;
  if (!(BACKEND_PREFERENCE as readonly string[]).includes(raw)) {
    throw new UserError(
      'E_BAD_BACKEND',
      `${BACKEND_ENV}=${env[BACKEND_ENV]} is not a backend; use one of ${BACKEND_PREFERENCE.join(', ')} or auto.`,
    );
  }
  return raw as BackendName;
}
