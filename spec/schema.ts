/**
 * The sweep spec: the zod schema of the YAML file (snake_case keys, strict objects so a typo is an
 * error) and the validated, defaults-filled `SweepSpec` it transforms into (camelCase, plain JSON).
 * Field-by-field documentation with examples: docs/sweep-spec.md.
 */
import { z } from 'zod';
import type { DatasetSpec } from '../datasets/types.js';
import type { TrainSettings } from '../engine/types.js';
import type { ComparisonSpec, QueueKind } from './types.js';
import type { ParamValue } from './parameters.js';
import { OPTIMIZERS } from './parameters.js';

/** A search distribution of one parameter in `variants.random.params`. */
export type Distribution =
  | { kind: 'uniform' | 'loguniform'; low: number; high: number }
  | { kind: 'int'; low: number; high: number }
  | { kind: 'choice'; values: ParamValue[] };

/** The model variants of a sweep: grid points and/or seeded random samples (their union). */
export interface VariantsSpec {
  /** Parameter (spec name, e.g. `kernel_size`) → values; the variants are the cartesian product. */
  grid?: Record<string, ParamValue[]>;
  /** Rules removing grid points and random samples: a rule matches when every named parameter has one of its values. */
  exclude: Record<string, ParamValue[]>[];
  /** Seeded random search: `samples` draws, each parameter from its distribution. */
  random?: { samples: number; seed: number; params: Record<string, Distribution> };
}

/** The median early-stopping rule, evaluated over the trials of a sweep epoch by epoch. */
export interface EarlyStoppingSpec {
  rule: 'median';
  metric: 'test_accuracy' | 'test_loss';
  /** Never stop a trial before this epoch (1-based). */
  minEpochs: number;
  /** Decide only once this many trials have reported the epoch. */
  minTrials: number;
}

/** A validated sweep spec with every default filled in. Plain JSON (it is a Temporal payload). */
export interface SweepSpec {
  /** Sweep name: the tracker's experiment name and part of workflow ids. */
  name: string;
  description?: string;
  dataset: DatasetSpec;
  /** Training settings of every variant, unless the variants override them. */
  train: TrainSettings;
  variants: VariantsSpec;
  /** Seeds of every variant: distinct non-negative integers, in run order. */
  seeds: number[];
  /** Trials in flight at once. */
  concurrency: number;
  retries: { maxAttempts: number; initialIntervalSeconds: number; backoffCoefficient: number };
  timeouts: { trialMinutes: number; heartbeatSeconds: number };
  queue: QueueKind;
  earlyStopping?: EarlyStoppingSpec;
  /** Comparisons the report makes; each has a name (defaulted from its factor values). */
  comparisons: ComparisonSpec[];
  /** True when the spec claims exactly one factor varies (checked at load). */
  controlled: boolean;
}

/** Largest seed: the engine derives its per-layer and per-epoch seeds as unsigned 32-bit integers. */
export const MAX_SEED = 2 ** 32 - 1;

/** Largest seed count `{count: N}` may ask for (a guard against a typo like 50000). */
export const MAX_SEEDS = 10_000;

const scalar = z.union([z.number(), z.string()]);
const positiveInt = z.number().int().min(1);
const nonNegativeInt = z.number().int().min(0);
const range = z.tuple([z.number(), z.number()]);
const seed = nonNegativeInt.max(MAX_SEED);

export const datasetSchema = z.strictObject({
  name: z.enum(['cifar10', 'synthetic']),
  train_size: positiveInt.optional(),
  test_size: positiveInt.optional(),
  slice_seed: nonNegativeInt.default(0),
  path: z.string().min(1).optional(),
});

export const trainSchema = z.strictObject({
  epochs: positiveInt.max(10_000).default(10),
  batch_size: positiveInt.max(65_536).default(64),
  optimizer: z.enum(OPTIMIZERS).default('adam'),
  learning_rate: z.number().positive().default(1e-3),
});

