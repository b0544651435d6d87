/** What `run` and `resume` do after submitting: parse `--threads`, host a worker, show progress, print the summary. */
import { runAttached } from '../../temporal/client/attached-run.js';
import { failIfTrialsFailed, summaryText } from '../../temporal/client/print-summary.js';
import type { TemporalSession } from '../../temporal/client/session.js';
import { UserError } from '../../core/common/errors.js';
import { isInteractive, printJson } from './output.js';

/** The `--threads` flag as a positive integer, or undefined when not given. */
export function parseThreadsFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const threads = Number(value);
  if (!Number.isInteger(threads) || threads < 1) {
    throw new UserError('E_BAD_ARGUMENT', `--threads must be an integer ≥ 1; got '${value}'.`);
  }
  return threads;
}

/**
 * Works on a submitted sweep in this process until it ends, then prints its summary (JSON or text);
 * exits with `E_TRIALS_FAILED` when trials failed.
 */
export async function followSweep(options: {
  session: TemporalSession;
  sweepId: string;
  threads?: number;
  json?: boolean;
}): Promise<void> {
  const summary = await runAttached({
    session: options.session,
    sweepId: options.sweepId,
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
    ...(options.json ? {} : { display: isInteractive() ? ('bars' as const) : ('lines' as const) }),
  });
  if (options.json) printJson(summary);
  else process.stdout.write(summaryText(summary));
  failIfTrialsFailed(summary);
}
