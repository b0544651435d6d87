/**
 * The trainable contract: the user's code that trains one trial. seedsweep calls `run(params, ctx)`
 * in a training thread with the trial's validated parameters; the trainable reports metrics once per
 * epoch through `ctx.report`, may stage its state with `ctx.checkpoint` (committed atomically with the
 * next report) and finds it again with `ctx.restore()` when a trial resumes after a failure or a pause.
 * The study's own image classifier is written against this contract like any user trainable.
 */
import type { ZodType } from 'zod';
import type { EpochMetrics, ModelStats, TrainSettings } from './trial.js';

/** What a trainable gets besides its parameters. One context per trial; not shared between threads. */
export interface TrainableContext<D = unknown> {
  /** The trial seed (non-negative integer): seed every random choice from it. */
  readonly seed: number;
  /** Epochs to train in all (the trial's budget). A report of epoch `epochs` finishes the trial. */
  readonly epochs: number;
  /**
   * Epochs finished so far: 0 on a fresh start, k when the trial resumed from the checkpoint of epoch k.
   * Grows by one with every `report`.
   */
  readonly epoch: number;
  /** Metrics reported so far (epochs 1..`epoch`, including those before a resume). */
  readonly history: readonly EpochMetrics[];
  /** The trial's training settings (`epochs`, and the image classifier's batch size, optimiser, rate). */
  readonly train: TrainSettings;
  /** The loaded dataset (a plug-in's `load` result, a built-in's split), or undefined when the spec names none. */
  readonly dataset: D;
  /** Folder to save a trained model into, when the worker asked for one (the tracker uploads it). */
  readonly modelDir: string | undefined;
  /**
   * Ends epoch `epoch + 1` with these metrics (finite numbers or NaN, e.g. `{ loss, accuracy }`): writes
   * the staged checkpoint and the metrics atomically, then tells the sweep. Rejects with a
   * `TrialStoppedError` when the sweep asked the trial to stop (early stopping, pause, cancel): let it
   * propagate; the checkpoint is on disk and a resumed trial continues after this epoch.
   */
  report(metrics: Record<string, number>): Promise<void>;
  /** Stages state (any structured-cloneable value: typed arrays, objects, Maps) for the next `report`. */
  checkpoint(state: unknown): void;
  /** The state staged before the last committed report, when resuming; undefined on a fresh start. */
  restore<S = unknown>(): S | undefined;
  /** True once the sweep asked this trial to stop; a long epoch may poll it and report early. */
  shouldStop(): boolean;
}

/** What `run` may return: facts about the trained model the report shows. */
export interface TrainableOutput {
  /** Parameter counts and FLOPs (reports show them when present). */
  modelStats?: ModelStats;
  /** True when the trainable saved its model into `ctx.modelDir` (the tracker then uploads it). */
  modelSaved?: boolean;
}

/** A trainable: what `defineTrainable` returns and what a spec's `trainable: file.ts#name` must export. */
export interface Trainable<P = Record<string, unknown>, D = unknown> {
  readonly kind: 'seedsweep.trainable';
  /**
   * Name: part of every trial key (with `version`), shown in reports. Letters, digits, `.`, `_`, `-`.
   * Two trainables must not share a name within one tracking server unless they compute the same thing.
   */
  readonly name: string;
  /** Bump when the code changes what a trial computes: old trial keys then stop matching on purpose. */
  readonly version?: string | number;
  /** Checks the trial's parameters (spec values merged over `params` defaults); errors name the field. */
  readonly params: ZodType<P>;
  /** Metric names `report` will carry (reports and checks use them). */
  readonly metrics?: readonly string[];
  /** Trains one trial. */
  run(params: P, ctx: TrainableContext<D>): Promise<TrainableOutput | void>;
}

/** Name rule shared by trainables and dataset plug-ins (they become MLflow params and file names). */
export const PLUGIN_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Options of {@link defineTrainable}: a {@link Trainable} without its `kind` tag. */
export type TrainableDefinition<P, D> = Omit<Trainable<P, D>, 'kind'>;

/**
 * Declares a trainable. Export the result from a module and name it in a spec
 * (`trainable: ./my-model.ts#myModel`) or in `defineExperiment({ trainable })`.
 * @throws TypeError when the name is not letters, digits, `.`, `_`, `-` or `run` is not a function.
 */
export function defineTrainable<P, D = unknown>(definition: TrainableDefinition<P, D>): Trainable<P, D> {
  if (typeof definition.name !== 'string' || !PLUGIN_NAME_PATTERN.test(definition.name)) {
    throw new TypeError(
      `defineTrainable: name must be letters, digits, '.', '_' or '-' (starting with a letter or digit); got ${JSON.stringify(definition.name)}`,
    );
  }
  if (typeof definition.run !== 'function')
    throw new TypeError(
      `defineTrainable(${definition.name}): run must be a function (params, ctx) => Promise<void>`,
    );
  if (!definition.params || typeof (definition.params as { safeParse?: unknown }).safeParse !== 'function') {
    throw new TypeError(
      `defineTrainable(${definition.name}): params must be a zod schema, e.g. z.object({ lr: z.number() })`,
    );
  }
  return Object.freeze({ ...definition, kind: 'seedsweep.trainable' as const });
}

/** True for a value made by {@link defineTrainable} (checked by shape: it may come from another copy of seedsweep). */
export function isTrainable(value: unknown): value is Trainable<unknown, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'seedsweep.trainable'
  );
}
