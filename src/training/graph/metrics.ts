/**
 * Metrics as TensorFlow ops, one value per example (summed by the caller). `accuracy` is resolved by
 * the loss as Keras does: sparse categorical for sparse cross-entropy, categorical for categorical
 * cross-entropy, binary for binary cross-entropy, and for the regression losses binary when the
 * output has one unit, else categorical.
 */
import type { LossSpec, MetricSpec } from '../training-path.js';
import type { LossInput } from './losses.js';
import type { GraphOps } from './ops.js';
import { DataType } from './proto.js';

export type AccuracyKind = 'sparse' | 'categorical' | 'binary';

export function accuracyKind(loss: LossSpec, outputUnits: number | null | undefined): AccuracyKind {
  switch (loss.name) {
    case 'sparseCategoricalCrossentropy':
      return 'sparse';
    case 'categoricalCrossentropy':
      return 'categorical';
    case 'binaryCrossentropy':
      return 'binary';
    default:
      return outputUnits === 1 ? 'binary' : 'categorical';
  }
}

function perExample(ops: GraphOps, x: string, rank: number): string {
  return rank <= 1
    ? x
    : ops.reduce(
        'Mean',
        x,
        Array.from({ length: rank - 1 }, (_, i) => i + 1),
      );
}

/** Per-example value of `metric` for one output: a [batch] float tensor. */
export function emitMetric(ops: GraphOps, metric: MetricSpec, loss: LossSpec, input: LossInput): string {
  const rank = input.shape.length;
  const { output, target } = input;
  switch (metric) {
    case 'meanSquaredError':
      return perExample(ops, ops.binary('SquaredDifference', output, target), rank);
    case 'meanAbsoluteError':
      return perExample(ops, ops.unary('Abs', ops.sub(output, target)), rank);
    case 'accuracy': {
      const kind = accuracyKind(loss, input.shape.at(-1));
      // Softmax keeps the order of its inputs: the arg-max of the logits is the predicted class.
      const scores = input.logits?.activation === 'softmax' ? input.logits.name : output;
      const asFloat = (hits: string) => ops.cast(hits, DataType.bool, DataType.float);
      if (kind === 'sparse') {
        const hits = ops.compare('Equal', ops.argMax(scores, -1), target, DataType.int32);
        return perExample(ops, asFloat(hits), rank - 1);
      }
      if (kind === 'categorical') {
        const hits = ops.compare('Equal', ops.argMax(scores, -1), ops.argMax(target, -1), DataType.int32);
        return perExample(ops, asFloat(hits), rank - 1);
      }
      // Binary: probability above ½, i.e. a logit above 0 when the model outputs logits.
      const threshold = ops.scalar(loss.fromLogits ? 0 : 0.5, 'threshold');
      const predicted = asFloat(ops.compare('Greater', output, threshold));
      return perExample(ops, asFloat(ops.compare('Equal', predicted, target)), rank);
    }
  }
}
