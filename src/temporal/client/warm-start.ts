/**
 * A warm start's earlier trials, read by the client at submission: the finished trials of each sweep
 * `warm_start.sweeps` names, from the tracker, kept when they fit this sweep's search space, grouped by
 * configuration (mean objective over seeds, as the workflow gives its sampler its own trials) and put
 * into the workflow input ({@link WarmStartHistory}), so replay and continued runs see the same history.
 *
 * A trial counts when it ran every parameter of the space that applies to it (a `when` condition may
 * drop one) with a value inside the space, and reported the sweep's objective metric(s); the others
 * are skipped and counted. A listed sweep none of whose trials counts is refused, naming the field,
 * the sweep and why.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../../core/common/errors.js';
import type { ParamValue, TrialRecord } from '../../core/domain/trial.js';
import type { Distribution } from '../../search/distributions.js';
import { outsideDistribution } from '../../search/space-contains.js';
import { SpecError } from '../../sweep-spec/errors.js';
import { trainSettingOf } from '../../sweep-spec/expand.js';
import { specProblemAt } from '../../sweep-spec/locate.js';
import { displaySpecPath, resolveSpecPath } from '../../sweep-spec/load.js';
import type { SweepSpec } from '../../sweep-spec/schema.js';
import { appliesUnder } from '../../sweep-spec/warm-start.js';
import { metricValue } from '../shared/metrics.js';
import type { WarmStartHistory } from '../shared/shared.js';
import { loadSweep, withSweepLookup, type SweepLookup } from './sweep-records.js';

/** Most earlier configurations a warm start passes to the workflow (they travel in its input). */
export const MAX_WARM_START_CONFIGURATIONS = 10_000;

/** One listed sweep's finished trials. */
export interface WarmSource {
  /** The sweep id or name as listed. */
  ref: string;
  /** Its sweep id, when the lookup resolved one. */
  sweepId?: string;
  records: readonly TrialRecord[];
}

/** What a listed sweep gave: its trials used and skipped (with why, by reason). */
export interface WarmSourceCount {
  /** The sweep id or name as listed. */
  ref: string;
  /** Its sweep id, when the lookup resolved one. */
  sweepId?: string;
  used: number;
  configurations: number;
  skipped: number;
  /** Reason → trials skipped for it, e.g. `without 'units1'` → 12. */
  reasons: Record<string, number>;
}

/** Where a warm start's problems are shown: the spec file (and its text, for the field's line). */
export interface SpecOrigin {
  file: string;
  text?: string;
}

const SWEEPS_PATH = ['variants', 'sampler', 'warm_start', 'sweeps'] as const;

/** The objective metrics the sampler decides on: every objective of a multi-objective sweep, else the one. */
function objectiveMetrics(spec: SweepSpec): string[] {
  return spec.objectives && spec.objectives.length >= 2
    ? spec.objectives.map((o) => o.metric)
    : [spec.objective.metric];
}

/** The record's value of a spec parameter: a factor of its sweep, else its config (fixed there). */
function recordValue(spec: SweepSpec, record: TrialRecord, name: string): ParamValue | undefined {
  const factor = record.factors[name];
  if (factor !== undefined) return factor;
  const field = trainSettingOf(spec, name);
  const value = field ? record.config.train[field] : record.config.modelOptions[name];
  return value as ParamValue | undefined;
}

/** The row of a record (parameter values and objective values), or why it does not count. */
function rowOf(
  spec: SweepSpec,
  record: TrialRecord,
  metrics: readonly string[],
): { params: (ParamValue | null)[]; values: number[] } | { skip: string } {
  const sampler = spec.variants.sampler!;
  const values: Record<string, ParamValue | undefined> = {};
  for (const name of Object.keys(sampler.params)) values[name] = recordValue(spec, record, name);
  const params: (ParamValue | null)[] = [];
  for (const [name, distribution] of Object.entries(sampler.params)) {
    const value = values[name];
    if (value === undefined) {
      if (appliesUnder(name, values, spec.variants.when)) return { skip: `without '${name}'` };
      params.push(null);
      continue;
    }
    // One reason per parameter (not per value), so the count says which parameter does not fit.
    if (outsideDistribution(distribution, value) !== undefined)
      return { skip: `with '${name}' outside ${spaceText(distribution)}` };
    params.push(value);
  }
  const objective: number[] = [];
  for (const metric of metrics) {
    const value = metricValue(record.result.final, metric);
    if (value === undefined) return { skip: `without a '${metric}' value` };
    objective.push(value);
  }
  return { params, values: objective };
}