const DISTRIBUTION_KINDS = ['uniform', 'loguniform', 'int', 'choice'] as const;

export const distributionSchema = z
  .strictObject({
    uniform: range.optional(),
    loguniform: range.optional(),
    int: z.tuple([z.number().int(), z.number().int()]).optional(),
    choice: z.array(scalar).min(1).optional(),
  })
  .superRefine((value, ctx) => {
    const given = DISTRIBUTION_KINDS.filter((k) => value[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `expected exactly one distribution (${DISTRIBUTION_KINDS.join(', ')}), e.g. {loguniform: [0.0001, 0.01]}; found ${given.length === 0 ? 'none' : given.join(' and ')}`,
      });
    }
  });

export const randomSchema = z.strictObject({
  samples: positiveInt.max(100_000),
  seed: nonNegativeInt.default(0),
  params: z.record(z.string(), distributionSchema),
});

export const variantsSchema = z.strictObject({
  grid: z.record(z.string(), z.array(scalar).min(1)).optional(),
  exclude: z.array(z.record(z.string(), z.union([scalar, z.array(scalar).min(1)]))).default([]),
  random: randomSchema.optional(),
});

export const seedsObjectSchema = z.strictObject({
  count: positiveInt.max(MAX_SEEDS),
  start: seed.default(0),
});

export const retriesSchema = z.strictObject({
  max_attempts: positiveInt.max(100).default(3),
  initial_interval_seconds: z.number().positive().default(5),
  backoff_coefficient: z.number().min(1).default(2),
});

export const timeoutsSchema = z.strictObject({
  trial_minutes: z.number().positive().default(180),
  heartbeat_seconds: z.number().positive().default(300),
});

export const earlyStoppingSchema = z.strictObject({
  rule: z.literal('median').default('median'),
  metric: z.enum(['test_accuracy', 'test_loss']).default('test_accuracy'),
  min_epochs: positiveInt.default(2),
  min_trials: positiveInt.default(3),
});

export const comparisonSchema = z.strictObject({
  name: z.string().min(1).optional(),
  a: z.record(z.string(), scalar),
  b: z.record(z.string(), scalar),
});

/** Names become MLflow experiment names and workflow ids: keep them to a safe alphabet. */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The YAML document's schema (snake_case, as written). */
export const sweepFileSchema = z.strictObject({
  name: z.string().regex(NAME_PATTERN, {
    message: 'a name of letters, digits, dot, dash or underscore, starting with a letter or digit',
  }),
  description: z.string().optional(),
  dataset: datasetSchema,
  train: trainSchema.prefault({}),
  variants: variantsSchema,
  seeds: z.union([z.array(seed).min(1), seedsObjectSchema]),
  concurrency: positiveInt.max(10_000).default(2),
  retries: retriesSchema.prefault({}),
  timeouts: timeoutsSchema.prefault({}),
  queue: z.enum(['cpu', 'gpu']).default('cpu'),
  early_stopping: earlyStoppingSchema.optional(),
  comparisons: z.array(comparisonSchema).default([]),
  controlled: z.boolean().default(false),
});

export type SweepFile = z.output<typeof sweepFileSchema>;

/** Known keys of each object in the file, by path pattern (`[]` for list items, `*` for a parameter name). */
export const KNOWN_KEYS: Record<string, readonly string[]> = {
  '': Object.keys(sweepFileSchema.shape),
  dataset: Object.keys(datasetSchema.shape),
  train: Object.keys(trainSchema.shape),
  variants: Object.keys(variantsSchema.shape),
  'variants.random': Object.keys(randomSchema.shape),
  'variants.random.params.*': DISTRIBUTION_KINDS,
  seeds: Object.keys(seedsObjectSchema.shape),
  retries: Object.keys(retriesSchema.shape),
  timeouts: Object.keys(timeoutsSchema.shape),
  early_stopping: Object.keys(earlyStoppingSchema.shape),
  'comparisons[]': Object.keys(comparisonSchema.shape),
};

