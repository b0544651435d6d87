/**
 * The sweep spec: the zod schema of the YAML file (snake_case keys, strict objects so a typo is an
 * error) and the validated, defaults-filled `SweepSpec` it transforms into (camelCase, plain JSON).
 * Field-by-field documentation with examples: docs/sweep-spec.md.
 */
import { BACKEND_PREFERENCE, type BackendName } from '../core/domain/backends.js';
import { z } from 'zod';
import type { DatasetSpec } from '../datasets/types.js';
import { BUILTIN_TRAIN_DEFAULTS } from '../core/domain/builtin-trainable.js';
import type { TrainableForm, TrainDefaults } from '../core/domain/trainable.js';
import { OptimizerName, type ParamValue, type TrainSettings } from '../core/domain/trial.js';
import { DEFAULT_OBJECTIVE, metricField, type Objective } from '../core/domain/objective.js';
import type { Distribution } from '../search/distributions.js';
import type { ComparisonSpec, QueueKind } from './types.js';
import { didYouMean } from './suggest.js';
import { toWarmStartSpec, warmStartSchema, type WarmStartSpec } from './warm-start.js';
import { unsafeNameReason } from '../core/common/safe-names.js';
import type { SeedSourcesConfig } from '../core/domain/seed-sources.js';
import { seedSourcesSchema, toSeedSources } from './seed-sources.js';

/** The model variants of a sweep: grid points and/or seeded random samples (their union). */
export interface VariantsSpec {
  /** Parameter (spec name, e.g. `kernel_size`) → values; the variants are the cartesian product. */
  grid?: Record<string, ParamValue[]>;
  /** Rules removing grid points and random samples: a rule matches when every named parameter has one of its values. */
  exclude: Record<string, ParamValue[]>[];
  /** Seeded random search: `samples` draws, each parameter from its distribution. */
  random?: { samples: number; seed: number; params: Record<string, Distribution> };
  /**
   * Adaptive search: the workflow asks the named sampler (src/search/) for each next configuration as
   * results come in, up to `trials` configurations (each run on every seed).
   */
  sampler?: SamplerSpec;
  /**
   * Conditional parameters: parameter → the values of other parameters it applies under, e.g.
   * `{ momentum: { optimizer: ['sgd'] } }`. A parameter whose condition fails is dropped from that variant.
   */
  when?: Record<string, Record<string, ParamValue[]>>;
}

/** An adaptive search: sampler name, budget of configurations, its seed, search space and options. */
export interface SamplerSpec {
  name: 'grid' | 'random' | 'tpe' | 'nsga2';
  /** Configurations to try (each on every seed of the sweep). */
  trials: number;
  /** Seed of the sampler's uniform stream (not a training seed). */
  seed: number;
  params: Record<string, Distribution>;
  /** Options of the sampler (e.g. TPE's `nStartupTrials`), passed as written. */
  options: Record<string, ParamValue>;
  /** Earlier sweeps the sampler starts from and configurations tried first (src/sweep-spec/warm-start.ts). */
  warmStart?: WarmStartSpec;
}

/** Which trials a pruner compares a trial with (at the same epoch). */
export type PruneWithin = 'group' | 'seed' | 'sweep';

/** A pruning rule, evaluated by the workflow after every epoch report (src/search/pruners.ts). */
export interface EarlyStoppingSpec {
  /** `median` (percentile rule), `asha` (asynchronous successive halving) or `hyperband` (brackets of ASHA). */
  rule: 'median' | 'asha' | 'hyperband';
  /** A reported metric (the objective's by default); `test_accuracy` spells `testAccuracy`. */
  metric: string;
  /** Whether larger values of `metric` are better (from the objective, or the study's metric names). */
  higherIsBetter?: boolean;
  /**
   * Compared with trials of the same `group` (the same config: other seeds), of the same `seed`
   * (other configs on common random numbers) or of the whole `sweep`.
   * @default `group` for median, `sweep` for asha and hyperband
   */
  within: PruneWithin;
  /** median: never stop a trial before this epoch (1-based). */
  minEpochs: number;
  /** median: decide only once this many comparable trials have reported the epoch. */
  minTrials: number;
  /** median: the percentile below which a trial stops (50 = median). */
  percentile: number;
  /** asha, hyperband: η, the reduction factor. */
  reductionFactor: number;
  /** asha: the first rung's epoch; hyperband: the first rung of its most aggressive bracket. */
  minResource: number;
}

