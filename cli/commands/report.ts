/**
 * `seedsweep report <sweep-id>`: statistics and comparisons of a sweep's finished trials, read back
 * from the tracker (the spec and dataset fingerprint come from the sweep's workflow input).
 */
import path from 'node:path';
import type { Command } from 'commander';
import { collectSweepRecords } from '../../activities/aggregate.js';
import { buildReport, parseReportFormat, renderReport, writeReport } from '../../analysis/report.js';
import { openTemporalSession } from '../../client/session.js';
import { latestInput } from '../../client/sweeps.js';
import { UserError } from '../../common/errors.js';
import { stateDir } from '../../common/paths.js';
import { createTracker } from '../../tracking/index.js';
import { info } from '../output.js';

export function register(program: Command): void {
  program
    .command('report')
    .description("Statistics of a sweep's finished trials: per-group summaries, paired comparisons, the study's interpretation.")
    .argument('<sweep-id>', "the sweep id printed by 'seedsweep run' (see 'seedsweep list')")
    .option('--format <format>', 'table | md | json | html', 'table')
    .option('--out <dir>', 'write the report file here instead of printing it (html is always written; default reports/<sweep-id>)')
    .action(async (sweepId: string, flags: { format: string; out?: string }) => {
      const format = parseReportFormat(flags.format);
      const session = await openTemporalSession();
      let input;
      try {
        input = await latestInput(session.client, sweepId);
      } finally {
        await session.close();
      }
      const tracker = await createTracker({ stateDir: stateDir() });
      const records = await collectSweepRecords({ tracker, spec: input.spec, datasetFingerprint: input.datasetFingerprint, sweepId });
      if (records.length === 0) {
        throw new UserError(
          'E_REPORT_NO_TRIALS',
          `sweep ${sweepId} has no finished trials in the tracker yet; check 'seedsweep status ${sweepId}' and run 'seedsweep sync' if the tracker was down.`,
        );
      }
      const report = buildReport({ sweepName: input.spec.name, sweepId, records, comparisons: input.spec.comparisons });
      // HTML is a page to open, not something to print; other formats print unless --out is given.
      if (flags.out || format === 'html') {
        const outDir = path.resolve(flags.out ?? path.join('reports', sweepId));
        const [written] = await writeReport({ report, formats: [format], outDir });
        info(`report (${format}): ${written?.path}`);
        process.stdout.write(`${written?.path}\n`);
        return;
      }
      process.stdout.write(await renderReport({ report, format }));
      if (format !== 'json') process.stdout.write('\n');
    });
}
