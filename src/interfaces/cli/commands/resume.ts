/**
 * `seedsweep resume <sweep-id>`: a new run of the same sweep id and spec that trains only trials not
 * finished yet, resuming from checkpoints (after failures, cancel, termination, or dead workers).
 */
import type { Command } from 'commander';
import { info, printJson, withEmbeddedServersNotice } from '../output.js';
import { sweepArgument } from '../sweep-argument.js';

export function register(program: Command): void {
  program
    .command('resume')
    .description(
      'Resume a sweep that ended with failures, was cancelled or terminated, or whose workers died: runs only unfinished trials. A paused sweep is un-paused.',
    )
    .addArgument(sweepArgument('<sweep-id>', 'the sweep to resume (its id stays the same)'))
    .option('--detach', 'submit and return at once; workers do the training')
    .option('--json', 'print one JSON document')
    .option('--threads <n>', 'training threads of the in-process worker (default: CPU cores)')
    .action((sweepId: string, flags: { detach?: boolean; json?: boolean; threads?: string }) =>
      withEmbeddedServersNotice(async () => {
        const { followSweep, parseThreadsFlag } = await import('../follow-sweep.js');
        const { reconnectMinutesFromEnv } = await import('../../../temporal/workers/reconnect-window.js');
        const { openTemporalSession } = await import('../../../temporal/client/session.js');
        const { resumeSweep } = await import('../../../temporal/client/sweeps.js');
        const threads = parseThreadsFlag(flags.threads);
        // The attached worker's reconnect window: a bad value fails here, before anything is submitted.
        if (!flags.detach) reconnectMinutesFromEnv();
        const session = await openTemporalSession();
        try {
          const resumed = await resumeSweep({ client: session.client, sweepId });
          if (!flags.json)
            info(
              resumed.previousStatus === 'PAUSED'
                ? `sweep ${sweepId}: un-paused (same run ${resumed.runId}); queued trials start again, from their checkpoints.`
                : `sweep ${sweepId}: new run ${resumed.runId} (previous run ${resumed.previousStatus}); finished trials are skipped.`,
            );
          if (flags.detach) {
            if (flags.json) printJson(resumed);
            return;
          }
          await followSweep({
            session,
            sweepId,
            ...(threads !== undefined ? { threads } : {}),
            ...(flags.json ? { json: true } : {}),
            // The estimate the original run made (resume carries it in the memo) against all runs' time.
            cost: { resumed: true },
          });
        } finally {
          await session.close();
        }
      }),
    );
}
