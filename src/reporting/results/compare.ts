/**
 * Does a rerun reproduce? Two sweeps' finished trials matched on equal trial keys (same config, seed
 * and data fingerprint, so the results should agree): which trials only one side has, how far every
 * final and per-epoch metric moved, how many trials came out bit-identical, and per group the mean of
 * one metric on each side with the paired difference over shared seeds (paired t 95 % CI).
 * Plain functions over records; the statistics are src/reporting/analysis/'s.
 */
import { finiteOrNull } from '../analysis/comparisons.js';
import { mean, tHalfWidth, variance } from '../analysis/descriptive.js';
import { formatInterval, formatP } from '../analysis/format.js';
import { alignColumns } from '../analysis/render-table.js';
import { pairedTTest } from '../analysis/hypothesis-tests.js';
import { UserError } from '../../core/common/errors.js';
import type { TrialRecord } from '../../core/domain/trial.js';
import { defaultMetric, metricNames, metricValue, sortRecords } from './metrics.js';

/** A trial by its identity, for the only-in-one-side lists. */
export interface TrialRef {
  trialKey: string;
  groupKey: string;
  groupLabel: string;
  seed: number;
}

/** One metric of one matched trial: final values on each side and how far apart its epochs are. */
export interface MetricDelta {
  a: number | null;
  b: number | null;
  /** Final a − b; null when either side lacks a finite value. */
  diff: number | null;
  /** Final values equal bit for bit (NaN equals NaN). */
  identical: boolean;
  /** Largest |a − b| over the epochs both sides have (finite values only); null when none. */
  maxAbsEpochDiff: number | null;
}

export interface TrialDelta extends TrialRef {
  /** Every metric of every epoch and the final metrics are bit-identical, with the same epochs. */
  identical: boolean;
  epochsA: number;
  epochsB: number;
  backendA: string;
  backendB: string;
  metrics: Record<string, MetricDelta>;
}

/** One metric over every compared trial. */
export interface MetricSummary {
  metric: string;
  /** Matched trials with a final value of it on both sides. */
  compared: number;
  /** Of those, trials whose final value is bit-identical. */
  identicalFinal: number;
  /** Largest |Δ| of the final value; null when nothing was compared. */
  maxAbsFinalDiff: number | null;
  /** Mean of the final Δ (a − b). */
  meanFinalDiff: number | null;
  /** Largest |Δ| over every epoch of every compared trial. */
  maxAbsEpochDiff: number | null;
}

/** A group (group key) present in both sweeps, on the chosen metric. */
export interface GroupDelta {
  groupKey: string;
  groupLabel: string;
  nA: number;
  nB: number;
  /** Mean of the final metric over the group's trials in each sweep (all of its seeds there). */
  meanA: number | null;
  meanB: number | null;
  /** Seeds finished in both sweeps (with a finite value on both sides), ascending. */
  sharedSeeds: number[];
  /** Paired a − b over the shared seeds. */
  meanDifference: number | null;
  /** Paired t 95 % CI of the mean difference; null for fewer than 2 shared seeds. */
  ci95: [number, number] | null;
  t: number | null;
  df: number | null;
  p: number | null;
}

export interface SweepComparison {
  a: { sweep: string; trials: number };
  b: { sweep: string; trials: number };
  /** The metric of the per-group comparison. */
  metric: string;
  /** Every metric name seen on either side. */
  metrics: string[];
  /** Trial keys finished in both sweeps. */
  matched: number;
  /**
   * Matched trial keys whose two records are the same tracked run (the second sweep reused the first's
   * result instead of rerunning it): not a reproduction, so left out of every difference below.
   */
  sameRun: number;
  /** Matched trials compared (matched − sameRun). */
  compared: number;
  /** Compared trials whose every epoch and final metric is bit-identical. */
  identical: number;
  /**
   * The verdict of the reproducibility check: every compared trial is bit-identical (`identical ===
   * compared`). Trials only one sweep has are listed but do not count against it: they were not rerun.
   */
  reproduced: boolean;
  onlyInA: TrialRef[];
  onlyInB: TrialRef[];
  perMetric: MetricSummary[];
  /** Every compared trial, in group label then seed order. */
  trials: TrialDelta[];
  groups: GroupDelta[];
}

const ref = (r: TrialRecord): TrialRef => ({
  trialKey: r.trialKey,
  groupKey: r.groupKey,
  groupLabel: r.groupLabel,
  seed: r.seed,
});

