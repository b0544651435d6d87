/** Where seedsweep keeps things on disk. Every location has an environment override. */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the installed package (the folder holding package.json), from source or from dist/. */
export const PACKAGE_ROOT: string = (() => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // common/ → root, or dist/common/ → root
  return path.basename(path.dirname(here)) === 'dist'
    ? path.resolve(here, '..', '..')
    : path.resolve(here, '..');
})();

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

/** The project's local virtual environment's bin folder (made by scripts/setup.sh). */
export function venvBinDir(): string {
  return path.join(PACKAGE_ROOT, '.venv', 'bin');
}

/** Default location of the shared study datasets next to the project (used by tests and benches). */
export function sharedDatasetsDir(): string {
  return path.resolve(PACKAGE_ROOT, '..', 'shared', 'datasets');
}
