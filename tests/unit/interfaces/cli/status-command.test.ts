/**
 * `seedsweep status <sweep-id> [--page N] [--page-size K] [--state S]`: bad flags are one error line and
 * exit 2 before any server is reached; a page past the last names how many there are; the page is
 * printed with "page N of P". (A sweep id Temporal does not know: tests/integration/temporal/status-paging.)
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isUserError } from '../../../../src/core/common/errors.js';
import { checkPageInRange, progressLines } from '../../../../src/interfaces/cli/commands/status.js';
import { main } from '../../../../src/interfaces/cli/main.js';
import { SweepState } from '../../../../src/temporal/workflows/sweep-state.js';
import { TrialPlan } from '../../../../src/temporal/workflows/trial-plan.js';
import { plannedTrial } from '../../temporal/workflows/fixtures.js';

afterEach(() => vi.restoreAllMocks());

/** A sweep of 120 trials: 3 running, 1 failed, 116 pending. */
function sweep(): SweepState {
  const trials = Array.from({ length: 120 }, (_, i) => plannedTrial(`${i}`.padStart(64, 'a'), i));
  const s = new SweepState({ sweepId: 'demo-1', sweepName: 'demo', plan: TrialPlan.of(trials) });
  s.startRunning();
  const started = Array.from({ length: 4 }, () => s.startNext({ cancel: () => undefined }));
  s.recordFailed(started[0]!.trialKey, 'Error: boom');
  s.release(started[0]!.trialKey);
  return s;
}

describe('seedsweep status: flags', () => {
  it.each([
    [['--page', '0'], "error[E_BAD_PAGE]: --page must be a whole number ≥ 1; got '0'."],
    [['--page', 'two'], "error[E_BAD_PAGE]: --page must be a whole number ≥ 1; got 'two'."],
    [
      ['--page-size', '0'],
      "error[E_BAD_PAGE_SIZE]: --page-size must be a whole number from 1 to 200; got '0'.",
    ],
    [
      ['--page-size', '201'],
      "error[E_BAD_PAGE_SIZE]: --page-size must be a whole number from 1 to 200; got '201'.",
    ],
    [
      ['--state', 'done'],
      "error[E_BAD_STATE]: --state 'done' is not a trial state; use one of: pending, running, finished, failed, early-stopped, cancelled, skipped.",
    ],
  ])('%j: one line, exit 2, no server', async (flags, line) => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await main(['node', 'seedsweep', 'status', 'demo-1', ...flags])).toBe(2);
    expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toBe(`${line}\n`);
  });
});

describe('seedsweep status: the page', () => {
  it('refuses a page past the last, saying how many there are', () => {
    const s = sweep();
    expect(() => checkPageInRange('demo-1', s.progress({ page: 3, pageSize: 50 }))).not.toThrow();
    let error: unknown;
    try {
      checkPageInRange('demo-1', s.progress({ page: 4, pageSize: 50 }));
    } catch (e) {
      error = e;
    }
    expect(isUserError(error) && error.code).toBe('E_PAGE_OUT_OF_RANGE');
    expect((error as Error).message).toBe(
      'sweep demo-1 has 3 pages of 50 (120 trials), no page 4; pass --page 1 to 3.',
    );
    expect(() => checkPageInRange('demo-1', s.progress({ page: 2, states: ['running'] }))).toThrow(
      'sweep demo-1 has 1 page of 50 (3 running trials), no page 2; pass --page 1 to 1.',
    );
  });

  it('prints the counts, the page of trials and "page N of P"', () => {
    const lines = progressLines(sweep().progress({ page: 1, pageSize: 2 }));
    expect(lines).toEqual([
      '  running: 0 finished, 3 running, 116 pending, 1 failed, 0 stopped early, 0 cancelled, 0 already done (of 120)',
      `  ${'a'.repeat(12)} model=fc seed=0: failed (Error: boom)`,
      `  ${'a'.repeat(12)} model=fc seed=1: running epoch 0/3`,
      '  page 1 of 60 (2 per page, 120 trials)',
    ]);
    expect(progressLines(sweep().progress({ states: ['running'] })).at(-1)).toBe(
      '  page 1 of 1 (50 per page, 3 running trials)',
    );
  });
});
