/**
 * The trainable contract: the user's code that trains one trial. seedsweep calls `run(params, ctx)`
 * in a training thread with the trial's validated parameters; the trainable reports metrics once per
 * epoch through `ctx.report`, may stage its state with `ctx.checkpoint` (committed atomically with the
 * next report) and finds it again with `ctx.restore()` when a trial resumes after a failure or a pause.
 * The study's own image classifier is written against this contract like any user trainable.
 */
import { z, type ZodType } from 'zod';
import { PLUGIN_NAME_PATTERN } from './plugin-name.js';
import type { SeedSources } from './seed-sources.js';
import type { EpochMetrics, ModelStats, TrainingPathMode, TrainSettings } from './trial.js';

/** What a trainable gets besides its parameters. One context per trial; not shared between threads. */
export interface TrainableContext<D = unknown> {
  /** The trial seed (non-negative integer): seed every random choice from it. */
  readonly seed: number;
  /**
   * One seed per source of randomness: `init` (weight initialisation), `dataOrder` (shuffling), `split`
   * (which examples go to train / validation, where the trainable splits), `dropout` (dropout masks
   * and other training noise, e.g. augmentation). Each equals `seed` unless the spec's `seed_sources`
   * varies some sources while holding others: seed each kind of random choice from its own source.
   */
  readonly seeds: SeedSources;
  /** The trial's key (what MLflow tags it with): name it in errors about this trial. */
  readonly trialKey: string;
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
  /** How its steps ran: one TensorFlow graph per step, or op by op through TF.js (`defineModelTrainable`). */
  trainingPath?: TrainingPathMode;
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
  /**
   * Training settings the trainable reads from `ctx.train` besides `epochs`, with their defaults
   * (the built-in image classifier's: `{ batchSize: 64, optimizer: 'adam', learningRate: 0.001 }`).
   * A spec's `train:` takes its missing ones from here, and a sweep varies them like parameters, by
   * their spec names (`batch_size`, `optimizer`, `learning_rate`): they go to `ctx.train`, not `params`.
   * Absent: only `epochs` is a training setting; every other name is a parameter.
   */
  readonly trainDefaults?: TrainDefaults;
  /** Trains one trial. */
  run(params: P, ctx: TrainableContext<D>): Promise<TrainableOutput | void>;
  /**
   * `function` when this is a plain exported function taken as a trainable (see {@link trainableOf}):
   * it declares no schema, so its parameters are passed through unchecked. Absent for `defineTrainable`'s.
   */
  readonly form?: TrainableForm;
}

/** Training settings besides `epochs` that a trainable reads from `ctx.train`, with their defaults. */
export type TrainDefaults = Partial<Omit<TrainSettings, 'epochs'>>;

/** How a trainable was written, when not with `defineTrainable`: a plain training function. */
export type TrainableForm = 'function';

/**
 * A plain training function, the form Ray Tune and Optuna take (`export async function train(params,
 * ctx)`): seedsweep calls it with the trial's parameters, unchecked, and the same context a
 * `defineTrainable`'s `run` gets. `defineTrainable` adds a name, a version and a parameter schema.
 */
export type TrainFunction<P = Record<string, unknown>, D = unknown> = (
  params: P,
  ctx: TrainableContext<D>,
) => Promise<TrainableOutput | void> | TrainableOutput | void;

/** The version of every plain-function trainable: it cannot declare one. */
export const FUNCTION_TRAINABLE_VERSION = '0';

/** What a module export must be to be taken as a trainable, for error messages. */
export const TRAINABLE_EXPORT_HINT =
  "export the result of defineTrainable({ name, params, run }) from 'seedsweep', or a training function (params, ctx) => Promise<void>";

/** Any object of parameters, as they come: a plain function declares no schema. */
const UNCHECKED_PARAMS: ZodType<Record<string, unknown>> = z.record(z.string(), z.unknown());

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

/** True for a class (also `typeof 'function'`, but not something to call as `train(params, ctx)`). */
function isClass(fn: (...args: never[]) => unknown): boolean {
  return /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

/**
 * The trainable a module export stands for: a {@link defineTrainable} result as it is; a plain function
 * taking at most (params, ctx) as a trainable of `form: 'function'`, named after its export (a default
 * export after the function's own name, when it has a usable one), version
 * {@link FUNCTION_TRAINABLE_VERSION}, parameters unchecked. Undefined for anything else (a class, a
 * function of more parameters, a name that is not letters, digits, `.`, `_`, `-`).
 */
export function trainableOf(value: unknown, exportName: string): Trainable<unknown, unknown> | undefined {
  if (isTrainable(value)) return value;
  if (typeof value !== 'function') return undefined;
  const fn = value as TrainFunction<unknown, unknown>;
  if (fn.length > 2 || isClass(fn)) return undefined;
  const name =
    exportName === 'default' && PLUGIN_NAME_PATTERN.test(fn.name) && fn.name !== 'default'
      ? fn.name
      : exportName;
  if (!PLUGIN_NAME_PATTERN.test(name)) return undefined;
  return Object.freeze({
    kind: 'seedsweep.trainable' as const,
    form: 'function' as const,
    name,
    version: FUNCTION_TRAINABLE_VERSION,
    params: UNCHECKED_PARAMS as ZodType<unknown>,
    async run(params: unknown, ctx: TrainableContext<unknown>): Promise<TrainableOutput | void> {
      const output = await fn(params, ctx);
      // Optuna's objectives return their value: only a TrainableOutput object means anything here.
      return typeof output === 'object' && output !== null ? output : undefined;
    },
  });
}
