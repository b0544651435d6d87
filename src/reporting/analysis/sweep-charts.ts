/**
 * The charts of a search, for any sweep whose trials vary parameters (the report's `search` view):
 * optimisation history with the running best, parallel coordinates, slice plots, a binned heat map of
 * the objective over the two most important parameters (Vega-Lite has no contour of scattered points),
 * fANOVA parameter importance and intermediate values (per-epoch objective, complete vs pruned).
 * Data are computed here and inlined, so the specs need no Vega transforms.
 */
import type { TopLevelSpec } from 'vega-lite';
import { CHART_WIDTH, type ChartSpec } from './charts.js';
import type { SweepReport } from './report-types.js';
import { codeValue, type SearchParam, type SearchReport, type SearchTrial } from './sweep-trials.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Ids of the search charts, in the order the report shows them (also the PNG names: `charts/<id>.png`). */
export const SearchChartId = {
  history: 'history',
  importance: 'importance',
  parallel: 'parallel-coordinates',
  slice: 'slice',
  contour: 'contour',
  intermediate: 'intermediate-values',
} as const;
export type SearchChartId = (typeof SearchChartId)[keyof typeof SearchChartId];

/** Bins per numeric parameter in the heat map. */
const HEAT_BINS = 8;

/** Three significant digits, no trailing zeros: axis labels and bin edges. */
function short(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  const text = a >= 1e5 || a < 1e-3 ? x.toExponential(2) : String(Number(x.toPrecision(3)));
  return text.replace(/\.?0+e/, 'e');
}

const complete = (s: SearchReport): (SearchTrial & { value: number })[] =>
  s.trials.filter((t): t is SearchTrial & { value: number } => t.state === 'complete' && t.value !== null);

function shownNote(s: SearchReport): string {
  const shown = s.trials.filter((t) => t.state === 'complete').length;
  return shown < s.total.complete
    ? ` (${shown.toLocaleString('en-US')} of ${s.total.complete.toLocaleString('en-US')} trials)`
    : '';
}

function historyChart(report: SweepReport, s: SearchReport): ChartSpec {
  const { metric, mode } = report.objective;
  const values = complete(s).map((t) => ({
    number: t.number,
    value: t.value,
    best: t.bestSoFar ?? null,
    label: t.label,
    seed: t.seed,
  }));
  const x = {
    field: 'number',
    type: 'quantitative' as const,
    title: s.order === 'plan' ? 'trial (plan order)' : 'trial (by group label and seed; no plan order given)',
    axis: { tickMinStep: 1 },
  };
  return {
    id: SearchChartId.history,
    title: `Optimisation history: final ${metric} per trial and the best so far (${mode})${shownNote(s)}`,
    spec: {
      $schema: SCHEMA,
      width: CHART_WIDTH,
      height: 280,
      data: { values },
      layer: [
        {
          mark: { type: 'point', filled: true, opacity: 0.7, color: '#4c78a8' },
          encoding: {
            x,
            y: { field: 'value', type: 'quantitative', title: metric, scale: { zero: false } },
            tooltip: [
              { field: 'number' },
              { field: 'label' },
              { field: 'seed' },
              { field: 'value', format: '.4~g' },
            ],
          },
        },
        {
          mark: { type: 'line', interpolate: 'step-after', color: '#e45756', strokeWidth: 2 },
          encoding: { x, y: { field: 'best', type: 'quantitative' } },
        },
      ],
    },
  };
}

function importanceChart(s: SearchReport): ChartSpec | undefined {
  if (!s.importance) return undefined;
  const values = s.importance.params.map((p) => ({
    param: p.name,
    importance: p.importance,
    fraction: p.fraction,
    sd: p.sd,
  }));
  return {
    id: SearchChartId.importance,
    title: `Parameter importance (fANOVA, ${s.importance.trees} trees over ${s.importance.trials} trials; shares of the main effects)`,
    spec: {
      $schema: SCHEMA,
      width: CHART_WIDTH,
      data: { values },
      encoding: {
        y: { field: 'param', type: 'nominal', title: null, sort: null, axis: { labelLimit: 300 } },
        x: {
          field: 'importance',
          type: 'quantitative',
          title: 'importance',
          scale: { domain: [0, 1] },
          axis: { format: '.0%' },
        },
      },
      layer: [
        {
          mark: { type: 'bar', color: '#4c78a8' },
          encoding: {
            tooltip: [
              { field: 'param' },
              { field: 'importance', format: '.1%' },
              { field: 'fraction', title: 'variance fraction', format: '.3f' },
              { field: 'sd', title: 'sd over trees', format: '.3f' },
            ],
          },
        },
        {
          mark: { type: 'text', align: 'left', dx: 4 },
          encoding: { text: { field: 'importance', format: '.1%' } },
        },
      ],
    },
  };
}

