/**
 * The per-trial view of a sweep that the search charts draw (history, parallel coordinates, slice,
 * contour, importance, intermediate values): each trial's parameters (its varying factors), final
 * objective and per-epoch objective, and the parameters' fANOVA importance. Built once with the report
 * and stored in it (report.json), so a stored report renders its charts without the records.
 */
import type { Objective } from '../../core/domain/objective.js';
import type { ParamValue, TrialRecord } from '../../core/domain/trial.js';
import { fanovaImportance, type ImportanceFeature, type ParamImportance } from './importance.js';

/** Most complete (and, apart, most pruned) trials a report keeps for its charts; beyond, an even subsample and the best. */
export const MAX_SEARCH_TRIALS = 1000;

/** Trees of the importance forest (Optuna's default). */
export const IMPORTANCE_TREES = 64;

/** Label of a categorical parameter that a trial does not have (e.g. `kernel_size` of an FC model). */
export const ABSENT = '—';

/** A trial a pruner stopped: its parameters and the objective at each epoch it reported. */
export interface StoppedTrial {
  trialKey: string;
  groupLabel: string;
  factors: Record<string, ParamValue>;
  seed: number;
  /** The objective at epochs 1..k (k: the epoch it was stopped at). */
  curve: readonly number[];
}

/** What the aggregation knows beyond the finished records (both optional). */
export interface SearchInput {
  /** Trial keys in plan order: trials are numbered by their index in it (else by record order). */
  plannedKeys?: readonly string[];
  /** Trials a pruner stopped, drawn as pruned in the intermediate-values chart. */
  stopped?: readonly StoppedTrial[];
}

/** A parameter of the search: a varying factor. */
export interface SearchParam {
  name: string;
  /** `number` when every trial has a number for it; else `category` (values as text, absent as {@link ABSENT}). */
  kind: 'number' | 'category';
  /** Positive numbers that look log-scaled (see looksLogScaled): charts and fANOVA use log10. */
  log: boolean;
  /** Categories in natural order, {@link ABSENT} last (category parameters only). */
  categories?: string[];
  /** Smallest and largest value (number parameters only). */
  range?: [number, number];
}

/** One trial as the search charts see it. */
export interface SearchTrial {
  /** 1-based: index in the plan when known, else in the order of group label (as the groups table), seed and key. */
  number: number;
  trialKey: string;
  label: string;
  seed: number;
  params: Record<string, number | string>;
  state: 'complete' | 'pruned';
  /** Final objective (complete trials; null when not finite), or the last reported one (pruned). */
  value: number | null;
  /** The objective at epochs 1..n (null where not finite). */
  curve: (number | null)[];
  /** Complete trials: the best final objective of the trials numbered up to this one (the history's running best). */
  bestSoFar?: number | null;
}

/** The search's per-trial data and parameter importance, stored in the report. */
export interface SearchReport {
  /** How trials are numbered (the history chart's x axis): by plan index, or by group label and seed. */
  order: 'plan' | 'label';
  params: SearchParam[];
  /** Complete trials (by number), then pruned ones; at most {@link MAX_SEARCH_TRIALS} of each. */
  trials: SearchTrial[];
  /** Complete and pruned trials before the subsample. */
  total: { complete: number; pruned: number };
  /** fANOVA over the complete trials shown; null with fewer than two or a constant objective. */
  importance: {
    method: 'fanova';
    trees: number;
    seed: number;
    trials: number;
    params: ParamImportance[];
  } | null;
}

const finite = (x: number | undefined): number | null =>
  typeof x === 'number' && Number.isFinite(x) ? x : null;

/**
 * A numeric parameter reads as log-scaled (drawn and weighed on log10) when its values are positive,
 * span more than 20× and crowd the low end: two thirds or more of the distinct values lie below the
 * range's middle, as a log-uniform sample or a grid like 1e-3, 1e-2, 1e-1 does (a uniform sample: half).
 * The records do not carry the spec's distributions, so this is read from the values.
 */
function looksLogScaled(values: readonly number[], lo: number, hi: number): boolean {
  if (!(lo > 0) || hi / lo < 20) return false;
  const distinct = [...new Set(values)];
  const below = distinct.filter((v) => v < (lo + hi) / 2).length;
  return below >= (2 / 3) * distinct.length;
}

/** The parameters that vary among these factor sets, in order of first appearance. */
function searchParams(factorSets: readonly Record<string, ParamValue>[]): SearchParam[] {
  const names = [...new Set(factorSets.flatMap((f) => Object.keys(f)))];
  return names.flatMap((name): SearchParam[] => {
    const values = factorSets.map((f) => f[name]);
    const numeric = values.every((v) => typeof v === 'number' && Number.isFinite(v));
    if (numeric) {
      // A loop, not Math.min(...values): a sweep may have a million trials.
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of values as number[]) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      if (lo === hi) return [];
      return [{ name, kind: 'number', log: looksLogScaled(values as number[], lo, hi), range: [lo, hi] }];
    }
    // Natural order, absent last: the same for any order of the records.
    const categories = [...new Set(values.map((v) => (v === undefined ? ABSENT : String(v))))].sort(
      (a, b) => Number(a === ABSENT) - Number(b === ABSENT) || a.localeCompare(b, 'en', { numeric: true }),
    );
    return categories.length < 2 ? [] : [{ name, kind: 'category', log: false, categories }];
  });
}

