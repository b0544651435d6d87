/**
 * The values a sweep gives its trainable, checked before anything runs: every variant's parameters
 * through the trainable's own schema (the built-in image classifier's too) and its training settings
 * (`learning_rate: [...]`, …) through the `train:` schema. An adaptive sampler's variants exist only
 * while the sweep runs, so its space is probed: every value a distribution can propose at its ends and
 * in between (and every choice), in combination with the other parameters'. Each problem is placed
 * where the value comes from: the grid list item, the distribution, the spec's `params` or `train`.
 */
import type { z, ZodType } from 'zod';
import { BUILTIN_TRAINABLE_NAME } from '../core/domain/builtin-trainable.js';
import type { ParamValue, TrialConfig } from '../core/domain/trial.js';
import { draw } from '../search/distributions.js';
import { MAX_GRID_POINTS } from './check.js';
import type { SpecPath } from './errors.js';
import { applyConditions, configOf, expandVariants, TRAIN_SETTING_FIELDS, trainSettingOf } from './expand.js';
import { parameterNamesOf } from './param-schema.js';
import type { Distribution } from '../search/distributions.js';
import { trainSchema, type SweepSpec } from './schema.js';
import { didYouMean } from './suggest.js';

/** A problem with a value, located in the spec. */
export interface ValueProblem {
  path: SpecPath;
  message: string;
  atKey?: boolean;
}

/** Options of {@link checkVariantValues}. */
export interface CheckValuesOptions {
  /** The trainable's parameter schema; absent for a plain function (its parameters go unchecked). */
  params?: ZodType<unknown>;
  /** Formats an issue of the `train:` schema about `value` (the spec's own wording, from src/sweep-spec/load.ts). */
  trainIssue(issue: z.core.$ZodIssue, value: unknown): string;
}

/** Most probe points of a sampler's space checked in combination (beyond: each value once). */
const MAX_PROBE_POINTS = 512;

/** Where a variant's values came from. */
type Source = 'grid' | 'random' | 'sampler';

/** One set of values to check: a variant, or a probe point of a sampler's space. */
interface Candidate {
  source: Source;
  values: Record<string, ParamValue>;
  config: TrialConfig;
}

const show = (value: unknown) => (value === undefined ? 'nothing' : JSON.stringify(value));

function distributionText(d: Distribution): string {
  switch (d.kind) {
    case 'choice':
      return `{choice: [${d.values.join(', ')}]}`;
    case 'normal':
      return `{normal: [${d.mean}, ${d.sd}]}`;
    default:
      return `{${d.kind}: [${d.low}, ${d.high}]}`;
  }
}

/** Values a distribution can give: every choice; else its ends and a value between (as `draw` rounds them). */
function probeValues(d: Distribution): ParamValue[] {
  if (d.kind === 'choice') return [...d.values];
  const us = d.kind === 'normal' ? [0.0013, 1 / 3, 0.9987] : [0, 1 / 3, 1 - 1e-9];
  const values = us.map((u) => draw(d, () => u));
  return values.filter((v, i) => values.indexOf(v) === i);
}

/** Points combining every parameter's probe values; one value at a time when there are too many. */
function probePoints(space: Record<string, Distribution>): Record<string, ParamValue>[] {
  const names = Object.keys(space);
  const probes = names.map((name) => probeValues(space[name]!));
  const total = probes.reduce((n, p) => n * p.length, 1);
  if (total <= MAX_PROBE_POINTS) {
    let points: Record<string, ParamValue>[] = [{}];
    names.forEach((name, i) => {
      points = points.flatMap((point) => probes[i]!.map((value) => ({ ...point, [name]: value })));
    });
    return points;
  }
  const base = Object.fromEntries(names.map((name, i) => [name, probes[i]![0]!]));
  return names.flatMap((name, i) => probes[i]!.map((value) => ({ ...base, [name]: value })));
}

