/**
 * The fused optimiser for an {@link OptimizerSpec} (a name and hyper-parameters, tf.train's defaults
 * for what is left out) or for a trial's `optimizer` and `learningRate` settings, and the spec's
 * identity string that checkpoints record. Every spec has a
 * fused form bit-identical to its tf.train counterpart on cpu and wasm, with a synchronous, exact
 * state (tf.train's own `getWeights`/`setWeights` are asynchronous, and Adam's loses its β powers).
 */
import { UserError } from '../../core/common/errors.js';
import { OptimizerName } from '../runner/types.js';
import type { OptimizerSpec } from '../training-path.js';
import { FusedAdagrad } from './adagrad.js';
import { FusedAdam } from './adam.js';
import { FusedCenteredRmsProp } from './centered-rmsprop.js';
import { FusedMomentum } from './momentum.js';
import type { FusedOptimizer } from './optimizer.js';
import { FusedRmsProp } from './rmsprop.js';
import { FusedSgd } from './sgd.js';

/** TF.js' float32 backend epsilon: tf.train's default ε. */
const BACKEND_EPSILON = 1e-7;

/** The names an {@link OptimizerSpec} can have. */
export const OPTIMIZER_SPEC_NAMES = ['adam', 'sgd', 'rmsprop', 'adagrad'] as const;

/** A spec with every hyper-parameter filled in with tf.train's default. */
export function completeOptimizerSpec(spec: OptimizerSpec): Required<OptimizerSpec> {
  if (!Number.isFinite(spec.learningRate) || spec.learningRate <= 0) {
    throw new UserError(
      'E_BAD_OPTIMIZER',
      `optimizer ${spec.name}: learningRate must be a number > 0; got ${JSON.stringify(spec.learningRate)}.`,
    );
  }
  switch (spec.name) {
    case 'adam':
      return {
        name: 'adam',
        learningRate: spec.learningRate,
        beta1: spec.beta1 ?? 0.9,
        beta2: spec.beta2 ?? 0.999,
        epsilon: spec.epsilon ?? BACKEND_EPSILON,
      };
    case 'sgd':
      return {
        name: 'sgd',
        learningRate: spec.learningRate,
        momentum: spec.momentum ?? 0,
        nesterov: spec.nesterov ?? false,
      };
    case 'rmsprop':
      return {
        name: 'rmsprop',
        learningRate: spec.learningRate,
        decay: spec.decay ?? 0.9,
        momentum: spec.momentum ?? 0,
        epsilon: spec.epsilon ?? BACKEND_EPSILON,
        centered: spec.centered ?? false,
      };
    case 'adagrad':
      return {
        name: 'adagrad',
        learningRate: spec.learningRate,
        initialAccumulatorValue: spec.initialAccumulatorValue ?? 0.1,
      };
    default:
      throw new UserError(
        'E_BAD_OPTIMIZER',
        `unknown optimizer ${JSON.stringify((spec as { name?: unknown }).name)}; use one of ${OPTIMIZER_SPEC_NAMES.join(', ')}.`,
      );
  }
}

/**
 * What a checkpoint records of its optimiser: the name and every hyper-parameter, defaults filled
 * in, e.g. `adam(learningRate=0.001,beta1=0.9,beta2=0.999,epsilon=1e-7)`.
 */
export function optimizerIdentity(spec: OptimizerSpec): string {
  const { name, ...hyper } = completeOptimizerSpec(spec);
  return `${name}(${Object.entries(hyper)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(',')})`;
}

/** The fused optimiser of `spec`. */
export function createSpecOptimizer(spec: OptimizerSpec): FusedOptimizer {
  const s = completeOptimizerSpec(spec);
  switch (s.name) {
    case 'adam':
      return new FusedAdam(s);
    case 'sgd':
      return s.momentum === 0
        ? new FusedSgd(s)
        : new FusedMomentum({ learningRate: s.learningRate, momentum: s.momentum, nesterov: s.nesterov });
    case 'rmsprop':
      return s.centered ? new FusedCenteredRmsProp(s) : new FusedRmsProp(s);
    case 'adagrad':
      return new FusedAdagrad(s);
  }
}

/** Options of {@link createOptimizer}. */
export interface CreateOptimizerOptions {
  optimizer: OptimizerName;
  learningRate: number;
}

/** The fused optimiser for a trial's settings, with `tf.train`'s default hyper-parameters. */
export function createOptimizer(options: CreateOptimizerOptions): FusedOptimizer {
  switch (options.optimizer) {
    case OptimizerName.adam:
      return new FusedAdam({ learningRate: options.learningRate });
    case OptimizerName.rmsprop:
      return new FusedRmsProp({ learningRate: options.learningRate });
    case OptimizerName.sgd:
      return new FusedSgd({ learningRate: options.learningRate });
  }
}
