/** The leaderboard as a text table for the terminal, Markdown (and HTML) renderers, and its legend (see leaderboard.ts). */
import type { ParamValue } from '../../core/domain/trial.js';
import { formatValue } from './format.js';
import type { LeaderboardEntry } from './leaderboard-types.js';
import type { TextTable } from './report-rows.js';
import type { SweepReport } from './report-types.js';

const paramText = (v: ParamValue): string => {
  if (typeof v !== 'number') return String(v);
  return Number.isInteger(v) ? `${v < 0 ? '−' : ''}${Math.abs(v)}` : formatValue(v);
};

/** The leaderboard as a text table: rank, the objective, parameters (one column each), reached, why. */
export function leaderboardTable(
  report: SweepReport,
  target: 'terminal' | 'document',
): TextTable | undefined {
  const board = report.leaderboard;
  if (!board) return undefined;
  const names = [...new Set(board.entries.flatMap((e) => Object.keys(e.params)))];
  const seeds = board.entries.some((e) => e.planned > 1);
  const limit = target === 'terminal' ? 50 : Infinity;
  const reached = (e: LeaderboardEntry): string => {
    if (e.epoch === null) return '–';
    const where = [
      e.bracket !== undefined ? `bracket ${e.bracket}` : '',
      e.rung !== undefined ? `rung ${e.rung}` : '',
    ].filter(Boolean);
    return where.length > 0 ? `${e.epoch} (${where.join(', ')})` : String(e.epoch);
  };
  return {
    header: [
      'rank',
      `${report.objective.metric} (${report.objective.mode})`,
      ...(seeds ? ['n'] : []),
      ...names,
      'epoch reached',
      'stopped',
    ],
    numeric: [true, true, ...(seeds ? [true] : []), ...names.map(() => true), true, false],
    rows: board.entries
      .slice(0, limit)
      .map((e) => [
        e.rank === null ? '–' : String(e.rank),
        formatValue(e.value),
        ...(seeds ? [`${e.n}/${e.planned}`] : []),
        ...names.map((name) => (e.params[name] === undefined ? '–' : paramText(e.params[name]!))),
        reached(e),
        e.why,
      ]),
  };
}

/** The sentence under the leaderboard. */
export function leaderboardLegend(report: SweepReport): string {
  const board = report.leaderboard;
  if (!board) return '';
  const shown =
    board.entries.length > 50
      ? ' The terminal shows the first 50; the Markdown and JSON reports list all.'
      : '';
  return (
    `Configurations proposed by sampler ${board.sampler}, ranked by final ${report.objective.metric} ` +
    `(${report.objective.mode === 'min' ? 'lower' : 'higher'} is better; the mean over a configuration's finished seeds; ties by group key). ` +
    `Configurations without a final value follow, unranked, the furthest first. ` +
    (board.pruner === 'asha' || board.pruner === 'hyperband'
      ? `Epoch reached: the last epoch any seed trained, with the ${board.pruner === 'hyperband' ? 'bracket and ' : ''}rung (the rung count when it trained every epoch). `
      : 'Epoch reached: the last epoch any seed trained. ') +
    `Pruned configurations are counted as pruned, not as missing seeds.${shown}`
  );
}

/**
 * The group table of a search-shaped report keeps only the configurations with several finished
 * seeds (the leaderboard ranks the rest); other reports' tables are returned as they are.
 */
export function multiSeedGroups(report: SweepReport, table: TextTable): TextTable {
  if (!report.leaderboard || table.rows.length !== report.groups.length) return table;
  return { ...table, rows: table.rows.filter((_, i) => (report.groups[i]?.n ?? 0) >= 2) };
}
