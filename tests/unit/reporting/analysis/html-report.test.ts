/** The HTML report opens in headless Chromium with every chart rendered and no console errors. */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport, renderHtml } from '../../../../src/reporting/analysis/report.js';
import { BRANIN_OBJECTIVE, generateBraninRecords, generateRecords, STUDY } from './records.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

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

  it('renders all four charts as SVG with marks and a size, without console errors', async () => {
    const report = buildReport({
      sweepName: 'conv-study',
      sweepId: 'sweep-html',
      records: generateRecords(),
      synthetic: true,
      ...STUDY,
    });
    const { page, problems } = await open(await renderHtml(report));
    const charts = await page.$$eval('figure.chart', (figures) =>
      figures.map((f) => {
        const svg = f.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        return {
          id: f.getAttribute('data-chart'),
          width: box?.width ?? 0,
          height: box?.height ?? 0,
          marks: svg
            ? svg.querySelectorAll(
                'g.mark-symbol path, g.mark-rule line, g.mark-line path, g.mark-area path, g.mark-text text',
              ).length
            : 0,
        };
      }),
    );
    expect(charts.map((c) => c.id)).toEqual([
      'test-accuracy',
      'learning-curves',
      'accuracy-vs-parameters',
      'forest',
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
    expect(charts.map((c) => c.id)).toEqual(['objective', 'learning-curves', 'forest']);
    for (const c of charts) expect(c.marks, c.id ?? '').toBeGreaterThan(0);
    expect(
      await page.$$eval('figure[data-chart="learning-curves"] g.mark-line path', (ps) => ps.length),
    ).toBe(report.groups.length);
    expect(await page.textContent('[data-best]')).toMatch(/best group by final value \(min\): lr=0\.02/i);
    expect(await page.$$eval('[data-claim]', (li) => li.length)).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });
});
