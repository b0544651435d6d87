/** The report as Markdown: tables, the interpretation with its decision rule, and notes. */
import { groupTable, comparisonTable, SYNTHETIC_BANNER, type TextTable } from './report-rows.js';
import type { SweepReport } from './report-types.js';

const escapeCell = (text: string): string => text.replace(/\|/g, '\\|');

/** A GitHub-flavoured Markdown table, numeric columns right-aligned. */
export function markdownTable(table: TextTable): string {
  const row = (cells: string[]): string => `| ${cells.map(escapeCell).join(' | ')} |`;
  return [row(table.header), `|${table.numeric.map((n) => (n ? ' ---: ' : ' --- ')).join('|')}|`, ...table.rows.map(row)].join('\n');
}

/** Renders the report as a Markdown document. */
export function renderMarkdown(report: SweepReport): string {
  const out: string[] = [`# Sweep report: ${report.sweepName}`, ''];
  if (report.synthetic) out.push(`> **${SYNTHETIC_BANNER}**`, '');
  out.push(`Sweep id \`${report.sweepId}\` · ${report.trialCount} trials in ${report.groups.length} groups · generated ${report.generatedAt}`, '');
  out.push('## Groups', '', markdownTable(groupTable(report)), '');
  out.push(
    `Means over seeds with 95 % confidence intervals from the t distribution. Gap = final train − test accuracy. ` +
      `Convergence = first epoch reaching ${Math.round(report.convergenceFraction * 100)} % of the trial's final test accuracy.`,
    '',
  );
  if (report.comparisons.length > 0) {
    out.push('## Comparisons', '', markdownTable(comparisonTable(report)), '');
    out.push(
      `Paired on shared seeds (paired t test, Wilcoxon signed-rank: exact without ties, normal approximation otherwise), ` +
        `Welch's t otherwise. Holm–Bonferroni across the comparisons, separately per metric. Hedges' g: g_av when paired. ` +
        `Bootstrap: ${report.bootstrap.method}, ${report.bootstrap.resamples} resamples, seed ${report.bootstrap.seed}.`,
      '',
    );
  }
  const { claims, omitted, decisionRule } = report.interpretation;
  out.push('## Interpretation', '');
  if (claims.length === 0) out.push('The sweep\'s groups cannot address any of the study\'s claims.', '');
  for (const c of claims) out.push(`- **${c.id}. ${c.verdict}** — ${c.claim}  `, `  ${c.evidence}`);
  if (claims.length > 0) out.push('');
  if (omitted.length > 0) {
    out.push('Omitted claims:', '', ...omitted.map((o) => `- ${o.id}. ${o.claim} — ${o.reason}`), '');
  }
  out.push(`*Decision rule.* ${decisionRule}`, '');
  if (report.notes.length > 0) out.push('## Notes', '', ...report.notes.map((n) => `- ${n}`), '');
  return out.join('\n');
}
