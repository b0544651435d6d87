/**
 * The report's charts as Vega-Lite specs, rendered to SVG on the server: vega-lite compiles each spec
 * to Vega, and a headless Vega View (no renderer) writes the SVG. Data are inlined; nothing is fetched.
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { SweepReport } from './report-types.js';

/** A chart of the report: a stable id (also the HTML `data-chart` attribute), a title and its spec. */
export interface ChartSpec {
  id: 'test-accuracy' | 'learning-curves' | 'accuracy-vs-parameters' | 'forest';
  title: string;
  spec: TopLevelSpec;
}

const WIDTH = 560;

const pct = (x: number | null | undefined): number | null => (x === null || x === undefined || !Number.isFinite(x) ? null : x * 100);

/** The charts the report's data allow (the forest plot needs at least one comparison). */
export function reportCharts(report: SweepReport): ChartSpec[] {
  const suffix = report.synthetic ? ' (synthetic data)' : '';
  const charts: ChartSpec[] = [];
  const groups = report.groups.map((g) => {
    const m = g.metrics.finalTestAccuracy;
    return {
      group: g.label,
      mean: pct(m.mean),
      lo: pct(m.ci95?.[0] ?? m.mean),
      hi: pct(m.ci95?.[1] ?? m.mean),
      params: g.modelStats.totalParams,
      n: g.n,
    };
  });
  charts.push({
    id: 'test-accuracy',
    title: `Final test accuracy per variant, mean and 95 % CI${suffix}`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: WIDTH,
      data: { values: groups },
      encoding: { y: { field: 'group', type: 'nominal', title: null, sort: null, axis: { labelLimit: 400 } } },
      layer: [
        {
          mark: { type: 'rule', strokeWidth: 2 },
          encoding: { x: { field: 'lo', type: 'quantitative', title: 'test accuracy (%)', scale: { zero: false } }, x2: { field: 'hi' } },
        },
        {
          mark: { type: 'point', filled: true, size: 80 },
          encoding: {
            x: { field: 'mean', type: 'quantitative' },
            color: { field: 'group', type: 'nominal', legend: null },
            tooltip: [{ field: 'group' }, { field: 'mean', format: '.2f' }, { field: 'lo', format: '.2f' }, { field: 'hi', format: '.2f' }, { field: 'n' }],
          },
        },
      ],
    },
  });
  const curve = report.groups.flatMap((g) =>
    g.curve.map((p) => ({
      group: g.label,
      epoch: p.epoch,
      mean: pct(p.testAccuracy.mean),
      lo: pct(p.testAccuracy.ci95?.[0] ?? p.testAccuracy.mean),
      hi: pct(p.testAccuracy.ci95?.[1] ?? p.testAccuracy.mean),
    })),
  );
  charts.push({
    id: 'learning-curves',
    title: `Test accuracy per epoch, mean and 95 % CI band${suffix}`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: WIDTH,
      height: 300,
      data: { values: curve },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
        color: { field: 'group', type: 'nominal', title: 'group', legend: { labelLimit: 400, orient: 'bottom', direction: 'vertical' } },
      },
      layer: [
        { mark: { type: 'area', opacity: 0.2 }, encoding: { y: { field: 'lo', type: 'quantitative', title: 'test accuracy (%)', scale: { zero: false } }, y2: { field: 'hi' } } },
        { mark: { type: 'line', point: true }, encoding: { y: { field: 'mean', type: 'quantitative' } } },
      ],
    },
  });
  const params = groups.map((g) => g.params).filter((p) => p > 0);
  // Half a decade of room either side, so points and their labels sit inside the plot.
  const paramDomain = params.length > 0 ? [Math.min(...params) / 2, Math.max(...params) * 3] : [1, 10];
  charts.push({
    id: 'accuracy-vs-parameters',
    title: `Final test accuracy against parameter count (log scale)${suffix}`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: WIDTH,
      height: 300,
      data: { values: groups },
      encoding: {
        x: { field: 'params', type: 'quantitative', title: 'parameters', scale: { type: 'log', domain: paramDomain, nice: false }, axis: { format: '~s' } },
        color: { field: 'group', type: 'nominal', title: 'group', legend: { labelLimit: 400, orient: 'bottom', direction: 'vertical' } },
      },
      layer: [
        { mark: { type: 'rule', strokeWidth: 2 }, encoding: { y: { field: 'lo', type: 'quantitative', title: 'test accuracy (%)', scale: { zero: false } }, y2: { field: 'hi' } } },
        { mark: { type: 'point', filled: true, size: 80 }, encoding: { y: { field: 'mean', type: 'quantitative' } } },
        { mark: { type: 'text', align: 'left', dx: 8 }, encoding: { y: { field: 'mean', type: 'quantitative' }, text: { field: 'group' } } },
      ],
    },
  });
  const forest = report.comparisons.map((c) => {
    const m = c.metrics.finalTestAccuracy;
    return { comparison: c.name, design: c.design, diff: pct(m.meanDifference), lo: pct(m.ci95?.[0]), hi: pct(m.ci95?.[1]), pHolm: m.tTest.pHolm };
  });
  if (forest.length > 0) {
    charts.push({
      id: 'forest',
      title: `Differences in final test accuracy (a − b), 95 % CI${suffix}`,
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        width: WIDTH,
        layer: [
          {
            data: { values: [{ zero: 0 }] },
            mark: { type: 'rule', strokeDash: [4, 4], color: '#888' },
            encoding: { x: { field: 'zero', type: 'quantitative' } },
          },
          {
            data: { values: forest },
            encoding: { y: { field: 'comparison', type: 'nominal', title: null, sort: null, axis: { labelLimit: 400 } } },
            layer: [
              { mark: { type: 'rule', strokeWidth: 2 }, encoding: { x: { field: 'lo', type: 'quantitative', title: 'difference (percentage points)' }, x2: { field: 'hi' } } },
              {
                mark: { type: 'square', size: 90, color: '#1f4e79' },
                encoding: {
                  x: { field: 'diff', type: 'quantitative' },
                  tooltip: [{ field: 'comparison' }, { field: 'design' }, { field: 'diff', format: '.2f' }, { field: 'pHolm', format: '.3g' }],
                },
              },
            ],
          },
        ],
      },
    });
  }
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
