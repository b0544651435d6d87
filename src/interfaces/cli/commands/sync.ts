/** `seedsweep sync`: send the tracking writes waiting in the local outbox to the MLflow server. */
import type { Command } from 'commander';
import { UserError } from '../../../core/common/errors.js';
import { info, printJson } from '../output.js';

export function register(program: Command): void {
  program
    .command('sync')
    .description(
      'Send tracking writes journaled while the MLflow server was unreachable; prints sent/pending.',
    )
    .option('--json', 'print one JSON document')
    .action(async (options: { json?: boolean }) => {
      const { createTracker } = await import('../../../tracking/index.js');
      const tracker = await createTracker({ autoSync: false });
      const result = await tracker.sync();
      if (options.json)
        printJson({ ...result, outbox: tracker.outbox.dir, trackingUri: tracker.client.trackingUri });
      else {
        info(
          `sent ${result.sent}, pending ${result.pending}${result.failed > 0 ? `, rejected ${result.failed} (see ${tracker.outbox.dir}/failed)` : ''}`,
        );
      }
      if (result.error !== undefined && result.pending > 0) {
        throw new UserError(
          'E_SYNC_INCOMPLETE',
          `${result.pending} tracking write(s) still pending: ${result.error}`,
        );
      }
    });
}
