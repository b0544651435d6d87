/**
 * Centred RMSprop in one pass per variable, bit-identical to
 * `tf.train.rmsprop(lr, decay, momentum, epsilon, true)`: the same float32 operations in the same
 * order (the plain variant is {@link FusedRmsProp}).
 */
import type * as tf from '@tensorflow/tfjs';
import type { CheckpointArray } from '../runner/checkpoint.js';
import type { FusedOptimizer } from './optimizer.js';
import { iterationsEntry, readIterations, SlotSet, splitSlots } from './slots.js';
import { computeTensor } from './tensor-memory.js';

const f32 = Math.fround;

/** The update of one variable, in tf.train.rmsprop's centred operation order. */
function centeredUpdate(
  out: Float32Array,
  g: Float32Array,
  value: Float32Array,
  ms: Float32Array,
  mom: Float32Array,
  mg: Float32Array,
  learningRate: number,
  decay: number,
  oneMinusDecay: number,
  momentum: number,
  epsilon: number,
): void {
  const n = out.length;
  for (let j = 0; j < n; j++) {
    const gj = g[j]!;
    const msj = f32(f32(ms[j]! * decay) + f32(f32(gj * gj) * oneMinusDecay));
    const mgj = f32(f32(mg[j]! * decay) + f32(gj * oneMinusDecay));
    const denominator = f32(Math.sqrt(f32(msj - f32(f32(mgj * mgj) + epsilon))));
    const momj = f32(f32(mom[j]! * momentum) + f32(f32(gj * learningRate) / denominator));
    ms[j] = msj;
    mg[j] = mgj;
    mom[j] = momj;
    out[j] = f32(value[j]! - momj);
  }
}

/** Options of {@link FusedCenteredRmsProp}. */
export interface FusedCenteredRmsPropOptions {
  /** Step size. */
  learningRate: number;
  /** @default 0.9 */
  decay?: number;
  /** @default 0 */
  momentum?: number;
  /** @default 1e-7 (TF.js' float32 backend epsilon) */
  epsilon?: number;
}

export class FusedCenteredRmsProp implements FusedOptimizer {
  readonly className = 'RMSProp';
  iterations = 0;
  private readonly learningRate: number;
  private readonly decay: number;
  private readonly oneMinusDecay: number;
  private readonly momentum: number;
  private readonly epsilon: number;
  private readonly meanSquares = new SlotSet('rms');
  private readonly moments = new SlotSet('momentum');
  private readonly meanGradients = new SlotSet('mg');

  constructor(options: FusedCenteredRmsPropOptions) {
    const decay = options.decay ?? 0.9;
    this.learningRate = f32(options.learningRate);
    this.decay = f32(decay);
    this.oneMinusDecay = f32(1 - decay);
    this.momentum = f32(options.momentum ?? 0);
    this.epsilon = f32(options.epsilon ?? 1e-7);
  }

  applyGradients(variables: readonly tf.Variable[], gradients: readonly tf.Tensor[]): void {
    const { learningRate, decay, oneMinusDecay, momentum, epsilon } = this;
    variables.forEach((variable, i) => {
      const gradient = gradients[i];
      if (gradient === undefined) throw new Error(`no gradient for variable ${variable.name}.`);
      const ms = this.meanSquares.array(i, variable);
      const mom = this.moments.array(i, variable);
      const mg = this.meanGradients.array(i, variable);
      const next = computeTensor(variable.shape, [gradient, variable], (out, [g, value]) =>
        centeredUpdate(out, g!, value!, ms, mom, mg, learningRate, decay, oneMinusDecay, momentum, epsilon),
      );
      variable.assign(next);
      next.dispose();
    });
    this.iterations += 1;
  }

  dispose(): void {
    this.meanSquares.dispose();
    this.moments.dispose();
    this.meanGradients.dispose();
  }

  /** tf.train's layout: `iter`, then every `rms`, every `momentum`, every `mg` slot. */
  getState(): CheckpointArray[] {
    return [
      iterationsEntry(this.iterations),
      ...this.meanSquares.save(),
      ...this.moments.save(),
      ...this.meanGradients.save(),
    ];
  }

  setState(arrays: readonly CheckpointArray[]): void {
    this.iterations = readIterations(arrays);
    const [ms = [], mom = [], mg = []] = splitSlots(arrays, 3);
    this.meanSquares.load(ms);
    this.moments.load(mom);
    this.meanGradients.load(mg);
  }
}
