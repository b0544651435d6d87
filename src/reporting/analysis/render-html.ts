/** The report as one self-contained HTML page: tables, interpretation and inline SVG charts. */
import { renderSvg } from './charts.js';
import { bestLine, trialCountText, type TextTable } from './report-rows.js';
import type { InterpretationReport, SweepReport } from './report-types.js';
import { reportCharts, reportColumns } from './report-view.js';
import { leaderboardLegend, leaderboardTable, multiSeedGroups } from './leaderboard-table.js';
import { performanceProfileChart } from './robust-charts.js';
import { seedVarianceChart } from './seed-variance-chart.js';
import { seedVarianceSection } from './seed-variance-report.js';
import { searchCharts } from './sweep-charts.js';
import { paretoChart } from './pareto.js';

/** A chart rendered: its id (`data-chart`, and the PNG's name `charts/<id>.png`), title and SVG document. */
export interface RenderedChart {
  id: string;
  title: string;
  svg: string;
}

// The HTML page and the PNG files draw the same SVGs: render each report's charts once.
const rendered = new WeakMap<SweepReport, Promise<RenderedChart[]>>();

/**
 * Vega numbers the ids of gradients and clip paths from a counter of the process (`gradient_3`), so the
 * same report would render differently each time and two SVGs on one page could share an id: number
 * them per chart instead (`history-gradient-0`).
 */
function scopeSvgIds(svg: string, chartId: string): string {
  const ids = new Map<string, string>();
  for (const m of svg.matchAll(/\sid="((?:gradient_|clip|pattern_)\d+)"/g))
    if (!ids.has(m[1]!)) ids.set(m[1]!, `${chartId}-${m[1]!.replace(/_?\d+$/, '')}-${ids.size}`);
  if (ids.size === 0) return svg;
  return svg.replace(
    /(id="|url\(#)((?:gradient_|clip|pattern_)\d+)(?=[")])/g,
    (all, head: string, id: string) => (ids.has(id) ? `${head}${ids.get(id)!}` : all),
  );
}

