/**
 * Loads seedsweep's TensorFlow graph addon (native/, built by `seedsweep setup` into the per-user cache
 * against the libtensorflow of PyPI's wheel). Absent addon: `loadGraphAddon` says why, and training stays on
 * TF.js' op-by-op path.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { setupCommand } from '../../core/common/paths.js';
import { cachedGraphAddon, graphAddonSourceDir } from '../backends/native-cache.js';

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
  /** Imports a whole GraphDef and starts its session at once. */
  open(graphDef: Uint8Array, config: Uint8Array): SessionHandle;
  /** An empty graph, to assemble with {@link importGraph} and {@link addGradients} before {@link start}. */
  graph(): SessionHandle;
  /**
   * Adds a GraphDef's nodes to the graph. Its inputs named in `inputMap` (`[src, dst]`, e.g.
   * `['ext/grad_0:0', 'grads/MatMul_1:0']`) are replaced by existing outputs, its control inputs `^src`
   * in `controlMap` by existing ops; `device` is set on every imported node that names none.
   */
  importGraph(
    graph: SessionHandle,
    graphDef: Uint8Array,
    inputMap: readonly (readonly [src: string, dst: string])[],
    controlMap: readonly (readonly [src: string, dstOp: string])[],
    device?: string,
  ): void;
  /**
   * TensorFlow's own gradients (`TF_AddGradientsWithPrefix`): the names of d(Σ ys)/d(x) for each of
   * `xs`, null where no gradient flows (StopGradient). Throws naming an op without a registered
   * gradient, and for an x the ys are not computed from.
   */
  addGradients(
    graph: SessionHandle,
    prefix: string,
    ys: readonly string[],
    xs: readonly string[],
  ): (string | null)[];
  /** Static shape of an output (-1 where unknown), null when even its rank is unknown. */
  outputShape(graph: SessionHandle, name: string): number[] | null;
  /** The graph as assembled so far, gradients included (a serialised GraphDef; diagnostics, tests). */
  graphDef(graph: SessionHandle): Uint8Array;
  /** Opens the session on the graph as assembled (`config`: a serialised ConfigProto). */
  start(graph: SessionHandle, config: Uint8Array): void;
  run(
    session: SessionHandle,
    feeds: readonly Feed[],
    fetches: readonly string[],
    targets: readonly string[],
  ): Fetched[];
  /** Closes the session and frees its graph. */
  close(session: SessionHandle): void;
}

/**
 * Where the addon may be, best first: the per-user cache's build for the current sources, TensorFlow
 * and Node (`seedsweep setup` makes it), then native/build/Release in a checkout (a developer's own
 * `node-gyp build` in native/).
 */
export function graphAddonCandidates(): string[] {
  const cached = cachedGraphAddon();
  return [
    ...(cached ? [cached.file] : []),
    path.join(graphAddonSourceDir(), 'build', 'Release', 'seedsweep_tf.node'),
  ];
}

/** The addon file to load: the first of {@link graphAddonCandidates} that exists, else the best one. */
export function graphAddonPath(): string {
  const candidates = graphAddonCandidates();
  return candidates.find((file) => existsSync(file)) ?? candidates[0]!;
}

let loaded: { addon: GraphAddon } | { reason: string } | undefined;

/** The addon, or the reason it is not available (loaded once per thread). */
export function loadGraphAddon(): { addon: GraphAddon } | { reason: string } {
  if (loaded === undefined) {
    const file = graphAddonPath();
    if (!existsSync(file)) {
      loaded = { reason: `${file} is not built (${setupCommand()} builds it)` };
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
