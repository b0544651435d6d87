/**
 * Expansion of a sweep spec into trials: grid points and seeded random samples become canonical
 * trial configs (duplicates merged), each crossed with every seed, each with its trial and group key.
 *
 * PURE and WORKFLOW-SAFE: the sweep workflow expands its spec itself, so this module and everything it
 * imports use no Node built-ins, no I/O, no clocks and no Math.random (a test enforces the imports).
 */
import { canonicalModelOptions, optionNameForSpecName } from '../engine/architectures.js';
import type { TrialConfig } from '../engine/types.js';
import { canonicalJson, groupKeyOf, trialKeyOf } from './keys.js';
import { appliesTo, isTrainParam, TRAIN_PARAMS, valueInConfig } from './parameters.js';
import type { ParamValue } from './parameters.js';
import { roundSignificant, seededUniform } from './random.js';
import type { Uniform } from './random.js';
import type { Distribution, SweepSpec } from './schema.js';
import type { PlannedTrial } from './types.js';

export { canonicalJson, groupKeyOf, trialKeyOf } from './keys.js';

/** Where a variant came from, for error messages. */
export type VariantOrigin = { kind: 'grid'; index: number } | { kind: 'random'; sample: number };

/** One distinct model variant of a sweep (a group, before seeds). */
export interface Variant {
  config: TrialConfig;
  /** Values of the sweep's varying factors that apply to this variant's model. */
  factors: Record<string, ParamValue>;
  /** e.g. `model=cnn kernel_size=3`. */
  label: string;
  /** The parameter values that defined it (only those that apply to its model). */
  values: Record<string, ParamValue>;
  origin: VariantOrigin;
}

/** The distinct variants of a spec and what was dropped on the way, for validation. */
export interface VariantExpansion {
  variants: Variant[];
  /** Parameters named in `variants` (grid, then random), `model` first. */
  parameters: string[];
  /** Parameters that take more than one value among the variants, in `parameters` order. */
  varying: string[];
  /** Grid points merged into an earlier one because a parameter did not apply (e.g. `kernel_size` for `fc`). */
  mergedGridPoints: number;
  /** Random samples equal to an earlier variant (a validation error). */
  duplicateSamples: { sample: number; duplicateOf: VariantOrigin }[];
  /** Per `variants.exclude` rule: how many grid points or samples it removed. */
  excludeMatches: number[];
}

/** Parameters in spec order, `model` first. */
function parametersOf(spec: SweepSpec): string[] {
  const names = [
    ...Object.keys(spec.variants.grid ?? {}),
    ...Object.keys(spec.variants.random?.params ?? {}),
  ];
  return ['model', ...new Set(names.filter((n) => n !== 'model'))];
}

/** Cartesian product in key order, the last key varying fastest. */
function gridPoints(grid: Record<string, ParamValue[]>): Record<string, ParamValue>[] {
  let points: Record<string, ParamValue>[] = [{}];
  for (const [name, values] of Object.entries(grid)) {
    points = points.flatMap((point) => values.map((value) => ({ ...point, [name]: value })));
  }
  return points;
}

/** One draw from a distribution; floats are rounded to 6 significant digits (and kept inside the range). */
function draw(distribution: Distribution, uniform: Uniform): ParamValue {
  const u = uniform();
  switch (distribution.kind) {
    case 'uniform':
    case 'loguniform': {
      const { low, high } = distribution;
      const raw =
        distribution.kind === 'uniform'
          ? low + u * (high - low)
          : Math.exp(Math.log(low) + u * (Math.log(high) - Math.log(low)));
      return Math.min(high, Math.max(low, roundSignificant(raw)));
    }
    case 'int':
      return distribution.low + Math.floor(u * (distribution.high - distribution.low + 1));
    case 'choice':
      return distribution.values[Math.floor(u * distribution.values.length)] as ParamValue;
  }
}

/** Keeps the parameters that mean something for the point's model. */
function applicableValues(point: Record<string, ParamValue>): Record<string, ParamValue> {
  const model = point['model'];
  if (typeof model !== 'string') throw new Error(`variant has no model: ${JSON.stringify(point)}`);
  return Object.fromEntries(Object.entries(point).filter(([name]) => appliesTo(name, model)));
}

/**
 * The canonical config of a variant: spec training settings overridden by the variant's training
 * parameters, model options completed with the registry's defaults.
 */
export function configOf(spec: SweepSpec, values: Record<string, ParamValue>): TrialConfig {
  const model = String(values['model']);
  const modelOptions: Record<string, ParamValue> = {};
  const train = { ...spec.train };
  for (const [name, value] of Object.entries(values)) {
    if (name === 'model') continue;
    if (isTrainParam(name)) {
      (train as Record<string, ParamValue>)[TRAIN_PARAMS[name]] = value;
      continue;
    }
    const option = optionNameForSpecName(model, name);
    if (option !== undefined) modelOptions[option] = value;
  }
  return {
    model,
    modelOptions: canonicalModelOptions(model, modelOptions),
    train,
    dataset: { ...spec.dataset },
  };
}

function ruleMatches(rule: Record<string, ParamValue[]>, values: Record<string, ParamValue>): boolean {
  return Object.entries(rule).every(([name, allowed]) => {
    const value = values[name];
    return value !== undefined && allowed.includes(value);
  });
}

/** `model=cnn kernel_size=3`; a variant with no varying factor is labelled by its model. */
export function labelOf(factors: Record<string, ParamValue>, model: string): string {
  const parts = Object.entries(factors).map(([name, value]) => `${name}=${value}`);
  return parts.length > 0 ? parts.join(' ') : `model=${model}`;
}

/**
 * The distinct variants of a spec: grid points (cartesian product, last parameter fastest), then
 * random samples, minus excluded ones. Parameters that do not apply to a point's model are dropped,
 * and points that become equal are merged (so `fc` appears once, not once per `kernel_size`).
 * Expects a spec whose parameter names and values have been validated.
 */
export function expandVariants(spec: SweepSpec): VariantExpansion {
  const parameters = parametersOf(spec);
  const rules = spec.variants.exclude;
  const excludeMatches = rules.map(() => 0);
  const seen = new Map<string, Variant>();
  const duplicateSamples: VariantExpansion['duplicateSamples'] = [];
  let mergedGridPoints = 0;

  const consider = (point: Record<string, ParamValue>, origin: VariantOrigin): void => {
    const values = applicableValues(point);
    let excluded = false;
    rules.forEach((rule, i) => {
      if (ruleMatches(rule, values)) {
        excludeMatches[i] = (excludeMatches[i] ?? 0) + 1;
        excluded = true;
      }
    });
    if (excluded) return;
    const config = configOf(spec, values);
    const id = canonicalJson(config);
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
      const value = valueInConfig(name, v.config);
      if (value !== undefined) distinct.add(JSON.stringify(value));
    }
    return distinct.size > 1;
  });
  for (const variant of variants) {
    for (const name of varying) {
      const value = valueInConfig(name, variant.config);
      if (value !== undefined) variant.factors[name] = value;
    }
    variant.label = labelOf(variant.factors, variant.config.model);
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
}): PlannedTrial[] {
  const { spec, datasetFingerprint } = options;
  const variants = expandVariants(spec).variants.map((variant) => ({
    variant,
    groupKey: groupKeyOf({ config: variant.config, datasetFingerprint }),
  }));
  const trials: PlannedTrial[] = [];
  for (const seed of spec.seeds) {
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