/** Adaptive seeds: add seeds in rounds until a comparison is settled or the budget is spent. */
export interface AdaptiveSeedsSpec {
  min: number;
  max: number;
  /** First seed; rounds take the next ones. */
  start: number;
  perRound: number;
  alpha: number;
  until: {
    /** Selectors of the two groups compared (like `comparisons`' a and b). */
    compare: [Record<string, ParamValue>, Record<string, ParamValue>];
    /** The metric compared (the objective's by default). */
    metric: string;
    ciExcludes?: number;
    widthBelow?: number;
  };
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
  /** Adaptive seeds (`seeds: {min, max, until}`); `seeds` then holds the first `min` seeds. */
  adaptiveSeeds?: AdaptiveSeedsSpec;
  /**
   * Per-source seeds (`seed_sources`, src/sweep-spec/seed-sources.ts), copied into every trial config;
   * a factorial design's levels are the spec's seeds and `seeds` then holds its cells' indices.
   */
  seedSources?: SeedSourcesConfig;
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
  /** What `best`, early stopping and `serve --best` optimise. @default DEFAULT_OBJECTIVE (testAccuracy, max) */
  objective: Objective;
  /**
   * A multi-objective sweep's objectives (two or more; `objective` is then the first unless given):
   * the sampler must be a multi-objective one (`tpe`, as MOTPE, or `nsga2`), the report shows the Pareto front.
   */
  objectives?: Objective[];
  /** Report plug-in that adds a study's claims to the report, by name (e.g. `conv-study`); none when omitted. */
  interpretation?: string;
  /** The trainable every trial runs; omitted ⇒ the built-in image classifier of the study (src/core/domain/builtin-trainable.ts). */
  trainable?: TrainableSpec;
  /** Fixed parameters of the trainable, merged under every variant's values. */
  params?: Record<string, ParamValue>;
  /** Reuse trials finished under other sweep names with equal trial keys. @default true */
  reuse: boolean;
  /**
   * Compute backend of every trial (part of its key). Omitted (`auto`) until submission, which fixes
   * it from `SEEDSWEEP_BACKEND` or what the submitting host has installed (src/temporal/client/sweep-backend.ts).
   */
  backend?: BackendName;
}

/** The trainable a spec names, resolved at load time (the workflow never imports code). */
export interface TrainableSpec {
  /** The trainable's `name` (part of every trial key, as `model`). */
  name: string;
  /** The trainable's `version`, when it declares one (part of every trial key). */
  version?: string;
  /** `function` for a plain training function (no schema: parameters unchecked; part of every trial key). */
  form?: TrainableForm;
  /**
   * Training settings it reads from `train` besides `epochs`, with their defaults (its `trainDefaults`):
   * variant parameters of these names (`learning_rate`, …) set them.
   */
  trainDefaults?: TrainDefaults;
  /** Absolute path, file URL or package specifier of the module, and the export. */
  module: string;
  export: string;
}

/** Largest seed: the engine derives its per-layer and per-epoch seeds as unsigned 32-bit integers. */
export const MAX_SEED = 2 ** 32 - 1;

/** Largest seed count `{count: N}` may ask for (a guard against a typo like 50000). */
export const MAX_SEEDS = 10_000;

const scalar = z.union([z.number(), z.string(), z.boolean()]);
const positiveInt = z.number().int().min(1);
const nonNegativeInt = z.number().int().min(0);
const range = z.tuple([z.number(), z.number()]);
const seed = nonNegativeInt.max(MAX_SEED);

