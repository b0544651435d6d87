/**
 * The report of a multi-objective sweep: `buildReport` with two `objectives` adds the Pareto front of
 * the groups (each group's mean final value of each objective), Markdown gets its table and
 * hypervolume, the HTML page its chart; a single-objective report has none of it.
 */
import { describe, expect, it } from 'vitest';
import type { Objective } from '../../../../src/core/domain/objective.js';
import { buildReport, renderMarkdown } from '../../../../src/reporting/analysis/report.js';
import { renderCharts } from '../../../../src/reporting/analysis/render-html.js';
import type { TrialRecord } from '../../../../src/reporting/analysis/types.js';
import { generateRecords } from './records.js';

const OBJECTIVES: Objective[] = [
  { metric: 'testAccuracy', mode: 'max' },
  // The spec's spelling: the report reads `epochSeconds`, as the workflow does.
  { metric: 'epoch_seconds', mode: 'min' },
];

/**
 * Group means (accuracy, seconds per epoch): a (0.70, 12), c (0.52, 2.3) and d (0.60, 6) are the front;
 * b (0.68, 13) is dominated by a; e reports no epochSeconds. Seeds spread ±0.01 and ±0.5 around them.
 */
const GROUPS: { label: string; accuracy: number; seconds: number | undefined }[] = [
  { label: 'width=a', accuracy: 0.7, seconds: 12 },
  { label: 'width=b', accuracy: 0.68, seconds: 13 },
  { label: 'width=c', accuracy: 0.52, seconds: 2.3 },
  { label: 'width=d', accuracy: 0.6, seconds: 6 },
  { label: 'width=e', accuracy: 0.75, seconds: undefined },
];

function records(): TrialRecord[] {
  const template = generateRecords({ seeds: [0], epochs: 2 })[0]!;
  return GROUPS.flatMap((g) =>
    [-1, 0, 1].map((offset, seed) => {
      const final = {
        epoch: 2,
        testAccuracy: g.accuracy + 0.01 * offset,
        ...(g.seconds !== undefined ? { epochSeconds: g.seconds + 0.5 * offset } : {}),
      };
      return {
        ...template,
        trialKey: `${g.label}-s${seed}`,
        groupKey: `g-${g.label}`,
        groupLabel: g.label,
        factors: { width: g.label.slice(-1) },
        seed,
        result: { ...template.result, epochs: [{ ...final, epoch: 1 }, final], final },
      };
    }),
  );
}

const report = (objectives?: Objective[]) =>
  buildReport({
    sweepName: 'pareto',
    sweepId: 'sweep-p',
    records: records(),
    objective: OBJECTIVES[0],
    ...(objectives ? { objectives } : {}),
    synthetic: true,
  });

describe('the report of a multi-objective sweep', () => {
  const multi = report(OBJECTIVES);

  it('has the Pareto front of the group means, best first by the first objective, and its hypervolume', () => {
    const pareto = multi.pareto!;
    expect(pareto.objectives).toEqual(OBJECTIVES);
    expect(pareto.front.map((p) => p.label)).toEqual(['width=a', 'width=d', 'width=c']);
    expect(pareto.front[0]!.values[0]).toBeCloseTo(0.7, 12);
    expect(pareto.front[0]!.values[1]).toBeCloseTo(12, 12);
    expect(pareto.complete).toBe(4);
    expect(pareto.missing).toBe(1);
    expect(pareto.points.find((p) => p.label === 'width=b')!.onFront).toBe(false);
    // Reference: worst accuracy 0.52 − 10 % of 0.18, worst time 13 + 10 % of 10.7.
    expect(pareto.reference[0]).toBeCloseTo(0.502, 12);
    expect(pareto.reference[1]).toBeCloseTo(14.07, 12);
    // The staircase a → d → c (maximise x = accuracy, minimise y = seconds) under the reference point.
    const [rx, ry] = pareto.reference as [number, number];
    const expected = (0.7 - 0.6) * (ry - 12) + (0.6 - 0.52) * (ry - 6) + (0.52 - rx) * (ry - 2.3);
    expect(pareto.hypervolume).toBeCloseTo(expected, 10);
  });

  it('renders the front as a Markdown section and as a chart of the HTML page', async () => {
    const markdown = renderMarkdown(multi);
    expect(markdown).toContain('## Pareto front');
    expect(markdown).toContain(
      '3 of 4 configurations are on the front (1 without every objective left out).',
    );
    expect(markdown).toContain('| width=d | 0.6000 | 6 |');
    // The HTML page draws renderCharts' list; without the search and per-group charts (cheaper to draw).
    const { search: _search, performanceProfile: _profile, ...rest } = multi;
    const charts = await renderCharts({ ...rest, groups: [], comparisons: [] });
    const chart = charts.find((c) => c.id === 'pareto-front');
    expect(chart?.title).toBe('Pareto front');
    expect(chart?.svg).toContain('epoch_seconds (min)');
  });

  it('is absent from a single-objective report', () => {
    const single = report();
    expect(single.pareto).toBeUndefined();
    expect(renderMarkdown(single)).not.toContain('Pareto');
  });
});
