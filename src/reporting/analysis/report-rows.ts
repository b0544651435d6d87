/**
 * The report's tables as rows of text, shared by the terminal, Markdown and HTML renderers. Without a
 * plug-in the tables are generic: the objective's final value, then the other reported metrics' means.
 */
import type { ModelStats } from '../../core/domain/trial.js';
import {
  formatCount,
  formatInterval,
  formatP,
  formatNumber,
  formatSignedValue,
  formatValue,
} from './format.js';
import { finalMetricKey } from './metrics.js';
import { leaderboardCountText } from './leaderboard.js';
import { improvementLegend, iqmLegend, withImprovementColumn, withIqmColumn } from './robust-columns.js';
import type { GroupReport, MetricComparison, SweepReport } from './report-types.js';

/** A table: header cells, body rows and which columns are numeric (right-aligned). */
export interface TextTable {
  header: string[];
  rows: string[][];
  numeric: boolean[];
}

/** Where tables go: a terminal (kept narrow) or a document (Markdown, HTML: every column). */
export type TableTarget = 'terminal' | 'document';

/** Everything the renderers show besides the interpretation: tables, the sentences explaining them, the banner. */
export interface ReportColumns {
  groups: TextTable;
  comparisons: TextTable;
  /** Below the group table (Markdown and HTML). */
  groupsLegend: string;
  /** Below the comparison table (Markdown and HTML); the bootstrap settings follow it. */
  comparisonsLegend: string;
  /** The banner every rendering of synthetic data starts with. */
  syntheticBanner: string;
}

/** Other metrics shown in the terminal's group table; documents show all. */
export const TERMINAL_OTHER_METRICS = 3;

/** The banner of a report without a plug-in. */
export const SYNTHETIC_BANNER_GENERIC =
  'SYNTHETIC DATA — generated records or a synthetic dataset, not real results; the numbers only illustrate the report.';

const directionWord = (report: SweepReport): string =>
  report.objective.mode === 'min' ? 'lower is better' : 'higher is better';

/** Reported metrics other than the objective's, whose final means the groups carry. */
export function otherMetrics(report: SweepReport): string[] {
  return report.reportedMetrics.filter(
    (m) => m !== report.objective.metric && report.groups.some((g) => finalMetricKey(m) in g.metrics),
  );
}

/** A group's `n` cell: its finished seeds, and how many planned seeds it misses (the notes say why). */
export function groupSizeCell(group: GroupReport): string {
  const missing = group.missing?.length ?? 0;
  return missing > 0 ? `${group.n} (${missing} missing)` : String(group.n);
}

/** Planned trials of the sweep without a finished result: of the reported groups and of groups with none. */
export function missingTrialCount(report: SweepReport): number {
  const count = (groups: readonly { missing?: readonly unknown[] }[] | undefined): number =>
    (groups ?? []).reduce((s, g) => s + (g.missing?.length ?? 0), 0);
  return count(report.groups) + count(report.missingGroups);
}

/**
 * The report's size for its heading: `15 trials in 3 groups`, or with missing trials
 * `13 finished trials in 3 groups, 2 planned trials missing (see Notes)`.
 */
export function trialCountText(report: SweepReport): string {
  // A search states its configurations too: `…; 30 configurations (sampler tpe): 7 completed, 23 pruned by asha`.
  if (report.leaderboard)
    return `${plainTrialCountText(report)}; ${leaderboardCountText(report.leaderboard)}`;
  return plainTrialCountText(report);
}

function plainTrialCountText(report: SweepReport): string {
  const missing = missingTrialCount(report);
  const groups = `${report.groups.length} groups`;
  if (missing === 0) return `${report.trialCount} trials in ${groups}`;
  return `${report.trialCount} finished trials in ${groups}, ${missing} planned ${missing === 1 ? 'trial' : 'trials'} missing (see Notes)`;
}

/** A model-size column of the group table: header and the value from a group's model stats. */
interface ModelStatsColumn {
  header: string;
  value: (stats: ModelStats) => number | undefined;
  format: (value: number | undefined) => string;
}

const count = (x: number | undefined) => (x === undefined ? '–' : formatCount(x));
const mflops = (x: number | undefined) => (x === undefined ? '–' : (x / 1e6).toFixed(x < 1e7 ? 2 : 1));

/** Per-kind parameter counts: shown in documents when some group has parameters of that kind. */
const PARAMETER_KIND_COLUMNS: readonly ModelStatsColumn[] = [
  { header: 'conv', value: (s) => s.convParams, format: count },
  { header: 'dense', value: (s) => s.denseParams, format: count },
  { header: 'norm', value: (s) => s.normParams, format: count },
  { header: 'embedding', value: (s) => s.embeddingParams, format: count },
  { header: 'other', value: (s) => s.otherParams, format: count },
];

/**
 * The model-size columns of a report whose trainables returned model stats (any trainable, not only
 * the study's): parameters and forward MFLOPs per example everywhere; in documents also the
 * parameter counts per layer kind that are non-zero somewhere. None when no group has stats.
 */
export function modelStatsColumns(report: SweepReport, target: TableTarget): ModelStatsColumn[] {
  const stats = report.groups.map((g) => g.modelStats).filter((s): s is ModelStats => s !== undefined);
  if (!stats.some((s) => s.totalParams > 0)) return [];
  const kinds =
    target === 'terminal'
      ? []
      : PARAMETER_KIND_COLUMNS.filter((c) => stats.some((s) => (c.value(s) ?? 0) > 0));
  return [
    { header: 'params', value: (s) => s.totalParams, format: count },
    ...kinds,
    { header: 'MFLOPs', value: (s) => s.flopsPerImage, format: mflops },
  ];
}