/** One record per trial key (the first one given). */
function byTrialKey(records: readonly TrialRecord[]): Map<string, TrialRecord> {
  const map = new Map<string, TrialRecord>();
  for (const r of records) if (!map.has(r.trialKey)) map.set(r.trialKey, r);
  return map;
}

function sameRun(x: TrialRecord, y: TrialRecord): boolean {
  return x.runId !== undefined && x.runId === y.runId;
}

const maxOrNull = (values: readonly number[]): number | null =>
  values.length === 0 ? null : Math.max(...values);

function metricDelta(x: TrialRecord, y: TrialRecord, name: string): MetricDelta {
  const a = metricValue(x.result.final, name);
  const b = metricValue(y.result.final, name);
  const epochsB = new Map(y.result.epochs.map((e) => [e.epoch, e]));
  const epochDiffs: number[] = [];
  for (const ea of x.result.epochs) {
    const eb = epochsB.get(ea.epoch);
    if (!eb) continue;
    const d = Math.abs(metricValue(ea, name) - metricValue(eb, name));
    if (Number.isFinite(d)) epochDiffs.push(d);
  }
  const diff = a - b;
  return {
    a: finiteOrNull(a),
    b: finiteOrNull(b),
    diff: finiteOrNull(diff),
    identical: Object.is(a, b),
    maxAbsEpochDiff: maxOrNull(epochDiffs),
  };
}

/** Every epoch has the same metrics bit for bit, and both sides have the same epochs. */
function epochsIdentical(x: TrialRecord, y: TrialRecord, metrics: readonly string[]): boolean {
  if (x.result.epochs.length !== y.result.epochs.length) return false;
  const epochsB = new Map(y.result.epochs.map((e) => [e.epoch, e]));
  return x.result.epochs.every((ea) => {
    const eb = epochsB.get(ea.epoch);
    return eb !== undefined && metrics.every((m) => Object.is(metricValue(ea, m), metricValue(eb, m)));
  });
}

/**
 * Compares sweep A's records with sweep B's on equal trial keys. Throws a UserError when no trial key is
 * in common, or when `metric` is given and neither side reports it.
 */
export function compareSweeps(options: {
  a: readonly TrialRecord[];
  b: readonly TrialRecord[];
  /** Names shown for the two sides (sweep ids or names). @default 'A', 'B' */
  nameA?: string;
  nameB?: string;
  /** Metric of the per-group comparison. @default testAccuracy if reported, else the first metric name */
  metric?: string;
}): SweepComparison {
  const nameA = options.nameA ?? 'A';
  const nameB = options.nameB ?? 'B';
  const mapA = byTrialKey(sortRecords(options.a));
  const mapB = byTrialKey(sortRecords(options.b));
  const metrics = metricNames([...mapA.values(), ...mapB.values()]);
  const metric = options.metric ?? defaultMetric(metrics);
  if (metric === undefined) {
    throw new UserError(
      'E_COMPARE_NO_METRICS',
      `the trials of ${nameA} and ${nameB} report no metrics: there is nothing to compare.`,
    );
  }
  if (!metrics.includes(metric)) {
    throw new UserError(
      'E_UNKNOWN_METRIC',
      `no metric '${metric}' in ${nameA} or ${nameB}; the trials report: ${metrics.join(', ')}.`,
    );
  }

  const pairs: [TrialRecord, TrialRecord][] = [];
  const onlyInA: TrialRef[] = [];
  for (const [key, x] of mapA) {
    const y = mapB.get(key);
    if (y) pairs.push([x, y]);
    else onlyInA.push(ref(x));
  }
  const onlyInB = [...mapB.values()].filter((y) => !mapA.has(y.trialKey)).map(ref);
  if (pairs.length === 0) {
    throw new UserError(
      'E_COMPARE_NO_MATCH',
      `no trial keys in common: the sweeps ran different configs, seeds or data (${nameA}: ${mapA.size} trials, ${nameB}: ${mapB.size} trials).`,
    );
  }
  const comparedPairs = pairs.filter(([x, y]) => !sameRun(x, y));
  if (comparedPairs.length === 0) {
    throw new UserError(
      'E_COMPARE_SAME_RUNS',
      `every trial key in common is the same tracked run in both (${pairs.length}): ${nameB === nameA ? 'a sweep compared with itself' : "one sweep reused the other's results instead of rerunning them"}; rerun under another sweep name or against another tracker to check reproduction.`,
    );
  }

  const trials: TrialDelta[] = comparedPairs.map(([x, y]) => {
    const deltas = Object.fromEntries(metrics.map((m) => [m, metricDelta(x, y, m)]));
    return {
      ...ref(x),
      identical: epochsIdentical(x, y, metrics) && Object.values(deltas).every((d) => d.identical),
      epochsA: x.result.epochs.length,
      epochsB: y.result.epochs.length,
      backendA: `${x.result.backend.name} ${x.result.backend.version}`.trim(),
      backendB: `${y.result.backend.name} ${y.result.backend.version}`.trim(),
      metrics: deltas,
    };
  });

  const perMetric: MetricSummary[] = metrics.map((m) => {
    const deltas = trials
      .map((t) => t.metrics[m])
      .filter((d): d is MetricDelta => d !== undefined && d.a !== null && d.b !== null);
    const diffs = deltas.map((d) => d.diff).filter((d): d is number => d !== null);
    return {
      metric: m,
      compared: deltas.length,
      identicalFinal: deltas.filter((d) => d.identical).length,
      maxAbsFinalDiff: maxOrNull(diffs.map(Math.abs)),
      meanFinalDiff: diffs.length === 0 ? null : finiteOrNull(mean(diffs)),
      maxAbsEpochDiff: maxOrNull(
        trials.map((t) => t.metrics[m]?.maxAbsEpochDiff).filter((d): d is number => typeof d === 'number'),
      ),
    };
  });

  return {
    a: { sweep: nameA, trials: mapA.size },
    b: { sweep: nameB, trials: mapB.size },
    metric,
    metrics,
    matched: pairs.length,
    sameRun: pairs.length - comparedPairs.length,
    compared: comparedPairs.length,
    identical: trials.filter((t) => t.identical).length,
    reproduced: trials.every((t) => t.identical),
    onlyInA,
    onlyInB,
    perMetric,
    trials,
    groups: compareGroups({ a: [...mapA.values()], b: [...mapB.values()], metric, pairs: comparedPairs }),
  };
}

