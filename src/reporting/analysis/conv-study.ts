/**
 * The `conv-study` report plug-in: the convolutional-layers study's columns (train accuracy, gap in
 * percentage points, epochs to convergence, parameter counts, FLOPs, throughput), its charts and its
 * claims (src/reporting/analysis/interpretation.ts). Needs the built-in image classifier's metrics.
 */
import { isImageEpochMetrics, type TrialRecord } from '../../core/domain/trial.js';
import {
  chartNumber,
  forestChart,
  groupIntervalChart,
  learningCurveChart,
  CHART_WIDTH,
  type ChartSpec,
} from './charts.js';
import { formatCount, formatInterval, formatNumber, formatP, formatPercent, formatPoints } from './format.js';
import { interpretStudy } from './interpretation.js';
import type { ReportPlugin } from './report-plugin.js';
import { groupSizeCell, type ReportColumns, type TextTable } from './report-rows.js';
import { ComparedMetric, type SweepReport } from './report-types.js';
import { studyTrialMetrics } from './study-metrics.js';

/** The banner every rendering of the study's synthetic data starts with. */
export const SYNTHETIC_BANNER =
  'SYNTHETIC DATA — not CIFAR-10 results (generated records or a synthetic dataset); the numbers only illustrate the report.';

const halfWidth = (ci: [number, number] | null | undefined): string =>
  ci ? `± ${((ci[1] - ci[0]) * 50).toFixed(1)}` : '';

/** One row per group: n, accuracies with CIs, gap, convergence, parameter counts, throughput. */
export function studyGroupTable(report: SweepReport): TextTable {
  const fraction = Math.round(report.convergenceFraction * 100);
  return {
    header: [
      'group',
      'n',
      'test acc',
      '95 % CI',
      'train acc',
      'gap',
      `epochs→${fraction} %`,
      'params',
      'conv',
      'dense',
      'MFLOPs',
      'img/s',
    ],
    numeric: [false, true, true, true, true, true, true, true, true, true, true, true],
    rows: report.groups.map((g) => {
      const m = g.metrics;
      const stats = g.modelStats;
      return [
        g.label,
        groupSizeCell(g),
        `${formatPercent(m['finalTestAccuracy']?.mean)} ${halfWidth(m['finalTestAccuracy']?.ci95)}`.trim(),
        formatInterval(m['finalTestAccuracy']?.ci95, (x) => formatPercent(x)),
        formatPercent(m['finalTrainAccuracy']?.mean),
        formatPoints(m['generalisationGap']?.mean),
        formatNumber(m['epochsToConverge']?.mean, 1),
        formatCount(stats?.totalParams),
        formatCount(stats?.convParams),
        formatCount(stats?.denseParams),
        formatNumber(stats ? stats.flopsPerImage / 1e6 : undefined, 1),
        formatNumber(m['imagesPerSecond']?.mean, 0),
      ];
    }),
  };
}

/** One row per comparison: the test-accuracy statistics, then gap and convergence differences. */
export function studyComparisonTable(report: SweepReport): TextTable {
  return {
    header: [
      'comparison (a − b)',
      'design',
      'n',
      'Δ test acc',
      '95 % CI',
      'bootstrap CI',
      'p',
      'Holm p',
      'Wilcoxon p',
      "Hedges' g",
      'Δ gap (Holm p)',
      'Δ epochs (Holm p)',
    ],
    numeric: [false, false, true, true, true, true, true, true, true, true, true, true],
    rows: report.comparisons.map((c) => {
      const acc = c.metrics['finalTestAccuracy'];
      const gap = c.metrics['generalisationGap'];
      const ep = c.metrics['epochsToConverge'];
      const wilcoxon = acc?.wilcoxon
        ? `${formatP(acc.wilcoxon.p)} (${acc.wilcoxon.method === 'exact' ? 'exact' : 'normal'})`
        : '–';
      return [
        c.name,
        c.design === 'paired' ? `paired t` : 'Welch t',
        c.design === 'paired' ? String(c.nA) : `${c.nA}/${c.nB}`,
        formatPoints(acc?.meanDifference),
        formatInterval(acc?.ci95, (x) => formatPoints(x)),
        formatInterval(acc?.bootstrapCi95, (x) => formatPoints(x)),
        formatP(acc?.tTest.p),
        formatP(acc?.tTest.pHolm),
        wilcoxon,
        formatNumber(acc?.hedgesG),
        `${formatPoints(gap?.meanDifference)} (${formatP(gap?.tTest.pHolm)})`,
        `${formatNumber(ep?.meanDifference, 1)} (${formatP(ep?.tTest.pHolm)})`,
      ];
    }),
  };
}

