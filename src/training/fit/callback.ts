/**
 * A `model.fit` callback that makes an existing Keras-style loop a sweep trial (what Ray Tune's
 * TuneReportCheckpointCallback, Optuna's TFKerasPruningCallback and W&B's WandbCallback do):
 * - on train begin it restores the trial's checkpoint (every model weight and the optimiser's
 *   weights, refusing one of another model or optimiser) and checks that `fit` was called with
 *   `{ epochs: ctx.epochs, initialEpoch: ctx.epoch }`;
 * - every epoch it stages the weights and optimiser weights and reports fit's logs (`loss`, `acc`,
 *   `val_loss`… as fit names them, plus `epochSeconds`);
 * - when the sweep stops the trial it sets `model.stopTraining`, so `fit` ends its loop normally, and
 *   then rejects with the `TrialStoppedError` (let it propagate from the trainable).
 * A resumed trial repeats an uninterrupted one bit for bit, shuffled or not: Dropout layers get a
 * seed per (epoch, batch); fit's shuffle (Fisher–Yates over its index array, drawing from
 * `Math.random`) is fed the draws that make it produce `epochPermutation(seed, epoch)`, the order a
 * `defineModelTrainable` trial of the same seed uses: a function of the seed and the epoch only
 * (fit would otherwise shuffle its previous order again, so a resumed fit could not repeat it);
 * Adam's β powers are saved too (tf.train's `setWeights` recomputes them as pow(β, t), off the
 * running product by a rounding).
 */
import { performance } from 'node:perf_hooks';
import * as tf from '../backends/tfjs.js';
import { mulberry32 } from '../../core/common/random.js';
import { UserError } from '../../core/common/errors.js';
import type { TrainableContext } from '../../core/domain/trainable.js';
import type { CheckpointArray } from '../runner/checkpoint.js';
import { TrialStoppedError } from '../runner/errors.js';
import { EXTRA_PREFIX } from '../optimizers/optimizer.js';
import { optimizerIdentity } from '../optimizers/from-spec.js';
import { deriveSeed, epochPermutation } from '../runner/seeding.js';
import { specOfTfOptimizer } from './compile.js';
import { checkFitState, FIT_STATE_FORMAT, modelSignature, weightArrays, type FitState } from './fit-state.js';
import { allLayers } from './randomness.js';

/** Options of {@link sweepCallback}. */
export interface SweepCallbackOptions {
  /** The model `fit` trains. */
  model: tf.LayersModel;
  /** The optimiser `fit` steps with. @default `model.optimizer` (set by `model.compile`) */
  optimizer?: tf.Optimizer;
  /**
   * The metrics to report from an epoch's logs. @default every log as fit names it (`loss`, `acc`,
   * `val_loss`, `val_acc`…)
   */
  metrics?: (logs: Record<string, number>) => Record<string, number>;
}

/**
 * A `Math.random` under which `tf.util.shuffle` (`index = (random() · counter) | 0`, counter from n down,
 * swap) turns `from` into `to`: Fisher–Yates run backwards. Then draws from `fallback`.
 */
export function shuffleDraws(from: Int32Array, to: Int32Array, fallback: () => number): () => number {
  const order = Int32Array.from(from);
  const position = new Int32Array(order.length);
  order.forEach((value, i) => (position[value] = i));
  const draws: number[] = [];
  for (let counter = order.length; counter > 0;) {
    const index = position[to[counter - 1]!]!;
    draws.push((index + 0.5) / counter);
    counter--;
    const moved = order[counter]!;
    order[counter] = order[index]!;
    order[index] = moved;
    position[order[counter]!] = counter;
    position[moved] = index;
  }
  let next = 0;
  return () => (next < draws.length ? draws[next++]! : fallback());
}

/** Adam's running β powers: private in tf.train, saved and restored so the state is exact. */
interface AdamBetaPowers {
  accBeta1?: tf.Variable;
  accBeta2?: tf.Variable;
}
const BETA_POWERS = ['accBeta1', 'accBeta2'] as const;

