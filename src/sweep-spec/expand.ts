/**
 * Expansion of a sweep spec into trials: grid points and seeded random samples become canonical
 * trial configs (duplicates merged), each crossed with every seed, each with its trial and group key.
 *
 * PURE and WORKFLOW-SAFE: the sweep workflow expands its spec itself, so this module and everything it
 * imports use no Node built-ins, no I/O, no clocks and no Math.random (a test enforces the imports).
 */
import { withBackend } from '../core/domain/backends.js';
import { BUILTIN_TRAIN_DEFAULTS, BUILTIN_TRAINABLE_NAME } from '../core/domain/builtin-trainable.js';
import type { ParamValue, TrainableLocation, TrainSettings, TrialConfig } from '../core/domain/trial.js';
import { canonicalJson, groupKeyOf, identityOf, trialKeyOf } from './keys.js';
import { draw } from '../search/distributions.js';
import { seededUniform } from '../search/uniform.js';
import type { SweepSpec, VariantsSpec } from './schema.js';
import type { PlannedTrial } from './types.js';

export { canonicalJson, groupKeyOf, trialKeyOf } from './keys.js';

/** Where a variant came from, for error messages. */
export type VariantOrigin = { kind: 'grid'; index: number } | { kind: 'random'; sample: number };

/** One distinct model variant of a sweep (a group, before seeds). */
export interface Variant {
  config: TrialConfig;
  /** Values of the sweep's varying factors that this variant has. */
  factors: Record<string, ParamValue>;
  /** e.g. `model=cnn kernel_size=3`. */
  label: string;
  /** The parameter values that defined it (after `when` conditions). */
  values: Record<string, ParamValue>;
  origin: VariantOrigin;
}

/** The distinct variants of a spec and what was dropped on the way, for validation. */
export interface VariantExpansion {
  variants: Variant[];
  /** Parameters named in `variants` (grid, then random), in the order the spec names them. */
  parameters: string[];
  /** Parameters that take more than one value among the variants, in `parameters` order. */
  varying: string[];
  /** Grid points merged into an earlier one because they are the same experiment (e.g. after a `when`). */
  mergedGridPoints: number;
  /** Random samples equal to an earlier variant (a validation error). */
  duplicateSamples: { sample: number; duplicateOf: VariantOrigin }[];
  /** Per `variants.exclude` rule: how many grid points or samples it removed. */
  excludeMatches: number[];
}

/** Spec names of the training settings a sweep may vary, and their `TrainSettings` fields. */
export const TRAIN_SETTING_FIELDS = {
  epochs: 'epochs',
  batch_size: 'batchSize',
  optimizer: 'optimizer',
  learning_rate: 'learningRate',
} as const satisfies Record<string, keyof TrainSettings>;

/**
 * What expansion needs of the spec's trainable: the name its configs' `model` says, where its code
 * is (none for the built-in image classifier, which a spec names by leaving `trainable:` out), and
 * which variant parameters are training settings (`epochs`, and those the trainable declares in
 * `trainDefaults`) rather than parameters. One rule for every trainable.
 */
function trainableOfSpec(spec: SweepSpec): {
  model: string;
  location?: TrainableLocation;
  trainSettings: Map<string, keyof TrainSettings>;
} {
  const trainable = spec.trainable;
  const defaults = trainable ? (trainable.trainDefaults ?? {}) : BUILTIN_TRAIN_DEFAULTS;
  const trainSettings = new Map<string, keyof TrainSettings>(
    Object.entries(TRAIN_SETTING_FIELDS).filter(([, field]) => field === 'epochs' || field in defaults),
  );
  if (!trainable) return { model: BUILTIN_TRAINABLE_NAME, trainSettings };
  return {
    model: trainableModelName(trainable),
    location: { module: trainable.module, export: trainable.export },
    trainSettings,
  };
}

/** The `TrainSettings` field a variant parameter of this spec sets, if it is a training setting. */
export function trainSettingOf(spec: SweepSpec, param: string): keyof TrainSettings | undefined {
  return trainableOfSpec(spec).trainSettings.get(param);
}

/** The value of `param` in a config of this spec (`undefined` when the config does not have it). */
function valueInConfig(spec: SweepSpec, param: string, config: TrialConfig): ParamValue | undefined {
  const field = trainSettingOf(spec, param);
  return field ? config.train[field] : config.modelOptions[param];
}

/** Parameters in the order the spec names them (grid, then random). */
function parametersOf(spec: SweepSpec): string[] {
  return [
    ...new Set([
      ...Object.keys(spec.variants.grid ?? {}),
      ...Object.keys(spec.variants.random?.params ?? {}),
    ]),
  ];
}