/** Per group key present in both: means on each side and the paired difference over shared seeds. */
function compareGroups(options: {
  a: TrialRecord[];
  b: TrialRecord[];
  metric: string;
  pairs: [TrialRecord, TrialRecord][];
}): GroupDelta[] {
  const { metric } = options;
  const value = (r: TrialRecord): number => metricValue(r.result.final, metric);
  const finite = (records: readonly TrialRecord[]): number[] => records.map(value).filter(Number.isFinite);
  const keysB = new Set(options.b.map((r) => r.groupKey));
  const groupKeys = [...new Set(options.a.map((r) => r.groupKey))].filter((k) => keysB.has(k));
  return groupKeys
    .map((groupKey) => {
      const inA = options.a.filter((r) => r.groupKey === groupKey);
      const inB = options.b.filter((r) => r.groupKey === groupKey);
      const pairs = options.pairs
        .filter(([x]) => x.groupKey === groupKey)
        .filter(([x, y]) => Number.isFinite(value(x)) && Number.isFinite(value(y)))
        .sort(([x], [y]) => x.seed - y.seed);
      const valuesA = finite(inA);
      const valuesB = finite(inB);
      const base = {
        groupKey,
        groupLabel: inA[0]?.groupLabel ?? groupKey,
        nA: inA.length,
        nB: inB.length,
        meanA: valuesA.length === 0 ? null : mean(valuesA),
        meanB: valuesB.length === 0 ? null : mean(valuesB),
        sharedSeeds: pairs.map(([x]) => x.seed),
      };
      if (pairs.length === 0)
        return { ...base, meanDifference: null, ci95: null, t: null, df: null, p: null };
      const a = pairs.map(([x]) => value(x));
      const b = pairs.map(([, y]) => value(y));
      const d = a.map((x, i) => x - b[i]!);
      const meanDifference = mean(d);
      if (d.length < 2) return { ...base, meanDifference, ci95: null, t: null, df: null, p: null };
      const half = tHalfWidth({ standardError: Math.sqrt(variance(d) / d.length), df: d.length - 1 });
      const test = pairedTTest({ a, b });
      const ci95: [number, number] | null = Number.isFinite(half)
        ? [meanDifference - half, meanDifference + half]
        : null;
      return {
        ...base,
        meanDifference,
        ci95,
        t: finiteOrNull(test.statistic),
        df: finiteOrNull(test.df),
        p: finiteOrNull(test.p),
      };
    })
    .sort((x, y) => x.groupLabel.localeCompare(y.groupLabel, 'en', { numeric: true }));
}

