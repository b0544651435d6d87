/**
 * The variance-by-source chart: per source of randomness (and the residual), a bar of its estimated
 * variance of the objective's final value with its CI as a whisker, one bar per group side by side.
 */
import { CHART_WIDTH, chartNumber, type ChartSpec } from './charts.js';
import type { SweepReport } from './report-types.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** The chart's rows: one per group and source with a decomposition. */
export function seedVarianceRows(report: SweepReport): {
  group: string;
  source: string;
  variance: number | null;
  lo: number | null;
  hi: number | null;
  share: number;
}[] {
  const seedVariance = report.seedVariance;
  if (!seedVariance) return [];
  return seedVariance.groups.flatMap((g) =>
    g.rows.map((r) => ({
      group: g.label,
      source: r.source,
      variance: chartNumber(r.variance),
      lo: chartNumber(r.ci?.[0] ?? r.variance),
      hi: chartNumber(r.ci?.[1] ?? r.variance),
      share: r.share,
    })),
  );
}

/** Variance by seed source, id `seed-variance`; undefined when the report has no decomposition. */
export function seedVarianceChart(report: SweepReport): ChartSpec | undefined {
  const rows = seedVarianceRows(report);
  if (!report.seedVariance || rows.length === 0) return undefined;
  const { metric, confidence } = report.seedVariance;
  const groups = new Set(rows.map((r) => r.group)).size;
  return {
    id: 'seed-variance',
    title: `Variance of final ${metric} by seed source, ${Math.round(confidence * 100)} % CI${report.synthetic ? ' (synthetic data)' : ''}`,
    spec: {
      $schema: SCHEMA,
      width: CHART_WIDTH,
      data: { values: rows },
      encoding: {
        y: { field: 'source', type: 'nominal', title: null, sort: null },
        yOffset: { field: 'group', type: 'nominal', sort: null },
        color: {
          field: 'group',
          type: 'nominal',
          title: 'group',
          legend: groups > 1 ? { labelLimit: 400, orient: 'bottom', direction: 'vertical' } : null,
        },
      },
      layer: [
        {
          mark: { type: 'bar', opacity: 0.7 },
          encoding: {
            // A square-root axis: upper bounds on 2–3 df are tens of times the estimate.
            x: {
              field: 'variance',
              type: 'quantitative',
              title: `variance of final ${metric} (square-root axis)`,
              scale: { type: 'sqrt' },
            },
            tooltip: [
              { field: 'group' },
              { field: 'source' },
              { field: 'variance', format: '.3~g' },
              { field: 'lo', format: '.3~g' },
              { field: 'hi', format: '.3~g' },
              { field: 'share', format: '.0%' },
            ],
          },
        },
        {
          mark: { type: 'rule', strokeWidth: 1.5, color: '#333' },
          encoding: { x: { field: 'lo', type: 'quantitative' }, x2: { field: 'hi' } },
        },
        {
          mark: { type: 'tick', orient: 'vertical', color: '#333', thickness: 1.5 },
          encoding: { x: { field: 'hi', type: 'quantitative' } },
        },
      ],
    },
  };
}
