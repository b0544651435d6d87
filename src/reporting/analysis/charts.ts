/**
 * The report's charts as Vega-Lite specs, rendered to SVG on the server: vega-lite compiles each spec
 * to Vega, and a headless Vega View (no renderer) writes the SVG. Data are inlined; nothing is fetched.
 * The builders here are shared by the generic report and the plug-ins (which scale values, e.g. to %).
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { curveStat, type SweepReport } from './report-types.js';

/** A chart of the report: a stable id (also the HTML `data-chart` attribute), a title and its spec. */
export interface ChartSpec {
  /** e.g. `objective`, `learning-curves`, `forest`; the conv-study adds `test-accuracy`, `accuracy-vs-parameters`. */
  id: string;
  title: string;
  spec: TopLevelSpec;
}

export const CHART_WIDTH = 560;
const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** A number for a chart (null when missing), optionally rescaled (e.g. ×100 for percent). */
export function chartNumber(x: number | null | undefined, scale = 1): number | null {
  return x === null || x === undefined || !Number.isFinite(x) ? null : x * scale;
}

/** A group's mean and 95 % CI, as one point of a final-value chart. */
export interface GroupPoint {
  group: string;
  mean: number | null;
  lo: number | null;
  hi: number | null;
  n: number;
  [extra: string]: unknown;
}

/** Mean and 95 % CI per group, one row each. */
export function groupIntervalChart(options: {
  id: string;
  title: string;
  axisTitle: string;
  values: GroupPoint[];
  format: string;
}): ChartSpec {
  return {
    id: options.id,
    title: options.title,
    spec: {
      $schema: SCHEMA,
      width: CHART_WIDTH,
      data: { values: options.values },
      encoding: {
        y: { field: 'group', type: 'nominal', title: null, sort: null, axis: { labelLimit: 400 } },
      },
      layer: [
        {
          mark: { type: 'rule', strokeWidth: 2 },
          encoding: {
            x: { field: 'lo', type: 'quantitative', title: options.axisTitle, scale: { zero: false } },
            x2: { field: 'hi' },
          },
        },
        {
          mark: { type: 'point', filled: true, size: 80 },
          encoding: {
            x: { field: 'mean', type: 'quantitative' },
            color: { field: 'group', type: 'nominal', legend: null },
            tooltip: [
              { field: 'group' },
              { field: 'mean', format: options.format },
              { field: 'lo', format: options.format },
              { field: 'hi', format: options.format },
              { field: 'n' },
            ],
          },
        },
      ],
    },
  };
}

/** Learning curves of `metric`: a line per group and its 95 % CI band. */
export function learningCurveChart(options: {
  report: SweepReport;
  metric: string;
  title: string;
  axisTitle: string;
  scale?: number;
}): ChartSpec {
  const scale = options.scale ?? 1;
  const values = options.report.groups.flatMap((g) =>
    g.curve.flatMap((p) => {
      const s = curveStat(p, options.metric);
      if (!s) return [];
      return [
        {
          group: g.label,
          epoch: p.epoch,
          mean: chartNumber(s.mean, scale),
          lo: chartNumber(s.ci95?.[0] ?? s.mean, scale),
          hi: chartNumber(s.ci95?.[1] ?? s.mean, scale),
        },
      ];
    }),
  );
  return {
    id: 'learning-curves',
    title: options.title,
    spec: {
      $schema: SCHEMA,
      width: CHART_WIDTH,
      height: 300,
      data: { values },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
        color: {
          field: 'group',
          type: 'nominal',
          title: 'group',
          legend: { labelLimit: 400, orient: 'bottom', direction: 'vertical' },
        },
      },
      layer: [
        {
          mark: { type: 'area', opacity: 0.2 },
          encoding: {
            y: { field: 'lo', type: 'quantitative', title: options.axisTitle, scale: { zero: false } },
            y2: { field: 'hi' },
          },
        },
        { mark: { type: 'line', point: true }, encoding: { y: { field: 'mean', type: 'quantitative' } } },
      ],
    },
  };
}

/** Forest plot of the comparisons' differences in `metric` (a key of their `metrics`) with 95 % CIs; undefined without comparisons. */
export function forestChart(options: {
  report: SweepReport;
  metric: string;
  title: string;
  axisTitle: string;
  scale?: number;
  format: string;
}): ChartSpec | undefined {
  const scale = options.scale ?? 1;
  const rows = options.report.comparisons.flatMap((c) => {
    const m = c.metrics[options.metric];
    if (!m) return [];
    return [
      {
        comparison: c.name,
        design: c.design,
        diff: chartNumber(m.meanDifference, scale),
        lo: chartNumber(m.ci95?.[0], scale),
        hi: chartNumber(m.ci95?.[1], scale),
        pHolm: m.tTest.pHolm,
      },
    ];
  });
  if (rows.length === 0) return undefined;
  return {
    id: 'forest',
    title: options.title,
    spec: {
      $schema: SCHEMA,
      width: CHART_WIDTH,
      layer: [
        {
          data: { values: [{ zero: 0 }] },
          mark: { type: 'rule', strokeDash: [4, 4], color: '#888' },
          encoding: { x: { field: 'zero', type: 'quantitative' } },
        },
        {
          data: { values: rows },
          encoding: {
            y: { field: 'comparison', type: 'nominal', title: null, sort: null, axis: { labelLimit: 400 } },
          },
          layer: [
            {
              mark: { type: 'rule', strokeWidth: 2 },
              encoding: {
                x: { field: 'lo', type: 'quantitative', title: options.axisTitle },
                x2: { field: 'hi' },
              },
            },
            {
              mark: { type: 'square', size: 90, color: '#1f4e79' },
              encoding: {
                x: { field: 'diff', type: 'quantitative' },
                tooltip: [
                  { field: 'comparison' },
                  { field: 'design' },
                  { field: 'diff', format: options.format },
                  { field: 'pHolm', format: '.3g' },
                ],
              },
            },
          ],
        },
      ],
    },
  };
}

const direction = (report: SweepReport): string =>
  report.objective.mode === 'min' ? 'lower is better' : 'higher is better';

/** The charts of a report without a plug-in: the objective's final value per group, its learning curves, the comparisons' forest plot. */
export function genericCharts(report: SweepReport): ChartSpec[] {
  const suffix = report.synthetic ? ' (synthetic data)' : '';
  const { metric } = report.objective;
  const charts: ChartSpec[] = [
    groupIntervalChart({
      id: 'objective',
      title: `Final ${metric} per group (${direction(report)}), mean and 95 % CI${suffix}`,
      axisTitle: metric,
      format: '.4~g',
      values: report.groups.map((g) => {
        const m = g.metrics[report.objectiveKey];
        return {
          group: g.label,
          mean: chartNumber(m?.mean),
          lo: chartNumber(m?.ci95?.[0] ?? m?.mean),
          hi: chartNumber(m?.ci95?.[1] ?? m?.mean),
          n: g.n,
        };
      }),
    }),
    learningCurveChart({
      report,
      metric,
      title: `${metric} per epoch, mean and 95 % CI band${suffix}`,
      axisTitle: metric,
    }),
  ];
  const forest = forestChart({
    report,
    metric: report.objectiveKey,
    title: `Differences in final ${metric} (a − b), 95 % CI${suffix}`,
    axisTitle: `difference in ${metric}`,
    format: '.4~g',
  });
  if (forest) charts.push(forest);
  return charts;
}

/** Renders a Vega-Lite spec to an SVG document string, headless. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
