/**
 * The training loop of a model trainable (`defineModelTrainable`): builds the model under the trial
 * seed, picks a training path, and per epoch trains on the training split in the order
 * `epochPermutation(seed, epoch)` gives (batches of `batchSize`, the last one short), evaluates the
 * other splits, reports `${split}${Metric}` metrics with timings, and checkpoints every weight and
 * the optimiser state. A resumed trial continues bit-identically; a stop asked for mid-epoch ends the
 * trial at once with `TrialStoppedError` (the partial epoch is dropped: the resumed trial redoes it).
 */
import { performance } from 'node:perf_hooks';
import { UserError } from '../../core/common/errors.js';
import type { TrainableContext, TrainableOutput } from '../../core/domain/trainable.js';
import { TrialStoppedError } from '../runner/errors.js';
import { saveModelToDir } from '../model-io.js';
import { modelStatsOf } from '../model-stats.js';
import { deriveSeed, epochPermutation } from '../runner/seeding.js';
import type { HostBatch, MetricSpec, TrainingPath } from '../training-path.js';
import { buildSeededModel } from './build.js';
import { resolveCompile } from './compile.js';
import { DEFAULT_EVAL_BATCH_SIZE, type FitInfo, type ModelTrainableDefinition } from './definition.js';
import { checkFitState, FIT_STATE_FORMAT, modelSignature, weightArrays, type FitState } from './fit-state.js';
import { checkLossFits, isSparse } from './losses.js';
import { fitManifest } from './save.js';
import { selectTrainingPath } from './select-path.js';
import { createBatch, modelOutputShape, toFitSource, type FitSource } from './sources.js';

/** The splits evaluated after every epoch, in this order. */
const EVALUATED_SPLITS = ['validation', 'test'] as const;

/** `accuracy` → `Accuracy`: metric names are `${split}${Capitalised}`. */
const capitalised = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

function positiveInteger(value: unknown, what: string): number {
  if (!Number.isInteger(value) || (value as number) < 1)
    throw new UserError('E_BAD_PARAMS', `${what} must be an integer ≥ 1; got ${JSON.stringify(value)}.`);
  return value as number;
}

/** Throws when a sparse target is not a class index of the model's outputs. */
function checkLabels(batch: HostBatch, source: FitSource, classes: number): void {
  const labels = batch.targets[0]!;
  const n = batch.count * source.targetShape.reduce((a, b) => a * b, 1);
  for (let i = 0; i < n; i++) {
    const label = labels[i]!;
    if (!(label >= 0 && label < classes))
      throw new UserError(
        'E_BAD_LABELS',
        `the ${source.split} targets hold class index ${label} (epoch ${batch.epoch}, batch ${batch.step}), outside 0…${classes - 1} for a model of ${classes} outputs.`,
      );
  }
}

/** Sums of a split's examples: loss and metrics, evaluated in batches of `batch`'s size, in order. */
function evaluate(
  path: TrainingPath,
  source: FitSource,
  batch: HostBatch,
  rows: number,
  metrics: readonly MetricSpec[],
  classes: number | undefined,
  epoch: number,
): Record<string, number> {
  const order = Int32Array.from({ length: source.size }, (_, i) => i);
  let lossSum = 0;
  const sums = metrics.map(() => 0);
  for (let start = 0, step = 0; start < order.length; start += rows, step++) {
    const count = Math.min(rows, order.length - start);
    source.fill(order, start, count, batch);
    Object.assign(batch, { count, epoch, step });
    if (classes !== undefined) checkLabels(batch, source, classes);
    const s = path.evaluateBatch(batch);
    lossSum += s.lossSum;
    metrics.forEach((m, i) => (sums[i] = sums[i]! + s.metricSums[m]!));
  }
  const out: Record<string, number> = { [`${source.split}Loss`]: lossSum / source.size };
  metrics.forEach((m, i) => (out[`${source.split}${capitalised(m)}`] = sums[i]! / source.size));
  return out;
}