export const datasetSchema = z
  .strictObject({
    /** A built-in (`cifar10`, `synthetic`) or, with `module`, the plug-in's name (filled from the module when omitted). */
    name: z.string().min(1).optional(),
    train_size: positiveInt.optional(),
    test_size: positiveInt.optional(),
    slice_seed: nonNegativeInt.optional(),
    path: z.string().min(1).optional(),
    /** A dataset plug-in: `./data.ts#export` (relative to the spec file) or `package#export`. */
    module: z.string().min(1).optional(),
    /** Options of the plug-in, checked by its own schema. */
    options: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((value, ctx) => {
    if (value.module !== undefined) {
      for (const key of ['train_size', 'test_size', 'slice_seed', 'path'] as const) {
        if (value[key] !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `'${key}' applies to the built-in datasets; give a plug-in's settings under options`,
          });
      }
      return;
    }
    if (value.options !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['options'],
        message:
          "'options' belong to a dataset plug-in (with module: ./my-data.ts#myData); the built-ins take train_size, test_size, slice_seed, path",
      });
    if (value.name === undefined || !(BUILTIN_DATASETS as readonly string[]).includes(value.name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['name'],
        message: `expected one of ${BUILTIN_DATASETS.join(', ')} (or a plug-in: module: ./my-data.ts#myData)${value.name === undefined ? '' : `; found ${JSON.stringify(value.name)}${didYouMean(value.name, BUILTIN_DATASETS)}`}`,
      });
    }
  });

/** The built-in datasets. */
export const BUILTIN_DATASETS = ['cifar10', 'synthetic', 'none'] as const;

export const trainSchema = z.strictObject({
  epochs: positiveInt.max(10_000).default(10),
  batch_size: positiveInt.max(65_536).optional(),
  optimizer: z.enum(OptimizerName).optional(),
  learning_rate: z.number().positive().optional(),
});

const DISTRIBUTION_KINDS = ['uniform', 'loguniform', 'int', 'logint', 'normal', 'choice'] as const;

export const distributionSchema = z
  .strictObject({
    uniform: range.optional(),
    loguniform: range.optional(),
    int: z.tuple([z.number().int(), z.number().int()]).optional(),
    logint: z.tuple([z.number().int().min(1), z.number().int().min(1)]).optional(),
    normal: z.tuple([z.number(), z.number().positive()]).optional(),
    choice: z.array(scalar).min(1).optional(),
    /** Quantisation step of uniform, loguniform and normal draws (values become multiples of q). */
    q: z.number().positive().optional(),
  })
  .superRefine((value, ctx) => {
    const given = DISTRIBUTION_KINDS.filter((k) => value[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `expected exactly one distribution (${DISTRIBUTION_KINDS.join(', ')}), e.g. {loguniform: [0.0001, 0.01]}; found ${given.length === 0 ? 'none' : given.join(' and ')}`,
      });
    } else if (value.q !== undefined && !['uniform', 'loguniform', 'normal'].includes(given[0]!)) {
      ctx.addIssue({
        code: 'custom',
        path: ['q'],
        message: `q (a quantisation step) applies to uniform, loguniform and normal; found it with ${given[0]}`,
      });
    }
  });

export const randomSchema = z.strictObject({
  samples: positiveInt.max(100_000),
  seed: nonNegativeInt.default(0),
  params: z.record(z.string(), distributionSchema),
});

export const samplerSchema = z.strictObject({
  name: z.enum(['grid', 'random', 'tpe', 'nsga2']),
  trials: positiveInt.max(100_000),
  seed: nonNegativeInt.default(0),
  params: z.record(z.string(), distributionSchema),
  options: z.record(z.string(), scalar).default({}),
  warm_start: warmStartSchema.optional(),
});

export const variantsSchema = z.strictObject({
  grid: z.record(z.string(), z.array(scalar).min(1)).optional(),
  exclude: z.array(z.record(z.string(), z.union([scalar, z.array(scalar).min(1)]))).default([]),
  random: randomSchema.optional(),
  sampler: samplerSchema.optional(),
  when: z.record(z.string(), z.record(z.string(), z.union([scalar, z.array(scalar).min(1)]))).optional(),
});

export const seedsObjectSchema = z.strictObject({
  count: positiveInt.max(MAX_SEEDS),
  start: seed.default(0),
});

