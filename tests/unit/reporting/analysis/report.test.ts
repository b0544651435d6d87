/** The report's data and its renderings: table, Markdown, JSON, files. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isUserError } from '../../../../src/core/common/errors.js';
import {
  buildReport,
  parseReportFormat,
  renderHtml,
  renderMarkdown,
  renderTable,
  writeReport,
} from '../../../../src/reporting/analysis/report.js';
import { FC, generateRecords, STUDY } from './records.js';

const records = generateRecords();
const report = buildReport({
  sweepName: 'conv-study',
  sweepId: 'sweep-7',
  records,
  synthetic: true,
  ...STUDY,
});

describe('buildReport', () => {
  it('summarises every group with n, mean, sd, t CI, median, min, max for each metric', () => {
    expect(report.groups.map((g) => g.label)).toEqual([
      'model=cnn kernel_size=3',
      'model=cnn kernel_size=5',
      'model=fc',
    ]);
    const fc = report.groups.find((g) => g.label === FC.label);
    const accuracies = records
      .filter((r) => r.groupLabel === FC.label)
      .map((r) => r.result.final['testAccuracy'] ?? Number.NaN);
    expect(fc?.metrics.finalTestAccuracy).toMatchObject({
      n: 5,
      min: Math.min(...accuracies),
      max: Math.max(...accuracies),
    });
    expect(fc?.metrics.finalTestAccuracy?.mean).toBeCloseTo(accuracies.reduce((s, x) => s + x, 0) / 5, 12);
    for (const g of report.groups) {
      expect(Object.keys(g.metrics).sort()).toEqual(
        [
          'epochSeconds',
          'epochsToConverge',
          'finalTestAccuracy',
          'finalTestLoss',
          'finalTrainAccuracy',
          'generalisationGap',
          'imagesPerSecond',
        ].sort(),
      );
      const gap = g.metrics.generalisationGap?.mean ?? Number.NaN;
      expect(gap).toBeCloseTo(
        (g.metrics.finalTrainAccuracy?.mean ?? 0) - (g.metrics.finalTestAccuracy?.mean ?? 0),
        12,
      );
      expect(g.curve).toHaveLength(10);
    }
  });

  it('is plain JSON (no NaN or Infinity) and deterministic for a bootstrap seed', () => {
    const json = JSON.stringify(report);
    expect(JSON.parse(json)).toEqual(report);
    const again = buildReport({
      sweepName: 'conv-study',
      sweepId: 'sweep-7',
      records: [...records].reverse(),
      synthetic: true,
      ...STUDY,
    });
    expect({ ...again, generatedAt: '' }).toEqual({ ...report, generatedAt: '' });
    const otherSeed = buildReport({
      sweepName: 'conv-study',
      sweepId: 'sweep-7',
      records,
      seed: 99,
      ...STUDY,
    });
    expect(otherSeed.comparisons[0]?.metrics.finalTestAccuracy?.bootstrapCi95).not.toEqual(
      report.comparisons[0]?.metrics.finalTestAccuracy?.bootstrapCi95,
    );
  });

  it('keeps one record per seed in a group and notes groups with a single seed', () => {
    const r = buildReport({
      sweepName: 's',
      sweepId: 'x',
      records: [
        ...records,
        ...records.slice(0, 2),
        ...generateRecords({ variants: [{ ...FC, label: 'solo', factors: { model: 'solo' } }], seeds: [0] }),
      ],
      ...STUDY,
    });
    expect(r.trialCount).toBe(16);
    expect(r.notes.join('\n')).toMatch(/group solo has 1 finished seed/);
  });

  it('renders a sweep with one seed per group in every format without inventing numbers', async () => {
    const single = buildReport({
      sweepName: 's',
      sweepId: 'x',
      records: generateRecords({ seeds: [3] }),
      ...STUDY,
    });
    expect(
      single.comparisons.every(
        (c) => c.design === 'unpaired' && c.metrics.finalTestAccuracy?.tTest.p === null,
      ),
    ).toBe(true);
    expect(single.groups.every((g) => g.metrics.finalTestAccuracy?.ci95 === null)).toBe(true);
    expect(renderTable(single)).toMatch(/has 1 finished seed/);
    expect(renderMarkdown(single)).toContain('| – |');
    expect(await renderHtml(single)).toContain('data-chart="forest"');
  });

  it('refuses an empty sweep with a UserError', () => {
    let error: unknown;
    try {
      buildReport({ sweepName: 'empty', sweepId: 'sweep-0', records: [] });
    } catch (e) {
      error = e;
    }
    expect(isUserError(error)).toBe(true);
    expect((error as { code: string }).code).toBe('E_REPORT_NO_TRIALS');
  });
});

describe('renderTable', () => {
  const text = renderTable(report);
  it('labels synthetic data and lists groups, comparisons and claims', () => {
    expect(text.split('\n')[0]).toMatch(/SYNTHETIC DATA/);
    for (const g of report.groups) expect(text).toContain(g.label);
    for (const c of report.comparisons) expect(text).toContain(c.name);
    expect(text).toMatch(/✔ supported/);
    expect(text).not.toMatch(/\x1b\[/); // eslint-disable-line no-control-regex
  });
  it('aligns columns: every group row is as wide as the header rule', () => {
    const lines = text.split('\n');
    const rule = lines.findIndex((l) => l.startsWith('───'));
    const widths = lines.slice(rule - 1, rule + 4).map((l) => [...l].length);
    expect(new Set(widths).size).toBe(1);
  });
  it('does not call real data synthetic, and labels trials on the synthetic dataset as synthetic', () => {
    expect(renderTable({ ...report, synthetic: false })).not.toMatch(/SYNTHETIC/);
    const onSynthetic = records.map((r) => ({
      ...r,
      config: { ...r.config, dataset: { name: 'synthetic' as const } },
    }));
    expect(buildReport({ sweepName: 's', sweepId: 'x', records: onSynthetic, ...STUDY }).synthetic).toBe(
      true,
    );
    expect(buildReport({ sweepName: 's', sweepId: 'x', records, ...STUDY }).synthetic).toBe(false);
  });
});

describe('renderMarkdown', () => {
  it('has the group and comparison tables, the interpretation and the decision rule', () => {
    const md = renderMarkdown(report);
    expect(md).toMatch(/^# Sweep report: conv-study/);
    expect(md).toMatch(/> \*\*SYNTHETIC DATA/);
    expect(md).toMatch(/\| group \| n \| test acc/);
    expect(md).toMatch(/\| --- \| ---: \|/);
    expect(md).toContain('## Interpretation');
    expect(md).toContain('*Decision rule.*');
  });
});

describe('writeReport', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('writes one file per format into a new folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'seedsweep-report-'));
    dirs.push(dir);
    const outDir = join(dir, 'nested');
    const written = await writeReport({ report, formats: ['table', 'md', 'json', 'html'], outDir });
    expect(written.map((w) => w.path)).toEqual(
      ['report.txt', 'report.md', 'report.json', 'report.html'].map((f) => join(outDir, f)),
    );
    expect(JSON.parse(await readFile(join(outDir, 'report.json'), 'utf8'))).toEqual(report);
    expect(await readFile(join(outDir, 'report.txt'), 'utf8')).toBe(renderTable(report));
    expect(await readFile(join(outDir, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/);
  });

  it('rejects an unknown format name with a UserError', () => {
    expect(parseReportFormat('md')).toBe('md');
    expect(() => parseReportFormat('pdf')).toThrow(/unknown report format "pdf"/);
  });
});
