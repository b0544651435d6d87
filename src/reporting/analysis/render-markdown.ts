/** The report as Markdown: tables, the interpretation (with a plug-in) with its decision rule, and notes. */
import { bestLine, trialCountText, type TextTable } from './report-rows.js';
import { leaderboardLegend, leaderboardTable, multiSeedGroups } from './leaderboard-table.js';
import type { SweepReport } from './report-types.js';
import { renderParetoMarkdown } from './pareto.js';
import { reportColumns } from './report-view.js';
import { seedVarianceSection } from './seed-variance-report.js';

const escapeCell = (text: string): string => text.replace(/\|/g, '\\|');

/** A GitHub-flavoured Markdown table, numeric columns right-aligned. */
export function markdownTable(table: TextTable): string {
  const row = (cells: string[]): string => `| ${cells.map(escapeCell).join(' | ')} |`;
  return [
    row(table.header),
    `|${table.numeric.map((n) => (n ? ' ---: ' : ' --- ')).join('|')}|`,
    ...table.rows.map(row),
  ].join('\n');
}

/** Renders the report as a Markdown document. */
export function renderMarkdown(report: SweepReport): string {
  const columns = reportColumns(report, 'document');
  const out: string[] = [`# Sweep report: ${report.sweepName}`, ''];
  if (report.synthetic) out.push(`> **${columns.syntheticBanner}**`, '');
  out.push(
    `Sweep id \`${report.sweepId}\` · ${trialCountText(report)} · generated ${report.generatedAt}`,
    '',
  );
  const leaderboard = leaderboardTable(report, 'document');
  if (leaderboard)
    out.push('## Leaderboard', '', markdownTable(leaderboard), '', leaderboardLegend(report), '');
  // A search's group table keeps the configurations with several seeds (none: no table).
  const groupTable = multiSeedGroups(report, columns.groups);
  if (groupTable.rows.length > 0) {
    out.push('## Groups', '', markdownTable(groupTable), '');
    out.push(columns.groupsLegend, '');
  }
  if (report.plugin === null) {
    const line = bestLine(report);
    out.push(`${line.charAt(0).toUpperCase()}${line.slice(1)}.`, '');
  }
  if (report.comparisons.length > 0) {
    out.push('## Comparisons', '', markdownTable(columns.comparisons), '');
    out.push(
      `${columns.comparisonsLegend} Bootstrap: ${report.bootstrap.method}, ${report.bootstrap.resamples} resamples, seed ${report.bootstrap.seed}.`,
      '',
    );
  }
  if (report.pareto) out.push(renderParetoMarkdown(report.pareto));
  if (report.seedVariance) {
    const section = seedVarianceSection(report.seedVariance);
    out.push('## Variance by seed source', '', markdownTable(section.table), '', ...section.lines, '');
  }
  if (report.interpretation) {
    const { claims, omitted, decisionRule } = report.interpretation;
    out.push('## Interpretation', '');
    if (claims.length === 0) out.push("The sweep's groups cannot address any of the study's claims.", '');
    for (const c of claims) out.push(`- **${c.id}. ${c.verdict}** — ${c.claim}  `, `  ${c.evidence}`);
    if (claims.length > 0) out.push('');
    if (omitted.length > 0) {
      out.push('Omitted claims:', '', ...omitted.map((o) => `- ${o.id}. ${o.claim} — ${o.reason}`), '');
    }
    out.push(`*Decision rule.* ${decisionRule}`, '');
  }
  if (report.notes.length > 0) out.push('## Notes', '', ...report.notes.map((n) => `- ${n}`), '');
  return out.join('\n');
}
