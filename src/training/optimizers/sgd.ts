/** Plain SGD in one pass per variable, bit-identical to `tf.train.sgd(lr)`: value + f32(−lr)·g. */
import type * as tf from '@tensorflow/tfjs';
import type { CheckpointArray } from '../runner/checkpoint.js';
import type { FusedOptimizer } from './optimizer.js';
import { iterationsEntry, readIterations } from './slots.js';
import { computeTensor } from './tensor-memory.js';

const f32 = Math.fround;

/** value + f32(−lr)·g, as tf.train.sgd computes it (top level: V8 optimises it once). */
function sgdUpdate(out: Float32Array, g: Float32Array, value: Float32Array, negLearningRate: number): void {
  const n = out.length;
  for (let j = 0; j < n; j++) out[j] = f32(f32(negLearningRate * g[j]!) + value[j]!);
}

/** Options of {@link FusedSgd}. */
export interface FusedSgdOptions {
  /** Step size. */
  learningRate: number;
}

export class FusedSgd implements FusedOptimizer {
  readonly className = 'SGD';
  iterations = 0;
  private readonly negLearningRate: number;

  constructor(options: FusedSgdOptions) {
    this.negLearningRate = f32(-options.learningRate);
  }

  applyGradients(variables: readonly tf.Variable[], gradients: readonly tf.Tensor[]): void {
    const c = this.negLearningRate;
    variables.forEach((variable, i) => {
      const gradient = gradients[i];
      if (gradient === undefined) throw new Error(`no gradient for variable ${variable.name}.`);
      const next = computeTensor(variable.shape, [gradient, variable], (out, [g, value]) =>
        sgdUpdate(out, g!, value!, c),
      );
      variable.assign(next);
      next.dispose();
    });
    this.iterations += 1;
  }

  dispose(): void {
    // All state is in JS.
  }

  getState(): CheckpointArray[] {
    return [iterationsEntry(this.iterations)];
  }

  setState(arrays: readonly CheckpointArray[]): void {
    this.iterations = readIterations(arrays);
  }
}
