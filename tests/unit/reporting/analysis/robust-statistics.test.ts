/**
 * The robust statistics in the report (IQM per group, P(a better) per comparison, performance profiles)
 * and `plan --power`'s checks. Their numbers are checked against rliable and statsmodels in reference.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { parsePowerEffect } from '../../../../src/interfaces/cli/commands/plan.js';
import { buildReport } from '../../../../src/reporting/analysis/build-report.js';
import { interquartileMean } from '../../../../src/reporting/analysis/iqm.js';
import { finalValue } from '../../../../src/reporting/analysis/metrics.js';
import { pilotPower } from '../../../../src/reporting/analysis/power.js';
import { probabilityOfImprovement } from '../../../../src/reporting/analysis/probability-of-improvement.js';
import { renderMarkdown } from '../../../../src/reporting/analysis/render-markdown.js';
import { renderTable } from '../../../../src/reporting/analysis/render-table.js';
import type { SweepReport } from '../../../../src/reporting/analysis/report-types.js';
import { performanceProfileChart } from '../../../../src/reporting/analysis/robust-charts.js';
import { BRANIN_FAST, BRANIN_OBJECTIVE, BRANIN_SLOW, generateBraninRecords } from './records.js';

const records = generateBraninRecords({ seeds: [0, 1, 2, 3, 4, 5, 6, 7], epochs: 3 });
const build = (): SweepReport =>
  buildReport({ sweepName: 'branin', sweepId: 'sweep-b', records, objective: BRANIN_OBJECTIVE });
const report = build();
const values = (label: string): number[] =>
  records.filter((r) => r.groupLabel === label).map((r) => finalValue(r, 'value'));

describe('robust statistics in the report', () => {
  it('gives each group the IQM of its final objective with a CI around it', () => {
    for (const g of report.groups) {
      expect(g.iqm?.value).toBeCloseTo(interquartileMean([values(g.label)]), 12);
      const [lo, hi] = g.iqm?.ci95 ?? [NaN, NaN];
      expect(lo).toBeLessThanOrEqual(g.iqm?.value ?? NaN);
      expect(hi).toBeGreaterThanOrEqual(g.iqm?.value ?? NaN);
    }
  });

  it('gives P(a better) in the direction of the objective: lower is better for a minimised value', () => {
    const [c] = report.comparisons;
    const p = c?.probabilityOfImprovement;
    expect(c?.a.label).toBe(BRANIN_SLOW.label);
    // a better = a lower: P(b > a) + ½ P(a = b).
    expect(p?.value).toBeCloseTo(
      probabilityOfImprovement({ x: [values(BRANIN_FAST.label)], y: [values(BRANIN_SLOW.label)] }),
      12,
    );
    expect(p?.value).toBeLessThan(0.5); // the fast step size ends lower, so b is better
    expect({ nA: p?.nA, nB: p?.nB }).toEqual({ nA: 8, nB: 8 });
    const maxed = buildReport({
      sweepName: 'branin',
      sweepId: 'sweep-b',
      records,
      objective: { metric: 'value', mode: 'max' },
    });
    expect(maxed.comparisons[0]?.probabilityOfImprovement?.value).toBeCloseTo(1 - (p?.value ?? NaN), 12);
  });

  it('profiles every group over one τ grid, fractions falling from the lowest τ to the highest', () => {
    const profile = report.performanceProfile;
    expect(profile?.better).toBe('below');
    expect(profile?.taus).toHaveLength(51);
    expect(profile?.groups.map((g) => g.label)).toEqual(report.groups.map((g) => g.label));
    for (const g of profile?.groups ?? []) {
      // Below τ is better: the fraction rises with τ, from none below the lowest value to all but the highest.
      expect(g.fractions[0]).toBe(0);
      g.fractions.slice(1).forEach((f, k) => expect(f).toBeGreaterThanOrEqual(g.fractions[k] ?? NaN));
      g.ci95?.forEach(([lo, hi], k) => {
        expect(lo).toBeLessThanOrEqual(g.fractions[k] ?? NaN);
        expect(hi).toBeGreaterThanOrEqual(g.fractions[k] ?? NaN);
      });
    }
  });

  it('is deterministic: the same records and seed give the same intervals', () => {
    const again = build();
    expect(again.groups.map((g) => g.iqm)).toEqual(report.groups.map((g) => g.iqm));
    expect(again.comparisons.map((c) => c.probabilityOfImprovement)).toEqual(
      report.comparisons.map((c) => c.probabilityOfImprovement),
    );
    expect(again.performanceProfile).toEqual(report.performanceProfile);
  });

  it('shows IQM [CI] in the documents and P(a better) [CI] in every comparison table', () => {
    const md = renderMarkdown(report);
    expect(md).toMatch(/\| IQM \[95 % CI\] \|\n/);
    expect(md).toMatch(/\| P\(a better\) \[95 % CI\] \| better \|/);
    expect(md).toMatch(/IQM: interquartile mean/);
    const text = renderTable(report);
    expect(text).not.toMatch(/IQM/); // the terminal's group table stays narrow
    expect(text).toMatch(/P\(a better\) \[95 % CI\]\s+better/);
    const row = text.split('\n').find((l) => l.startsWith('lr=0.002 vs lr=0.02'));
    expect(row).toMatch(/\d\.\d\d \[\d\.\d\d, \d\.\d\d\]\s+lr=0\.02$/);
  });

  it('renders a stored report of an earlier version (no robust fields) without the new columns', () => {
    const stored: SweepReport = JSON.parse(JSON.stringify(report)) as SweepReport;
    for (const g of stored.groups) delete g.iqm;
    for (const c of stored.comparisons) delete c.probabilityOfImprovement;
    delete stored.performanceProfile;
    expect(renderMarkdown(stored)).not.toMatch(/IQM|P\(a better\)/);
    expect(performanceProfileChart(stored)).toBeUndefined();
  });

  it('builds a performance-profile chart with a row per group and τ', () => {
    const chart = performanceProfileChart(report);
    expect(chart?.id).toBe('performance-profile');
    const data = (chart?.spec as { data?: { values?: unknown[] } }).data?.values ?? [];
    expect(data).toHaveLength(2 * 51);
  });
});

describe('plan --power refuses what it cannot answer, in one line', () => {
  const objective = BRANIN_OBJECTIVE;
  it.each(['0', '-0.01', 'abc', '', 'Infinity'])('a non-positive or non-numeric effect %j', (text) => {
    expect(() => parsePowerEffect(text)).toThrow(expect.objectContaining({ code: 'E_POWER_EFFECT' }));
  });
  it('accepts a positive effect', () => expect(parsePowerEffect(' 0.5 ')).toBe(0.5));
  it('no pilot data', () => {
    expect(() => pilotPower({ pilot: 'p', records: [], objective, effect: 0.1 })).toThrow(
      expect.objectContaining({ code: 'E_POWER_NO_PILOT' }),
    );
  });
  it('fewer than 2 pairs: one group, or one shared seed', () => {
    const one = generateBraninRecords({ variants: [BRANIN_SLOW], seeds: [0, 1, 2], epochs: 1 });
    expect(() => pilotPower({ pilot: 'p', records: one, objective, effect: 0.1 })).toThrow(
      expect.objectContaining({ code: 'E_POWER_PAIRS' }),
    );
    const disjoint = [
      ...generateBraninRecords({ variants: [BRANIN_SLOW], seeds: [0, 1, 2], epochs: 1 }),
      ...generateBraninRecords({ variants: [BRANIN_FAST], seeds: [2, 3, 4], epochs: 1 }),
    ];
    expect(() => pilotPower({ pilot: 'p', records: disjoint, objective, effect: 0.1 })).toThrow(
      /pilot sweep p: no comparison has 2 seeds finished by both groups/,
    );
  });
  it('a non-positive effect given to the library', () => {
    expect(() => pilotPower({ pilot: 'p', records, objective, effect: 0 })).toThrow(
      expect.objectContaining({ code: 'E_POWER_EFFECT' }),
    );
  });
  it('needs more seeds for a smaller effect', () => {
    const small = pilotPower({ pilot: 'p', records, objective, effect: 0.01 }).seeds;
    const large = pilotPower({ pilot: 'p', records, objective, effect: 1 }).seeds;
    expect(small).toBeGreaterThan(large);
    expect(large).toBeGreaterThanOrEqual(2);
  });
});
