/** What `run` and `resume` do after submitting: parse `--threads`, host a worker, show progress, print the summary. */
import { runAttached } from '../../temporal/client/attached-run.js';
import { failIfTrialsFailed, summaryText } from '../../temporal/client/print-summary.js';
import type { TemporalSession } from '../../temporal/client/session.js';
import type { StoredEstimate } from '../../reporting/cost/format.js';
import type { CostComparison, CostEstimateJson } from '../../temporal/client/cost-outcome.js';
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
 * Works on a submitted sweep in this process until it ends, then prints its summary (JSON or text) and
 * its cost against the estimate; exits with `E_TRIALS_FAILED` when trials failed. With `json`, one
 * document: the summary's fields, then `extra` (e.g. `run`'s `warmStart`), `costEstimate` and
 * `costComparison`.
 */
export async function followSweep(options: {
  session: TemporalSession;
  sweepId: string;
  threads?: number;
  json?: boolean;
  /**
   * What to compare the sweep's cost with: a sweep submitted by this process (the estimate made then, the
   * wall time from submission), or a resumed one (the estimate and runs its workflow history holds).
   */
  cost?: { sweepName: string; submittedAt: number; estimate?: StoredEstimate } | { resumed: true };
  /** More fields of the JSON document. */
  extra?: Record<string, unknown>;
}): Promise<void> {
  const summary = await runAttached({
    session: options.session,
    sweepId: options.sweepId,
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
    ...(options.json ? {} : { display: isInteractive() ? ('bars' as const) : ('lines' as const) }),
  });
  if (!options.json) process.stdout.write(summaryText(summary));
  const cost = options.cost ? await costOf(options.session, options.sweepId, options.cost) : undefined;
  if (options.json) {
    printJson({
      ...summary,
      ...options.extra,
      ...(cost ? { costEstimate: cost.estimate, costComparison: cost.comparison } : {}),
    });
  } else if (cost?.comparison) process.stdout.write(`${cost.comparison.line}\n`);
  failIfTrialsFailed(summary);
}

/** The estimate (JSON form, null when none was made) and the comparison of a sweep followed to its end. */
async function costOf(
  session: TemporalSession,
  sweepId: string,
  cost: NonNullable<Parameters<typeof followSweep>[0]['cost']>,
): Promise<{ estimate: CostEstimateJson | null; comparison?: CostComparison }> {
  const outcome = await import('../../temporal/client/cost-outcome.js');
  if ('resumed' in cost) {
    const found = await outcome.comparisonAfterResume({ client: session.client, sweepId });
    return {
      estimate: found?.estimate ? outcome.costEstimateJson(found.estimate) : null,
      ...(found ? { comparison: found.comparison } : {}),
    };
  }
  const comparison = await outcome.comparisonAfterRun({
    sweepId,
    sweepName: cost.sweepName,
    wallSeconds: (Date.now() - cost.submittedAt) / 1000,
    ...(cost.estimate ? { estimate: cost.estimate } : {}),
  });
  return { estimate: cost.estimate ? outcome.costEstimateJson(cost.estimate) : null, comparison };
}
