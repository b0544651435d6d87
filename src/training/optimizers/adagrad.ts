/**
 * Adagrad in one pass per variable, bit-identical to `tf.train.adagrad(lr, initialAccumulatorValue)`
 * (ε 1e-7, TF.js' float32 backend epsilon): the same float32 operations in the same order.
 */
import type * as tf from '@tensorflow/tfjs';
import type { CheckpointArray } from '../runner/checkpoint.js';
import type { FusedOptimizer } from './optimizer.js';
import { iterationsEntry, readIterations, SlotSet, splitSlots } from './slots.js';
import { computeTensor } from './tensor-memory.js';

const f32 = Math.fround;

/** acc ← acc + g²; value ← value + (g / √(acc + ε))·(−lr), in tf.train's operation order. */
function adagradUpdate(
  out: Float32Array,
  g: Float32Array,
  value: Float32Array,
  acc: Float32Array,
  epsilon: number,
  negLearningRate: number,
): void {
  const n = out.length;
  for (let j = 0; j < n; j++) {
    const gj = g[j]!;
    const a = f32(acc[j]! + f32(gj * gj));
    acc[j] = a;
    const scaled = f32(gj / f32(Math.sqrt(f32(a + epsilon))));
    out[j] = f32(f32(scaled * negLearningRate) + value[j]!);
  }
}

/** Options of {@link FusedAdagrad}. */
export interface FusedAdagradOptions {
  /** Step size. */
  learningRate: number;
  /** What every accumulator starts at. @default 0.1 */
  initialAccumulatorValue?: number;
  /** @default 1e-7 (TF.js' float32 backend epsilon) */
  epsilon?: number;
}

export class FusedAdagrad implements FusedOptimizer {
  readonly className = 'Adagrad';
  iterations = 0;
  private readonly negLearningRate: number;
  private readonly epsilon: number;
  private readonly accumulators: SlotSet;

  constructor(options: FusedAdagradOptions) {
    this.negLearningRate = f32(-options.learningRate);
    this.epsilon = f32(options.epsilon ?? 1e-7);
    this.accumulators = new SlotSet('accumulator', options.initialAccumulatorValue ?? 0.1);
  }

  applyGradients(variables: readonly tf.Variable[], gradients: readonly tf.Tensor[]): void {
    const { epsilon, negLearningRate } = this;
    variables.forEach((variable, i) => {
      const gradient = gradients[i];
      if (gradient === undefined) throw new Error(`no gradient for variable ${variable.name}.`);
      const acc = this.accumulators.array(i, variable);
      const next = computeTensor(variable.shape, [gradient, variable], (out, [g, value]) =>
        adagradUpdate(out, g!, value!, acc, epsilon, negLearningRate),
      );
      variable.assign(next);
      next.dispose();
    });
    this.iterations += 1;
  }

  dispose(): void {
    this.accumulators.dispose();
  }

  getState(): CheckpointArray[] {
    return [iterationsEntry(this.iterations), ...this.accumulators.save()];
  }

  setState(arrays: readonly CheckpointArray[]): void {
    this.iterations = readIterations(arrays);
    this.accumulators.load(splitSlots(arrays, 1)[0] ?? []);
  }
}
