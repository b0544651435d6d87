/**
 * Losses as TensorFlow ops, one value per example (the training loss is their batch mean, as Keras'
 * and TF.js' `mean` reduction; an output with more than one value per example averages over them).
 * Formulas follow tfjs-layers' losses.js, except where the model's last activation is softmax
 * (sigmoid) and the loss is from probabilities: then the pre-activation logits go into
 * (Sparse)SoftmaxCrossEntropyWithLogits (the sigmoid cross-entropy on logits), as Keras does. That
 * differs from TF.js' clip-to-[1e-7, 1 − 1e-7]-then-log only where a probability is clipped, and its
 * gradient is exact there (the clipped form has none).
 */
import { UserError } from '../../core/common/errors.js';
import type { LossSpec } from '../training-path.js';
import { shapeText } from './layers.js';
import type { GraphOps } from './ops.js';
import { attr, DataType } from './proto.js';
import type { StaticShape } from './topology.js';

/** TF.js' `epsilon()` for float32: the clip of probabilities. */
const EPSILON = 1e-7;

/** A model output as the loss sees it. */
export interface LossInput {
  /** The output's graph name (what the model returns). */
  output: string;
  /** Its pre-activation when the last op is a softmax / sigmoid. */
  logits?: { name: string; activation: 'softmax' | 'sigmoid' } | undefined;
  shape: StaticShape;
  /** The fed targets. */
  target: string;
}

/** The targets a loss takes for an output: dtype and per-example shape. */
export function targetSpec(loss: LossSpec, outputShape: StaticShape): { dtype: DataType; dims: number[] } {
  const dims = outputShape.slice(1) as number[];
  return loss.name === 'sparseCategoricalCrossentropy'
    ? { dtype: DataType.int32, dims: dims.slice(0, -1) }
    : { dtype: DataType.float, dims };
}

/**
 * Throws a UserError when an output cannot be scored by `loss` whatever the targets: the mistake is the
 * model's (e.g. one sigmoid unit with a categorical loss), so neither path could train it.
 */
export function checkLossFits(loss: LossSpec, output: { name: string; shape: StaticShape }): void {
  const fail = (why: string) => {
    throw new UserError(
      'E_LOSS_SHAPE',
      `loss ${loss.name} ${why}; model output ${output.name} has shape ${shapeText(output.shape)}.`,
    );
  };
  if (output.shape.length < 2) fail('needs outputs with an axis besides the batch');
  const categorical =
    loss.name === 'sparseCategoricalCrossentropy' || loss.name === 'categoricalCrossentropy';
  const classes = output.shape.at(-1);
  if (categorical && (classes === null || classes === undefined || classes < 2))
    fail('needs a last axis of two or more classes (for one unit use binaryCrossentropy)');
}

/** Mean over every axis but the batch: one value per example. */
function perExample(ops: GraphOps, x: string, rank: number): string {
  return rank <= 1
    ? x
    : ops.reduce(
        'Mean',
        x,
        Array.from({ length: rank - 1 }, (_, i) => i + 1),
      );
}

/** The logits of a softmax / sigmoid output, when the loss may use them. */
function logitsOf(loss: LossSpec, input: LossInput, activation: 'softmax' | 'sigmoid'): string | undefined {
  if (loss.fromLogits) return input.output;
  return input.logits?.activation === activation ? input.logits.name : undefined;
}

