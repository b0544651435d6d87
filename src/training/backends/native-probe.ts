/**
 * What can be known about backends without loading TF.js or libtensorflow: the backend names, the
 * `SEEDSWEEP_BACKEND` choice, and whether a native package's addon is built (file checks only; a
 * sweep submitter needs this, and importing tfjs-node maps 800 MB). src/training/backends/backend.ts re-exports it.
 *
 * `npm ci` installs @tensorflow/tfjs-node without its addon (its own install step downloads from
 * outside the registries, so it is denied); `seedsweep setup` compiles one into the per-user cache.
 * {@link nativeBuildStatus} copies that one into the package when it is missing, so any project on
 * the machine gets the native backend after any later `npm ci` without running setup again.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { UserError } from '../../core/common/errors.js';
import { setupCommand } from '../../core/common/paths.js';
import { BACKEND_PREFERENCE, BackendName } from '../../core/domain/backends.js';
import {
  cachedTfjsBinding,
  installedLibtensorflow,
  libtensorflowDir,
  stampFlavour,
  TF_LIBRARIES,
} from './native-cache.js';

export { BACKEND_PREFERENCE, BackendName } from '../../core/domain/backends.js';

/** Environment variable that names the backend (`auto` or empty: automatic). */
export const BACKEND_ENV = 'SEEDSWEEP_BACKEND';

/** The native backends and the tfjs-node package providing each. */
export const NATIVE_PACKAGES = {
  [BackendName.tensorflowGpu]: '@tensorflow/tfjs-node-gpu',
  [BackendName.tensorflow]: '@tensorflow/tfjs-node',
} as const;
export type NativeBackendName = keyof typeof NATIVE_PACKAGES;

/** What builds the native CPU backend: `npx seedsweep setup` (in the repository `bash scripts/setup.sh`, which runs it). */
export const NATIVE_SETUP_COMMAND = setupCommand();
/** What builds the native GPU backend, on a host with an NVIDIA GPU and its driver. */
export const GPU_SETUP_COMMAND = `SEEDSWEEP_GPU=1 ${NATIVE_SETUP_COMMAND}`;

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
  if (
    !existsSync(bindingPath) &&
    !installCachedBinding({ manifest, bindingPath, gpu: name === BackendName.tensorflowGpu })
  ) {
    return {
      built: false,
      reason: `${pkg} is not built`,
      detail: `no ${path.relative(path.dirname(manifest), bindingPath)}`,
    };
  }
  return { built: true, bindingPath };
}

/**
 * Installs the binding `seedsweep setup` compiled into the per-user cache into a tfjs-node package that
 * has none: the addon where node-pre-gyp's `find` looks (`lib/napi-v<N>/`), and `deps/lib` linking to
 * the cached libtensorflow (the addon's RUNPATH is `$ORIGIN/../../deps/lib`). Only a binding built for
 * the package's version and N-API version, against the cached library of the right flavour, is used.
 * Each file is written under a temporary name and renamed, so threads doing this at once are safe.
 * Returns whether the package now has its binding.
 */
export function installCachedBinding(options: {
  manifest: string;
  bindingPath: string;
  gpu: boolean;
}): boolean {
  const { manifest, bindingPath } = options;
  const napi = Number(/napi-v(\d+)$/.exec(path.dirname(bindingPath))?.[1]);
  const libStamp = installedLibtensorflow();
  if (!Number.isInteger(napi) || libStamp === undefined || (stampFlavour(libStamp) === 'gpu') !== options.gpu)
    return false;
  let version: string;
  try {
    version = (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  } catch {
    return false;
  }
  const cached = cachedTfjsBinding(version, napi);
  if (cached === undefined) return false;
  const pkgDir = path.dirname(manifest);
  const libDir = libtensorflowDir();
  const unique = `.${process.pid}-${Math.random().toString(36).slice(2)}`;
  const replace = (target: string, write: (temp: string) => void) => {
    const temp = target + unique;
    try {
      write(temp);
      renameSync(temp, target);
    } finally {
      rmSync(temp, { force: true });
    }
  };
  try {
    mkdirSync(path.join(pkgDir, 'deps', 'lib'), { recursive: true });
    for (const lib of TF_LIBRARIES)
      replace(path.join(pkgDir, 'deps', 'lib', lib), (temp) =>
        symlinkSync(path.join(libDir, 'lib', lib), temp),
      );
    // The GPU build's libraries find CUDA at $ORIGIN/../nvidia, and $ORIGIN may be deps/lib (the link).
    if (existsSync(path.join(libDir, 'nvidia')))
      replace(path.join(pkgDir, 'deps', 'nvidia'), (temp) => symlinkSync(path.join(libDir, 'nvidia'), temp));
    mkdirSync(path.dirname(bindingPath), { recursive: true });
    replace(bindingPath, (temp) => copyFileSync(cached, temp));
  } catch {
    return false;
  }
  return existsSync(bindingPath);
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
