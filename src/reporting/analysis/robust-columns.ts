/**
 * The robust statistics in the report's tables: an `IQM [95 % CI]` column at the end of the group
 * table (documents: Markdown and HTML; the terminal's table stays narrow) and a `P(a better)`
 * column before the comparison table's `better`. Reports without them (stored by earlier versions)
 * get no extra column.
 */
import { formatInterval, formatNumber, formatValue } from './format.js';
import type { SweepReport } from './report-types.js';

/** report-rows.ts's `TextTable` and `TableTarget`, restated: that module calls this one. */
interface TextTable {
  header: string[];
  rows: string[][];
  numeric: boolean[];
}
type TableTarget = 'terminal' | 'document';

const hasIqm = (report: SweepReport): boolean => report.groups.some((g) => g.iqm !== undefined);
const hasImprovement = (report: SweepReport): boolean =>
  report.comparisons.some((c) => c.probabilityOfImprovement !== undefined);

/** A value and its CI in one cell: `0.6812 [0.6751, 0.6934]`, the value alone without a CI. */
function withInterval(
  value: number | null | undefined,
  ci: readonly [number, number] | null | undefined,
  format: (x: number) => string,
): string {
  if (value === null || value === undefined) return '–';
  return ci ? `${format(value)} ${formatInterval(ci, format)}` : format(value);
}

/** The group table with the IQM column appended (documents only; rows in the report's group order). */
export function withIqmColumn(table: TextTable, report: SweepReport, target: TableTarget): TextTable {
  if (target === 'terminal' || !hasIqm(report)) return table;
  return {
    header: [...table.header, 'IQM [95 % CI]'],
    numeric: [...table.numeric, true],
    rows: table.rows.map((row, i) => {
      const iqm = report.groups[i]?.iqm;
      return [...row, withInterval(iqm?.value, iqm?.ci95, (x) => formatValue(x))];
    }),
  };
}

/** The comparison table with `P(a better) [95 % CI]` before its last column (`better`). */
export function withImprovementColumn(table: TextTable, report: SweepReport): TextTable {
  if (!hasImprovement(report)) return table;
  const at = Math.max(0, table.header.length - 1);
  const insert = <T>(row: readonly T[], cell: T): T[] => [...row.slice(0, at), cell, ...row.slice(at)];
  return {
    header: insert(table.header, 'P(a better) [95 % CI]'),
    numeric: insert(table.numeric, true),
    rows: table.rows.map((row, i) => {
      const p = report.comparisons[i]?.probabilityOfImprovement;
      return insert(
        row,
        withInterval(p?.value, p?.ci95, (x) => formatNumber(x)),
      );
    }),
  };
}

/** The group legend's sentence on the IQM ('' when the column is not shown). */
export function iqmLegend(report: SweepReport, target: TableTarget): string {
  if (target === 'terminal' || !hasIqm(report)) return '';
  return (
    ` IQM: interquartile mean of the objective (mean of the middle 50 % of seeds, robust to outlying seeds) ` +
    `with a stratified-bootstrap 95 % CI (rliable's definition; no CI for one seed).`
  );
}

/** The comparison legend's sentence on P(a better) ('' when the column is not shown). */
export function improvementLegend(report: SweepReport): string {
  if (!hasImprovement(report)) return '';
  const better = report.objective.mode === 'min' ? 'lower' : 'higher';
  return (
    ` P(a better): probability that a random seed of a has a ${better} final \`${report.objective.metric}\` than a random seed of b ` +
    `(ties count half; on the compared seeds), with a bootstrap 95 % CI resampling each side (rliable's probability of improvement).`
  );
}
