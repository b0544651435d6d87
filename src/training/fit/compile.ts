/**
 * What a model trainable's `compile` returns, made exact: the optimiser as an {@link OptimizerSpec}
 * (a `tf.train` optimiser is read through its class name and config, then disposed: seedsweep trains
 * with its fused twin), the loss as a {@link LossSpec}, the metrics as {@link MetricSpec}s.
 */
import type * as tf from '@tensorflow/tfjs';
import { UserError } from '../../core/common/errors.js';
import { completeOptimizerSpec, OPTIMIZER_SPEC_NAMES } from '../optimizers/from-spec.js';
import type { LossSpec, MetricSpec, OptimizerSpec } from '../training-path.js';
import type { CompileSettings, MetricInput, OptimizerInput } from './definition.js';

/** {@link CompileSettings} resolved. */
export interface Compiled {
  optimizer: OptimizerSpec;
  loss: LossSpec;
  metrics: MetricSpec[];
}

const LOSS_NAMES: readonly LossSpec['name'][] = [
  'sparseCategoricalCrossentropy',
  'categoricalCrossentropy',
  'binaryCrossentropy',
  'meanSquaredError',
  'meanAbsoluteError',
  'huber',
];
const LOSS_ALIASES: Record<string, LossSpec['name']> = { mse: 'meanSquaredError', mae: 'meanAbsoluteError' };
const METRIC_ALIASES: Record<MetricInput, MetricSpec> = {
  accuracy: 'accuracy',
  acc: 'accuracy',
  meanSquaredError: 'meanSquaredError',
  mse: 'meanSquaredError',
  meanAbsoluteError: 'meanAbsoluteError',
  mae: 'meanAbsoluteError',
};
/** tf.train's (and Keras') default learning rates, for an optimiser given by name. */
const DEFAULT_LEARNING_RATE: Record<OptimizerSpec['name'], number> = {
  adam: 0.001,
  sgd: 0.01,
  rmsprop: 0.001,
  adagrad: 0.01,
};

function isTfOptimizer(value: unknown): value is tf.Optimizer {
  const o = value as Partial<tf.Optimizer> | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.applyGradients === 'function' &&
    typeof o.getConfig === 'function' &&
    typeof o.getClassName === 'function'
  );
}

/** The spec of a `tf.train` optimiser, from its class name and config. */
export function specOfTfOptimizer(optimizer: tf.Optimizer): OptimizerSpec {
  const className = optimizer.getClassName();
  const c = optimizer.getConfig() as Record<string, number | boolean | undefined>;
  const num = (key: string) => c[key] as number;
  switch (className) {
    case 'Adam':
      return {
        name: 'adam',
        learningRate: num('learningRate'),
        beta1: num('beta1'),
        beta2: num('beta2'),
        epsilon: num('epsilon'),
      };
    case 'SGD':
      return { name: 'sgd', learningRate: num('learningRate') };
    case 'Momentum':
      return {
        name: 'sgd',
        learningRate: num('learningRate'),
        momentum: num('momentum'),
        nesterov: Boolean(c['useNesterov']),
      };
    case 'RMSProp':
      return {
        name: 'rmsprop',
        learningRate: num('learningRate'),
        decay: num('decay'),
        momentum: num('momentum'),
        epsilon: num('epsilon'),
        centered: Boolean(c['centered']),
      };
    case 'Adagrad':
      return {
        name: 'adagrad',
        learningRate: num('learningRate'),
        initialAccumulatorValue: num('initialAccumulatorValue'),
      };
    default:
      throw new UserError(
        'E_BAD_OPTIMIZER',
        `tf.train optimizer ${className} has no exact checkpointable form in seedsweep; use tf.train.adam, sgd, momentum, rmsprop or adagrad (or a spec { name: ${OPTIMIZER_SPEC_NAMES.join(' | ')}, learningRate }).`,
      );
  }
}

/** An optimiser input as a complete spec. A `tf.train` optimiser is disposed after reading it. */
export function resolveOptimizer(input: OptimizerInput): OptimizerSpec {
  if (typeof input === 'string') {
    if (!(OPTIMIZER_SPEC_NAMES as readonly string[]).includes(input))
      throw new UserError(
        'E_BAD_OPTIMIZER',
        `unknown optimizer '${input}'; use one of ${OPTIMIZER_SPEC_NAMES.join(', ')}, a spec { name, learningRate, … } or a tf.train optimizer.`,
      );
    return completeOptimizerSpec({ name: input, learningRate: DEFAULT_LEARNING_RATE[input] });
  }
  if (isTfOptimizer(input)) {
    try {
      return completeOptimizerSpec(specOfTfOptimizer(input));
    } finally {
      input.dispose();
    }
  }
  if (typeof input !== 'object' || input === null)
    throw new UserError(
      'E_BAD_OPTIMIZER',
      `optimizer must be a name, a spec { name, learningRate, … } or a tf.train optimizer; got ${JSON.stringify(input)}.`,
    );
  return completeOptimizerSpec(input);
}

/** A loss input as a spec. */
export function resolveLoss(input: CompileSettings['loss']): LossSpec {
  const spec: { name?: string; fromLogits?: boolean; delta?: number } =
    typeof input === 'string' ? { name: LOSS_ALIASES[input] ?? input } : input;
  if (!spec || !LOSS_NAMES.includes(spec.name as LossSpec['name']))
    throw new UserError(
      'E_BAD_LOSS',
      `unknown loss ${JSON.stringify(typeof input === 'string' ? input : input?.name)}; use one of ${LOSS_NAMES.join(', ')} (or { name, fromLogits }).`,
    );
  if (spec.delta !== undefined && !(Number.isFinite(spec.delta) && spec.delta > 0))
    throw new UserError('E_BAD_LOSS', `huber delta must be a number > 0; got ${JSON.stringify(spec.delta)}.`);
  return { ...spec, name: spec.name as LossSpec['name'] };
}

/** Metric inputs as specs, duplicates dropped. */
export function resolveMetrics(inputs: readonly MetricInput[] = []): MetricSpec[] {
  const specs: MetricSpec[] = [];
  for (const input of inputs) {
    const spec = METRIC_ALIASES[input];
    if (spec === undefined)
      throw new UserError(
        'E_BAD_METRIC',
        `unknown metric ${JSON.stringify(input)}; use ${Object.keys(METRIC_ALIASES).join(', ')}.`,
      );
    if (!specs.includes(spec)) specs.push(spec);
  }
  return specs;
}

/** Resolves everything `compile` returned. */
export function resolveCompile(settings: CompileSettings): Compiled {
  if (typeof settings !== 'object' || settings === null)
    throw new UserError(
      'E_BAD_COMPILE',
      `compile must return { optimizer, loss, metrics? }; got ${JSON.stringify(settings)}.`,
    );
  // The optimiser first: a tf.train instance is disposed even when the loss turns out wrong.
  const optimizer = resolveOptimizer(settings.optimizer);
  return { optimizer, loss: resolveLoss(settings.loss), metrics: resolveMetrics(settings.metrics) };
}
