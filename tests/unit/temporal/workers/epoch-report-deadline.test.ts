/**
 * Epoch reports with a deadline: an unanswered report lets training go on, a late `stop` reaches the
 * trial's next report, and answers in time pass through unchanged.
 */
import { describe, expect, it } from 'vitest';
import type { EpochReporter } from '../../../../src/temporal/activities/epoch-reporter.js';
import type { EpochDecision, EpochReport } from '../../../../src/temporal/shared/shared.js';
import { withEpochReportDeadline } from '../../../../src/temporal/workers/epoch-report-deadline.js';

const report = (epoch: number, trialKey = 'k'.repeat(64)): EpochReport => ({
  trialKey,
  attempt: 1,
  metrics: { epoch } as EpochReport['metrics'],
});

describe('epoch reports with a deadline', () => {
  it('passes an answer in time through', async () => {
    const stop: EpochDecision = { action: 'stop', reason: 'earlyStopped' as EpochDecision['reason'] };
    const reporter = withEpochReportDeadline(async () => stop, { timeoutMs: 1000 });
    await expect(reporter('wf', report(1))).resolves.toEqual(stop);
  });

  it('goes on when the report gets no answer within the deadline, and says so once', async () => {
    const lines: string[] = [];
    const never: EpochReporter = () => new Promise(() => undefined);
    const reporter = withEpochReportDeadline(never, { timeoutMs: 30, log: (l) => lines.push(l) });
    const started = Date.now();
    await expect(reporter('wf', report(2))).resolves.toEqual({ action: 'continue' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(lines).toEqual([
      'worker: epoch 2 report of trial kkkkkkkkkkkk got no answer within 0 s; training goes on',
    ]);
  });

  it('goes on when the report fails', async () => {
    const reporter = withEpochReportDeadline(() => Promise.reject(new Error('unavailable')), {
      timeoutMs: 1000,
    });
    await expect(reporter('wf', report(1))).resolves.toEqual({ action: 'continue' });
  });

  it("hands a late stop to the same trial attempt's next report", async () => {
    const lines: string[] = [];
    let answer: (decision: EpochDecision) => void = () => undefined;
    const calls: number[] = [];
    const inner: EpochReporter = (_id, r) => {
      calls.push(r.metrics.epoch);
      return r.metrics.epoch === 1
        ? new Promise((resolve) => (answer = resolve))
        : Promise.resolve({ action: 'continue' });
    };
    const reporter = withEpochReportDeadline(inner, { timeoutMs: 20, log: (l) => lines.push(l) });
    await expect(reporter('wf', report(1))).resolves.toEqual({ action: 'continue' });
    answer({ action: 'stop', reason: 'paused' as EpochDecision['reason'] });
    await new Promise((r) => setTimeout(r, 5));
    // Another trial is not affected; this one gets the stop without a new update.
    await expect(reporter('wf', report(2, 'other'))).resolves.toEqual({ action: 'continue' });
    await expect(reporter('wf', report(2))).resolves.toEqual({ action: 'stop', reason: 'paused' });
    expect(calls).toEqual([1, 2]);
    await expect(reporter('wf', report(3))).resolves.toEqual({ action: 'continue' });
    expect(lines[1]).toMatch(/late answer to trial kkkkkkkkkkkk's epoch 1 report: stop \(paused\)/);
  });
});
