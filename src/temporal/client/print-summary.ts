/** How `run`, `resume` and `status` print a finished sweep. */
import { UserError } from '../../core/common/errors.js';
import type { SweepSummary } from '../shared/shared.js';
import { backendLine } from '../../reporting/results/backends.js';

/** The summary as human text: results table, counts, report location, failures. */
export function summaryText(summary: SweepSummary): string {
  const c = summary.counts;
  const lines = [
    summary.report?.table ?? '',
    `sweep ${summary.sweepId} ${summary.status}: ${c.finished} trained, ${c.skipped} already done, ${c.failed} failed` +
      `${c.earlyStopped ? `, ${c.earlyStopped} stopped early` : ''}${c.cancelled ? `, ${c.cancelled} cancelled` : ''} (of ${c.total})`,
    // What the reported trials (trained now or reused) ran on, from their recorded results.
    backendLine(summary.report?.backends ?? []) ?? '',
  ];
  if (summary.plan !== undefined) lines.push(`plan: ${summary.plan}`);
  if (summary.report && summary.report.files.length > 0) lines.push(`report: ${summary.report.reportDir}`);
  for (const [key, reason] of Object.entries(summary.failures))
    lines.push(`failed ${key.slice(0, 12)}: ${reason}`);
  // The summary lists the first failures only (a payload of its own); status pages through the rest.
  if (summary.failuresNotListed)
    lines.push(
      `… and ${summary.failuresNotListed} more failed trial(s): 'seedsweep status ${summary.sweepId} --state failed' lists them`,
    );
  return `${lines.filter((l) => l.length > 0).join('\n')}\n`;
}

/** Throws the one-line error the CLI exits with when trials failed (after the summary was printed). */
export function failIfTrialsFailed(summary: SweepSummary): void {
  const failed = summary.counts.failed;
  if (failed > 0) {
    throw new UserError(
      'E_TRIALS_FAILED',
      `${failed} trial(s) of sweep ${summary.sweepId} failed; 'seedsweep resume ${summary.sweepId}' retries only those.`,
    );
  }
}
