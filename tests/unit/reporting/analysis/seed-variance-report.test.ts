/**
 * The report's variance by seed source: records of a factorial seed design (a simulated trainable whose
 * objective is a pure function of its source seeds) give a table per source with CIs in Markdown and
 * HTML, a bar chart with whiskers, and name the dominant source; a sweep without seed sources has none.
 */
import { describe, expect, it } from 'vitest';
import { seedsOfTrial, type SeedSourcesConfig } from '../../../../src/core/domain/seed-sources.js';
import type { TrialConfig, TrialRecord } from '../../../../src/core/domain/trial.js';
import {
  buildReport,
  renderHtml,
  renderMarkdown,
  renderTable,
} from '../../../../src/reporting/analysis/report.js';
import { seedVarianceChart } from '../../../../src/reporting/analysis/seed-variance-chart.js';
import { generateBraninRecords } from './records.js';

const design: SeedSourcesConfig = {
  design: 'factorial',
  vary: ['init', 'dataOrder', 'dropout'],
  fixed: 0,
  levels: [0, 1, 2],
};
const config: TrialConfig = {
  model: 'sim',
  modelOptions: {},
  train: { epochs: 1 },
  dataset: { name: 'none' },
  trainable: { module: '/sim.ts', export: 'sim' },
  seedSources: design,
};

/** A pure function of the source seeds: init matters most, data order a little, dropout nothing. */
const effect = (seed: number, scale: number): number => scale * Math.sin(seed * 12.9898 + scale * 78.233);
function records(): TrialRecord[] {
  return Array.from({ length: 27 }, (_, cell) => {
    const s = seedsOfTrial(design, cell);
    const value = 0.5 + effect(s.init, 0.1) + effect(s.dataOrder, 0.02) + 0.001 * Math.cos(cell * 3.1);
    return {
      trialKey: `t${cell}`,
      groupKey: 'g',
      groupLabel: 'lr=0.1',
      factors: {},
      seed: cell,
      config,
      result: {
        epochs: [{ epoch: 1, value }],
        final: { epoch: 1, value },
        backend: { name: 'js', version: 'test' },
        resumedFromEpoch: 0,
      },
    };
  });
}

const report = buildReport({
  sweepName: 'sim',
  sweepId: 's',
  records: records(),
  objective: { metric: 'value', mode: 'max' },
});

describe('variance by seed source in the report', () => {
  it('decomposes a factorial group by source and names the dominant one', () => {
    const group = report.seedVariance!.groups[0]!;
    expect(group.n).toBe(27);
    expect(group.rows.map((r) => r.source)).toEqual(['init', 'data_order', 'dropout', 'residual']);
    expect(group.dominant).toBe('init');
    const dropout = group.rows.find((r) => r.source === 'dropout')!;
    expect(dropout.variance).toBe(0);
    for (const r of group.rows) expect(r.ci![0]).toBeLessThanOrEqual(r.ci![1]);
  });

  it('shows a table in Markdown and a table and a chart with whiskers in HTML', async () => {
    const markdown = renderMarkdown(report);
    expect(markdown).toContain('## Variance by seed source');
    expect(markdown).toMatch(/\| lr=0\.1 \| init \(dominant\) \| 2 \|/);
    expect(markdown).toMatch(/init dominates \(\d+ % of the variance/);
    // The terminal table (what `run` prints at its end) has the same section.
    const terminal = renderTable(report);
    expect(terminal).toContain('Variance by seed source');
    expect(terminal).toMatch(/lr=0\.1 +init \(dominant\) +2 /);
    expect(terminal).toMatch(/ {2}lr=0\.1: init dominates/);
    const chart = seedVarianceChart(report)!;
    expect(JSON.stringify(chart.spec)).toContain('"x2":{"field":"hi"}');
    const html = await renderHtml(report);
    expect(html).toContain('data-seed-variance="true"');
    expect(html).toContain('data-chart="seed-variance"');
  });

  it('says why an incomplete factorial has no decomposition', () => {
    const partial = buildReport({
      sweepName: 'sim',
      sweepId: 's',
      records: records().slice(1),
      objective: { metric: 'value', mode: 'max' },
    });
    expect(partial.seedVariance!.groups[0]!.note).toMatch(/^1 of 27 cells of the 3\^3 design/);
  });

  it('attributes the variance of a shared design to the sources varied together', () => {
    const shared: SeedSourcesConfig = { design: 'shared', vary: ['init', 'dropout'], fixed: 0 };
    const values = [0.5, 0.52, 0.47, 0.55];
    const plain = records().slice(0, 4);
    const sharedRecords = plain.map((r, i) => ({
      ...r,
      config: { ...config, seedSources: shared },
      result: {
        ...r.result,
        epochs: [{ epoch: 1, value: values[i]! }],
        final: { epoch: 1, value: values[i]! },
      },
    }));
    const sharedReport = buildReport({
      sweepName: 'sim',
      sweepId: 's',
      records: sharedRecords,
      objective: { metric: 'value', mode: 'max' },
    });
    const [row] = sharedReport.seedVariance!.groups[0]!.rows;
    expect(row!.source).toBe('init + dropout');
    expect(row!.df).toBe(3);
    expect(row!.variance).toBeCloseTo(0.0011333333333333354, 12);
  });

  it('is absent without seed sources', () => {
    const plain = buildReport({
      sweepName: 'b',
      sweepId: 'b',
      records: generateBraninRecords(),
      objective: { metric: 'value', mode: 'min' },
    });
    expect(plain.seedVariance).toBeUndefined();
    expect(renderMarkdown(plain)).not.toContain('seed source');
    expect(renderTable(plain)).not.toContain('seed source');
  });
});