/** The candidates of a spec: its variants, or probe points of its sampler's space. */
function candidatesOf(spec: SweepSpec): Candidate[] {
  const sampler = spec.variants.sampler;
  if (sampler) {
    return probePoints(sampler.params).map((point) => {
      const values = applyConditions(point, spec.variants.when);
      return { source: 'sampler', values, config: configOf(spec, values) };
    });
  }
  return expandVariants(spec).variants.map((v) => ({
    source: v.origin.kind,
    values: v.values,
    config: v.config,
  }));
}

/** The distribution of `name` in the spec's random search or sampler. */
function distributionOf(spec: SweepSpec, source: Source, name: string): Distribution | undefined {
  if (source === 'sampler') return spec.variants.sampler?.params[name];
  if (source === 'random') return spec.variants.random?.params[name];
  return undefined;
}

/**
 * Where the value of `name` in a candidate comes from (the grid list item, the distribution, the
 * spec's `params` or `train`), and how a message says so after the value (`` (drawn from {int: [3, 7]})``).
 */
function locate(
  spec: SweepSpec,
  candidate: Candidate,
  name: string,
  section: 'params' | 'train',
): { path: SpecPath; origin: string } {
  if (Object.hasOwn(candidate.values, name)) {
    const d = distributionOf(spec, candidate.source, name);
    if (!d) {
      const list = spec.variants.grid?.[name] ?? [];
      const index = list.findIndex((v) => String(v) === String(candidate.values[name]));
      return { path: ['variants', 'grid', name, ...(index >= 0 ? [index] : [])], origin: '' };
    }
    if (candidate.source === 'sampler')
      return {
        path: ['variants', 'sampler', 'params', name, d.kind],
        origin: `, which ${distributionText(d)} can propose`,
      };
    return {
      path: ['variants', 'random', 'params', name, d.kind],
      origin: ` (drawn from ${distributionText(d)})`,
    };
  }
  if (section === 'params' && Object.hasOwn(spec.params ?? {}, name))
    return { path: ['params', name], origin: '' };
  if (section === 'train') return { path: ['train', name], origin: '' };
  return { path: spec.trainable ? ['trainable'] : [], origin: '' };
}

/**
 * A hint for a parameter that some variants refuse: the values of another varying parameter under
 * which every variant took it, as a `when` condition (`when: { kernel_size: { model: [cnn] } }`).
 */
function whenHint(name: string, accepted: Candidate[], candidates: Candidate[]): string {
  if (accepted.length === 0) return '';
  const others = new Set(candidates.flatMap((c) => Object.keys(c.values)).filter((n) => n !== name));
  for (const other of others) {
    const all = new Set(candidates.map((c) => c.values[other]).filter((v) => v !== undefined));
    const ok = new Set(accepted.map((c) => c.values[other]).filter((v) => v !== undefined));
    if (ok.size > 0 && ok.size < all.size)
      return `; to vary it only where it applies, add variants.when: { ${name}: { ${other}: [${[...ok].join(', ')}] } }`;
  }
  return '';
}

/**
 * What an `unrecognized_keys` issue says about one of its keys. Its message covers every key (the image
 * classifier's says `'a' is …; 'b' is …`): each key's problem gets its own part, so thousands of unknown
 * keys give thousands of short messages rather than thousands of copies of one long one.
 */
function messageOfKey(keys: readonly string[], message: string): (key: string) => string {
  if (keys.length <= 1) return () => message;
  const parts = message.split('; ');
  const byKey = new Map<string, string>();
  if (parts.length === keys.length && keys.every((key, i) => parts[i]!.includes(key)))
    keys.forEach((key, i) => byKey.set(key, parts[i]!));
  return (key) => byKey.get(key) ?? `'${key}' is not one of its parameters`;
}