/** Every chart of the report as SVG: the plug-in's or the generic ones, performance profiles, then the search charts. */
export function renderCharts(report: SweepReport): Promise<RenderedChart[]> {
  let charts = rendered.get(report);
  if (!charts) {
    charts = Promise.all(
      [
        ...reportCharts(report),
        performanceProfileChart(report),
        seedVarianceChart(report),
        ...searchCharts(report),
        report.pareto ? paretoChart(report.pareto) : undefined,
      ]
        .filter((c) => c !== undefined)
        .map(async (c) => ({
          id: c.id,
          title: c.title,
          svg: scopeSvgIds(await renderSvg(c.spec), c.id),
        })),
    );
    rendered.set(report, charts);
  }
  return charts;
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function htmlTable(table: TextTable): string {
  const cell = (tag: 'th' | 'td', text: string, col: number): string =>
    `<${tag}${table.numeric[col] ? ' class="num"' : ''}>${escapeHtml(text)}</${tag}>`;
  const head = `<tr>${table.header.map((h, i) => cell('th', h, i)).join('')}</tr>`;
  const body = table.rows.map((r) => `<tr>${r.map((c, i) => cell('td', c, i)).join('')}</tr>`).join('\n');
  return `<table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 13px; }
th, td { padding: 0.25rem 0.6rem; border-bottom: 1px solid #ddd; text-align: left; white-space: nowrap; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; }
.synthetic { background: #fff3cd; border: 2px solid #e0a800; padding: 0.6rem 1rem; font-weight: 600; }
.verdict { font-weight: 600; }
.verdict.supported { color: #1e7b34; } .verdict.not-supported { color: #b02a37; } .verdict.inconclusive { color: #8a6d00; }
figure.chart { margin: 1.5rem 0; } figure.chart figcaption { font-weight: 600; margin-bottom: 0.4rem; }
.evidence { color: #444; font-size: 13px; }
.wide { overflow-x: auto; }
`;

/** Renders the report as a self-contained HTML page (no scripts, no external resources). */
export async function renderHtml(report: SweepReport): Promise<string> {
  const charts = (await renderCharts(report)).map(
    (c) =>
      `<figure class="chart" data-chart="${c.id}">\n<figcaption>${escapeHtml(c.title)}</figcaption>\n${c.svg}\n</figure>`,
  );
  const columns = reportColumns(report, 'document');
  const title = `Sweep report: ${report.sweepName}${report.synthetic ? ' (synthetic data)' : ''}`;
  const parts: string[] = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<h1>${escapeHtml(title)}</h1>`,
  ];
  if (report.synthetic)
    parts.push(`<p class="synthetic" data-synthetic="true">${escapeHtml(columns.syntheticBanner)}</p>`);
  parts.push(
    `<p>Sweep id <code>${escapeHtml(report.sweepId)}</code> · ${escapeHtml(trialCountText(report))} · generated ${escapeHtml(report.generatedAt)}</p>`,
  );
  // A sampler sweep's leaderboard (leaderboard-table.ts) comes first: a search is read best first.
  const leaderboard = leaderboardTable(report, 'document');
  if (leaderboard)
    parts.push(
      '<h2>Leaderboard</h2>',
      `<div class="wide" data-leaderboard="true">${htmlTable(leaderboard)}</div>`,
      `<p class="evidence">${escapeHtml(leaderboardLegend(report).replace(/`/g, "'"))}</p>`,
    );
  // A search's group table keeps the configurations with several seeds (none: no table), as in Markdown.
  const groupTable = multiSeedGroups(report, columns.groups);
  if (groupTable.rows.length > 0)
    parts.push('<h2>Groups</h2>', `<div class="wide">${htmlTable(groupTable)}</div>`);
  if (report.plugin === null) {
    const line = bestLine(report);
    if (groupTable.rows.length > 0)
      parts.push(`<p class="evidence">${escapeHtml(columns.groupsLegend.replace(/`/g, "'"))}</p>`);
    parts.push(
      `<p class="best" data-best="true">${escapeHtml(`${line.charAt(0).toUpperCase()}${line.slice(1)}.`)}</p>`,
    );
  }
  if (report.comparisons.length > 0)
    parts.push('<h2>Comparisons</h2>', `<div class="wide">${htmlTable(columns.comparisons)}</div>`);
  if (report.seedVariance) {
    const section = seedVarianceSection(report.seedVariance);
    parts.push(
      '<h2>Variance by seed source</h2>',
      `<div class="wide" data-seed-variance="true">${htmlTable(section.table)}</div>`,
      ...section.lines.map((l) => `<p class="evidence">${escapeHtml(l)}</p>`),
    );
  }
  if (report.interpretation) parts.push(...interpretationHtml(report.interpretation));
  parts.push('<h2>Charts</h2>', ...charts);
  if (report.notes.length > 0)
    parts.push('<h2>Notes</h2><ul>', ...report.notes.map((n) => `<li>${escapeHtml(n)}</li>`), '</ul>');
  parts.push('</body>', '</html>', '');
  return parts.join('\n');
}

function interpretationHtml({ claims, omitted, decisionRule }: InterpretationReport): string[] {
  const parts = ['<h2>Interpretation</h2>'];
  if (claims.length > 0) {
    parts.push(
      '<ul class="claims">',
      ...claims.map(
        (c) =>
          `<li data-claim="${escapeHtml(c.id)}"><span class="verdict ${c.verdict.replace(' ', '-')}">${escapeHtml(c.id)}. ${escapeHtml(c.verdict)}</span> — ${escapeHtml(c.claim)}<div class="evidence">${escapeHtml(c.evidence)}</div></li>`,
      ),
      '</ul>',
    );
  } else {
    parts.push("<p>The sweep's groups cannot address any of the study's claims.</p>");
  }
  if (omitted.length > 0)
    parts.push(
      '<p>Omitted claims:</p><ul>',
      ...omitted.map((o) => `<li>${escapeHtml(`${o.id}. ${o.claim} — ${o.reason}`)}</li>`),
      '</ul>',
    );
  parts.push(`<p><em>Decision rule.</em> ${escapeHtml(decisionRule)}</p>`);
  return parts;
}
