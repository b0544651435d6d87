/** Builds the sweep report's data from finished trial records: groups, comparisons, interpretation. */
import { UserError } from '../common/errors.js';
import { DatasetName } from '../datasets/types.js';
import type { ComparisonSpec } from '../spec/types.js';
import type { TrialRecord } from './types.js';
import { adjustHolm, compareGroups, comparisonName, defaultComparisonPairs, resolveComparisonSpecs } from './comparisons.js';
import { DEFAULT_CONVERGENCE_FRACTION } from './convergence.js';
import { groupRecords, summarizeGroup } from './groups.js';
import { interpretStudy } from './interpretation.js';
import type { SweepReport } from './report-types.js';

/** Bootstrap resamples per comparison. */
export const BOOTSTRAP_RESAMPLES = 10_000;

/** Options of {@link buildReport}. */
export interface BuildReportOptions {
  /** Sweep name (the spec's `name`), shown as the report's title. */
  sweepName: string;
  /** Sweep id (workflow id). */
  sweepId: string;
  /** Finished trials; several sweeps' records may be mixed, grouped by group key. */
  records: TrialRecord[];
  /** Comparisons to make; when absent or empty, every pair of groups that differs in exactly one factor. */
  comparisons?: ComparisonSpec[];
  /** Bootstrap PRNG seed: the same records and seed give the same report. @default 0 */
  seed?: number;
  /**
   * The numbers are not CIFAR-10 results (generated records, or trials trained on the synthetic dataset):
   * every rendering labels the data as synthetic. @default true when any record's dataset is `synthetic`
   */
  synthetic?: boolean;
  /** Fraction of a trial's final test accuracy that counts as converged. @default 0.95 */
  convergenceFraction?: number;
}

/** Summarises, compares and interprets a sweep's finished trials. Pure data, JSON-serialisable. */
export function buildReport(options: BuildReportOptions): SweepReport {
  if (options.records.length === 0) {
    throw new UserError('E_REPORT_NO_TRIALS', `sweep "${options.sweepName}" (${options.sweepId}) has no finished trials to report on; run or resume it first`);
  }
  const seed = options.seed ?? 0;
  const convergenceFraction = options.convergenceFraction ?? DEFAULT_CONVERGENCE_FRACTION;
  const recordsByGroup = groupRecords(options.records);
  const notes: string[] = [];
  const groups = [...recordsByGroup.values()]
    .map((records) => summarizeGroup({ records, convergenceFraction }))
    .sort((x, y) => x.label.localeCompare(y.label, 'en', { numeric: true }));
  for (const g of groups) {
    if (g.n < 2) notes.push(`group ${g.label} has ${g.n} finished seed: no spread, CI or test for it`);
    const records = recordsByGroup.get(g.groupKey) ?? [];
    if (records.some((r) => JSON.stringify(r.result.modelStats) !== JSON.stringify(g.modelStats))) {
      notes.push(`group ${g.label}: parameter counts differ between seeds; the first seed's are shown`);
    }
  }
  const requested = options.comparisons ?? [];
  let pairs: { name: string; a: (typeof groups)[number]; b: (typeof groups)[number]; requested: boolean }[];
  if (requested.length > 0) {
    const resolved = resolveComparisonSpecs({ specs: requested, groups });
    notes.push(...resolved.notes);
    pairs = resolved.pairs.map((p) => ({ ...p, requested: true }));
  } else {
    pairs = defaultComparisonPairs(groups).map((p) => ({ name: comparisonName(p.a, p.b), a: p.a, b: p.b, requested: false }));
  }
  const comparisons = pairs.map((p) =>
    compareGroups({ ...p, recordsByGroup, seed, resamples: BOOTSTRAP_RESAMPLES, convergenceFraction }),
  );
  for (const c of comparisons) {
    if (c.design === 'unpaired') notes.push(`comparison ${c.name}: fewer than 2 shared seeds, compared unpaired (Welch)`);
  }
  adjustHolm(comparisons);
  const interpretation = interpretStudy({ groups, recordsByGroup, seed, convergenceFraction, resamples: BOOTSTRAP_RESAMPLES });
  return {
    sweepName: options.sweepName,
    sweepId: options.sweepId,
    synthetic: options.synthetic ?? options.records.some((r) => r.config.dataset.name === DatasetName.synthetic),
    generatedAt: new Date().toISOString(),
    bootstrap: { seed, resamples: BOOTSTRAP_RESAMPLES, method: 'percentile' },
    convergenceFraction,
    trialCount: groups.reduce((s, g) => s + g.n, 0),
    groups,
    comparisons,
    notes,
    interpretation,
  };
}
