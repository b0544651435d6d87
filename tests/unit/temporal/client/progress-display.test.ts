/**
 * The live display asks the progress query only for what it shows: the running trials, and (lines)
 * the trials settled since its last answer, read on from where it stopped and from 0 in a new run.
 */
import { describe, expect, it } from 'vitest';
import { createProgressDisplay } from '../../../../src/temporal/client/progress-display.js';
import {
  PROGRESS_PAGE_SIZE,
  type SweepProgress,
  type TrialProgress,
} from '../../../../src/temporal/shared/shared.js';

const trial = (
  key: string,
  state: TrialProgress['state'],
  extra: Partial<TrialProgress> = {},
): TrialProgress => ({
  trialKey: key.padEnd(64, '0'),
  groupLabel: 'model=fc',
  seed: 0,
  epochs: 3,
  state,
  ...extra,
});

const answer = (p: Partial<SweepProgress>): SweepProgress => ({
  sweepId: 's-1',
  sweepName: 's',
  phase: 'running',
  counts: {
    total: 4,
    pending: 2,
    running: 1,
    finished: 1,
    failed: 0,
    earlyStopped: 0,
    cancelled: 0,
    skipped: 0,
  },
  trials: [],
  page: { number: 1, size: PROGRESS_PAGE_SIZE.max, pages: 1, matching: 0 },
  continuedRuns: 0,
  ...p,
});

function capture() {
  const lines: string[] = [];
  const stream = {
    write: (s: string) => lines.push(...s.split('\n').filter(Boolean)),
  } as unknown as NodeJS.WriteStream;
  return { lines, display: createProgressDisplay({ interactive: false, stream }) };
}

describe('the lines display', () => {
  it('asks for running trials and what settled since its last answer, and prints each change once', () => {
    const { lines, display } = capture();
    expect(display.query()).toEqual({
      states: ['running'],
      pageSize: PROGRESS_PAGE_SIZE.max,
      settledSince: 0,
    });
    display.update(
      answer({
        trials: [trial('b', 'running', { epoch: 1 })],
        settled: { next: 1, trials: [trial('a', 'finished')] },
      }),
    );
    expect(display.query()).toMatchObject({ settledSince: 1 });
    display.update(
      answer({ trials: [trial('b', 'running', { epoch: 1 })], settled: { next: 1, trials: [] } }),
    );
    expect(lines.filter((l) => l.startsWith('trial '))).toEqual([
      'trial a00000000000 model=fc seed=0: finished',
      'trial b00000000000 model=fc seed=0: running epoch 1/3',
    ]);
    // The sweep continued as new: its settle log restarts, so the display asks from 0 again.
    display.update(answer({ continuedRuns: 1, settled: { next: 1, trials: [trial('x', 'finished')] } }));
    expect(display.query()).toMatchObject({ settledSince: 0 });
    expect(lines.some((l) => l.startsWith('trial x'))).toBe(false);
    display.update(
      answer({
        continuedRuns: 1,
        settled: { next: 2, trials: [trial('c', 'failed', { reason: 'Error: boom' })] },
      }),
    );
    expect(lines).toContain('trial c00000000000 model=fc seed=0: failed Error: boom');
    expect(display.query()).toMatchObject({ settledSince: 2 });
  });
});
