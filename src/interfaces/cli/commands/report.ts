/**
 * `seedsweep report <sweep-id>`: statistics and comparisons of a sweep's finished trials, read back
 * from the tracker (the spec and dataset fingerprint come from the sweep's workflow input; a sweep Temporal
 * no longer knows is looked up in the tracker by id or name, see src/temporal/client/sweep-records.ts).
 */
import path from 'node:path';
import type { Command } from 'commander';
import { checkSafeName, resolveInside, userPath } from '../../../core/common/safe-names.js';
import { info } from '../output.js';
import { sweepArgument } from '../sweep-argument.js';

/**
 * Where `report` writes: `--out` as given (the user's choice of folder), else `reports/<sweep-id>`,
 * where the id must be one safe name so that `seedsweep report ../../x` cannot write outside reports/.
 */
export function reportDir(sweepId: string, out?: string, cwd = process.cwd()): string {
  if (out !== undefined) return userPath(out, '--out', cwd);
  return resolveInside(path.join(cwd, 'reports'), checkSafeName(sweepId, 'sweep id'));
}

export function register(program: Command): void {
  program
    .command('report')
    .description(
      "Statistics of a sweep's finished trials: per-group summaries, paired comparisons, the study's interpretation.",
    )
    .addArgument(
      sweepArgument(
        '<sweep-id>',
        "the sweep id printed by 'seedsweep run' (see 'seedsweep list'), or a sweep name",
      ),
    )
    .option('--format <format>', 'table | md | json | html', 'table')
    .option(
      '--out <dir>',
      'write the report file here instead of printing it (html is always written; default reports/<sweep-id>)',
    )
    .option(
      '--recompute',
      "build the report from the trials' records even when the sweep stored one when it ended",
    )
    .action(async (sweepId: string, flags: { format: string; out?: string; recompute?: boolean }) => {
      const { parseReportFormat, renderReport, writeReport } =
        await import('../../../reporting/analysis/report.js');
      const format = parseReportFormat(flags.format);
      // Where it would be written, checked before any server is asked (an empty --out, NUL, `../` ids).
      const outDir = flags.out || format === 'html' ? reportDir(sweepId, flags.out) : undefined;
      const { backendLine, backendUsage } = await import('../../../reporting/results/backends.js');
      const { loadSweep, reportOfSweep, requireRecords, storedReport, withSweepLookup } =
        await import('../../../temporal/client/sweep-records.js');
      const { report, backends } = await withSweepLookup(async (lookup) => {
        // A finished sweep's own report, as its aggregation stored it: no need to read every trial again.
        const stored = flags.recompute ? undefined : await storedReport(lookup, sweepId);
        if (stored) {
          info(
            `report of sweep ${sweepId} as its aggregation stored it at ${stored.generatedAt} (${stored.trialCount} trials); --recompute builds it again from the trials' records`,
          );
          return { report: stored, backends: stored.backends ?? [] };
        }
        const sweep = await loadSweep(lookup, sweepId);
        const records = requireRecords(sweep, 'E_REPORT_NO_TRIALS');
        const built = reportOfSweep(sweep, records, sweepId);
        return { report: built, backends: backendUsage(records) };
      });
      // HTML is a page to open, not something to print; other formats print unless --out is given.
      if (outDir !== undefined) {
        const [written] = await writeReport({ report, formats: [format], outDir, chartImages: true });
        info(`report (${format}): ${written?.path}`);
        process.stdout.write(`${written?.path}\n`);
        return;
      }
      process.stdout.write(await renderReport({ report, format }));
      if (format !== 'json') process.stdout.write('\n');
      // The table is for people reading a terminal: say what the trials ran on (from their results).
      const line = format === 'table' ? backendLine(backends) : undefined;
      if (line !== undefined) process.stdout.write(`\n${line}\n`);
    });
}