export const adaptiveSeedsSchema = z
  .strictObject({
    min: z.number().int().min(2).max(MAX_SEEDS),
    max: positiveInt.max(MAX_SEEDS),
    start: seed.default(0),
    per_round: positiveInt.default(1),
    alpha: z.number().gt(0).lt(1).default(0.05),
    until: z
      .strictObject({
        compare: z.tuple([z.record(z.string(), scalar), z.record(z.string(), scalar)]),
        metric: z.string().min(1).optional(),
        ci_excludes: z.number().optional(),
        width_below: z.number().positive().optional(),
      })
      .refine((u) => (u.ci_excludes === undefined) !== (u.width_below === undefined), {
        message: 'give exactly one of ci_excludes (e.g. 0) and width_below',
      }),
  })
  .refine((s) => s.max >= s.min, { message: 'max must be ≥ min', path: ['max'] });

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
  rule: z.enum(['median', 'asha', 'hyperband']).default('median'),
  metric: z.string().min(1).optional(),
  within: z.enum(['group', 'seed', 'sweep']).optional(),
  min_epochs: positiveInt.default(2),
  min_trials: positiveInt.default(3),
  percentile: z.number().min(0).max(100).default(50),
  reduction_factor: z.number().int().min(2).default(3),
  min_resource: positiveInt.default(1),
});

export const comparisonSchema = z.strictObject({
  name: z.string().min(1).optional(),
  a: z.record(z.string(), scalar),
  b: z.record(z.string(), scalar),
});

export const objectiveSchema = z.strictObject({
  metric: z.string().min(1),
  mode: z.enum(['max', 'min']).default('max'),
});