/** Cartesian product in key order, the last key varying fastest. */
function gridPoints(grid: Record<string, ParamValue[]>): Record<string, ParamValue>[] {
  let points: Record<string, ParamValue>[] = [{}];
  for (const [name, values] of Object.entries(grid)) {
    points = points.flatMap((point) => values.map((value) => ({ ...point, [name]: value })));
  }
  return points;
}

/** Drops parameters whose `when` condition fails for this point (conditions see the point's other values). */
export function applyConditions(
  point: Record<string, ParamValue>,
  when: VariantsSpec['when'],
): Record<string, ParamValue> {
  if (!when) return point;
  return Object.fromEntries(
    Object.entries(point).filter(([name]) => {
      const rule = when[name];
      return (
        !rule ||
        Object.entries(rule).every(
          ([other, allowed]) =>
            point[other] !== undefined && allowed.some((v) => String(v) === String(point[other])),
        )
      );
    }),
  );
}

/**
 * The config of a variant: the spec's training settings overridden by the variant's, its parameters
 * over the spec's fixed `params`, the trainable's name and location, and the sweep's backend.
 */
export function configOf(spec: SweepSpec, values: Record<string, ParamValue>): TrialConfig {
  const config = configWithoutBackend(spec, values);
  return spec.backend === undefined ? config : withBackend(config, spec.backend);
}

/**
 * What a trial config's `model` says for a trainable, hashed into every trial key: its name, with
 * `@version` when it declares one. A plain function's is `function:<name>@0`: its trials never share keys
 * with a `defineTrainable` of the same name and version, which is other code that happens to share a name.
 */
export function trainableModelName(trainable: NonNullable<SweepSpec['trainable']>): string {
  const versioned =
    trainable.version === undefined ? trainable.name : `${trainable.name}@${trainable.version}`;
  return trainable.form === 'function' ? `function:${versioned}` : versioned;
}

function configWithoutBackend(spec: SweepSpec, values: Record<string, ParamValue>): TrialConfig {
  const trainable = trainableOfSpec(spec);
  const train: TrainSettings = { ...spec.train };
  const modelOptions: Record<string, ParamValue> = { ...(spec.params ?? {}) };
  for (const [name, value] of Object.entries(values)) {
    const field = trainable.trainSettings.get(name);
    if (field) (train as unknown as Record<string, ParamValue>)[field] = value;
    else modelOptions[name] = value;
  }
  return {
    model: trainable.model,
    modelOptions,
    train,
    dataset: { ...spec.dataset },
    ...(trainable.location ? { trainable: trainable.location } : {}),
    ...(spec.seedSources ? { seedSources: spec.seedSources } : {}),
  };
}

function ruleMatches(rule: Record<string, ParamValue[]>, values: Record<string, ParamValue>): boolean {
  return Object.entries(rule).every(([name, allowed]) => {
    const value = values[name];
    return value !== undefined && allowed.includes(value);
  });
}

/**
 * `model=cnn kernel_size=3`: the factors' values. A variant with no varying factor is labelled by the
 * values that defined it (`model=cnn`), or by its trainable's name when it has none.
 */
export function labelOf(
  factors: Record<string, ParamValue>,
  values: Record<string, ParamValue>,
  model: string,
): string {
  const shown = Object.keys(factors).length > 0 ? factors : values;
  const parts = Object.entries(shown).map(([name, value]) => `${name}=${value}`);
  return parts.length > 0 ? parts.join(' ') : `model=${model}`;
}

/**
 * The distinct variants of a spec: grid points (cartesian product, last parameter fastest), then
 * random samples, minus excluded ones. Parameters whose `when` condition fails are dropped, and
 * points that are then the same experiment (equal keys) are merged: with `when: { kernel_size:
 * { model: [cnn] } }`, `fc` appears once, not once per `kernel_size`.
 */
