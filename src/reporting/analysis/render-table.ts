/** The report as aligned plain-text tables for a terminal (no colours: safe to pipe and to log). */
import {
  bestLine,
  otherMetrics,
  TERMINAL_OTHER_METRICS,
  trialCountText,
  type TextTable,
} from './report-rows.js';
import type { SweepReport } from './report-types.js';
import { reportColumns } from './report-view.js';
import { leaderboardTable, multiSeedGroups } from './leaderboard-table.js';
import { seedVarianceSummary, seedVarianceTable } from './seed-variance-report.js';

/** Aligns a table's columns with two spaces between them and a rule under the header. */
export function alignColumns(table: TextTable): string {
  const all = [table.header, ...table.rows];
  const widths = table.header.map((_, col) => Math.max(...all.map((row) => [...(row[col] ?? '')].length)));
  const line = (row: string[]): string =>
    row
      .map((cell, col) => {
        const pad = ' '.repeat(Math.max(0, (widths[col] ?? 0) - [...cell].length));
        return table.numeric[col] ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('  ');
  return [line(table.header), rule, ...table.rows.map(line)].join('\n');
}

const VERDICT_MARK = {
  supported: '✔ supported',
  'not supported': '✘ not supported',
  inconclusive: '? inconclusive',
} as const;

/** Renders the report for a terminal: groups, comparisons, best (generic) or interpretation (plug-in), notes. */
export function renderTable(report: SweepReport): string {
  const columns = reportColumns(report, 'terminal');
  const out: string[] = [];
  if (report.synthetic) out.push(`*** ${columns.syntheticBanner} ***`, '');
  out.push(`Sweep ${report.sweepName} (${report.sweepId}) — ${trialCountText(report)}`, '');
  const leaderboard = leaderboardTable(report, 'terminal');
  if (leaderboard) out.push('Leaderboard', alignColumns(leaderboard), '');
  // A search's group table keeps the configurations with several seeds (none: no table).
  const groupTable = multiSeedGroups(report, columns.groups);
  if (groupTable.rows.length > 0) out.push(alignColumns(groupTable), '');
  if (report.plugin === null) {
    const hidden = otherMetrics(report).length > TERMINAL_OTHER_METRICS;
    out.push(
      `Objective: final ${report.objective.metric} (${report.objective.mode === 'min' ? 'lower' : 'higher'} is better); ${bestLine(report)}`,
    );
    if (hidden) out.push('(more metrics in the Markdown and JSON reports)');
    out.push('');
  }
  if (report.comparisons.length > 0) {
    out.push(
      `Comparisons (differences a − b; bootstrap: ${report.bootstrap.method}, ${report.bootstrap.resamples} resamples, seed ${report.bootstrap.seed})`,
    );
    out.push(alignColumns(columns.comparisons), '');
  }
  if (report.seedVariance)
    out.push(
      'Variance by seed source',
      alignColumns(seedVarianceTable(report.seedVariance)),
      ...seedVarianceSummary(report.seedVariance).map((line) => `  ${line}`),
      '',
    );
  if (report.interpretation) {
    const { claims, omitted } = report.interpretation;
    if (claims.length > 0 || omitted.length > 0) {
      out.push('Interpretation');
      for (const c of claims)
        out.push(`  ${c.id.padEnd(3)} ${VERDICT_MARK[c.verdict]}: ${c.claim}`, `      ${c.evidence}`);
      for (const o of omitted) out.push(`  ${o.id.padEnd(3)} omitted: ${o.claim} (${o.reason})`);
      out.push('');
    }
  }
  if (report.notes.length > 0) out.push('Notes', ...report.notes.map((n) => `  - ${n}`), '');
  return out.join('\n');
}
