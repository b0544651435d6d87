/**
 * A deadline on the training activity's epoch reports (the `reportEpoch` update). An update waits for
 * a workflow worker to run it; while Temporal is down or no workflow worker polls, it would wait
 * forever, and the trial's activity cannot complete before its reports are answered. With the
 * deadline, an unanswered report counts as `continue` (training goes on; cancellation still arrives
 * through heartbeats). An answer that comes after the deadline is not lost: a late `stop` is handed to
 * the trial's next report, which then stops it at that epoch boundary.
 */
import type { Client } from '@temporalio/client';
import { clientEpochReporter, type EpochReporter } from '../activities/epoch-reporter.js';
import type { EpochDecision } from '../shared/shared.js';
import { formatDuration } from './reconnect-window.js';

/** Default deadline of one epoch report. */
export const EPOCH_REPORT_TIMEOUT_MS = 60_000;

/** Late `stop` decisions kept for trials that have not reported again (oldest dropped first). */
const MAX_LATE_DECISIONS = 1000;

export interface EpochReportDeadlineOptions {
  /** @default EPOCH_REPORT_TIMEOUT_MS */
  timeoutMs?: number;
  /** One line per report that missed its deadline and per late answer. @default none */
  log?: (line: string) => void;
}

const CONTINUE: EpochDecision = { action: 'continue' };

/** Wraps a reporter: every report resolves within `timeoutMs`; late `stop` answers reach the next report. */
export function withEpochReportDeadline(
  inner: EpochReporter,
  options: EpochReportDeadlineOptions = {},
): EpochReporter {
  const timeoutMs = options.timeoutMs ?? EPOCH_REPORT_TIMEOUT_MS;
  const late = new Map<string, EpochDecision>();
  return (workflowId, report) => {
    const key = `${workflowId}/${report.trialKey}/${report.attempt}`;
    const pending = late.get(key);
    if (pending) {
      late.delete(key);
      return Promise.resolve(pending);
    }
    return new Promise<EpochDecision>((resolve) => {
      let answered = false;
      const timer = setTimeout(() => {
        answered = true;
        options.log?.(
          `worker: epoch ${report.metrics.epoch} report of trial ${report.trialKey.slice(0, 12)} got no answer within ${formatDuration(timeoutMs)}; training goes on`,
        );
        resolve(CONTINUE);
      }, timeoutMs);
      inner(workflowId, report).then(
        (decision) => {
          clearTimeout(timer);
          if (!answered) {
            answered = true;
            resolve(decision);
            return;
          }
          if (decision.action !== 'stop') return;
          options.log?.(
            `worker: late answer to trial ${report.trialKey.slice(0, 12)}'s epoch ${report.metrics.epoch} report: stop (${decision.reason ?? 'no reason'}); it stops at its next epoch boundary`,
          );
          late.set(key, decision);
          if (late.size > MAX_LATE_DECISIONS) late.delete(late.keys().next().value as string);
        },
        () => {
          clearTimeout(timer);
          if (!answered) {
            answered = true;
            resolve(CONTINUE);
          }
        },
      );
    });
  };
}

/**
 * The workers' reporter: the `reportEpoch` update through `client`, wrapped by
 * {@link withEpochReportDeadline}. Its gRPC calls get twice that deadline: long enough for a late
 * answer to arrive, short enough that an update nobody runs does not poll forever in the background.
 */
export function deadlineEpochReporter(
  client: Client,
  options: EpochReportDeadlineOptions = {},
): EpochReporter {
  const timeoutMs = options.timeoutMs ?? EPOCH_REPORT_TIMEOUT_MS;
  const inner = clientEpochReporter(client);
  return withEpochReportDeadline(
    (workflowId, report) => client.withDeadline(Date.now() + 2 * timeoutMs, () => inner(workflowId, report)),
    { ...options, timeoutMs },
  );
}
