/**
 * The Pareto front of a multi-objective sweep for the report: which configurations no other beats in
 * every objective, each one's objective values, and the hypervolume of the front. The hypervolume's
 * reference point is the worst value seen in each objective pushed out by 10 % of that objective's
 * range (so the extreme configurations of the front count); it is stated with the figure, since a
 * hypervolume means nothing without it. Also the Pareto chart (Vega-Lite) for two objectives.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Objective } from '../../core/domain/objective.js';
import { hypervolume, paretoFront } from '../../search/index.js';
import type { ChartSpec } from './charts.js';
import type { ParetoPoint, ParetoSection } from './pareto-types.js';

export type { ParetoPoint, ParetoSection } from './pareto-types.js';

/** The reference point: per objective, the worst value plus 10 % of the range (or of |worst|, or 1). */
function referencePoint(points: readonly ParetoPoint[], objectives: readonly Objective[]): number[] {
  return objectives.map((o, i) => {
    const vs = points.map((p) => p.values[i]!);
    const worst = o.mode === 'max' ? Math.min(...vs) : Math.max(...vs);
    const best = o.mode === 'max' ? Math.max(...vs) : Math.min(...vs);
    const margin = 0.1 * (Math.abs(best - worst) || Math.abs(worst) || 1);
    return o.mode === 'max' ? worst - margin : worst + margin;
  });
}

/**
 * The Pareto section from each configuration's objective values.
 * @throws RangeError when fewer than two objectives are given or a point has the wrong length.
 */
export function paretoSection(options: {
  objectives: readonly Objective[];
  points: readonly ParetoPoint[];
}): ParetoSection {
  const objectives = [...options.objectives];
  if (objectives.length < 2) throw new RangeError('a Pareto front needs at least two objectives');
  for (const p of options.points)
    if (p.values.length !== objectives.length)
      throw new RangeError(`'${p.label}' has ${p.values.length} values for ${objectives.length} objectives`);
  const modes = objectives.map((o) => o.mode);
  const complete = options.points.filter((p) => p.values.every(Number.isFinite));
  const onFront = new Set(
    paretoFront(
      complete.map((p) => p.values),
      modes,
    ),
  );
  const sign = modes[0] === 'max' ? -1 : 1;
  const front = complete
    .filter((_, i) => onFront.has(i))
    .sort((a, b) => sign * (a.values[0]! - b.values[0]!));
  const reference = complete.length > 0 ? referencePoint(complete, objectives) : objectives.map(() => 0);
  return {
    objectives,
    front,
    complete: complete.length,
    missing: options.points.length - complete.length,
    reference,
    hypervolume:
      complete.length > 0
        ? hypervolume(
            front.map((p) => p.values),
            reference,
            { modes },
          )
        : 0,
    points: complete.map((p, i) => ({ ...p, onFront: onFront.has(i) })),
  };
}

const num = (x: number) => (Number.isInteger(x) ? String(x) : x.toPrecision(4));

/** The section as Markdown: the front's table, then the hypervolume and its reference point. */
export function renderParetoMarkdown(section: ParetoSection): string {
  const header = ['configuration', ...section.objectives.map((o) => `${o.metric} (${o.mode})`)];
  const rows = section.front.map((p) => [p.label, ...p.values.map(num)]);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [
    '## Pareto front',
    '',
    `${section.front.length} of ${section.complete} configurations are on the front` +
      (section.missing > 0 ? ` (${section.missing} without every objective left out)` : '') +
      '.',
    '',
    line(header),
    line(header.map(() => '---')),
    ...rows.map(line),
    '',
    `Hypervolume ${num(section.hypervolume)} with reference point (${section.reference.map(num).join(', ')}) ` +
      '(the worst value of each objective, pushed out by 10 % of its range).',
    '',
  ].join('\n');
}

/** The Pareto chart of the first two objectives: every configuration, the front highlighted and joined. */
export function paretoChart(section: ParetoSection): ChartSpec {
  const [x, y] = section.objectives;
  const values = section.points.map((p) => ({
    label: p.label,
    x: p.values[0],
    y: p.values[1],
    front: p.onFront ? 'on the front' : 'dominated',
  }));
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 560,
    height: 360,
    data: { values },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: `${x!.metric} (${x!.mode})`, scale: { zero: false } },
      y: { field: 'y', type: 'quantitative', title: `${y!.metric} (${y!.mode})`, scale: { zero: false } },
    },
    layer: [
      {
        transform: [{ filter: "datum.front === 'on the front'" }],
        mark: { type: 'line', opacity: 0.5 },
        encoding: { order: { field: 'x', type: 'quantitative' } },
      },
      {
        mark: { type: 'point', filled: true, size: 60 },
        encoding: {
          color: { field: 'front', type: 'nominal', title: null },
          tooltip: [{ field: 'label' }, { field: 'x' }, { field: 'y' }],
        },
      },
    ],
  };
  return { id: 'pareto-front', title: 'Pareto front', spec };
}
