/**
 * Losses and metrics as TF.js ops (the eager path), and the rule of which targets fit which loss.
 * Sparse categorical cross-entropy of probabilities is, op for op, the study's image classifier's
 * (clip to [1e-7, 1 − 1e-7], one-hot, log, multiply, sum over classes, negate, mean or sum over the
 * batch), so a model trained through `defineModelTrainable` reproduces its numbers bit for bit.
 * The other cross-entropies follow the same pattern; losses of outputs with more than one
 * dimension per example average the remaining dimensions, as Keras does.
 */
import * as tf from '../backends/tfjs.js';
import { UserError } from '../../core/common/errors.js';
import type { LossSpec, MetricSpec } from '../training-path.js';

/** Probabilities are clipped like Keras' cross-entropy so log(0) never happens. */
const PROBABILITY_EPSILON = 1e-7;

/** True for the loss whose targets are class indices (int32), not values shaped like the output. */
export function isSparse(loss: LossSpec): boolean {
  return loss.name === 'sparseCategoricalCrossentropy';
}

/** Averages the dimensions after the batch one, so that a per-example value has shape [n]. */
function perExample(values: tf.Tensor): tf.Tensor {
  return values.rank > 1
    ? tf.mean(
        values,
        Array.from({ length: values.rank - 1 }, (_, i) => i + 1),
      )
    : values;
}

function clipped(probs: tf.Tensor): tf.Tensor {
  return tf.clipByValue(probs, PROBABILITY_EPSILON, 1 - PROBABILITY_EPSILON);
}

/** −Σ target · log p over the last axis, p = the clipped probabilities or log-softmax of logits. */
function crossEntropy(output: tf.Tensor, oneHot: tf.Tensor, fromLogits: boolean): tf.Tensor {
  const logProbs = fromLogits ? tf.logSoftmax(output) : tf.log(clipped(output));
  return tf.neg(tf.sum(tf.mul(oneHot, logProbs), -1));
}

/** The loss of each example, shape [n]. `target`: class indices [n, …] (sparse) or the output's shape. */
function exampleLosses(loss: LossSpec, output: tf.Tensor, target: tf.Tensor): tf.Tensor {
  const fromLogits = loss.fromLogits ?? false;
  switch (loss.name) {
    case 'sparseCategoricalCrossentropy':
      return perExample(crossEntropy(output, tf.oneHot(target, output.shape.at(-1)!), fromLogits));
    case 'categoricalCrossentropy':
      return perExample(crossEntropy(output, target, fromLogits));
    case 'binaryCrossentropy': {
      if (fromLogits) {
        // max(z, 0) − z·y + log(1 + e^−|z|): the numerically stable form.
        const z = output;
        return perExample(tf.add(tf.sub(tf.relu(z), tf.mul(z, target)), tf.log1p(tf.exp(tf.neg(tf.abs(z))))));
      }
      const p = clipped(output);
      const terms = tf.add(tf.mul(target, tf.log(p)), tf.mul(tf.sub(1, target), tf.log(tf.sub(1, p))));
      return perExample(tf.neg(terms));
    }
    case 'meanSquaredError':
      return perExample(tf.squaredDifference(output, target));
    case 'meanAbsoluteError':
      return perExample(tf.abs(tf.sub(output, target)));
    case 'huber': {
      const delta = loss.delta ?? 1;
      const error = tf.abs(tf.sub(target, output));
      const quadratic = tf.minimum(error, delta);
      const linear = tf.sub(error, quadratic);
      return perExample(tf.add(tf.mul(0.5, tf.square(quadratic)), tf.mul(delta, linear)));
    }
  }
}

/** The batch's loss: the mean over its examples (a training step's) or their sum (evaluation). */
export function batchLoss(
  loss: LossSpec,
  output: tf.Tensor,
  target: tf.Tensor,
  reduce: 'mean' | 'sum',
): tf.Scalar {
  const losses = exampleLosses(loss, output, target);
  return reduce === 'mean' ? tf.mean(losses) : tf.sum(losses);
}

/** A metric summed over the batch's examples. `accuracy` is sparse, categorical or binary as the loss is. */
export function metricSum(
  metric: MetricSpec,
  loss: LossSpec,
  output: tf.Tensor,
  target: tf.Tensor,
): tf.Scalar {
  switch (metric) {
    case 'accuracy': {
      let hits: tf.Tensor;
      if (loss.name === 'sparseCategoricalCrossentropy') hits = tf.equal(tf.argMax(output, -1), target);
      else if (loss.name === 'binaryCrossentropy') {
        const threshold = loss.fromLogits ? 0 : 0.5;
        hits = tf.equal(tf.cast(tf.greater(output, threshold), 'float32'), target);
      } else hits = tf.equal(tf.argMax(output, -1), tf.argMax(target, -1));
      return tf.sum(perExample(tf.cast(hits, 'float32')));
    }
    case 'meanSquaredError':
      return tf.sum(perExample(tf.squaredDifference(output, target)));
    case 'meanAbsoluteError':
      return tf.sum(perExample(tf.abs(tf.sub(output, target))));
  }
}

/** A shape for messages: `[n, 28, 28]`, open dimensions as `?`. */
export function describeShape(shape: readonly (number | null)[], batch = 'n'): string {
  return `[${[batch, ...shape.map((d) => (d === null ? '?' : String(d)))].join(', ')}]`;
}

function sameShape(a: readonly (number | null)[], b: readonly (number | null)[]): boolean {
  return a.length === b.length && a.every((d, i) => d === null || b[i] === null || d === b[i]);
}

function withoutTrailingOnes(shape: readonly (number | null)[]): (number | null)[] {
  const out = [...shape];
  while (out.at(-1) === 1) out.pop();
  return out;
}

/**
 * The per-example target shape a loss needs for a model output of per-example shape `output`:
 * the output's without its class axis for sparse cross-entropy, the output's otherwise.
 */
export function targetShapeFor(loss: LossSpec, output: readonly (number | null)[]): (number | null)[] {
  return isSparse(loss) ? output.slice(0, -1) : [...output];
}

/** Options of {@link checkLossFits}. */
export interface CheckLossFitsOptions {
  loss: LossSpec;
  /** The model output's per-example shape. */
  output: readonly (number | null)[];
  /** The split's per-example target shape. */
  target: readonly number[];
  /** The split's name, for the message. */
  split: string;
}

/**
 * Refuses a model whose output does not fit the loss and the targets (before any step, so the error
 * names shapes instead of failing deep inside TF.js).
 * @throws UserError `E_LOSS_SHAPE`
 */
export function checkLossFits(options: CheckLossFitsOptions): void {
  const { loss, output, target, split } = options;
  const fail = (why: string) =>
    new UserError(
      'E_LOSS_SHAPE',
      `the model's output ${describeShape(output)} does not fit loss ${loss.name} with ${split} targets of shape ${describeShape(target)}: ${why}.`,
    );
  if (isSparse(loss)) {
    const classes = output.at(-1);
    if (classes === undefined || (classes !== null && classes < 2))
      throw fail('it needs one output per class (e.g. a last Dense layer of `classes` units with a softmax)');
    if (!sameShape(withoutTrailingOnes(targetShapeFor(loss, output)), withoutTrailingOnes(target)))
      throw fail(`targets must be class indices of shape ${describeShape(targetShapeFor(loss, output))}`);
    return;
  }
  if (!sameShape(withoutTrailingOnes(output), withoutTrailingOnes(target)))
    throw fail(`targets must have the output's shape ${describeShape(output)}`);
}
