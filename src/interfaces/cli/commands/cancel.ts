/** `seedsweep cancel <sweep-id>`: stop a running sweep at the next epoch boundary (checkpoints kept). */
import type { Command } from 'commander';
import { info } from '../output.js';
import { sweepArgument } from '../sweep-argument.js';

export function register(program: Command): void {
  program
    .command('cancel')
    .description(
      'Cancel a running sweep: no new trials; running ones stop at their next epoch boundary, keeping checkpoints.',
    )
    .addArgument(sweepArgument('<sweep-id>', 'the sweep to cancel'))
    .action(async (sweepId: string) => {
      const { openTemporalSession } = await import('../../../temporal/client/session.js');
      const { cancelSweep } = await import('../../../temporal/client/sweeps.js');
      const session = await openTemporalSession();
      try {
        await cancelSweep({ client: session.client, sweepId });
        info(
          `cancel requested for ${sweepId}; 'seedsweep resume ${sweepId}' continues it later from the checkpoints.`,
        );
      } finally {
        await session.close();
      }
    });
}
