/** `seedsweep status <sweep-id>`: a sweep's state, per-trial progress while running, its summary when done. */
import type { Command } from 'commander';
import { summaryText } from '../../../temporal/client/print-summary.js';
import { openTemporalSession } from '../../../temporal/client/session.js';
import { getSweepStatus } from '../../../temporal/client/sweeps.js';
import { printJson } from '../output.js';
import { sweepArgument } from '../sweep-argument.js';

export function register(program: Command): void {
  program
    .command('status')
    .description('Show a sweep: state, counts and running trials; the results summary once it completed.')
    .addArgument(
      sweepArgument('<sweep-id>', "the sweep id printed by 'seedsweep run' (see 'seedsweep list')"),
    )
    .option('--json', 'print one JSON document')
    .action(async (sweepId: string, flags: { json?: boolean }) => {
      const session = await openTemporalSession();
      try {
        const status = await getSweepStatus({ client: session.client, sweepId });
        if (flags.json) return printJson(status);
        const out: string[] = [
          `sweep ${status.sweepId} (${status.sweepName}): ${status.status}, started ${status.startTime}${status.closeTime ? `, closed ${status.closeTime}` : ''}`,
        ];
        const p = status.progress;
        if (p) {
          const c = p.counts;
          out.push(
            `  ${p.phase}: ${c.finished} finished, ${c.running} running, ${c.pending} pending, ${c.failed} failed, ${c.skipped} already done (of ${c.total})`,
          );
          if (p.plan !== undefined) out.push(`  plan: ${p.plan}`);
          for (const t of p.trials.filter((t) => t.state === 'running' || t.state === 'failed')) {
            out.push(
              `  ${t.trialKey.slice(0, 12)} ${t.groupLabel} seed=${t.seed}: ${t.state}${t.state === 'running' ? ` epoch ${t.epoch ?? 0}/${t.epochs}${(t.attempt ?? 1) > 1 ? ` attempt ${t.attempt}` : ''}` : ` (${t.reason ?? ''})`}${t.chosenBy !== undefined ? ` — chosen by ${t.chosenBy}` : ''}`,
            );
          }
        } else if (status.status === 'RUNNING') {
          out.push(
            '  no worker answered the progress query: start one with `seedsweep worker`, or `seedsweep resume` it.',
          );
        }
        if (status.failure) out.push(`  failure: ${status.failure}`);
        process.stdout.write(`${out.join('\n')}\n`);
        if (status.summary) process.stdout.write(summaryText(status.summary));
      } finally {
        await session.close();
      }
    });
}