/** Trains one trial of a model trainable; see the module comment. */
export async function runFit<P, D>(
  definition: ModelTrainableDefinition<P, D>,
  params: P,
  ctx: TrainableContext<D>,
): Promise<TrainableOutput> {
  // Each kind of randomness from its own source (all equal to ctx.seed unless the spec varies them).
  const { dataOrder, dropout } = ctx.seeds;
  const info: FitInfo = { seed: ctx.seed, seeds: ctx.seeds, train: ctx.train };
  const model = buildSeededModel(definition, params, info);
  try {
    const compiled = resolveCompile(
      typeof definition.compile === 'function' ? definition.compile(params, info) : definition.compile,
    );
    const { loss, metrics } = compiled;
    const data = await definition.data(ctx.dataset, params, info);
    if (typeof data !== 'object' || data === null || data.train === undefined)
      throw new UserError(
        'E_BAD_DATASET',
        `trainable '${definition.name}': data must return { train, validation?, test? }.`,
      );
    const context = { model, loss };
    const output = modelOutputShape(model);
    const train = toFitSource('train', data.train, context);
    const evaluated = EVALUATED_SPLITS.filter((split) => data[split] !== undefined).map((split) =>
      toFitSource(split, data[split]!, context),
    );
    for (const source of [train, ...evaluated]) {
      if (source.size === 0)
        throw new UserError(
          'E_EMPTY_DATASET',
          `trainable '${definition.name}': the ${source.split} split has no examples.`,
        );
      checkLossFits({ loss, output, target: source.targetShape, split: source.split });
    }
    const batchSize = positiveInteger(
      typeof definition.batchSize === 'function' ? definition.batchSize(params, info) : definition.batchSize,
      'batchSize',
    );
    const evalBatchSize = positiveInteger(
      definition.evalBatchSize ?? DEFAULT_EVAL_BATCH_SIZE,
      'evalBatchSize',
    );
    const classes = isSparse(loss) ? (output.at(-1) ?? undefined) : undefined;
    const modelStats = modelStatsOf(model);

    const path = selectTrainingPath({ model, loss, metrics, optimizer: compiled.optimizer, seed: dropout });
    try {
      const expected = {
        model: modelSignature(model),
        optimizer: path.optimizerIdentity,
        trialKey: ctx.trialKey,
      };
      const saved = ctx.restore<unknown>();
      if (saved !== undefined) {
        const state = checkFitState(saved, expected);
        path.restore(state.weights, state.optimizerState);
      }
      const trainBatch = createBatch(train, batchSize);
      const evalBatches = evaluated.map((source) => createBatch(source, evalBatchSize));
      const imageInput = train.inputShapes.length === 1 && train.inputShapes[0]!.length === 3;

      while (ctx.epoch < ctx.epochs) {
        const epoch = ctx.epoch + 1;
        const started = performance.now();
        const order = epochPermutation({ seed: dataOrder, epoch, length: train.size });
        let lossSum = 0;
        const sums = metrics.map(() => 0);
        for (let start = 0, step = 0; start < order.length; start += batchSize, step++) {
          // The last epoch finishes (as a report would let it); in earlier ones a stop ends the trial
          // before the next batch, dropping the partial epoch (its report would then have stopped it).
          if (step > 0 && epoch < ctx.epochs && ctx.shouldStop()) throw new TrialStoppedError(ctx.epoch);
          const count = Math.min(batchSize, order.length - start);
          train.fill(order, start, count, trainBatch);
          Object.assign(trainBatch, { count, epoch, step });
          definition.augment?.(trainBatch, {
            seed: deriveSeed(dropout, 'augment', epoch, step),
            epoch,
            step,
          });
          if (classes !== undefined) checkLabels(trainBatch, train, classes);
          const s = path.trainBatch(trainBatch);
          lossSum += s.lossSum;
          metrics.forEach((m, i) => (sums[i] = sums[i]! + s.metricSums[m]!));
        }
        const trainSeconds = (performance.now() - started) / 1000;
        const reported: Record<string, number> = { trainLoss: lossSum / order.length };
        metrics.forEach((m, i) => (reported[`train${capitalised(m)}`] = sums[i]! / order.length));
        evaluated.forEach((source, i) =>
          Object.assign(
            reported,
            evaluate(path, source, evalBatches[i]!, evalBatchSize, metrics, classes, epoch),
          ),
        );
        reported['epochSeconds'] = (performance.now() - started) / 1000;
        reported['examplesPerSecond'] = order.length / trainSeconds;
        if (imageInput) reported['imagesPerSecond'] = order.length / trainSeconds;
        path.syncModel();
        ctx.checkpoint({
          format: FIT_STATE_FORMAT,
          model: expected.model,
          optimizer: expected.optimizer,
          weights: weightArrays(model),
          optimizerState: path.optimizerState(),
        } satisfies FitState);
        await ctx.report(reported);
      }

      const output: TrainableOutput = { modelStats, trainingPath: path.mode };
      if (ctx.modelDir && definition.save !== false) {
        path.syncModel();
        await saveModelToDir({
          model,
          dir: ctx.modelDir,
          manifest: fitManifest({
            model,
            source: train,
            data,
            trainable: `${definition.name}@${definition.version ?? 0}`,
            name: definition.name,
            params,
            trialKey: ctx.trialKey,
            seed: ctx.seed,
            final: ctx.history.at(-1),
          }),
        });
        output.modelSaved = true;
      }
      return output;
    } finally {
      path.dispose();
    }
  } finally {
    model.dispose();
  }
}
