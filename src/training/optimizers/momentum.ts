/**
 * SGD with momentum (optionally Nesterov's) in one pass per variable, bit-identical to
 * `tf.train.momentum(lr, momentum, useNesterov)`: the same float32 operations in the same order.
 */
import type * as tf from '@tensorflow/tfjs';
import type { CheckpointArray } from '../runner/checkpoint.js';
import type { FusedOptimizer } from './optimizer.js';
import { iterationsEntry, readIterations, SlotSet, splitSlots } from './slots.js';
import { computeTensor } from './tensor-memory.js';

const f32 = Math.fround;

/**
 * acc ← m·acc + g; value ← value + c·acc, or with Nesterov value ← value + c·(g + acc·m), c = −lr
 * (tf.train's operation order; top level so V8 optimises it once).
 */
function momentumUpdate(
  out: Float32Array,
  g: Float32Array,
  value: Float32Array,
  acc: Float32Array,
  momentum: number,
  negLearningRate: number,
  nesterov: boolean,
): void {
  const n = out.length;
  for (let j = 0; j < n; j++) {
    const gj = g[j]!;
    const a = f32(f32(momentum * acc[j]!) + gj);
    acc[j] = a;
    const direction = nesterov ? f32(gj + f32(a * momentum)) : a;
    out[j] = f32(f32(negLearningRate * direction) + value[j]!);
  }
}

/** Options of {@link FusedMomentum}. */
export interface FusedMomentumOptions {
  /** Step size. */
  learningRate: number;
  /** Momentum factor (tf.train.momentum's `momentum`). */
  momentum: number;
  /** Nesterov's update. @default false */
  nesterov?: boolean;
}

export class FusedMomentum implements FusedOptimizer {
  readonly className = 'Momentum';
  iterations = 0;
  private readonly negLearningRate: number;
  private readonly momentum: number;
  private readonly nesterov: boolean;
  private readonly accumulations = new SlotSet('momentum');

  constructor(options: FusedMomentumOptions) {
    this.negLearningRate = f32(-options.learningRate);
    this.momentum = f32(options.momentum);
    this.nesterov = options.nesterov ?? false;
  }

  applyGradients(variables: readonly tf.Variable[], gradients: readonly tf.Tensor[]): void {
    const { momentum, negLearningRate, nesterov } = this;
    variables.forEach((variable, i) => {
      const gradient = gradients[i];
      if (gradient === undefined) throw new Error(`no gradient for variable ${variable.name}.`);
      const acc = this.accumulations.array(i, variable);
      const next = computeTensor(variable.shape, [gradient, variable], (out, [g, value]) =>
        momentumUpdate(out, g!, value!, acc, momentum, negLearningRate, nesterov),
      );
      variable.assign(next);
      next.dispose();
    });
    this.iterations += 1;
  }

  dispose(): void {
    this.accumulations.dispose();
  }

  getState(): CheckpointArray[] {
    return [iterationsEntry(this.iterations), ...this.accumulations.save()];
  }

  setState(arrays: readonly CheckpointArray[]): void {
    this.iterations = readIterations(arrays);
    this.accumulations.load(splitSlots(arrays, 1)[0] ?? []);
  }
}