/** Per-example loss of one output: a [batch] float tensor. */
export function emitLoss(ops: GraphOps, loss: LossSpec, input: LossInput): string {
  const rank = input.shape.length;
  const classes = input.shape.at(-1) as number;
  const { output, target } = input;
  switch (loss.name) {
    case 'sparseCategoricalCrossentropy': {
      // One-hot labels: SparseSoftmaxCrossEntropyWithLogits has no C++ gradient, the dense op has.
      const oneHot = ops.op(
        'OneHot',
        [target, ops.int(classes, 'depth'), ops.scalar(1, 'on'), ops.scalar(0, 'off')],
        {
          T: attr.type(DataType.float),
          TI: attr.type(DataType.int32),
          axis: attr.int(-1),
        },
      );
      const logits = logitsOf(loss, input, 'softmax');
      if (logits !== undefined) return logitsCrossEntropy(ops, logits, oneHot, input.shape);
      // tfjs-layers: clip, one-hot, then categorical cross-entropy of the clipped probabilities.
      return perExample(
        ops,
        probabilityCrossEntropy(ops, ops.clip(output, EPSILON, 1 - EPSILON), oneHot, rank),
        rank - 1,
      );
    }
    case 'categoricalCrossentropy': {
      const logits = logitsOf(loss, input, 'softmax');
      if (logits !== undefined) return logitsCrossEntropy(ops, logits, target, input.shape);
      return perExample(ops, probabilityCrossEntropy(ops, output, target, rank), rank - 1);
    }
    case 'binaryCrossentropy': {
      let logits = logitsOf(loss, input, 'sigmoid');
      if (logits === undefined) {
        // tfjs-layers: clip the probabilities and turn them back into logits, log(p / (1 − p)).
        const p = ops.clip(output, EPSILON, 1 - EPSILON);
        logits = ops.unary('Log', ops.div(p, ops.sub(ops.scalar(1), p)));
      }
      // max(x, 0) − x·z + log(1 + exp(−|x|)): tfjs-layers' sigmoidCrossEntropyWithLogits.
      const elementwise = ops.add(
        ops.sub(ops.unary('Relu', logits), ops.mul(logits, target)),
        ops.unary('Log1p', ops.unary('Exp', ops.unary('Neg', ops.unary('Abs', logits)))),
      );
      return perExample(ops, elementwise, rank);
    }
    case 'meanSquaredError':
      return perExample(ops, ops.binary('SquaredDifference', output, target), rank);
    case 'meanAbsoluteError':
      return perExample(ops, ops.unary('Abs', ops.sub(output, target)), rank);
    case 'huber': {
      // tf.losses.huberLoss: ½ min(|e|, δ)² + δ (|e| − min(|e|, δ)).
      const delta = loss.delta ?? 1;
      const error = ops.unary('Abs', ops.sub(output, target));
      const quadratic = ops.binary('Minimum', error, ops.scalar(delta, 'delta'));
      const linear = ops.sub(error, quadratic);
      const elementwise = ops.add(
        ops.mul(ops.scalar(0.5), ops.unary('Square', quadratic)),
        ops.mul(ops.scalar(delta, 'delta'), linear),
      );
      return perExample(ops, elementwise, rank);
    }
  }
}

/** Softmax cross-entropy of logits against class distributions, per example. */
function logitsCrossEntropy(ops: GraphOps, logits: string, labels: string, shape: StaticShape): string {
  const rank = shape.length;
  if (rank === 2)
    return ops.op('SoftmaxCrossEntropyWithLogits', [logits, labels], { T: attr.type(DataType.float) });
  // The op takes [positions, classes]: fold the middle axes into the batch and average them per example.
  const classes = shape.at(-1) as number;
  const xent = ops.op(
    'SoftmaxCrossEntropyWithLogits',
    [ops.reshape(logits, [-1, classes]), ops.reshape(labels, [-1, classes])],
    { T: attr.type(DataType.float) },
  );
  return perExample(ops, ops.reshape(xent, [-1, ...(shape.slice(1, -1) as number[])]), rank - 1);
}

/** tfjs-layers' categoricalCrossentropy of probabilities: normalise, clip, −Σ target · log p. */
function probabilityCrossEntropy(ops: GraphOps, probabilities: string, target: string, rank: number): string {
  const normalised = ops.div(probabilities, ops.reduce('Sum', probabilities, [rank - 1], true));
  const clipped = ops.clip(normalised, EPSILON, 1 - EPSILON);
  return ops.unary('Neg', ops.reduce('Sum', ops.mul(target, ops.unary('Log', clipped)), [rank - 1]));
}
