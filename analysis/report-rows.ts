/** The report's tables as rows of text, shared by the terminal and Markdown renderers. */
import { formatCount, formatInterval, formatNumber, formatP, formatPercent, formatPoints } from './format.js';
import type { SweepReport } from './report-types.js';

/** A table: header cells, body rows and which columns are numeric (right-aligned). */
export interface TextTable {
  header: string[];
  rows: string[][];
  numeric: boolean[];
}

const halfWidth = (ci: [number, number] | null): string => (ci ? `± ${((ci[1] - ci[0]) * 50).toFixed(1)}` : '');

/** One row per group: n, accuracies with CIs, gap, convergence, parameter counts, throughput. */
export function groupTable(report: SweepReport): TextTable {
  const fraction = Math.round(report.convergenceFraction * 100);
  return {
    header: ['group', 'n', 'test acc', '95 % CI', 'train acc', 'gap', `epochs→${fraction} %`, 'params', 'conv', 'dense', 'MFLOPs', 'img/s'],
    numeric: [false, true, true, true, true, true, true, true, true, true, true, true],
    rows: report.groups.map((g) => {
      const m = g.metrics;
      return [
        g.label,
        String(g.n),
        `${formatPercent(m.finalTestAccuracy.mean)} ${halfWidth(m.finalTestAccuracy.ci95)}`.trim(),
        formatInterval(m.finalTestAccuracy.ci95, (x) => formatPercent(x)),
        formatPercent(m.finalTrainAccuracy.mean),
        formatPoints(m.generalisationGap.mean),
        formatNumber(m.epochsToConverge.mean, 1),
        formatCount(g.modelStats.totalParams),
        formatCount(g.modelStats.convParams),
        formatCount(g.modelStats.denseParams),
        formatNumber(g.modelStats.flopsPerImage / 1e6, 1),
        formatNumber(m.imagesPerSecond.mean, 0),
      ];
    }),
  };
}

/** One row per comparison: the test-accuracy statistics, then gap and convergence differences. */
export function comparisonTable(report: SweepReport): TextTable {
  return {
    header: ['comparison (a − b)', 'design', 'n', 'Δ test acc', '95 % CI', 'bootstrap CI', 'p', 'Holm p', 'Wilcoxon p', "Hedges' g", 'Δ gap (Holm p)', 'Δ epochs (Holm p)'],
    numeric: [false, false, true, true, true, true, true, true, true, true, true, true],
    rows: report.comparisons.map((c) => {
      const acc = c.metrics.finalTestAccuracy;
      const gap = c.metrics.generalisationGap;
      const ep = c.metrics.epochsToConverge;
      const wilcoxon = acc.wilcoxon ? `${formatP(acc.wilcoxon.p)} (${acc.wilcoxon.method === 'exact' ? 'exact' : 'normal'})` : '–';
      return [
        c.name,
        c.design === 'paired' ? `paired t` : 'Welch t',
        c.design === 'paired' ? String(c.nA) : `${c.nA}/${c.nB}`,
        formatPoints(acc.meanDifference),
        formatInterval(acc.ci95, (x) => formatPoints(x)),
        formatInterval(acc.bootstrapCi95, (x) => formatPoints(x)),
        formatP(acc.tTest.p),
        formatP(acc.tTest.pHolm),
        wilcoxon,
        formatNumber(acc.hedgesG),
        `${formatPoints(gap.meanDifference)} (${formatP(gap.tTest.pHolm)})`,
        `${formatNumber(ep.meanDifference, 1)} (${formatP(ep.tTest.pHolm)})`,
      ];
    }),
  };
}

/** The banner every rendering of synthetic data starts with. */
export const SYNTHETIC_BANNER = 'SYNTHETIC DATA — not CIFAR-10 results (generated records or a synthetic dataset); the numbers only illustrate the report.';
