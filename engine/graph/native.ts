/**
 * Loads seedsweep's TensorFlow graph addon (native/, built by scripts/native-tf.sh against the
 * libtensorflow of PyPI's wheel). Absent addon: `loadGraphAddon` says why, and training stays on
 * TF.js' op-by-op path.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A fed tensor: graph name, TF dtype, shape, data. */
export type Feed = [name: string, dtype: number, shape: readonly number[], data: Float32Array | Int32Array];

/** A fetched tensor. */
export interface Fetched {
  dtype: number;
  shape: number[];
  data: Float32Array | Int32Array;
}

/** An opened graph session (opaque). */
export type SessionHandle = { readonly __session: unique symbol };

export interface GraphAddon {
  version(): string;
  open(graphDef: Uint8Array, config: Uint8Array): SessionHandle;
  run(
    session: SessionHandle,
    feeds: readonly Feed[],
    fetches: readonly string[],
    targets: readonly string[],
  ): Fetched[];
  close(session: SessionHandle): void;
}

/** Where the addon is built: native/build/Release/seedsweep_tf.node at the package root. */
export function graphAddonPath(): string {
  // engine/graph/ in the sources, dist/engine/graph/ when built: walk up to the folder holding native/.
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4 && !existsSync(path.join(dir, 'native', 'binding.gyp')); i++) dir = path.dirname(dir);
  return path.join(dir, 'native', 'build', 'Release', 'seedsweep_tf.node');
}

let loaded: { addon: GraphAddon } | { reason: string } | undefined;

/** The addon, or the reason it is not available (loaded once per thread). */
export function loadGraphAddon(): { addon: GraphAddon } | { reason: string } {
  if (loaded === undefined) {
    const file = graphAddonPath();
    if (!existsSync(file)) {
      loaded = { reason: `${file} is not built (bash scripts/setup.sh builds it)` };
    } else {
      try {
        loaded = { addon: createRequire(import.meta.url)(file) as GraphAddon };
      } catch (error) {
        loaded = { reason: `${file} did not load: ${(error as Error).message.split('\n')[0]}` };
      }
    }
  }
  return loaded;
}
