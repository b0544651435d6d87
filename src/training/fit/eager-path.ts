/**
 * The eager training path: each step op by op through TF.js on whatever backend is active (wasm,
 * cpu, native). Forward pass, loss and gradients by `tf.variableGrads`, the update by seedsweep's
 * fused optimisers (bit-identical to tf.train on cpu and wasm, with an exact synchronous state). For
 * a softmax model under sparse cross-entropy a step is the study image classifier's `trainStep`, op
 * for op, and the batch's loss sum is its mean × the batch size as there.
 */
import * as tf from '../backends/tfjs.js';
import { UserError } from '../../core/common/errors.js';
import { NATIVE_SETUP_COMMAND } from '../backends/native-probe.js';
import type { CheckpointArray } from '../runner/checkpoint.js';
import { createSpecOptimizer, optimizerIdentity } from '../optimizers/from-spec.js';
import type { BatchSums, HostBatch, TrainingPath, TrainingPathOptions } from '../training-path.js';
import { batchLoss, isSparse, metricSum, targetShapeFor } from './losses.js';
import { stepRandomness } from './randomness.js';
import { modelOutputShape } from './sources.js';

/**
 * A per-example shape with every dimension known: a host batch carries no shapes, so an open (`null`)
 * dimension of the model's could not be told from the batch's length.
 */
function fixedShape(shape: readonly (number | null)[], what: string): number[] {
  if (shape.some((d) => d === null))
    throw new UserError(
      'E_DATA_SHAPE',
      `the model's ${what} has an open dimension [n, ${shape.map((d) => d ?? '?').join(', ')}]; give it a fixed size (e.g. inputShape on the first layer).`,
    );
  return shape as number[];
}

/** TF.js' error for an op the active backend has no kernel for (e.g. a gradient wasm lacks). */
const MISSING_KERNEL = /^Kernel '(\w+)' not registered for backend '(\w+)'/;

/**
 * Runs a step; a kernel the backend lacks is the user's choice of model and backend, not a crash:
 * one line naming the kernel and the backend that has it.
 * @throws UserError `E_BACKEND_CANNOT_TRAIN` when the backend has no kernel for an op of the step.
 */
function withKernelCheck<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    const missing = error instanceof Error ? MISSING_KERNEL.exec(error.message) : null;
    if (!missing) throw error;
    throw new UserError(
      'E_BACKEND_CANNOT_TRAIN',
      `the ${missing[2]} backend has no '${missing[1]}' kernel, which this model's training step needs; train it on the native TensorFlow backend (SEEDSWEEP_BACKEND=tensorflow, built by \`${NATIVE_SETUP_COMMAND}\`) or change the model.`,
      { cause: error },
    );
  }
}

/** Sums as numbers, from scalars the caller owns (disposed here). */
function readSums(
  metrics: TrainingPathOptions['metrics'],
  loss: number,
  metricScalars: readonly tf.Scalar[],
): BatchSums {
  const metricSums: Record<string, number> = {};
  metrics.forEach((m, i) => {
    metricSums[m] = metricScalars[i]!.dataSync()[0]!;
  });
  tf.dispose([...metricScalars]);
  return { lossSum: loss, metricSums };
}

/** The eager {@link TrainingPath} of a model. */
export function createEagerPath(options: TrainingPathOptions): TrainingPath {
  const { model, loss, metrics, seed } = options;
  const optimizer = createSpecOptimizer(options.optimizer);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const randomness = stepRandomness(model, seed);
  const inputShapes = model.inputs.map((input, i) => fixedShape(input.shape.slice(1), `input ${i}`));
  const inputDtypes = model.inputs.map((input) => (input.dtype === 'int32' ? 'int32' : 'float32'));
  const targetShape = fixedShape(targetShapeFor(loss, modelOutputShape(model)), 'output');
  const targetDtype = isSparse(loss) ? 'int32' : 'float32';
  const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

  /** The batch's input tensors (one, or a list for several inputs) and its target tensor. */
  const tensors = (batch: HostBatch) => {
    const xs = batch.inputs.map((array, i) => {
      const shape = inputShapes[i]!;
      return tf.tensor(array.subarray(0, batch.count * size(shape)), [batch.count, ...shape], inputDtypes[i]);
    });
    const target = batch.targets[0]!.subarray(0, batch.count * size(targetShape));
    const y = tf.tensor(target, [batch.count, ...targetShape], targetDtype);
    return { x: xs.length === 1 ? xs[0]! : xs, y };
  };

  return {
    mode: 'eager',
    optimizerIdentity: optimizerIdentity(options.optimizer),

    trainBatch(batch) {
      const { value, sums } = withKernelCheck(() =>
        randomness.run(batch.epoch, batch.step, () =>
          tf.tidy(() => {
            const { x, y } = tensors(batch);
            let kept: tf.Scalar[] = [];
            const { value, grads } = tf.variableGrads(() => {
              const output = model.apply(x, { training: true }) as tf.Tensor;
              // The forward pass runs in its own tidy scope: keep the metrics it computes.
              kept = metrics.map((m) => tf.keep(metricSum(m, loss, output, y)));
              return batchLoss(loss, output, y, 'mean');
            }, variables);
            // A weight the loss does not reach gets no gradient: it takes a zero one (Adam's moments still decay).
            optimizer.applyGradients(
              variables,
              variables.map((v) => grads[v.name] ?? tf.zerosLike(v)),
            );
            return { value, sums: kept };
          }),
        ),
      );
      // Weight each batch by its size: the epoch mean is over examples, the last batch may be short.
      const lossSum = value.dataSync()[0]! * batch.count;
      value.dispose();
      return readSums(metrics, lossSum, sums);
    },

    evaluateBatch(batch) {
      const [lossSum, ...sums] = withKernelCheck(() =>
        tf.tidy(() => {
          const { x, y } = tensors(batch);
          const output = model.apply(x, { training: false }) as tf.Tensor;
          return [batchLoss(loss, output, y, 'sum'), ...metrics.map((m) => metricSum(m, loss, output, y))];
        }),
      );
      const value = lossSum!.dataSync()[0]!;
      lossSum!.dispose();
      return readSums(metrics, value, sums);
    },

    syncModel() {
      // The model's own variables are trained: nothing to copy.
    },

    optimizerState() {
      return optimizer.getState();
    },

    restore(weights: readonly CheckpointArray[], optimizerState: readonly CheckpointArray[]) {
      const expected = model.weights.map((w) => w.read());
      if (weights.length !== expected.length || weights.some((w, i) => w.data.length !== expected[i]!.size))
        throw new UserError(
          'E_CHECKPOINT_MISMATCH',
          `the checkpoint holds ${weights.length} weights, the model ${expected.length} (or their sizes differ).`,
        );
      const values = weights.map((w, i) => tf.tensor(w.data, expected[i]!.shape, expected[i]!.dtype));
      model.setWeights(values);
      tf.dispose(values);
      optimizer.setState(optimizerState);
    },

    dispose() {
      optimizer.dispose();
    },
  };
}
