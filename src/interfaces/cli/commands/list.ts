/** `seedsweep list`: sweeps known to the Temporal namespace, newest first. */
import type { Command } from 'commander';
import { UserError } from '../../../core/common/errors.js';
import { printJson } from '../output.js';

/** `--limit`: a whole number ≥ 1 (`x` or `-5` used to become 50 or 1 without a word). */
export function parseLimit(raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isSafeInteger(n) || n < 1)
    throw new UserError('E_BAD_ARGUMENT', `--limit must be a whole number ≥ 1; got '${raw.slice(0, 60)}'.`);
  return n;
}

export function register(program: Command): void {
  program
    .command('list')
    .description('List sweeps (newest first), optionally only those of one sweep name.')
    .option('--name <sweep-name>', 'only sweeps of this name')
    .option('--limit <n>', 'at most this many', parseLimit, 50)
    .option('--json', 'print one JSON document')
    .action(async (flags: { name?: string; limit: number; json?: boolean }) => {
      const { openTemporalSession } = await import('../../../temporal/client/session.js');
      const { listSweeps } = await import('../../../temporal/client/sweeps.js');
      const session = await openTemporalSession();
      try {
        const sweeps = await listSweeps({
          client: session.client,
          limit: flags.limit,
          ...(flags.name ? { name: flags.name } : {}),
        });
        if (flags.json) return printJson(sweeps);
        if (sweeps.length === 0)
          return void process.stdout.write("no sweeps yet; start one with 'seedsweep run <spec>'\n");
        const width = Math.max(...sweeps.map((s) => s.sweepId.length));
        for (const s of sweeps)
          process.stdout.write(
            `${s.sweepId.padEnd(width)}  ${s.status.padEnd(10)}  ${s.startTime}  ${s.sweepName}\n`,
          );
      } finally {
        await session.close();
      }
    });
}