export function expandVariants(spec: SweepSpec): VariantExpansion {
  const parameters = parametersOf(spec);
  const rules = spec.variants.exclude;
  const excludeMatches = rules.map(() => 0);
  const seen = new Map<string, Variant>();
  const duplicateSamples: VariantExpansion['duplicateSamples'] = [];
  let mergedGridPoints = 0;

  const consider = (point: Record<string, ParamValue>, origin: VariantOrigin): void => {
    const values = applyConditions(point, spec.variants.when);
    let excluded = false;
    rules.forEach((rule, i) => {
      if (ruleMatches(rule, values)) {
        excludeMatches[i] = (excludeMatches[i] ?? 0) + 1;
        excluded = true;
      }
    });
    if (excluded) return;
    const config = configOf(spec, values);
    // Merged by what the key hashes: two configs of one experiment never get two trials of one key.
    const id = canonicalJson(identityOf(config));
    const earlier = seen.get(id);
    if (earlier) {
      if (origin.kind === 'grid') mergedGridPoints += 1;
      else duplicateSamples.push({ sample: origin.sample, duplicateOf: earlier.origin });
      return;
    }
    seen.set(id, { config, factors: {}, label: '', values, origin });
  };

  if (spec.variants.grid)
    gridPoints(spec.variants.grid).forEach((point, index) => consider(point, { kind: 'grid', index }));
  const random = spec.variants.random;
  if (random) {
    const uniform = seededUniform(random.seed);
    for (let sample = 0; sample < random.samples; sample += 1) {
      // Every parameter is drawn for every sample (even if it will not apply) so streams stay aligned.
      const point = Object.fromEntries(
        Object.entries(random.params).map(([name, d]) => [name, draw(d, uniform)]),
      );
      consider(point, { kind: 'random', sample });
    }
  }

  const variants = [...seen.values()];
  const varying = parameters.filter((name) => {
    const distinct = new Set<string>();
    for (const v of variants) {
      const value = valueInConfig(spec, name, v.config);
      if (value !== undefined) distinct.add(JSON.stringify(value));
    }
    return distinct.size > 1;
  });
  for (const variant of variants) {
    for (const name of varying) {
      const value = valueInConfig(spec, name, variant.config);
      if (value !== undefined) variant.factors[name] = value;
    }
    variant.label = labelOf(variant.factors, variant.values, variant.config.model);
  }
  return { variants, parameters, varying, mergedGridPoints, duplicateSamples, excludeMatches };
}

/**
 * The trials of a sweep, seed-major (every variant for the first seed, then the second…), so early
 * results already pair up across variants on shared seeds.
 */
export function expandSweep(options: {
  /** A validated spec (from `parseSweepSpec` / `loadSweepSpec`). */
  spec: SweepSpec;
  /** Content fingerprint of the dataset slice (`datasetFingerprint(spec.dataset)`); part of every key. */
  datasetFingerprint: string;
  /** Seeds to plan. @default spec.seeds */
  seeds?: readonly number[];
}): PlannedTrial[] {
  const { spec, datasetFingerprint } = options;
  if (spec.variants.sampler) return []; // a sampler's variants are proposed while the sweep runs
  const variants = expandVariants(spec).variants.map((variant) => ({
    variant,
    groupKey: groupKeyOf({ config: variant.config, datasetFingerprint }),
  }));
  const trials: PlannedTrial[] = [];
  for (const seed of options.seeds ?? spec.seeds) {
    for (const { variant, groupKey } of variants) {
      trials.push({
        trialKey: trialKeyOf({ config: variant.config, seed, datasetFingerprint }),
        groupKey,
        groupLabel: variant.label,
        factors: { ...variant.factors },
        seed,
        config: variant.config,
        queue: spec.queue,
      });
    }
  }
  return trials;
}

/**
 * The trials of one proposed point (an adaptive sampler's), one per seed: conditions applied, the
 * config completed, every drawn parameter a factor. `reason` says why it was planned.
 */
export function trialsOfPoint(options: {
  spec: SweepSpec;
  datasetFingerprint: string;
  point: Record<string, ParamValue>;
  seeds: readonly number[];
  reason: string;
}): PlannedTrial[] {
  const { spec, datasetFingerprint, point, reason } = options;
  const values = applyConditions(point, spec.variants.when);
  const config = configOf(spec, values);
  const groupKey = groupKeyOf({ config, datasetFingerprint });
  const label = labelOf(values, values, config.model);
  return options.seeds.map((seed) => ({
    trialKey: trialKeyOf({ config, seed, datasetFingerprint }),
    groupKey,
    groupLabel: label,
    factors: { ...values },
    seed,
    config,
    queue: spec.queue,
    reason,
  }));
}

/**
 * Factors that take more than one value among `trials` (in order of first appearance). Works on any
 * subset of a sweep's trials, e.g. the finished ones.
 */
export function varyingFactors(trials: readonly Pick<PlannedTrial, 'factors'>[]): string[] {
  const values = new Map<string, Set<string>>();
  for (const trial of trials) {
    for (const [name, value] of Object.entries(trial.factors)) {
      let set = values.get(name);
      if (!set) values.set(name, (set = new Set()));
      set.add(JSON.stringify(value));
    }
  }
  return [...values].filter(([, set]) => set.size > 1).map(([name]) => name);
}

/**
 * True when a comparison side such as `{ model: 'cnn', kernel_size: 3 }` selects a trial or group with
 * these factors: every named factor is present with that value (`3` and `'3'` are the same value).
 */
export function matchesSelector(
  selector: Record<string, ParamValue>,
  factors: Record<string, ParamValue>,
): boolean {
  return Object.entries(selector).every(([name, value]) => {
    const actual = factors[name];
    return actual !== undefined && String(actual) === String(value);
  });
}