/** One row per group: n, the objective's final mean, sd and 95 % t CI, other metrics' final means, model size. */
export function genericGroupTable(report: SweepReport, target: TableTarget): TextTable {
  const { metric, mode } = report.objective;
  const all = otherMetrics(report);
  const others = target === 'terminal' ? all.slice(0, TERMINAL_OTHER_METRICS) : all;
  const sizes = modelStatsColumns(report, target);
  return {
    header: ['group', 'n', `${metric} (${mode})`, 'sd', '95 % CI', ...others, ...sizes.map((c) => c.header)],
    numeric: [false, true, true, true, true, ...others.map(() => true), ...sizes.map(() => true)],
    rows: report.groups.map((g) => {
      const m = g.metrics[report.objectiveKey];
      return [
        g.label,
        groupSizeCell(g),
        formatValue(m?.mean),
        formatValue(m?.sd, 3),
        formatInterval(m?.ci95, (x) => formatValue(x)),
        ...others.map((o) => formatValue(g.metrics[finalMetricKey(o)]?.mean)),
        ...sizes.map((c) => c.format(g.modelStats ? c.value(g.modelStats) : undefined)),
      ];
    }),
  };
}

/** One row per comparison: the objective's difference, its CIs, tests and effect size. */
export function genericComparisonTable(report: SweepReport): TextTable {
  const { metric } = report.objective;
  return {
    header: [
      'comparison (a − b)',
      'design',
      'n',
      `Δ ${metric}`,
      '95 % CI',
      'bootstrap CI',
      'p',
      'Holm p',
      'Wilcoxon p',
      "Hedges' g",
      'better',
    ],
    numeric: [false, false, true, true, true, true, true, true, true, true, false],
    rows: report.comparisons.map((c) => {
      const d = c.metrics[report.objectiveKey];
      const wilcoxon = d?.wilcoxon
        ? `${formatP(d.wilcoxon.p)} (${d.wilcoxon.method === 'exact' ? 'exact' : 'normal'})`
        : '–';
      return [
        c.name,
        c.design === 'paired' ? 'paired t' : 'Welch t',
        c.design === 'paired' ? String(c.nA) : `${c.nA}/${c.nB}`,
        formatSignedValue(d?.meanDifference),
        formatInterval(d?.ci95, (x) => formatSignedValue(x)),
        formatInterval(d?.bootstrapCi95, (x) => formatSignedValue(x)),
        formatP(d?.tTest.p),
        formatP(d?.tTest.pHolm),
        wilcoxon,
        formatNumber(d?.hedgesG),
        betterSide(report, c.a.label, c.b.label, d),
      ];
    }),
  };
}

/** Significance level of the generic report's `better` column (Holm-adjusted p). */
export const BETTER_ALPHA = 0.05;

/** The side whose objective is significantly better (Holm p < 0.05, direction from the objective's mode), or `–`. */
function betterSide(report: SweepReport, a: string, b: string, d: MetricComparison | undefined): string {
  const diff = d?.meanDifference;
  const p = d?.tTest.pHolm;
  if (diff === null || diff === undefined || diff === 0 || p === null || p === undefined || p >= BETTER_ALPHA)
    return '–';
  return diff > 0 === (report.objective.mode === 'max') ? a : b;
}

/** The tables of a report without a plug-in. */
export function genericColumns(report: SweepReport, target: TableTarget): ReportColumns {
  const { metric } = report.objective;
  const others = otherMetrics(report);
  return {
    groups: withIqmColumn(genericGroupTable(report, target), report, target),
    comparisons: withImprovementColumn(genericComparisonTable(report), report),
    groupsLegend:
      `Final values (last epoch of each trial), means over seeds. \`${metric}\` is the objective (${directionWord(report)}): ` +
      `mean, standard deviation and 95 % confidence interval from the t distribution.` +
      (others.length > 0 ? ` Other columns: mean final value of each reported metric.` : '') +
      (modelStatsColumns(report, target).length > 0
        ? ' params: trainable parameters (per layer kind where shown: conv, dense, norm, embedding, other); MFLOPs: forward-pass FLOPs per example, a multiply-add counting 2.'
        : '') +
      iqmLegend(report, target),
    comparisonsLegend:
      `Differences a − b in final \`${metric}\` (${directionWord(report)}). Paired on shared seeds (paired t test, Wilcoxon signed-rank: ` +
      `exact without ties, normal approximation otherwise), Welch's t otherwise. Holm–Bonferroni across the comparisons. ` +
      `Hedges' g: g_av when paired. Better: the side with the better mean when Holm p < ${BETTER_ALPHA}.` +
      improvementLegend(report),
    syntheticBanner: SYNTHETIC_BANNER_GENERIC,
  };
}

/** One line naming the best group and trial by the objective. */
export function bestLine(report: SweepReport): string {
  const { metric, mode } = report.objective;
  const { group, trial } = report.best;
  const parts = [
    group
      ? `best group by final ${metric} (${mode}): ${group.label} (mean ${formatValue(group.mean)})`
      : `no group has a final ${metric}`,
    trial
      ? `best trial: ${trial.trialKey} (${trial.label}, seed ${trial.seed}, ${metric} ${formatValue(trial.value)})`
      : undefined,
  ];
  return parts.filter(Boolean).join('; ');
}