/** A distribution's values in words: `[0, 7]`, `the integers in [8, 64]`, `one of ["a","b"]`. */
function spaceText(distribution: Distribution): string {
  switch (distribution.kind) {
    case 'choice':
      return `one of ${JSON.stringify(distribution.values)}`;
    case 'int':
    case 'logint':
      return `the integers in [${distribution.low}, ${distribution.high}]`;
    case 'normal':
      return 'the finite numbers';
    default:
      return `[${distribution.low}, ${distribution.high}]`;
  }
}

/** `12 without 'units1', 3 without a 'value' value` (the commonest reasons first, at most three). */
function reasonsText(reasons: Record<string, number>): string {
  const sorted = Object.entries(reasons).sort((a, b) => b[1] - a[1]);
  const shown = sorted.slice(0, 3).map(([reason, n]) => `${n} ${reason}`);
  return `${shown.join(', ')}${sorted.length > 3 ? ', …' : ''}`;
}

/**
 * The history the workflow gets from the listed sweeps' records, oldest sweep first (configurations
 * in the order the tracker listed their trials), and what each sweep gave.
 * @throws SpecError naming `warm_start.sweeps[i]` when a sweep has no trial that counts here.
 * @throws UserError `E_WARM_START_TOO_LARGE` beyond {@link MAX_WARM_START_CONFIGURATIONS}.
 */
export function warmHistoryOf(
  spec: SweepSpec,
  sources: readonly WarmSource[],
  origin: SpecOrigin = { file: spec.name },
): { history: WarmStartHistory; counts: WarmSourceCount[] } {
  const sampler = spec.variants.sampler;
  if (!sampler) throw new Error('a warm start needs a sampler sweep');
  const metrics = objectiveMetrics(spec);
  const history: WarmStartHistory = { params: Object.keys(sampler.params), trials: [] };
  const counts: WarmSourceCount[] = [];
  sources.forEach((source, i) => {
    // Configuration → the objective values of its seeds (mean taken below), in first-seen order.
    const groups = new Map<string, { params: (ParamValue | null)[]; values: number[][] }>();
    const count: WarmSourceCount = {
      ref: source.ref,
      ...(source.sweepId !== undefined ? { sweepId: source.sweepId } : {}),
      used: 0,
      configurations: 0,
      skipped: 0,
      reasons: {},
    };
    for (const record of source.records) {
      const row = rowOf(spec, record, metrics);
      if ('skip' in row) {
        count.skipped += 1;
        count.reasons[row.skip] = (count.reasons[row.skip] ?? 0) + 1;
        continue;
      }
      count.used += 1;
      const key = JSON.stringify(row.params);
      const group = groups.get(key) ?? groups.set(key, { params: row.params, values: [] }).get(key)!;
      group.values.push(row.values);
    }
    if (count.used === 0) {
      const why =
        source.records.length === 0
          ? 'it has no finished trials'
          : `none of its ${source.records.length} finished trials fits this search space: ${reasonsText(count.reasons)}`;
      throw new SpecError(origin.file, [
        specProblemAt({
          ...origin,
          path: [...SWEEPS_PATH, i],
          message: `sweep '${source.ref}' gives the sampler nothing to start from: ${why}; remove it or list a sweep over these parameters (${history.params.join(', ')})`,
        }),
      ]);
    }
    for (const group of groups.values()) {
      const means = metrics.map(
        (_, m) => group.values.reduce((sum, v) => sum + v[m]!, 0) / group.values.length,
      );
      history.trials.push([group.params, means]);
    }
    count.configurations = groups.size;
    counts.push(count);
  });
  if (history.trials.length > MAX_WARM_START_CONFIGURATIONS)
    throw new UserError(
      'E_WARM_START_TOO_LARGE',
      `warm_start.sweeps gives ${history.trials.length} earlier configurations; at most ${MAX_WARM_START_CONFIGURATIONS} are passed to a sweep: list fewer or smaller sweeps.`,
    );
  return { history, counts };
}