function identityOf(optimizer: tf.Optimizer): string {
  try {
    return optimizerIdentity(specOfTfOptimizer(optimizer));
  } catch {
    // Any optimiser with getWeights/setWeights can be checkpointed; its config is its identity.
    return `${optimizer.getClassName()}(${JSON.stringify(optimizer.getConfig())})`;
  }
}

function copyOf(tensor: tf.Tensor, name: string): CheckpointArray {
  const data = tensor.dataSync();
  return {
    name,
    shape: [...tensor.shape],
    data: data instanceof Int32Array ? Int32Array.from(data) : Float32Array.from(data as Float32Array),
  };
}

/** An epoch's logs as numbers (fit's BaseLogger leaves scalars in them: resolved in place, as TF.js' own callbacks do). */
async function resolveLogs(logs: tf.Logs | undefined): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const unresolved = (logs ?? {}) as Record<string, number | tf.Scalar>;
  for (const [key, value] of Object.entries(unresolved)) {
    if (typeof value === 'number') out[key] = value;
    else if (value instanceof tf.Tensor) {
      out[key] = (await value.data())[0]!;
      unresolved[key] = out[key];
      value.dispose();
    }
  }
  return out;
}

/** The callback {@link sweepCallback} returns. */
export class SweepCallback extends tf.Callback {
  /** Pass as `fit`'s `initialEpoch`: the epochs finished before a resume. */
  readonly initialEpoch: number;
  /** Pass as `fit`'s `epochs`: the trial's budget. */
  readonly epochs: number;
  private stopped: TrialStoppedError | undefined;
  private epoch = 0;
  private epochStarted = 0;
  private originalRandom: (() => number) | undefined;
  /** The order fit's index array is in: undefined ⇒ as fit made it (0…n−1), before this call's first shuffle. */
  private order: Int32Array | undefined;
  private readonly dropouts: { layer: tf.layers.Layer; index: string }[];

  constructor(
    private readonly ctx: TrainableContext<unknown>,
    private readonly options: SweepCallbackOptions,
  ) {
    super();
    this.initialEpoch = ctx.epoch;
    this.epochs = ctx.epochs;
    this.dropouts = allLayers(options.model).filter(({ layer }) =>
      ['Dropout', 'SpatialDropout1D'].includes(layer.getClassName()),
    );
  }

  private optimizer(): tf.Optimizer {
    const optimizer = this.options.optimizer ?? this.options.model.optimizer;
    if (!optimizer)
      throw new UserError(
        'E_FIT_CALLBACK',
        'sweepCallback: the model has no optimizer; call model.compile({ optimizer, loss }) before fit (or pass { optimizer }).',
      );
    return optimizer;
  }

  override async onTrainBegin(): Promise<void> {
    this.order = undefined;
    const { epochs, initialEpoch } = this.params as { epochs?: number; initialEpoch?: number };
    if (epochs !== this.ctx.epochs || (initialEpoch ?? 0) !== this.ctx.epoch)
      throw new UserError(
        'E_FIT_CALLBACK',
        `sweepCallback: fit was called with epochs ${epochs}, initialEpoch ${initialEpoch ?? 0}; pass { epochs: ctx.epochs, initialEpoch: ctx.epoch } (${this.ctx.epochs} and ${this.ctx.epoch} for this trial).`,
      );
    const saved = this.ctx.restore<unknown>();
    if (saved === undefined) return;
    const optimizer = this.optimizer();
    const state = checkFitState(saved, {
      model: modelSignature(this.options.model),
      optimizer: identityOf(optimizer),
      trialKey: this.ctx.trialKey,
    });
    const weights = state.weights.map((w) => tf.tensor(w.data, w.shape));
    this.options.model.setWeights(weights);
    tf.dispose(weights);
    const slots = state.optimizerState.filter((a) => !a.name.startsWith(EXTRA_PREFIX));
    const named = slots.map((a) => ({
      name: a.name,
      tensor: tf.tensor(a.data, a.shape, a.data instanceof Int32Array ? 'int32' : 'float32'),
    }));
    await optimizer.setWeights(named);
    tf.dispose(named.map((n) => n.tensor));
    const powers = optimizer as unknown as AdamBetaPowers;
    for (const name of BETA_POWERS) {
      const value = state.optimizerState.find((a) => a.name === `${EXTRA_PREFIX}${name}`);
      if (value) powers[name]?.assign(tf.scalar(value.data[0]!));
    }
  }

