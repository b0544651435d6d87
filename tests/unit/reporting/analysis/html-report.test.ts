/** The HTML report opens in headless Chromium with every chart rendered and no console errors. */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport, renderHtml, writeReport } from '../../../../src/reporting/analysis/report.js';
import { BRANIN_OBJECTIVE, generateBraninRecords, generateRecords, STUDY } from './records.js';
import { generateSamplerSweep } from './search-records.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** The search charts, in the order the report shows them after the plug-in's or the generic ones. */
const SEARCH_CHARTS = [
  'history',
  'importance',
  'parallel-coordinates',
  'slice',
  'contour',
  'intermediate-values',
];

/** The performance-profile chart (robust-charts.ts) when the report has profiles: it comes before the search charts. */
const profile = (report: { performanceProfile?: unknown }): string[] =>
  report.performanceProfile ? ['performance-profile'] : [];

/** Marks Vega draws as SVG elements (rect: bars and heat-map cells). */
const MARKS =
  'g.mark-symbol path, g.mark-rule line, g.mark-line path, g.mark-area path, g.mark-text text, g.mark-rect path';

describe('HTML report in a browser', () => {
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`,
      );
    browser = await chromium.launch({ executablePath: CHROMIUM });
    dir = await mkdtemp(join(tmpdir(), 'seedsweep-html-'));
  });
  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function open(html: string) {
    const file = join(dir, `report-${Math.random().toString(36).slice(2)}.html`);
    await writeFile(file, html, 'utf8');
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    await page.goto(pathToFileURL(file).href);
    return { page, problems };
  }

  it("renders the study's four charts and the search charts as SVG with marks and a size, without console errors", async () => {
    const report = buildReport({
      sweepName: 'conv-study',
      sweepId: 'sweep-html',
      records: generateRecords(),
      synthetic: true,
      ...STUDY,
    });
    const { page, problems } = await open(await renderHtml(report));
    const charts = await page.$$eval(
      'figure.chart',
      (figures, marks) =>
        figures.map((f) => {
          const svg = f.querySelector('svg');
          const box = svg?.getBoundingClientRect();
          return {
            id: f.getAttribute('data-chart'),
            width: box?.width ?? 0,
            height: box?.height ?? 0,
            marks: svg ? svg.querySelectorAll(marks).length : 0,
          };
        }),
      MARKS,
    );
    expect(charts.map((c) => c.id)).toEqual([
      'test-accuracy',
      'learning-curves',
      'accuracy-vs-parameters',
      'forest',
      ...profile(report),
      ...SEARCH_CHARTS,
    ]);
    for (const c of charts) {
      expect(c.width, c.id ?? '').toBeGreaterThan(100);
      expect(c.height, c.id ?? '').toBeGreaterThan(50);
      expect(c.marks, c.id ?? '').toBeGreaterThan(0);
    }
    // Learning curves: one line and one band per group.
    const lines = await page.$$eval(
      'figure[data-chart="learning-curves"] g.mark-line path',
      (ps) => ps.length,
    );
    expect(lines).toBe(report.groups.length);
    expect(await page.textContent('.synthetic')).toMatch(/SYNTHETIC DATA/);
    expect(await page.$$eval('[data-claim]', (li) => li.length)).toBe(report.interpretation?.claims.length);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('is self-contained: no scripts, no external resources', async () => {
    const report = buildReport({
      sweepName: 'x',
      sweepId: 'y',
      records: generateRecords({ seeds: [0, 1, 2] }),
      ...STUDY,
    });
    const html = await renderHtml(report);
    expect(html).not.toMatch(/<script|<link|src="http|href="http/i);
    expect(html).not.toMatch(/SYNTHETIC/);
  });

  it('omits the forest plot when there is nothing to compare, and still renders', async () => {
    const report = buildReport({
      sweepName: 'one',
      sweepId: 'one',
      records: generateRecords({ seeds: [0, 1, 2] }).slice(0, 3),
      ...STUDY,
    });
    const { page, problems } = await open(await renderHtml(report));
    expect(await page.$$eval('figure.chart', (fs) => fs.map((f) => f.getAttribute('data-chart')))).toEqual([
      'test-accuracy',
      'learning-curves',
      'accuracy-vs-parameters',
      ...profile(report),
    ]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('renders the generic report of a Branin sweep: the objective, its learning curves and the forest plot', async () => {
    const report = buildReport({
      sweepName: 'branin',
      sweepId: 'sweep-b',
      records: generateBraninRecords(),
      objective: BRANIN_OBJECTIVE,
    });
    const { page, problems } = await open(await renderHtml(report));
    const charts = await page.$$eval('figure.chart', (figures) =>
      figures.map((f) => ({
        id: f.getAttribute('data-chart'),
        marks: f.querySelectorAll(
          'svg g.mark-symbol path, svg g.mark-rule line, svg g.mark-line path, svg g.mark-area path',
        ).length,
      })),
    );
    // One parameter (lr): no heat map, which needs two.
    expect(charts.map((c) => c.id)).toEqual([
      'objective',
      'learning-curves',
      'forest',
      ...profile(report),
      ...SEARCH_CHARTS.filter((id) => id !== 'contour'),
    ]);
    for (const c of charts) expect(c.marks, c.id ?? '').toBeGreaterThan(0);
    expect(
      await page.$$eval('figure[data-chart="learning-curves"] g.mark-line path', (ps) => ps.length),
    ).toBe(report.groups.length);
    expect(await page.textContent('[data-best]')).toMatch(/best group by final value \(min\): lr=0\.02/i);
    expect(await page.$$eval('[data-claim]', (li) => li.length)).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("draws a sampler sweep's search: history, importance, parallel coordinates, slices, heat map, kept and pruned curves", async () => {
    const { records, stopped, plannedKeys } = generateSamplerSweep();
    const report = buildReport({
      sweepName: 'branin-search',
      sweepId: 'sweep-search',
      records,
      objective: BRANIN_OBJECTIVE,
      search: { plannedKeys, stopped },
      leaderboard: { sampler: 'random' },
    });
    const complete = records.length;
    expect(stopped.length).toBeGreaterThan(5);
    expect(report.search?.order).toBe('plan');
    const { page, problems } = await open(await renderHtml(report));
    const count = (selector: string) => page.$$eval(selector, (els) => els.length);
    const charts = await page.$$eval(
      'figure.chart',
      (figures, marks) =>
        figures.map((f) => ({
          id: f.getAttribute('data-chart'),
          svgs: f.querySelectorAll('svg').length,
          marks: f.querySelectorAll(marks).length,
          width: f.querySelector('svg')?.getBoundingClientRect().width ?? 0,
        })),
      MARKS,
    );
    expect(charts.map((c) => c.id)).toEqual([
      'objective',
      'learning-curves',
      ...profile(report),
      ...SEARCH_CHARTS,
    ]);
    for (const c of charts) {
      expect(c.svgs, c.id ?? '').toBe(1);
      expect(c.marks, c.id ?? '').toBeGreaterThan(0);
      expect(c.width, c.id ?? '').toBeGreaterThan(100);
    }
    const chart = (id: string) => `figure[data-chart="${id}"]`;
    // History: a point per complete trial and one running-best line.
    expect(await count(`${chart('history')} g.mark-symbol path`)).toBe(complete);
    expect(await count(`${chart('history')} g.mark-line path`)).toBe(1);
    // Importance: a bar per parameter, shares summing to 1.
    expect(await count(`${chart('importance')} g.mark-rect path`)).toBe(4);
    const shares = report.search?.importance?.params.map((p) => p.importance) ?? [];
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    // Parallel coordinates: a line per complete trial over 4 parameters and the objective.
    expect(await count(`${chart('parallel-coordinates')} g.mark-line path`)).toBe(complete);
    expect(await count(`${chart('parallel-coordinates')} g.mark-rule line`)).toBe(5);
    // Slices: a point per trial in each of the 4 panels.
    expect(await count(`${chart('slice')} g.mark-symbol path`)).toBe(4 * complete);
    // Heat map over the two most important parameters: some cells, at most 8 × 8.
    const cells = await count(`${chart('contour')} g.mark-rect path`);
    expect(cells).toBeGreaterThan(5);
    expect(cells).toBeLessThanOrEqual(64);
    // Intermediate values: a line per trial, kept and pruned in two colours.
    expect(await count(`${chart('intermediate-values')} g.mark-line path`)).toBe(complete + stopped.length);
    const strokes = await page.$$eval(`${chart('intermediate-values')} g.mark-line path`, (ps) => [
      ...new Set(ps.map((p) => p.getAttribute('stroke'))),
    ]);
    expect(strokes).toHaveLength(2);
    // The leaderboard (leaderboard-table.ts) ranks the configurations; one seed each: no group table.
    expect(await count('[data-leaderboard] tbody tr')).toBe(complete);
    expect(await page.$$eval('h2', (hs) => hs.map((h) => h.textContent))).not.toContain('Groups');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('saves every chart of the HTML report as charts/<id>.png beside report.html', async () => {
    const { records, stopped, plannedKeys } = generateSamplerSweep({ trials: 20 });
    const report = buildReport({
      sweepName: 'branin-search',
      sweepId: 'sweep-png',
      records,
      objective: BRANIN_OBJECTIVE,
      search: { plannedKeys, stopped },
    });
    // A sweep's own report at its end writes the page only: the PNGs are `seedsweep report --format html`'s.
    const pageOnly = join(dir, 'page-only');
    await writeReport({ report, formats: ['html'], outDir: pageOnly });
    expect(await readdir(pageOnly)).toEqual(['report.html']);
    const outDir = join(dir, 'png');
    await writeReport({ report, formats: ['html'], outDir, chartImages: true });
    const html = await readFile(join(outDir, 'report.html'), 'utf8');
    const ids = [...html.matchAll(/data-chart="([^"]+)"/g)].map((m) => m[1]);
    expect((await readdir(join(outDir, 'charts'))).sort()).toEqual(ids.map((id) => `${id}.png`).sort());
    for (const id of ids) {
      const png = PNG.sync.read(await readFile(join(outDir, 'charts', `${id}.png`)));
      expect(png.width, id).toBeGreaterThan(200);
      // Drawn, not blank: a share of the pixels is not white.
      let ink = 0;
      for (let i = 0; i < png.data.length; i += 4) if (png.data[i]! < 200) ink += 1;
      expect(ink / (png.width * png.height), id).toBeGreaterThan(0.005);
    }
  });
});
