/**
 * The results part of the live page: each group's objective (mean with its 95 % CI, IQM) over the
 * seeds finished so far, the report's SVG charts, and the MLflow run of each finished trial. Built
 * with the report's own code (src/reporting/analysis) from the tracker's records, the way
 * `seedsweep report` builds it; a closed sweep's stored report is read instead when it is current.
 */
import type { TrialRecord } from '../../core/domain/trial.js';
import type { Objective } from '../../core/domain/objective.js';
import type { SweepReport } from '../../reporting/analysis/report.js';
import { renderCharts, type RenderedChart } from '../../reporting/analysis/render-html.js';
import {
  loadSweep,
  reportOfSweep,
  storedReport,
  type SweepLookup,
} from '../../temporal/client/sweep-records.js';

/** One group's row on the page. */
export interface LiveGroup {
  groupKey: string;
  label: string;
  /** Finished seeds. */
  n: number;
  mean: number | null;
  /** Two-sided 95 % t interval of the mean; null below two seeds. */
  ci95: [number, number] | null;
  /** Interquartile mean and its bootstrap CI, when the report has them. */
  iqm?: { value: number | null; ci95: [number, number] | null };
  /** Planned seeds without a result yet (or that will have none). */
  missing: number;
}

/** What the page's results section shows. */
export interface LiveResults {
  sweepId: string;
  /** Records the results were built from. */
  records: number;
  objective?: Objective;
  /** Key of the objective's final value in the report's group metrics, e.g. `finalValue`. */
  objectiveKey?: string;
  groups: LiveGroup[];
  charts: RenderedChart[];
  /** MLflow run id by trial key, for the finished trials. */
  runs: Record<string, string>;
  /** ISO time the results were built. */
  builtAt: string;
  /** Why there are no groups yet (no finished trial), when there are none. */
  note?: string;
}

function liveGroups(report: SweepReport): LiveGroup[] {
  return report.groups.map((g) => {
    const m = g.metrics[report.objectiveKey];
    return {
      groupKey: g.groupKey,
      label: g.label,
      n: g.n,
      mean: m?.mean ?? null,
      ci95: m?.ci95 ?? null,
      ...(g.iqm ? { iqm: { value: g.iqm.value, ci95: g.iqm.ci95 } } : {}),
      missing: g.missing?.length ?? 0,
    };
  });
}

const runsOf = (records: readonly TrialRecord[]): Record<string, string> =>
  Object.fromEntries(records.flatMap((r) => (r.runId ? [[r.trialKey, r.runId]] : [])));

/** Builds the results of `sweepId` now: its stored report when closed and current, else from the records. */
export async function buildLiveResults(lookup: SweepLookup, sweepId: string): Promise<LiveResults> {
  const builtAt = new Date().toISOString();
  const loaded = await loadSweep(lookup, sweepId);
  const records = loaded.records;
  const runs = runsOf(records);
  if (records.length === 0)
    return {
      sweepId,
      records: 0,
      groups: [],
      charts: [],
      runs,
      builtAt,
      note: 'no finished trial yet: groups appear as their seeds finish.',
    };
  const report = (await storedReport(lookup, sweepId)) ?? reportOfSweep(loaded, records, sweepId);
  return {
    sweepId,
    records: records.length,
    objective: report.objective,
    objectiveKey: report.objectiveKey,
    groups: liveGroups(report),
    charts: await renderCharts(report),
    runs,
    builtAt,
  };
}

/** Options of {@link createResultsCache}. */
export interface ResultsCacheOptions {
  build: (sweepId: string) => Promise<LiveResults>;
  /**
   * Least time between two builds of one sweep's results: a build reads every finished trial from
   * the tracker and renders the charts, so a fast-finishing sweep is not rebuilt on every poll.
   * @default 5000 (ms)
   */
  minIntervalMs?: number;
  /** @default Date.now */
  now?: () => number;
  /** Sweeps whose results are kept (the least recently asked go first: each holds its charts). @default 32 */
  maxSweeps?: number;
}

/** Results per sweep, rebuilt when the caller's `version` (e.g. finished count and status) changed. */
export interface ResultsCache {
  /** The results for `version`, or the last ones built while a rebuild waits for its interval or runs. */
  get(sweepId: string, version: string): Promise<LiveResults & { stale: boolean }>;
}

interface Entry {
  version?: string;
  builtAt: number;
  value?: LiveResults;
  pending?: Promise<LiveResults>;
  pendingVersion?: string;
}

/** A cache of {@link LiveResults}: one build at a time per sweep, at most one per `minIntervalMs`. */
export function createResultsCache(options: ResultsCacheOptions): ResultsCache {
  const minInterval = options.minIntervalMs ?? 5000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const start = (sweepId: string, entry: Entry, version: string): Promise<LiveResults> => {
    entry.pendingVersion = version;
    entry.pending = options.build(sweepId).then(
      (value) => {
        Object.assign(entry, { value, version, builtAt: now() });
        entry.pending = undefined;
        return value;
      },
      (error: unknown) => {
        entry.pending = undefined;
        entry.builtAt = now();
        throw error;
      },
    );
    return entry.pending;
  };
  return {
    async get(sweepId, version) {
      let entry = entries.get(sweepId);
      if (entry) entries.delete(sweepId);
      else entry = { builtAt: 0 };
      entries.set(sweepId, entry); // most recently asked last
      while (entries.size > (options.maxSweeps ?? 32)) entries.delete(entries.keys().next().value!);
      if (entry.value && entry.version === version) return { ...entry.value, stale: false };
      if (entry.pending) {
        // Nothing to show yet, or the build under way is the one asked for: wait for it.
        if (!entry.value || entry.pendingVersion === version)
          return { ...(await entry.pending), stale: entry.pendingVersion !== version };
        return { ...entry.value, stale: true };
      }
      if (entry.value && now() - entry.builtAt < minInterval) {
        return { ...entry.value, stale: true };
      }
      const value = await start(sweepId, entry, version);
      return { ...value, stale: false };
    },
  };
}
