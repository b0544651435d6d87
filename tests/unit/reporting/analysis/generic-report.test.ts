/**
 * A sweep of a user trainable without a report plug-in: Branin minimisation reporting `value` (the
 * objective, lower is better) and a few other metrics, no model stats. Every format makes sense.
 */
import { describe, expect, it } from 'vitest';
import { isUserError } from '../../../../src/core/common/errors.js';
import { formatSignedValue, formatValue } from '../../../../src/reporting/analysis/format.js';
import {
  buildReport,
  renderHtml,
  renderMarkdown,
  renderReport,
  renderTable,
  REPORT_PLUGINS,
  reportPlugin,
} from '../../../../src/reporting/analysis/report.js';
import { reportCharts } from '../../../../src/reporting/analysis/report-view.js';
import {
  BRANIN_FAST,
  BRANIN_MINIMUM,
  BRANIN_OBJECTIVE,
  BRANIN_SLOW,
  generateBraninRecords,
  generateRecords,
  STUDY,
} from './records.js';

const records = generateBraninRecords();
const report = buildReport({
  sweepName: 'branin',
  sweepId: 'sweep-b',
  records,
  objective: BRANIN_OBJECTIVE,
  synthetic: true,
});
const finals = (label: string): number[] =>
  records.filter((r) => r.groupLabel === label).map((r) => r.result.final['value'] ?? Number.NaN);

function errorOf(fn: () => unknown): { code?: string; message: string } {
  try {
    fn();
  } catch (e) {
    expect(isUserError(e)).toBe(true);
    return e as { code: string; message: string };
  }
  throw new Error('expected an error');
}

