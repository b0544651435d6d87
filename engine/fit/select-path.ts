/**
 * Which training path a model trains on. On the native TensorFlow backend the graph compilers are
 * tried first (unless `SEEDSWEEP_GRAPH=0`), each returning a path or the reason it cannot take the
 * model; the eager path (any backend, any model) is the fallback, announced in one line naming the
 * reason.
 */
import * as tf from '../tfjs.js';
import type { TrainingPath, TrainingPathOptions } from '../training-path.js';
import { createEagerPath } from './eager-path.js';

/** A way to train a model faster than op by op, or why it cannot take this one. */
export type PathCompiler = (options: TrainingPathOptions) => TrainingPath | { reason: string };

/**
 * Tried in order on the native backend. The graph compiler joins here:
 * `[compileTrainingGraph]` (engine/graph/), and nothing else changes.
 */
const COMPILERS: readonly PathCompiler[] = [];

/** Set `SEEDSWEEP_GRAPH=0` to train op by op on the native backend too (for comparisons). */
const GRAPH_ENV = 'SEEDSWEEP_GRAPH';

/**
 * The path `options.model` trains on: the first compiler's that takes it on the native backend, else
 * the eager one. `onNotice` gets one line when a compiler declined (default: stderr).
 */
export function selectTrainingPath(
  options: TrainingPathOptions,
  onNotice: (line: string) => void = (line) => void process.stderr.write(`${line}\n`),
): TrainingPath {
  if (tf.getBackend() === 'tensorflow' && process.env[GRAPH_ENV] !== '0') {
    for (const compile of COMPILERS) {
      const compiled = compile(options);
      if (!('reason' in compiled)) return compiled;
      onNotice(`seedsweep: training op by op (eager): ${compiled.reason}`);
    }
  }
  return createEagerPath(options);
}