/** Default comparison name: `model=cnn vs model=fc`. */
export function comparisonName(a: Record<string, ParamValue>, b: Record<string, ParamValue>): string {
  const side = (s: Record<string, ParamValue>): string =>
    Object.entries(s)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
  return `${side(a)} vs ${side(b)}`;
}

function toDistribution(d: z.output<typeof distributionSchema>): Distribution {
  if (d.uniform) return { kind: 'uniform', low: d.uniform[0], high: d.uniform[1] };
  if (d.loguniform) return { kind: 'loguniform', low: d.loguniform[0], high: d.loguniform[1] };
  if (d.int) return { kind: 'int', low: d.int[0], high: d.int[1] };
  return { kind: 'choice', values: d.choice ?? [] };
}

/** `dataset` in its camelCase form. */
export function toDatasetSpec(file: SweepFile['dataset']): DatasetSpec {
  const dataset: DatasetSpec = { name: file.name, sliceSeed: file.slice_seed };
  if (file.train_size !== undefined) dataset.trainSize = file.train_size;
  if (file.test_size !== undefined) dataset.testSize = file.test_size;
  if (file.path !== undefined) dataset.path = file.path;
  return dataset;
}

/** `variants` with exclude values as lists and distributions tagged by kind. */
export function toVariantsSpec(file: SweepFile['variants']): VariantsSpec {
  const variants: VariantsSpec = {
    exclude: file.exclude.map((rule) =>
      Object.fromEntries(Object.entries(rule).map(([k, v]) => [k, Array.isArray(v) ? v : [v]])),
    ),
  };
  if (file.grid) variants.grid = file.grid;
  if (file.random) {
    const r = file.random;
    variants.random = {
      samples: r.samples,
      seed: r.seed,
      params: Object.fromEntries(Object.entries(r.params).map(([k, d]) => [k, toDistribution(d)])),
    };
  }
  return variants;
}

/** `seeds` as a list (`{count, start}` expanded). */
export function toSeedList(file: SweepFile['seeds']): number[] {
  if (Array.isArray(file)) return file;
  const { count, start } = file;
  return Array.from({ length: count }, (_, i) => start + i);
}

/** The validated file in its camelCase, defaults-filled form (no semantic checks: see spec/check.ts). */
export function toSweepSpec(file: SweepFile): SweepSpec {
  const dataset = toDatasetSpec(file.dataset);
  const variants = toVariantsSpec(file.variants);
  const seeds = toSeedList(file.seeds);

  const spec: SweepSpec = {
    name: file.name,
    dataset,
    train: {
      epochs: file.train.epochs,
      batchSize: file.train.batch_size,
      optimizer: file.train.optimizer,
      learningRate: file.train.learning_rate,
    },
    variants,
    seeds,
    concurrency: file.concurrency,
    retries: {
      maxAttempts: file.retries.max_attempts,
      initialIntervalSeconds: file.retries.initial_interval_seconds,
      backoffCoefficient: file.retries.backoff_coefficient,
    },
    timeouts: {
      trialMinutes: file.timeouts.trial_minutes,
      heartbeatSeconds: file.timeouts.heartbeat_seconds,
    },
    queue: file.queue,
    comparisons: file.comparisons.map((c) => ({ name: c.name ?? comparisonName(c.a, c.b), a: c.a, b: c.b })),
    controlled: file.controlled,
  };
  if (file.description !== undefined) spec.description = file.description;
  if (file.early_stopping) {
    spec.earlyStopping = {
      rule: file.early_stopping.rule,
      metric: file.early_stopping.metric,
      minEpochs: file.early_stopping.min_epochs,
      minTrials: file.early_stopping.min_trials,
    };
  }
  return spec;
}

/** The file schema piped into the camelCase form: `sweepSpecSchema.parse(yamlObject)` gives a `SweepSpec` (no semantic checks). */
export const sweepSpecSchema = sweepFileSchema.transform(toSweepSpec);