function studyCharts(report: SweepReport): ChartSpec[] {
  const suffix = report.synthetic ? ' (synthetic data)' : '';
  const groups = report.groups.map((g) => {
    const m = g.metrics['finalTestAccuracy'];
    return {
      group: g.label,
      mean: chartNumber(m?.mean, 100),
      lo: chartNumber(m?.ci95?.[0] ?? m?.mean, 100),
      hi: chartNumber(m?.ci95?.[1] ?? m?.mean, 100),
      params: g.modelStats?.totalParams ?? null,
      n: g.n,
    };
  });
  const charts: ChartSpec[] = [
    groupIntervalChart({
      id: 'test-accuracy',
      title: `Final test accuracy per variant, mean and 95 % CI${suffix}`,
      axisTitle: 'test accuracy (%)',
      format: '.2f',
      values: groups,
    }),
    learningCurveChart({
      report,
      metric: 'testAccuracy',
      title: `Test accuracy per epoch, mean and 95 % CI band${suffix}`,
      axisTitle: 'test accuracy (%)',
      scale: 100,
    }),
  ];
  const params = groups.map((g) => g.params).filter((p): p is number => p !== null && p > 0);
  // Half a decade of room either side, so points and their labels sit inside the plot.
  const paramDomain = params.length > 0 ? [Math.min(...params) / 2, Math.max(...params) * 3] : [1, 10];
  charts.push({
    id: 'accuracy-vs-parameters',
    title: `Final test accuracy against parameter count (log scale)${suffix}`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: CHART_WIDTH,
      height: 300,
      data: { values: groups },
      encoding: {
        x: {
          field: 'params',
          type: 'quantitative',
          title: 'parameters',
          scale: { type: 'log', domain: paramDomain, nice: false },
          axis: { format: '~s' },
        },
        color: {
          field: 'group',
          type: 'nominal',
          title: 'group',
          legend: { labelLimit: 400, orient: 'bottom', direction: 'vertical' },
        },
      },
      layer: [
        {
          mark: { type: 'rule', strokeWidth: 2 },
          encoding: {
            y: { field: 'lo', type: 'quantitative', title: 'test accuracy (%)', scale: { zero: false } },
            y2: { field: 'hi' },
          },
        },
        {
          mark: { type: 'point', filled: true, size: 80 },
          encoding: { y: { field: 'mean', type: 'quantitative' } },
        },
        {
          mark: { type: 'text', align: 'left', dx: 8 },
          encoding: { y: { field: 'mean', type: 'quantitative' }, text: { field: 'group' } },
        },
      ],
    },
  });
  const forest = forestChart({
    report,
    metric: 'finalTestAccuracy',
    title: `Differences in final test accuracy (a − b), 95 % CI${suffix}`,
    axisTitle: 'difference (percentage points)',
    scale: 100,
    format: '.2f',
  });
  if (forest) charts.push(forest);
  return charts;
}

const IMAGE_METRICS = 'trainLoss, trainAccuracy, testLoss, testAccuracy';

/** The convolutional-layers study. */
export const convStudyPlugin: ReportPlugin = {
  name: 'conv-study',
  description:
    "the convolutional-layers study: accuracies in %, gap in pp, convergence, parameter counts, FLOPs, throughput, and the study's claims",
  unsupported(records: readonly TrialRecord[]): string | undefined {
    const lacking = records.filter((r) => !isImageEpochMetrics(r.result.final));
    if (lacking.length === 0) return undefined;
    return `${lacking.length} of ${records.length} trials lack the image classifier's metrics (${IMAGE_METRICS})`;
  },
  metrics: ({ convergenceFraction }) => ({
    perTrial: (record) => studyTrialMetrics({ record, convergenceFraction }),
    compared: Object.values(ComparedMetric),
    curves: ['testAccuracy', 'trainAccuracy'],
  }),
  columns(report: SweepReport): ReportColumns {
    return {
      groups: studyGroupTable(report),
      comparisons: studyComparisonTable(report),
      groupsLegend:
        `Means over seeds with 95 % confidence intervals from the t distribution. Gap = final train − test accuracy. ` +
        `Convergence = first epoch reaching ${Math.round(report.convergenceFraction * 100)} % of the trial's final test accuracy.`,
      comparisonsLegend:
        `Paired on shared seeds (paired t test, Wilcoxon signed-rank: exact without ties, normal approximation otherwise), ` +
        `Welch's t otherwise. Holm–Bonferroni across the comparisons, separately per metric. Hedges' g: g_av when paired.`,
      syntheticBanner: SYNTHETIC_BANNER,
    };
  },
  interpret: (context) => interpretStudy(context),
  charts: studyCharts,
};