/** Every problem with the values of a spec's variants (or sampler space); empty when all fit. */
export function checkVariantValues(spec: SweepSpec, options: CheckValuesOptions): ValueProblem[] {
  // A grid too large to run is reported as such (src/sweep-spec/check.ts); its values are not worth expanding.
  const points = Object.values(spec.variants.grid ?? {}).reduce((n, values) => n * values.length, 1);
  if (points > MAX_GRID_POINTS) return [];
  const trainable = spec.trainable?.name ?? BUILTIN_TRAINABLE_NAME;
  let candidates: Candidate[];
  try {
    candidates = candidatesOf(spec);
  } catch {
    return []; // a distribution that cannot be drawn from (e.g. loguniform from 0): src/sweep-spec/check.ts says so
  }
  // One problem per place and kind, naming the first value that fails and how many more do.
  const problems = new Map<string, ValueProblem & { more: number }>();
  const add = (key: string, problem: ValueProblem) => {
    const known = problems.get(key);
    if (known) known.more += 1;
    else problems.set(key, { ...problem, more: 0 });
  };
  let names: string[] | undefined;
  const known = () => (names ??= options.params ? parameterNamesOf(options.params) : []);
  const firstRefusal = new Map<string, ValueProblem>();

  // Candidates the schema took whole: where a refused name is taken, for the `when` hint.
  const fits = candidates.map(() => true);
  candidates.forEach((candidate, i) => {
    const parsed = options.params?.safeParse(candidate.config.modelOptions);
    if (parsed && !parsed.success) fits[i] = false;
    for (const issue of parsed && !parsed.success ? parsed.error.issues : []) {
      if (issue.code === 'unrecognized_keys') {
        const say = messageOfKey(issue.keys, issue.message);
        for (const name of issue.keys) {
          if (firstRefusal.has(name)) continue;
          const { path } = locate(spec, candidate, name, 'params');
          firstRefusal.set(name, {
            path: path[0] === 'variants' ? path.slice(0, path[1] === 'grid' ? 3 : 4) : path,
            atKey: true,
            message: `${trainable}: ${say(name)}${known().includes(name) ? '' : didYouMean(name, known())}`,
          });
        }
        continue;
      }
      const name = String(issue.path[0] ?? '');
      const value = name ? candidate.config.modelOptions[name] : undefined;
      const { path, origin } = locate(spec, candidate, name, 'params');
      const choices = issue.code === 'invalid_value' ? issue.values.map(String) : undefined;
      const hint = typeof value === 'string' && choices ? didYouMean(value, choices) : '';
      const nested = issue.path.length > 1 ? ` (at ${issue.path.join('.')})` : '';
      const message =
        value === undefined
          ? `${trainable} rejects these parameters: ${name ? `${name}: ` : ''}${issue.message}${name ? '; set it in params: or vary it in variants:' : ''}`
          : `${trainable} rejects ${name} = ${show(value)}${origin}: ${issue.message}${nested}${hint}`;
      add(`${path.join('.')}\u0000${issue.code}\u0000${issue.path.join('.')}`, {
        path,
        message,
        ...(origin ? { atKey: true } : {}),
      });
    }
    // Training settings the variants set (learning_rate: [...]), by the spec's own `train:` rules.
    for (const [name, value] of Object.entries(candidate.values)) {
      if (!trainSettingOf(spec, name)) continue;
      const result = trainSchema.shape[name as keyof typeof TRAIN_SETTING_FIELDS].safeParse(value);
      if (result.success) continue;
      const { path, origin } = locate(spec, candidate, name, 'train');
      for (const issue of result.error.issues) {
        const text = options.trainIssue(issue, value);
        add(`${path.join('.')}\u0000train\u0000${issue.code}`, {
          path,
          message: origin ? `${name} = ${show(value)}${origin}: ${text}` : text,
          ...(origin ? { atKey: true } : {}),
        });
      }
    }
  });

  for (const [name, problem] of firstRefusal) {
    const accepted = candidates.filter((c, i) => Object.hasOwn(c.values, name) && fits[i]);
    add(`${problem.path.join('.')}\u0000refused`, {
      ...problem,
      message: `${problem.message}${whenHint(name, accepted, candidates)}`,
    });
  }
  // A grid item is one value however many variants hold it: only other places count variants.
  const oneValue = (path: SpecPath) => path[1] === 'grid' && typeof path[3] === 'number';
  return [...problems.values()].map(({ more, ...p }) => ({
    ...p,
    message: more > 0 && !oneValue(p.path) ? `${p.message} (and ${more} more variant(s))` : p.message,
  }));
}
