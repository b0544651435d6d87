/**
 * Keeps libtensorflow loaded in the main thread once a training thread has loaded it.
 *
 * Why: Node unloads (dlclose) the addons a worker thread loaded when that thread ends, and with them
 * libtensorflow when no other thread holds it. libtensorflow registers process exit handlers that
 * then point into unmapped memory, so a process whose training threads used the native backend
 * ended, after its last line of output, with "Segmentation fault" (exit status 139). The built-in
 * classifier hid this because the main thread happened to load the library too. A reference from the
 * main thread keeps the library mapped until the process exits.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isMainThread } from 'node:worker_threads';
import { graphAddonPath } from '../graph/native.js';
import { nativeBuildStatus, type NativeBackendName } from './native-probe.js';

const require = createRequire(import.meta.url);
let pinned = false;

/**
 * Load, in the main thread, an addon that links libtensorflow: seedsweep's graph addon (its load runs
 * no TensorFlow code), else the tfjs-node binding of `backend`. Idempotent; a no-op off the main
 * thread. Returns whether the library is now pinned.
 */
export function keepNativeLibraryLoaded(backend: NativeBackendName): boolean {
  if (pinned || !isMainThread) return pinned;
  const candidates: string[] = [graphAddonPath()];
  const status = nativeBuildStatus(backend);
  if (status.built) candidates.push(status.bindingPath);
  for (const file of candidates) {
    if (!existsSync(file)) continue;
    try {
      require(file);
      pinned = true;
      break;
    } catch {
      // Try the next one; the thread that loaded the backend reported any real problem.
    }
  }
  return pinned;
}