/** One line per listed sweep, printed at submission: what was used and what skipped, and why. */
export function warmStartLines(counts: readonly WarmSourceCount[]): string[] {
  return counts.map((c) => {
    const skipped = c.skipped === 0 ? '' : `; ${c.skipped} skipped (${reasonsText(c.reasons)})`;
    return `warm start: sweep '${c.ref}': ${c.used} finished trial(s) used as ${c.configurations} configuration(s)${skipped}`;
  });
}

/** What reading a warm start's earlier sweeps gave: the workflow's history, the lines shown, the counts. */
export interface WarmStartRead {
  history: WarmStartHistory;
  /** One line per listed sweep ({@link warmStartLines}). */
  lines: string[];
  counts: WarmSourceCount[];
}

/** A warm start as `run --json` prints it (`warmStart`). */
export interface WarmStartJson {
  /** Per listed sweep: the id or name as listed (`ref`), its id when resolved, trials used and skipped (with why). */
  sweeps: WarmSourceCount[];
  /** Earlier configurations passed to the sampler (each the mean over its seeds). */
  configurations: number;
  /** Configurations the spec lists to try first (`warm_start.trials`). */
  listedTrials: number;
}

/** The `warmStart` of `run --json`; undefined for a spec without a warm start. */
export function warmStartJson(spec: SweepSpec, read: WarmStartRead | undefined): WarmStartJson | undefined {
  const warm = spec.variants.sampler?.warmStart;
  if (!warm) return undefined;
  return {
    sweeps: read?.counts ?? [],
    configurations: read?.history.trials.length ?? 0,
    listedTrials: warm.trials.length,
  };
}

/**
 * Reads the finished trials of the sweeps a sampler's `warm_start.sweeps` lists (ids or names, as
 * `seedsweep report` finds them) and makes the workflow's history. Undefined when the spec lists none.
 * @throws SpecError naming `warm_start.sweeps[i]` for a sweep not found or with no trial that counts.
 */
export async function readWarmStart(options: {
  spec: SweepSpec;
  lookup: SweepLookup;
  origin?: SpecOrigin;
}): Promise<WarmStartRead | undefined> {
  const { spec, lookup } = options;
  const refs = spec.variants.sampler?.warmStart?.sweeps ?? [];
  if (refs.length === 0) return undefined;
  const origin = options.origin ?? { file: spec.name };
  const sources: WarmSource[] = [];
  for (const [i, ref] of refs.entries()) {
    try {
      const loaded = await loadSweep(lookup, ref);
      sources.push({
        ref,
        ...(loaded.sweepId !== undefined ? { sweepId: loaded.sweepId } : {}),
        records: loaded.records,
      });
    } catch (error) {
      if (!(error instanceof UserError) || error.code !== 'E_SWEEP_NOT_FOUND') throw error;
      throw new SpecError(origin.file, [
        specProblemAt({
          ...origin,
          path: [...SWEEPS_PATH, i],
          message: `no sweep with id or name '${ref}' (neither Temporal nor the tracker knows it); 'seedsweep list' shows the known ones`,
        }),
      ]);
    }
  }
  const { history, counts } = warmHistoryOf(spec, sources, origin);
  return { history, lines: warmStartLines(counts), counts };
}

/**
 * At submission (CLI `run`, the API's `runSweep`): the warm history of a spec that lists earlier
 * sweeps, read over the environment's Temporal server and tracker; undefined when it lists none.
 * `specFile` (the spec argument as given) lets problems name the field's line.
 */
export async function warmStartAtSubmission(options: {
  spec: SweepSpec;
  specFile?: string;
  /** The `--set` overrides the spec was loaded with: one that sets the warm start leaves the file's lines out. */
  overrides?: readonly string[];
}): Promise<WarmStartRead | undefined> {
  const { spec, specFile } = options;
  if ((spec.variants.sampler?.warmStart?.sweeps ?? []).length === 0) return undefined;
  let origin: SpecOrigin = { file: spec.name };
  if (specFile !== undefined) {
    const resolved = resolveSpecPath(specFile);
    const file = displaySpecPath({ given: specFile, resolved });
    const field = 'variants.sampler.warm_start';
    const overridden = (options.overrides ?? []).some((o) => {
      const target = o.slice(0, Math.max(0, o.indexOf('='))).trim();
      return field.startsWith(target) || target.startsWith(field);
    });
    origin = overridden ? { file } : { file, text: readFileSync(resolved, 'utf8') };
  }
  return withSweepLookup((lookup) => readWarmStart({ spec, lookup, origin }));
}
