/** Where seedsweep keeps things on disk. Every location has an environment override. */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Root of the installed package (the folder holding package.json): three folders up from this file's
 * folder, `src/core/common/` from source or `dist/core/common/` compiled.
 */
export const PACKAGE_ROOT: string = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
);

/**
 * State folder: embedded servers' databases, logs and pid files, the tracking outbox, checkpoints.
 * `SEEDSWEEP_STATE_DIR`, else `.seedsweep/` in the current working directory.
 */
export function stateDir(): string {
  return path.resolve(process.env['SEEDSWEEP_STATE_DIR'] ?? path.join(process.cwd(), '.seedsweep'));
}

/** Download cache: `SEEDSWEEP_CACHE_DIR`, else `$XDG_CACHE_HOME/seedsweep`, else `~/.cache/seedsweep`. */
export function cacheDir(): string {
  const explicit = process.env['SEEDSWEEP_CACHE_DIR'];
  if (explicit) return path.resolve(explicit);
  const xdg = process.env['XDG_CACHE_HOME'];
  return path.join(xdg ? path.resolve(xdg) : path.join(os.homedir(), '.cache'), 'seedsweep');
}

/**
 * True when seedsweep is installed as a dependency (`<project>/node_modules/seedsweep`), false in a
 * checkout of its own repository.
 */
export function installedAsDependency(root: string = PACKAGE_ROOT): boolean {
  return root.split(path.sep).includes('node_modules');
}

/**
 * The project seedsweep is installed into: the folder holding the outermost `node_modules` above it;
 * the checkout itself when it is not installed as a dependency.
 */
export function projectRoot(root: string = PACKAGE_ROOT): string {
  const parts = root.split(path.sep);
  const at = parts.indexOf('node_modules');
  return at < 0 ? root : parts.slice(0, at).join(path.sep) || path.sep;
}

/**
 * The command that installs the runtime pieces (servers, native TensorFlow): `npx seedsweep setup`
 * in a user's project, `bash scripts/setup.sh` in the repository (which runs that and more).
 */
export function setupCommand(root: string = PACKAGE_ROOT): string {
  return installedAsDependency(root) ? 'npx seedsweep setup' : 'bash scripts/setup.sh';
}

/** The repository's own virtual environment's bin folder (development checkouts; scripts/setup.sh links it). */
export function venvBinDir(): string {
  return path.join(PACKAGE_ROOT, '.venv', 'bin');
}

/** The per-user Python virtual environment with `temporal` and `mlflow` (made by `seedsweep setup`). */
export function cacheVenvDir(): string {
  return path.join(cacheDir(), 'venv');
}

/** {@link cacheVenvDir}'s bin folder. */
export function cacheVenvBinDir(): string {
  return path.join(cacheVenvDir(), 'bin');
}

/** The per-user native TensorFlow pieces: libtensorflow, the compiled addons (src/training/backends/native-cache.ts). */
export function nativeCacheDir(): string {
  return path.join(cacheDir(), 'native');
}

/** Logs of `seedsweep setup`, one per step. */
export function setupLogDir(): string {
  return path.join(cacheDir(), 'logs');
}

/** Default location of the shared study datasets next to the project (used by tests and benches). */
export function sharedDatasetsDir(): string {
  return path.resolve(PACKAGE_ROOT, '..', 'shared', 'datasets');
}
