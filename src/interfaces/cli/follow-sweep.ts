/** What `run` and `resume` do after submitting: parse `--threads`, host a worker, show progress, print the summary. */
import { runAttached } from '../../temporal/client/attached-run.js';
import { failIfTrialsFailed, summaryText } from '../../temporal/client/print-summary.js';
import type { TemporalSession } from '../../temporal/client/session.js';
import type { StoredEstimate } from '../../reporting/cost/format.js';
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
  /** A sweep submitted by this process: its summary compares the cost estimated then with what it took. */
  cost?: { sweepName: string; submittedAt: number; estimate?: StoredEstimate };
}): Promise<void> {
  const summary = await runAttached({
    session: options.session,
    sweepId: options.sweepId,
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
    ...(options.json ? {} : { display: isInteractive() ? ('bars' as const) : ('lines' as const) }),
  });
  if (options.json) printJson(summary);
  else process.stdout.write(summaryText(summary));
  if (options.cost && !options.json) {
    const { comparisonAfterRun } = await import('../../temporal/client/cost-outcome.js');
    const { sweepName, submittedAt, estimate } = options.cost;
    const line = await comparisonAfterRun({
      sweepId: options.sweepId,
      sweepName,
      wallSeconds: (Date.now() - submittedAt) / 1000,
      ...(estimate ? { estimate } : {}),
    });
    process.stdout.write(`${line}\n`);
  }
  failIfTrialsFailed(summary);
}