/** A number for the terminal: 4 significant digits, exponent form when tiny or huge, real minus sign; `–` when missing. */
export function formatValue(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '–';
  if (x === 0) return '0';
  const abs = Math.abs(x);
  const text =
    abs < 1e-3 || abs >= 1e6
      ? abs.toExponential(2)
      : abs
          .toPrecision(4)
          .replace(/(\.\d*?)0+$/, '$1')
          .replace(/\.$/, '');
  return x < 0 ? `−${text}` : text;
}

/** The same with a sign on non-zero values (differences). */
function formatDelta(x: number | null | undefined): string {
  const text = formatValue(x);
  return x !== null && x !== undefined && x > 0 ? `+${text}` : text;
}

const refText = (r: TrialRef): string => `${r.groupLabel} seed ${r.seed} (${r.trialKey})`;

/** The comparison for a terminal: counts, per-metric agreement, per-group means, differing trials. */
export function renderComparison(c: SweepComparison, options: { maxListed?: number } = {}): string {
  const maxListed = options.maxListed ?? 20;
  const out: string[] = [];
  out.push(`A = ${c.a.sweep} (${c.a.trials} finished trials)`);
  out.push(`B = ${c.b.sweep} (${c.b.trials} finished trials)`);
  out.push(
    `matched trial keys: ${c.matched}   only in A: ${c.onlyInA.length}   only in B: ${c.onlyInB.length}`,
  );
  if (c.sameRun > 0)
    out.push(
      `${c.sameRun} matched trials are the same tracked run on both sides (a reused result, not a rerun): left out below`,
    );
  const verdict = c.reproduced ? 'all reproduce exactly' : `${c.compared - c.identical} differ`;
  out.push(
    `bit-identical trials (every metric of every epoch): ${c.identical} of ${c.compared} compared, ${verdict}`,
  );
  const listRefs = (title: string, refs: TrialRef[]): void => {
    if (refs.length === 0) return;
    out.push('', `${title}:`);
    for (const r of refs.slice(0, maxListed)) out.push(`  ${refText(r)}`);
    if (refs.length > maxListed) out.push(`  … ${refs.length - maxListed} more (--json lists all)`);
  };
  listRefs('only in A', c.onlyInA);
  listRefs('only in B', c.onlyInB);

  out.push('', 'per metric (Δ = A − B over compared trials)');
  out.push(
    alignColumns({
      header: ['metric', 'trials', 'identical final', 'max |Δ final|', 'mean Δ final', 'max |Δ| any epoch'],
      numeric: [false, true, true, true, true, true],
      rows: c.perMetric.map((m) => [
        m.metric,
        String(m.compared),
        String(m.identicalFinal),
        formatValue(m.maxAbsFinalDiff),
        formatDelta(m.meanFinalDiff),
        formatValue(m.maxAbsEpochDiff),
      ]),
    }),
  );

  if (c.groups.length > 0) {
    out.push('', `per group, final ${c.metric} (Δ = A − B paired on shared seeds, paired t 95 % CI)`);
    out.push(
      alignColumns({
        header: ['group', 'n A', 'n B', 'shared seeds', 'mean A', 'mean B', 'Δ', '95 % CI', 'p'],
        numeric: [false, true, true, true, true, true, true, true, true],
        rows: c.groups.map((g) => [
          g.groupLabel,
          String(g.nA),
          String(g.nB),
          String(g.sharedSeeds.length),
          formatValue(g.meanA),
          formatValue(g.meanB),
          formatDelta(g.meanDifference),
          formatInterval(g.ci95, formatDelta),
          formatP(g.p),
        ]),
      }),
    );
  }

  const differing = c.trials.filter((t) => !t.identical);
  if (differing.length > 0) {
    out.push(
      '',
      `trials that differ (final Δ = A − B${differing.length > maxListed ? `; first ${maxListed} of ${differing.length}, --json lists all` : ''})`,
    );
    out.push(
      alignColumns({
        header: [
          'group',
          'seed',
          'trial key',
          'backend A',
          'backend B',
          'epochs',
          ...c.metrics.map((m) => `Δ ${m}`),
        ],
        numeric: [false, true, false, false, false, true, ...c.metrics.map(() => true)],
        rows: differing
          .slice(0, maxListed)
          .map((t) => [
            t.groupLabel,
            String(t.seed),
            t.trialKey,
            t.backendA,
            t.backendB,
            t.epochsA === t.epochsB ? String(t.epochsA) : `${t.epochsA}/${t.epochsB}`,
            ...c.metrics.map((m) => formatDelta(t.metrics[m]?.diff)),
          ]),
      }),
    );
  }
  return out.join('\n');
}
