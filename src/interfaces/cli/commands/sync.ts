/** `seedsweep sync`: send the tracking writes waiting in the local outbox to the MLflow server. */
import path from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../../../core/common/errors.js';
import { info, printJson } from '../output.js';

/** How many quarantined entries the text output names (the JSON lists them all). */
const QUARANTINE_SHOWN = 5;

export function register(program: Command): void {
  program
    .command('sync')
    .description(
      'Send tracking writes journaled while the MLflow server was unreachable; prints sent/pending, and damaged writes set aside.',
    )
    .option('--json', 'print one JSON document')
    .action(async (options: { json?: boolean }) => {
      const { createTracker } = await import('../../../tracking/index.js');
      const tracker = await createTracker({ autoSync: false });
      const result = await tracker.sync();
      const outbox = tracker.outbox;
      const quarantine = (result.quarantined ?? 0) > 0 ? outbox.quarantined() : [];
      if (options.json) {
        printJson({
          ...result,
          quarantined: quarantine.length,
          quarantine: quarantine.map(({ id, file, reason }) => ({ id, file, reason })),
          outbox: outbox.dir,
          trackingUri: tracker.client.trackingUri,
        });
      } else {
        const failedDir = path.join(outbox.dir, 'failed');
        const quarantineDir = path.join(outbox.dir, 'quarantine');
        info(
          `sent ${result.sent}, pending ${result.pending}` +
            (result.failed > 0 ? `, rejected ${result.failed} (see ${failedDir})` : '') +
            (quarantine.length > 0
              ? `, quarantined ${quarantine.length} damaged (kept in ${quarantineDir}, not sent)`
              : ''),
        );
        // The latest ones: those this sync found, usually.
        for (const entry of quarantine.slice(-QUARANTINE_SHOWN))
          info(`  quarantined ${entry.id}: ${entry.reason}`);
        if (quarantine.length > QUARANTINE_SHOWN)
          info(`  … and ${quarantine.length - QUARANTINE_SHOWN} more (their .reason files say why)`);
      }
      if (result.error !== undefined && result.pending > 0) {
        throw new UserError(
          'E_SYNC_INCOMPLETE',
          `${result.pending} tracking write(s) still pending: ${result.error}`,
        );
      }
    });
}
