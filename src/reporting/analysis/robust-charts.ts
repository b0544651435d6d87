/**
 * The performance-profile chart (rliable's score distributions): per group, the fraction of seeds
 * whose final objective beats τ, over a τ grid, with a 95 % bootstrap band. A curve above another at
 * every τ is better over the whole distribution of seeds, not only on average.
 */
import { CHART_WIDTH, chartNumber, type ChartSpec } from './charts.js';
import type { SweepReport } from './report-types.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** The chart's rows: one per group and τ, with the fraction and its CI (the fraction itself without one). */
export function performanceProfileRows(
  report: SweepReport,
): { group: string; tau: number; fraction: number | null; lo: number | null; hi: number | null }[] {
  const profile = report.performanceProfile;
  if (!profile) return [];
  return profile.groups.flatMap((g) =>
    profile.taus.map((tau, k) => {
      const fraction = chartNumber(g.fractions[k]);
      const ci = g.ci95?.[k];
      return {
        group: g.label,
        tau,
        fraction,
        lo: chartNumber(ci?.[0] ?? fraction),
        hi: chartNumber(ci?.[1] ?? fraction),
      };
    }),
  );
}

/** Performance profiles of the objective's final value, id `performance-profile`; undefined when the report has none. */
export function performanceProfileChart(report: SweepReport): ChartSpec | undefined {
  const profile = report.performanceProfile;
  if (!profile || profile.groups.length === 0) return undefined;
  const { metric } = report.objective;
  const sign = profile.better === 'above' ? '>' : '<';
  return {
    id: 'performance-profile',
    title: `Performance profiles: fraction of seeds with final ${metric} ${sign} τ, 95 % bootstrap band${report.synthetic ? ' (synthetic data)' : ''}`,
    spec: {
      $schema: SCHEMA,
      width: CHART_WIDTH,
      height: 300,
      data: { values: performanceProfileRows(report) },
      encoding: {
        x: { field: 'tau', type: 'quantitative', title: `τ (final ${metric})`, scale: { zero: false } },
        color: {
          field: 'group',
          type: 'nominal',
          title: 'group',
          legend: { labelLimit: 400, orient: 'bottom', direction: 'vertical' },
        },
      },
      layer: [
        {
          mark: { type: 'area', opacity: 0.15, interpolate: 'step-after' },
          encoding: {
            y: {
              field: 'lo',
              type: 'quantitative',
              title: `fraction of seeds ${sign} τ`,
              scale: { domain: [0, 1] },
            },
            y2: { field: 'hi' },
          },
        },
        {
          mark: { type: 'line', interpolate: 'step-after' },
          encoding: {
            y: { field: 'fraction', type: 'quantitative' },
            tooltip: [
              { field: 'group' },
              { field: 'tau', format: '.4~g' },
              { field: 'fraction', format: '.2f' },
            ],
          },
        },
      ],
    },
  };
}