/** Names become MLflow experiment names and workflow ids: keep them to a safe alphabet. */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The YAML document's schema (snake_case, as written). */
export const sweepFileSchema = z.strictObject({
  name: z
    .string()
    .regex(NAME_PATTERN, {
      message: 'a name of letters, digits, dot, dash or underscore, starting with a letter or digit',
    })
    .superRefine((value, ctx) => {
      // The name becomes folder names (reports/<sweep-id>): the rest of the one rule for safe names.
      const reason = NAME_PATTERN.test(value) ? unsafeNameReason(value) : undefined;
      if (reason !== undefined)
        ctx.addIssue({ code: 'custom', message: `a name that can name a folder: ${reason}` });
    }),
  description: z.string().optional(),
  /** The trainable: `./model.ts#exportName` (relative to the spec file) or `package#export`; omitted ⇒ the image classifier. */
  trainable: z.string().min(1).optional(),
  /** Fixed parameters of the trainable, under every variant's values. */
  params: z.record(z.string(), scalar).optional(),
  objective: objectiveSchema.optional(),
  objectives: z.array(objectiveSchema).min(2).optional(),
  interpretation: z.string().min(1).optional(),
  reuse: z.boolean().default(true),
  backend: z.enum([...BACKEND_PREFERENCE, 'auto']).optional(),
  /** Required by the image classifier; a trainable without data may leave it out (`name: none`). */
  dataset: datasetSchema.optional(),
  train: trainSchema.prefault({}),
  variants: variantsSchema,
  seeds: z.union([z.array(seed).min(1), seedsObjectSchema, adaptiveSeedsSchema]),
  seed_sources: seedSourcesSchema.optional(),
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
  dataset: ['name', 'train_size', 'test_size', 'slice_seed', 'path', 'module', 'options'],
  objective: Object.keys(objectiveSchema.shape),
  'objectives[]': Object.keys(objectiveSchema.shape),
  train: Object.keys(trainSchema.shape),
  variants: Object.keys(variantsSchema.shape),
  'variants.random': Object.keys(randomSchema.shape),
  'variants.random.params.*': [...DISTRIBUTION_KINDS, 'q'],
  'variants.sampler': Object.keys(samplerSchema.shape),
  'variants.sampler.params.*': [...DISTRIBUTION_KINDS, 'q'],
  'variants.sampler.warm_start': Object.keys(warmStartSchema.shape),
  seeds: [...new Set([...Object.keys(seedsObjectSchema.shape), ...Object.keys(adaptiveSeedsSchema.shape)])],
  'seeds.until': ['compare', 'metric', 'ci_excludes', 'width_below'],
  seed_sources: Object.keys(seedSourcesSchema.shape),
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
  const q = d.q !== undefined ? { q: d.q } : {};
  if (d.uniform) return { kind: 'uniform', low: d.uniform[0], high: d.uniform[1], ...q };
  if (d.loguniform) return { kind: 'loguniform', low: d.loguniform[0], high: d.loguniform[1], ...q };
  if (d.int) return { kind: 'int', low: d.int[0], high: d.int[1] };
  if (d.logint) return { kind: 'logint', low: d.logint[0], high: d.logint[1] };
  if (d.normal)
    return { kind: 'normal', mean: d.normal[0], sd: d.normal[1], ...(d.q !== undefined ? { q: d.q } : {}) };
  return { kind: 'choice', values: d.choice ?? [] };
}

/** `dataset` in its camelCase form; a plug-in's module must already be resolved (see {@link ResolvedModules}). */
export function toDatasetSpec(
  file: NonNullable<SweepFile['dataset']>,
  plugin?: ResolvedModules['dataset'],
): DatasetSpec {
  if (file.module !== undefined) {
    const dataset: DatasetSpec = { name: plugin?.name ?? file.name ?? '', options: file.options ?? {} };
    if (plugin) {
      dataset.module = plugin.module;
      dataset.export = plugin.export;
    }
    return dataset;
  }
  const dataset: DatasetSpec = { name: file.name ?? '', sliceSeed: file.slice_seed ?? 0 };
  if (file.train_size !== undefined) dataset.trainSize = file.train_size;
  if (file.test_size !== undefined) dataset.testSize = file.test_size;
  if (file.path !== undefined) dataset.path = file.path;
  return dataset;
}

/** What `loadSweepSpec` found behind a spec's module references (the workflow never imports code). */
export interface ResolvedModules {
  trainable?: TrainableSpec;
  dataset?: { name: string; module: string; export: string };
}

/** `variants` with exclude values as lists and distributions tagged by kind. */
export function toVariantsSpec(file: SweepFile['variants']): VariantsSpec {
  const variants: VariantsSpec = {
    exclude: file.exclude.map((rule) =>
      Object.fromEntries(Object.entries(rule).map(([k, v]) => [k, Array.isArray(v) ? v : [v]])),
    ),
  };
  if (file.grid) variants.grid = file.grid;
  if (file.when) {
    variants.when = Object.fromEntries(
      Object.entries(file.when).map(([param, rule]) => [
        param,
        Object.fromEntries(Object.entries(rule).map(([k, v]) => [k, Array.isArray(v) ? v : [v]])),
      ]),
    );
  }
  if (file.random) {
    const r = file.random;
    variants.random = {
      samples: r.samples,
      seed: r.seed,
      params: Object.fromEntries(Object.entries(r.params).map(([k, d]) => [k, toDistribution(d)])),
    };
  }
  if (file.sampler) {
    const s = file.sampler;
    variants.sampler = {
      name: s.name,
      trials: s.trials,
      seed: s.seed,
      params: Object.fromEntries(Object.entries(s.params).map(([k, d]) => [k, toDistribution(d)])),
      options: s.options,
      ...(s.warm_start ? { warmStart: toWarmStartSpec(s.warm_start) } : {}),
    };
  }
  return variants;
}

/** `seeds` as a list (`{count, start}` expanded; adaptive seeds: the first `min`). */
export function toSeedList(file: SweepFile['seeds']): number[] {
  if (Array.isArray(file)) return file;
  const count = 'count' in file ? file.count : file.min;
  return Array.from({ length: count }, (_, i) => file.start + i);
}

function toAdaptiveSeeds(file: SweepFile['seeds'], objective: Objective): AdaptiveSeedsSpec | undefined {
  if (Array.isArray(file) || !('min' in file)) return undefined;
  const u = file.until;
  return {
    min: file.min,
    max: file.max,
    start: file.start,
    perRound: file.per_round,
    alpha: file.alpha,
    until: {
      compare: u.compare,
      metric: metricField(u.metric ?? objective.metric),
      ...(u.ci_excludes !== undefined ? { ciExcludes: u.ci_excludes } : {}),
      ...(u.width_below !== undefined ? { widthBelow: u.width_below } : {}),
    },
  };
}

/** The validated file in its camelCase, defaults-filled form (no semantic checks: see src/sweep-spec/check.ts). */
export function toSweepSpec(file: SweepFile, modules: ResolvedModules = {}): SweepSpec {
  const dataset: DatasetSpec = file.dataset ? toDatasetSpec(file.dataset, modules.dataset) : { name: 'none' };
  const variants = toVariantsSpec(file.variants);
  const seeds = toSeedList(file.seeds);

  const spec: SweepSpec = {
    name: file.name,
    dataset,
    train: trainSettingsOf(file, modules),
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
    objective: file.objective
      ? { metric: file.objective.metric, mode: file.objective.mode }
      : file.objectives?.[0]
        ? { metric: file.objectives[0].metric, mode: file.objectives[0].mode }
        : { ...DEFAULT_OBJECTIVE },
    reuse: file.reuse,
  };
  if (file.description !== undefined) spec.description = file.description;
  if (file.objectives !== undefined)
    spec.objectives = file.objectives.map((o) => ({ metric: o.metric, mode: o.mode }));
  if (file.interpretation !== undefined) spec.interpretation = file.interpretation;
  if (file.backend !== undefined && file.backend !== 'auto') spec.backend = file.backend;
  if (file.params !== undefined) spec.params = file.params;
  if (modules.trainable) spec.trainable = modules.trainable;
  const adaptiveSeeds = toAdaptiveSeeds(file.seeds, spec.objective);
  if (adaptiveSeeds) spec.adaptiveSeeds = adaptiveSeeds;
  if (file.seed_sources) {
    const sources = toSeedSources(file.seed_sources, spec.seeds);
    spec.seedSources = sources.config;
    spec.seeds = sources.seeds;
  }
  if (file.early_stopping) {
    const metric =
      file.early_stopping.metric ??
      (file.trainable === undefined && !file.objective ? 'test_accuracy' : spec.objective.metric);
    spec.earlyStopping = {
      rule: file.early_stopping.rule,
      metric,
      ...(higherIsBetter(metric, spec.objective) !== undefined
        ? { higherIsBetter: higherIsBetter(metric, spec.objective)! }
        : {}),
      within: file.early_stopping.within ?? (file.early_stopping.rule === 'median' ? 'group' : 'sweep'),
      minEpochs: file.early_stopping.min_epochs,
      minTrials: file.early_stopping.min_trials,
      percentile: file.early_stopping.percentile,
      reductionFactor: file.early_stopping.reduction_factor,
      minResource: file.early_stopping.min_resource,
    };
  }
  return spec;
}

/**
 * Training settings: as the spec gives them, the rest from the trainable's `trainDefaults` (the
 * built-in image classifier's when the spec names no trainable).
 */
function trainSettingsOf(file: SweepFile, modules: ResolvedModules): SweepSpec['train'] {
  const t = file.train;
  const defaults: TrainDefaults =
    file.trainable === undefined ? BUILTIN_TRAIN_DEFAULTS : (modules.trainable?.trainDefaults ?? {});
  const batchSize = t.batch_size ?? defaults.batchSize;
  const optimizer = t.optimizer ?? defaults.optimizer;
  const learningRate = t.learning_rate ?? defaults.learningRate;
  return {
    epochs: t.epochs,
    ...(batchSize !== undefined ? { batchSize } : {}),
    ...(optimizer !== undefined ? { optimizer } : {}),
    ...(learningRate !== undefined ? { learningRate } : {}),
  };
}

/** Direction of a watched metric: the objective's when it is the objective, else known for the study's names. */
function higherIsBetter(metric: string, objective: Objective): boolean | undefined {
  const field = metricField(metric);
  if (metric === objective.metric || field === objective.metric) return objective.mode === 'max';
  if (/accuracy$/i.test(field)) return true;
  if (/loss$/i.test(field)) return false;
  return undefined;
}

/** The file schema piped into the camelCase form: `sweepSpecSchema.parse(yamlObject)` gives a `SweepSpec` (no semantic checks). */
export const sweepSpecSchema = sweepFileSchema.transform((file) => toSweepSpec(file));