/** Position of a value on a parameter's axis, 0..1. */
function normalise(param: SearchParam, value: number | string): number {
  if (param.kind === 'category') {
    const k = param.categories!.length;
    return k > 1 ? codeValue(param, value) / (k - 1) : 0.5;
  }
  const [lo, hi] = param.range!.map((v) => (param.log ? Math.log10(v) : v)) as [number, number];
  return hi > lo ? (codeValue(param, value) - lo) / (hi - lo) : 0.5;
}

/** Labels of an axis: a category's name at its place, or the range's ends. */
function axisLabels(param: SearchParam): { norm: number; text: string }[] {
  if (param.kind === 'category')
    return param.categories!.map((c, i, all) => ({
      norm: all.length > 1 ? i / (all.length - 1) : 0.5,
      text: c,
    }));
  const [lo, hi] = param.range!;
  return [
    { norm: 0, text: short(lo) },
    { norm: 1, text: short(hi) },
  ];
}

function parallelChart(report: SweepReport, s: SearchReport): ChartSpec {
  const { metric, mode } = report.objective;
  const trials = complete(s);
  let lo = Infinity;
  let hi = -Infinity;
  for (const t of trials) {
    lo = Math.min(lo, t.value);
    hi = Math.max(hi, t.value);
  }
  const objectiveAxis = `${metric} (objective)`;
  const axes = [...s.params.map((p) => (p.log ? `${p.name} (log)` : p.name)), objectiveAxis];
  const lines = trials.flatMap((t) => [
    ...s.params.map((p, i) => ({
      trial: t.number,
      axis: axes[i],
      norm: normalise(p, t.params[p.name]!),
      objective: t.value,
    })),
    {
      trial: t.number,
      axis: objectiveAxis,
      norm: hi > lo ? (t.value - lo) / (hi - lo) : 0.5,
      objective: t.value,
    },
  ]);
  const labels = [
    ...s.params.flatMap((p, i) => axisLabels(p).map((l) => ({ ...l, axis: axes[i] }))),
    { norm: 0, text: short(lo), axis: objectiveAxis },
    { norm: 1, text: short(hi), axis: objectiveAxis },
  ];
  const x = {
    field: 'axis',
    type: 'nominal' as const,
    title: null,
    scale: { domain: axes },
    axis: { orient: 'top' as const, labelAngle: 0, labelLimit: 140, domain: false, ticks: false },
  };
  const y = { field: 'norm', type: 'quantitative' as const, axis: null, scale: { domain: [0, 1] } };
  return {
    id: SearchChartId.parallel,
    title: `Parallel coordinates: one line per trial, coloured by final ${metric} (${mode})${shownNote(s)}`,
    spec: {
      $schema: SCHEMA,
      width: Math.max(CHART_WIDTH, 120 * axes.length),
      height: 300,
      layer: [
        {
          data: { values: axes.map((axis) => ({ axis, from: 0, to: 1 })) },
          mark: { type: 'rule', color: '#999' },
          encoding: { x, y: { ...y, field: 'from' }, y2: { field: 'to' } },
        },
        {
          data: { values: lines },
          mark: { type: 'line', opacity: 0.6, strokeWidth: 1.2 },
          encoding: {
            x,
            y,
            detail: { field: 'trial', type: 'nominal' },
            color: {
              field: 'objective',
              type: 'quantitative',
              title: metric,
              scale: { scheme: 'viridis', reverse: mode === 'min' },
            },
          },
        },
        {
          data: { values: labels },
          mark: { type: 'text', align: 'left', dx: 4, fontSize: 10, color: '#333' },
          encoding: { x, y, text: { field: 'text' } },
        },
      ],
    } as TopLevelSpec,
  };
}

function sliceChart(report: SweepReport, s: SearchReport): ChartSpec {
  const { metric } = report.objective;
  const trials = complete(s);
  const panels = s.params.map((p) => ({
    width: 160,
    height: 150,
    data: { values: trials.map((t) => ({ x: t.params[p.name], value: t.value, number: t.number })) },
    mark: { type: 'point' as const, filled: true, opacity: 0.7 },
    encoding: {
      x:
        p.kind === 'category'
          ? { field: 'x', type: 'nominal' as const, title: p.name, sort: p.categories }
          : {
              field: 'x',
              type: 'quantitative' as const,
              title: p.name,
              scale: p.log ? { type: 'log' as const } : { zero: false },
            },
      y: { field: 'value', type: 'quantitative' as const, title: metric, scale: { zero: false } },
      color: { field: 'number', type: 'quantitative' as const, title: 'trial', scale: { scheme: 'blues' } },
      tooltip: [{ field: 'number' }, { field: 'x', title: p.name }, { field: 'value', format: '.4~g' }],
    },
  }));
  return {
    id: SearchChartId.slice,
    title: `Slice plots: final ${metric} against each parameter, darker = later trial${shownNote(s)}`,
    spec: {
      $schema: SCHEMA,
      columns: 3,
      concat: panels,
      resolve: { scale: { color: 'shared' } },
    } as TopLevelSpec,
  };
}