  override async onEpochBegin(epoch: number): Promise<void> {
    this.epoch = epoch + 1;
    this.epochStarted = performance.now();
    const samples = (this.params as { samples?: number }).samples;
    if (!Number.isInteger(samples)) return; // fitDataset: no index array to shuffle
    // fit shuffles right after this returns, with Math.random: fed the draws that give this epoch's
    // permutation, and put back at the first batch.
    const from = this.order ?? Int32Array.from({ length: samples! }, (_, i) => i);
    this.order = epochPermutation({ seed: this.ctx.seeds.dataOrder, epoch: this.epoch, length: samples! });
    this.originalRandom ??= Math.random;
    Math.random = shuffleDraws(
      from,
      this.order,
      mulberry32(deriveSeed(this.ctx.seeds.dataOrder, 'fit', this.epoch)),
    );
  }

  override async onBatchBegin(batch: number): Promise<void> {
    this.restoreRandom();
    for (const { layer, index } of this.dropouts) {
      (layer as unknown as { seed?: number }).seed = deriveSeed(
        this.ctx.seeds.dropout,
        'dropout',
        this.epoch,
        batch,
        index,
      );
    }
  }

  override async onEpochEnd(epoch: number, logs?: tf.Logs): Promise<void> {
    this.restoreRandom();
    const resolved = await resolveLogs(logs);
    const metrics = { ...(this.options.metrics ? this.options.metrics(resolved) : resolved) };
    metrics['epochSeconds'] = (performance.now() - this.epochStarted) / 1000;
    const optimizer = this.optimizer();
    const optimizerWeights = await optimizer.getWeights();
    const optimizerState = optimizerWeights.map((w) => copyOf(w.tensor, w.name));
    optimizerWeights[0]?.tensor.dispose(); // `iter`: a new scalar; the rest are the optimiser's variables
    const powers = optimizer as unknown as AdamBetaPowers;
    for (const name of BETA_POWERS) {
      const value = powers[name];
      if (value instanceof tf.Variable) optimizerState.push(copyOf(value, `${EXTRA_PREFIX}${name}`));
    }
    this.ctx.checkpoint({
      format: FIT_STATE_FORMAT,
      model: modelSignature(this.options.model),
      optimizer: identityOf(optimizer),
      weights: weightArrays(this.options.model),
      optimizerState,
    } satisfies FitState);
    try {
      await this.ctx.report(metrics);
    } catch (error) {
      if (!(error instanceof TrialStoppedError)) throw error;
      // Let fit end its loop cleanly (callbacks' onTrainEnd, fit's own clean-up); onTrainEnd rethrows.
      this.stopped = error;
      this.options.model.stopTraining = true;
    }
  }

  override async onTrainEnd(): Promise<void> {
    this.restoreRandom();
    if (this.stopped) throw this.stopped;
  }

  private restoreRandom(): void {
    if (this.originalRandom) Math.random = this.originalRandom;
    this.originalRandom = undefined;
  }
}

/**
 * A callback for `model.fit` that reports each epoch to the sweep, checkpoints the model and its
 * optimiser, restores them when the trial resumes, and stops fit when the sweep says so:
 * ```ts
 * const callback = await sweepCallback(ctx, { model });
 * await model.fit(x, y, { epochs: ctx.epochs, initialEpoch: ctx.epoch, callbacks: [callback] });
 * ```
 * `fit` then rejects with `TrialStoppedError` when the sweep stopped the trial: let it propagate.
 */
export function sweepCallback(ctx: TrainableContext<unknown>, options: SweepCallbackOptions): SweepCallback {
  return new SweepCallback(ctx, options);
}