describe('the generic report of a Branin sweep (value, min, no plug-in)', () => {
  it('summarises the final objective per group and the final mean of every other metric', () => {
    expect(report.objective).toEqual(BRANIN_OBJECTIVE);
    expect(report.objectiveKey).toBe('finalValue');
    expect(report.plugin).toBeNull();
    expect(report.interpretation).toBeNull();
    expect(report.reportedMetrics).toEqual(['value', 'x1', 'x2', 'gradNorm']);
    for (const g of report.groups) {
      expect(Object.keys(g.metrics)).toEqual(['finalValue', 'finalX1', 'finalX2', 'finalGradNorm']);
      expect(g.modelStats).toBeUndefined();
      expect(g.curve).toHaveLength(8);
      expect(Object.keys(g.curve[0] ?? {})).toEqual(['epoch', 'n', 'value']);
    }
    const fast = report.groups.find((g) => g.label === BRANIN_FAST.label);
    const values = finals(BRANIN_FAST.label);
    expect(fast?.metrics['finalValue']?.mean).toBeCloseTo(
      values.reduce((s, x) => s + x, 0) / values.length,
      12,
    );
    expect(fast?.metrics['finalValue']?.ci95).not.toBeNull();
    // Gradient descent on Branin ends near (not below) the global minimum.
    expect(Math.min(...values)).toBeGreaterThanOrEqual(BRANIN_MINIMUM - 1e-6);
  });

  it('picks the best group and trial by the objective, respecting its mode', () => {
    expect(report.best.group?.label).toBe(BRANIN_FAST.label);
    const lowest = Math.min(...records.map((r) => r.result.final['value'] ?? Number.POSITIVE_INFINITY));
    expect(report.best.trial?.value).toBe(lowest);
    const maxed = buildReport({
      sweepName: 'branin',
      sweepId: 'sweep-b',
      records,
      objective: { metric: 'value', mode: 'max' },
    });
    expect(maxed.best.group?.label).toBe(BRANIN_SLOW.label);
    expect(maxed.best.trial?.value).toBe(
      Math.max(...records.map((r) => r.result.final['value'] ?? Number.NEGATIVE_INFINITY)),
    );
  });

  it('compares groups on the objective only, paired on the shared seeds', () => {
    expect(report.comparisons).toHaveLength(1);
    const c = report.comparisons[0];
    expect(Object.keys(c?.metrics ?? {})).toEqual(['finalValue']);
    expect(c?.design).toBe('paired');
    expect(c?.metrics['finalValue']?.tTest.pHolm).toBe(c?.metrics['finalValue']?.tTest.p);
    expect(c?.metrics['finalValue']?.meanDifference).toBeGreaterThan(0); // the slow step size ends higher
  });

  it('renders a narrow terminal table with plain numbers, the objective and the best trial', () => {
    const text = renderTable(report);
    expect(text.split('\n')[0]).toMatch(/SYNTHETIC DATA/);
    expect(text).not.toMatch(/CIFAR-10/);
    const header = text.split('\n').find((l) => l.startsWith('group'));
    expect(header?.split(/\s{2,}/)).toEqual([
      'group',
      'n',
      'value (min)',
      'sd',
      '95 % CI',
      'x1',
      'x2',
      'gradNorm',
    ]);
    expect(text).not.toMatch(/\d\.\d %|\bpp\b|params|Interpretation/);
    expect(text).toMatch(
      /Objective: final value \(lower is better\); best group by final value \(min\): lr=0\.02/,
    );
    expect(text).toContain(`best trial: ${report.best.trial?.trialKey}`);
    expect(text).toMatch(/comparison \(a − b\)\s+design\s+n\s+Δ value/);
    // The faster step size is significantly better: lower is better, so b (lr=0.02) wins.
    expect(text.split('\n').find((l) => l.startsWith('lr=0.002 vs lr=0.02'))).toMatch(/lr=0\.02$/);
    const lines = text.split('\n');
    const rule = lines.findIndex((l) => l.startsWith('───'));
    expect(new Set(lines.slice(rule - 1, rule + 3).map((l) => [...l].length)).size).toBe(1);
  });

  it('keeps the terminal table to three other metrics; Markdown and JSON show them all', () => {
    const more = records.map((r) => {
      const extra = (e: (typeof r.result.epochs)[number]) => ({
        ...e,
        evaluations: e.epoch * 20,
        wallSeconds: e.epoch * 0.01,
      });
      return {
        ...r,
        result: { ...r.result, epochs: r.result.epochs.map(extra), final: extra(r.result.final) },
      };
    });
    const wide = buildReport({
      sweepName: 'branin',
      sweepId: 'sweep-b',
      records: more,
      objective: BRANIN_OBJECTIVE,
    });
    const text = renderTable(wide);
    expect(text).toContain('gradNorm');
    expect(text).not.toContain('evaluations');
    expect(text).toContain('more metrics in the Markdown and JSON reports');
    const md = renderMarkdown(wide);
    expect(md).toMatch(
      /\| group \| n \| value \(min\) \| sd \| 95 % CI \| x1 \| x2 \| gradNorm \| evaluations \| wallSeconds \|/,
    );
    expect(wide.groups[0]?.metrics['finalEvaluations']?.mean).toBe(160);
  });

  it('renders Markdown with the objective explained, the best line and no interpretation section', () => {
    const md = renderMarkdown(report);
    expect(md).toMatch(/^# Sweep report: branin/);
    expect(md).toMatch(/`value` is the objective \(lower is better\)/);
    expect(md).toMatch(/Best group by final value \(min\): lr=0\.02/);
    expect(md).toContain('## Comparisons');
    expect(md).not.toContain('## Interpretation');
    expect(md).not.toMatch(/\d\.\d %|\bpp\b/);
  });

  it('is plain JSON', async () => {
    const json = await renderReport({ report, format: 'json' });
    expect(JSON.parse(json)).toEqual(report);
    expect(json).not.toMatch(/NaN|Infinity/);
  });

  it('has charts of the objective: final values, learning curves, forest plot', async () => {
    expect(reportCharts(report).map((c) => c.id)).toEqual(['objective', 'learning-curves', 'forest']);
    const html = await renderHtml(report);
    expect(html).toContain('data-chart="objective"');
    expect(html).toContain('data-best="true"');
    expect(html).not.toContain('<h2>Interpretation</h2>');
    expect(html).not.toMatch(/<script/i);
  });

  it('renders a single group with a single seed without inventing numbers', async () => {
    const one = buildReport({
      sweepName: 'b',
      sweepId: 'b1',
      records: generateBraninRecords({ variants: [BRANIN_FAST], seeds: [0] }),
      objective: BRANIN_OBJECTIVE,
    });
    expect(one.comparisons).toEqual([]);
    expect(one.groups[0]?.metrics['finalValue']?.ci95).toBeNull();
    expect(renderTable(one)).toMatch(/has 1 finished seed/);
    expect(renderMarkdown(one)).toContain('| – |');
    expect(await renderHtml(one)).not.toContain('data-chart="forest"');
  });
});

describe('report plug-ins', () => {
  it('are chosen by name; an unknown name is a UserError listing the known ones', () => {
    expect([...REPORT_PLUGINS.keys()]).toEqual(['conv-study']);
    expect(reportPlugin('conv-study').name).toBe('conv-study');
    const error = errorOf(() =>
      buildReport({
        sweepName: 's',
        sweepId: 'x',
        records,
        objective: BRANIN_OBJECTIVE,
        interpretation: 'cnn-study',
      }),
    );
    expect(error.code).toBe('E_REPORT_PLUGIN');
    expect(error.message).toMatch(/unknown report plug-in "cnn-study".*known: conv-study/);
  });

  it('conv-study on trials without the image classifier metrics: the generic report, with a note', () => {
    const r = buildReport({
      sweepName: 's',
      sweepId: 'x',
      records,
      objective: BRANIN_OBJECTIVE,
      interpretation: 'conv-study',
    });
    expect(r.plugin).toBeNull();
    expect(r.notes.join('\n')).toMatch(
      /report plug-in conv-study not applied: 10 of 10 trials lack the image classifier's metrics/,
    );
    expect(renderTable(r)).toContain('value (min)');
  });

  it('without a plug-in, the study records get the generic report (plain numbers, every metric)', () => {
    const r = buildReport({
      sweepName: 's',
      sweepId: 'x',
      records: generateRecords(),
      objective: STUDY.objective,
    });
    expect(r.plugin).toBeNull();
    expect(Object.keys(r.groups[0]?.metrics ?? {})[0]).toBe('finalTestAccuracy');
    expect(r.groups[0]?.modelStats).toBeDefined();
    expect(renderTable(r)).toMatch(/testAccuracy \(max\)/);
    expect(r.best.group?.label).toBe('model=cnn kernel_size=3');
  });

  it('an objective metric no trial reports is a UserError naming the reported ones', () => {
    const error = errorOf(() =>
      buildReport({ sweepName: 's', sweepId: 'x', records, objective: { metric: 'loss', mode: 'min' } }),
    );
    expect(error.code).toBe('E_REPORT_OBJECTIVE');
    expect(error.message).toMatch(/"loss".*value, x1, x2, gradNorm/);
  });
});

describe('formatting a generic metric', () => {
  it('uses four significant digits, separators for large values, exponents for tiny ones', () => {
    expect(formatValue(0.397887)).toBe('0.3979');
    expect(formatValue(14.5812)).toBe('14.58');
    expect(formatValue(1234.5)).toBe('1235');
    expect(formatValue(123456.7)).toBe('123,457');
    expect(formatValue(0.000123)).toBe('1.230e-4');
    expect(formatValue(-2.5)).toBe('−2.500');
    expect(formatValue(0)).toBe('0');
    expect(formatValue(Number.NaN)).toBe('–');
    expect(formatSignedValue(0.5)).toBe('+0.5000');
    expect(formatSignedValue(-0.5)).toBe('−0.5000');
  });
});

describe('model stats in a report without a plug-in (any trainable that returns them)', () => {
  const stats = {
    totalParams: 12_345,
    convParams: 0,
    denseParams: 12_000,
    normParams: 345,
    embeddingParams: 0,
    otherParams: 0,
    nonTrainableParams: 690,
    flopsPerImage: 24_690,
  };
  const withStats = buildReport({
    sweepName: 'branin',
    sweepId: 'sweep-b',
    records: records.map((r) => ({ ...r, result: { ...r.result, modelStats: stats } })),
    objective: BRANIN_OBJECTIVE,
    synthetic: true,
  });

  it('shows parameters and MFLOPs in the terminal table and the non-zero kinds in documents', () => {
    const table = renderTable(withStats);
    expect(table).toMatch(/params\s+MFLOPs/);
    expect(table).toContain('12,345');
    expect(table).toContain('0.02');
    const markdown = renderMarkdown(withStats);
    expect(markdown).toMatch(/\| params \| dense \| norm \| MFLOPs \|/);
    expect(markdown).toContain('forward-pass FLOPs per example');
  });

  it('shows no model columns when the trainable returned none', () => {
    expect(renderTable(report)).not.toContain('MFLOPs');
  });
});
