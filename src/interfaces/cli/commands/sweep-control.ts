/**
 * `seedsweep cancel | pause | unpause <sweep-id>`: the three commands that send a running sweep's
 * workflow one signal and say what follows. They differ only in the signal and the words.
 */
import type { Command } from 'commander';
import type { Client } from '@temporalio/client';
import { info } from '../output.js';
import { sweepArgument } from '../sweep-argument.js';

type Sweeps = typeof import('../../../temporal/client/sweeps.js');

interface ControlCommand {
  name: string;
  description: string;
  /** What the argument is, for `--help`: "the sweep to …". */
  verb: string;
  send(sweeps: Sweeps, client: Client, sweepId: string): Promise<void>;
  /** The line printed once the signal is sent. */
  done(sweepId: string): string;
}

function registerControl(program: Command, command: ControlCommand): void {
  program
    .command(command.name)
    .description(command.description)
    .addArgument(sweepArgument('<sweep-id>', `the sweep to ${command.verb}`))
    .action(async (sweepId: string) => {
      const { openTemporalSession } = await import('../../../temporal/client/session.js');
      const sweeps = await import('../../../temporal/client/sweeps.js');
      const session = await openTemporalSession();
      try {
        await command.send(sweeps, session.client, sweepId);
        info(command.done(sweepId));
      } finally {
        await session.close();
      }
    });
}

export function registerCancel(program: Command): void {
  registerControl(program, {
    name: 'cancel',
    description:
      'Cancel a running sweep: no new trials; running ones stop at their next epoch boundary, keeping checkpoints.',
    verb: 'cancel',
    send: (sweeps, client, sweepId) => sweeps.cancelSweep({ client, sweepId }),
    done: (sweepId) =>
      `cancel requested for ${sweepId}; 'seedsweep resume ${sweepId}' continues it later from the checkpoints.`,
  });
}

export function registerPause(program: Command): void {
  registerControl(program, {
    name: 'pause',
    description:
      'Pause a running sweep: no new trials start; running ones stop at their next epoch boundary with a checkpoint and go back to the queue. `seedsweep unpause <sweep-id>` continues it (or `resume`, which also un-pauses).',
    verb: 'pause',
    send: (sweeps, client, sweepId) => sweeps.pauseSweep({ client, sweepId, pause: true }),
    done: (sweepId) =>
      `pause requested for ${sweepId}: running trials stop at their next epoch boundary, keeping checkpoints; 'seedsweep unpause ${sweepId}' continues it.`,
  });
}

/** The pause signal's inverse: the same run continues (no new run, unlike `resume`). */
export function registerUnpause(program: Command): void {
  registerControl(program, {
    name: 'unpause',
    description:
      'Un-pause a paused sweep: queued trials start again, from their checkpoints (same run; `resume` is for sweeps that ended or whose workers died).',
    verb: 'un-pause',
    send: (sweeps, client, sweepId) => sweeps.pauseSweep({ client, sweepId, pause: false }),
    done: (sweepId) =>
      `un-pause requested for ${sweepId}: queued trials start again, from their checkpoints.`,
  });
}
