/** `seedsweep unpause <sweep-id>`: a paused sweep starts trials again (the pause signal's inverse; no new run). */
import type { Command } from 'commander';
import { info } from '../output.js';
import { sweepArgument } from '../sweep-argument.js';

export function register(program: Command): void {
  program
    .command('unpause')
    .description(
      'Un-pause a paused sweep: queued trials start again, from their checkpoints (same run; `resume` is for sweeps that ended or whose workers died).',
    )
    .addArgument(sweepArgument('<sweep-id>', 'the sweep to un-pause'))
    .action(async (sweepId: string) => {
      const { openTemporalSession } = await import('../../../temporal/client/session.js');
      const { pauseSweep } = await import('../../../temporal/client/sweeps.js');
      const session = await openTemporalSession();
      try {
        await pauseSweep({ client: session.client, sweepId, pause: false });
        info(`un-pause requested for ${sweepId}: queued trials start again, from their checkpoints.`);
      } finally {
        await session.close();
      }
    });
}
