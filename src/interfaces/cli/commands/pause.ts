/** `seedsweep pause <sweep-id>`: no new trials start; running ones stop at their next epoch boundary and wait. */
import type { Command } from 'commander';
import { info } from '../output.js';
import { sweepArgument } from '../sweep-argument.js';

export function register(program: Command): void {
  program
    .command('pause')
    .description(
      'Pause a running sweep: no new trials start; running ones stop at their next epoch boundary with a checkpoint and go back to the queue. `seedsweep unpause <sweep-id>` continues it (or `resume`, which also un-pauses).',
    )
    .addArgument(sweepArgument('<sweep-id>', 'the sweep to pause'))
    .action(async (sweepId: string) => {
      const { openTemporalSession } = await import('../../../temporal/client/session.js');
      const { pauseSweep } = await import('../../../temporal/client/sweeps.js');
      const session = await openTemporalSession();
      try {
        await pauseSweep({ client: session.client, sweepId, pause: true });
        info(
          `pause requested for ${sweepId}: running trials stop at their next epoch boundary, keeping checkpoints; 'seedsweep unpause ${sweepId}' continues it.`,
        );
      } finally {
        await session.close();
      }
    });
}
