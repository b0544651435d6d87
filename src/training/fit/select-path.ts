/**
 * Which training path a model trains on. On the native TensorFlow backend the graph compilers are
 * tried first (unless `SEEDSWEEP_GRAPH=0`), each returning a path or the reason it cannot take the
 * model; the eager path (any backend, any model) is the fallback, announced in one line naming the
 * reason. The graph's session gets the thread share the worker pool set and, on the CUDA build with
 * a GPU, GPU placement.
 */
import { compileTrainingGraph } from '../graph/compile-model.js';
import { sessionThreads } from '../graph/session-config.js';
import * as tf from '../backends/tfjs.js';
import type { TrainingPath, TrainingPathOptions } from '../training-path.js';
import { createEagerPath } from './eager-path.js';

/** A way to train a model faster than op by op, or why it cannot take this one. */
export type PathCompiler = (options: TrainingPathOptions) => TrainingPath | { reason: string };

/** Tried in order on the native backend. */
const COMPILERS: readonly PathCompiler[] = [compileTrainingGraph];

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
    // tfjs-node asked TensorFlow's eager context once, at creation, whether it has a GPU device.
    const onGpu = (tf.backend() as { isUsingGpuDevice?: unknown }).isUsingGpuDevice === true;
    const graphOptions: TrainingPathOptions = {
      threads: sessionThreads(),
      device: onGpu ? 'gpu' : 'cpu',
      ...options,
    };
    for (const compile of COMPILERS) {
      const compiled = compile(graphOptions);
      if (!('reason' in compiled)) return compiled;
      onNotice(`seedsweep: training op by op (eager): ${compiled.reason}`);
    }
  }
  return createEagerPath(options);
}