/** A parameter's value of a trial: the number, or the category's text. */
function paramValue(param: SearchParam, factors: Record<string, ParamValue>): number | string {
  const v = factors[param.name];
  if (param.kind === 'number') return v as number;
  return v === undefined ? ABSENT : String(v);
}

/** Every `step`-th item so that at most `max` remain, plus `keep` (e.g. the best) if left out. */
function thin<T extends object>(items: readonly T[], max: number, keep?: T): T[] {
  if (items.length <= max) return [...items];
  const step = items.length / max;
  const picked = Array.from({ length: max }, (_, i) => items[Math.floor(i * step)] as T);
  if (keep !== undefined && !picked.includes(keep)) picked[picked.length - 1] = keep;
  return picked;
}

/** The fANOVA coding of a parameter's value: log10 for log parameters, the category's index for categories. */
export function codeValue(param: SearchParam, value: number | string): number {
  if (param.kind === 'category') return param.categories!.indexOf(String(value));
  return param.log ? Math.log10(value as number) : (value as number);
}

function importanceOf(
  params: readonly SearchParam[],
  trials: readonly SearchTrial[],
  seed: number,
): SearchReport['importance'] {
  const rows = trials.filter((t) => t.state === 'complete' && t.value !== null);
  if (rows.length < 2 || params.length === 0) return null;
  const x = rows.map((t) => params.map((p) => codeValue(p, t.params[p.name]!)));
  const y = rows.map((t) => t.value!);
  if (y.every((v) => v === y[0])) return null;
  const features: ImportanceFeature[] = params.map((p) => {
    if (p.kind === 'category') return { name: p.name, range: [-0.5, p.categories!.length - 0.5] };
    const [lo, hi] = p.range!;
    return { name: p.name, range: p.log ? [Math.log10(lo), Math.log10(hi)] : [lo, hi] };
  });
  return {
    method: 'fanova',
    trees: IMPORTANCE_TREES,
    seed,
    trials: rows.length,
    params: fanovaImportance({ features, x, y, trees: IMPORTANCE_TREES, seed }),
  };
}

/**
 * The search view of a sweep's records, or undefined when no parameter varies or fewer than two trials
 * have a final objective (nothing to plot).
 */
export function searchReport(options: {
  records: readonly TrialRecord[];
  objective: Objective;
  input?: SearchInput;
  /** PRNG seed of the importance forest. @default 0 */
  seed?: number;
}): SearchReport | undefined {
  const { records, objective } = options;
  const stopped = options.input?.stopped ?? [];
  const finals = records.filter((r) => finite(r.result.final[objective.metric]) !== null);
  if (finals.length < 2) return undefined;
  const planIndex = new Map(options.input?.plannedKeys?.map((key, i) => [key, i + 1]));
  const byPlan = planIndex.size > 0 && records.every((r) => planIndex.has(r.trialKey));
  // Without the plan, an order that does not depend on the records' order (the report must not): the
  // groups table's (label, natural order), then seed, then key.
  const ordered = byPlan
    ? [...records]
    : [...records].sort(
        (a, b) =>
          a.groupLabel.localeCompare(b.groupLabel, 'en', { numeric: true }) ||
          a.seed - b.seed ||
          (a.trialKey < b.trialKey ? -1 : a.trialKey > b.trialKey ? 1 : 0),
      );
  const params = searchParams([...ordered.map((r) => r.factors), ...stopped.map((s) => s.factors)]);
  if (params.length === 0) return undefined;
  const complete: SearchTrial[] = ordered
    .map((r, i) => ({
      number: byPlan ? planIndex.get(r.trialKey)! : i + 1,
      trialKey: r.trialKey,
      label: r.groupLabel,
      seed: r.seed,
      params: Object.fromEntries(params.map((p) => [p.name, paramValue(p, r.factors)])),
      state: 'complete' as const,
      value: finite(r.result.final[objective.metric]),
      curve: r.result.epochs.map((e) => finite(e[objective.metric])),
    }))
    .sort((a, b) => a.number - b.number);
  const pruned: SearchTrial[] = stopped.map((s, i) => {
    const curve = s.curve.map((v) => finite(v));
    return {
      number: planIndex.get(s.trialKey) ?? records.length + i + 1,
      trialKey: s.trialKey,
      label: s.groupLabel,
      seed: s.seed,
      params: Object.fromEntries(params.map((p) => [p.name, paramValue(p, s.factors)])),
      state: 'pruned' as const,
      value: [...curve].reverse().find((v) => v !== null) ?? null,
      curve,
    };
  });
  const better = (a: number, b: number): boolean => (objective.mode === 'max' ? a > b : a < b);
  // Running best over every complete trial, before any subsample.
  let best: SearchTrial | undefined;
  for (const t of complete) {
    if (t.value !== null && (!best || better(t.value, best.value!))) best = t;
    t.bestSoFar = best?.value ?? null;
  }
  const trials = [
    ...thin(complete, MAX_SEARCH_TRIALS, best).sort((a, b) => a.number - b.number),
    ...thin(pruned, MAX_SEARCH_TRIALS),
  ];
  return {
    order: byPlan ? 'plan' : 'label',
    params,
    trials,
    total: { complete: complete.length, pruned: pruned.length },
    importance: importanceOf(params, trials, options.seed ?? 0),
  };
}
