/** A sweep with more failed trials than its summary lists says how many more and where to see them. */
import { describe, expect, it } from 'vitest';
import { summaryText } from '../../../../src/temporal/client/print-summary.js';
import type { SweepSummary } from '../../../../src/temporal/shared/shared.js';

const summary: SweepSummary = {
  sweepId: 'big-1',
  sweepName: 'big',
  status: 'completed-with-failures',
  counts: {
    total: 500,
    pending: 0,
    running: 0,
    finished: 350,
    failed: 150,
    earlyStopped: 0,
    cancelled: 0,
    skipped: 0,
  },
  failures: { ['a'.repeat(64)]: 'worker exited' },
  continuedRuns: 0,
};

describe('summaryText', () => {
  it('lists the failures the summary holds and counts the ones it does not', () => {
    const text = summaryText({ ...summary, failuresNotListed: 149 });
    expect(text).toContain('failed aaaaaaaaaaaa: worker exited');
    expect(text).toContain(
      "… and 149 more failed trial(s): 'seedsweep status big-1 --state failed' lists them",
    );
  });

  it('says nothing more when every failure is listed', () => {
    expect(summaryText(summary)).not.toContain('more failed');
  });
});