/** A parameter's heat-map bins: each value's bin index and the bins' labels. */
function bins(param: SearchParam): { of: (v: number | string) => number; labels: string[] } {
  if (param.kind === 'category') return { of: (v) => codeValue(param, v), labels: param.categories! };
  const [lo, hi] = param.range!.map((v) => (param.log ? Math.log10(v) : v)) as [number, number];
  const width = (hi - lo) / HEAT_BINS;
  const edge = (i: number): string => short(param.log ? 10 ** (lo + i * width) : lo + i * width);
  return {
    of: (v) => Math.min(HEAT_BINS - 1, Math.floor((codeValue(param, v) - lo) / width)),
    labels: Array.from({ length: HEAT_BINS }, (_, i) => `${edge(i)}–${edge(i + 1)}`),
  };
}

function contourChart(report: SweepReport, s: SearchReport): ChartSpec | undefined {
  if (s.params.length < 2) return undefined;
  const { metric, mode } = report.objective;
  const ranked = s.importance ? s.importance.params.map((p) => p.name) : s.params.map((p) => p.name);
  const [px, py] = ranked.slice(0, 2).map((name) => s.params.find((p) => p.name === name)!) as [
    SearchParam,
    SearchParam,
  ];
  const bx = bins(px);
  const by = bins(py);
  const cells = new Map<string, { x: string; y: string; sum: number; n: number; best: number }>();
  for (const t of complete(s)) {
    const x = bx.labels[bx.of(t.params[px.name]!)]!;
    const y = by.labels[by.of(t.params[py.name]!)]!;
    const cell = cells.get(`${x}\u0000${y}`) ?? { x, y, sum: 0, n: 0, best: t.value };
    cell.sum += t.value;
    cell.n += 1;
    cell.best = mode === 'max' ? Math.max(cell.best, t.value) : Math.min(cell.best, t.value);
    cells.set(`${x}\u0000${y}`, cell);
  }
  const values = [...cells.values()].map((c) => ({
    x: c.x,
    y: c.y,
    mean: c.sum / c.n,
    best: c.best,
    n: c.n,
  }));
  const why = s.importance ? 'the two most important parameters' : 'the first two parameters';
  return {
    id: SearchChartId.contour,
    title: `Mean final ${metric} over ${why}, ${px.name} × ${py.name} (binned heat map; empty cells: no trial)`,
    spec: {
      $schema: SCHEMA,
      width: CHART_WIDTH,
      height: 300,
      data: { values },
      mark: { type: 'rect' },
      encoding: {
        x: { field: 'x', type: 'ordinal', title: px.name, sort: bx.labels, axis: { labelAngle: -30 } },
        y: { field: 'y', type: 'ordinal', title: py.name, sort: [...by.labels].reverse() },
        color: {
          field: 'mean',
          type: 'quantitative',
          title: `mean ${metric}`,
          scale: { scheme: 'viridis', reverse: mode === 'min' },
        },
        tooltip: [
          { field: 'x', title: px.name },
          { field: 'y', title: py.name },
          { field: 'mean', format: '.4~g' },
          { field: 'best', format: '.4~g' },
          { field: 'n' },
        ],
      },
    },
  };
}

function intermediateChart(report: SweepReport, s: SearchReport): ChartSpec | undefined {
  const { metric } = report.objective;
  const values = s.trials.flatMap((t) =>
    t.curve.flatMap((v, i) =>
      v === null ? [] : [{ trial: t.trialKey, epoch: i + 1, value: v, state: t.state }],
    ),
  );
  if (!s.trials.some((t) => t.curve.length >= 2)) return undefined;
  const pruned = s.total.pruned > 0 ? `, ${s.total.pruned} pruned` : '';
  return {
    id: SearchChartId.intermediate,
    title: `Intermediate values: ${metric} per epoch of each trial (${s.total.complete} complete${pruned})`,
    spec: {
      $schema: SCHEMA,
      width: CHART_WIDTH,
      height: 280,
      data: { values },
      mark: { type: 'line', point: false, opacity: 0.6, strokeWidth: 1.2 },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
        y: { field: 'value', type: 'quantitative', title: metric, scale: { zero: false } },
        detail: { field: 'trial', type: 'nominal' },
        color: {
          field: 'state',
          type: 'nominal',
          title: 'trial',
          scale: { domain: ['complete', 'pruned'], range: ['#4c78a8', '#e45756'] },
        },
      },
    },
  };
}

/** The search charts of a report (none without a `search` view). */
export function searchCharts(report: SweepReport): ChartSpec[] {
  const s = report.search;
  if (!s) return [];
  return [
    historyChart(report, s),
    importanceChart(s),
    parallelChart(report, s),
    sliceChart(report, s),
    contourChart(report, s),
    intermediateChart(report, s),
  ].filter((c): c is ChartSpec => c !== undefined);
}
