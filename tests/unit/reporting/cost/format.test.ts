/** Cost text: the plan's lines, the record kept with a sweep, and the summary's comparison with it. */
import { describe, expect, it } from 'vitest';
import { estimateCost, type CostSample, type CostTrial } from '../../../../src/reporting/cost/estimate.js';
import {
  duration,
  durationRange,
  formatCostComparison,
  formatCostEstimate,
  isStoredEstimate,
  storedEstimate,
  type StoredEstimate,
} from '../../../../src/reporting/cost/format.js';
import { estimateAndWall } from '../../../../src/temporal/client/cost-outcome.js';

const trial = (groupKey: string, model = 'cnn'): CostTrial => ({
  groupKey,
  groupLabel: `k=${groupKey}`,
  model,
  backend: 'wasm',
  epochs: 10,
});
const sample = (groupKey: string, epochSeconds: number[]): CostSample => ({
  groupKey,
  model: 'cnn',
  backend: 'wasm',
  epochSeconds,
});

describe('durations', () => {
  it('reads in seconds, minutes or hours, one unit per range where both ends share it', () => {
    expect(duration(4.25)).toBe('4.3 s');
    expect(duration(42)).toBe('42 s');
    expect(duration(750)).toBe('12.5 min');
    expect(duration(3 * 3600)).toBe('3.0 h');
    expect(durationRange({ low: 240, high: 380 })).toBe('4.0–6.3 min');
    expect(durationRange({ low: 30, high: 380 })).toBe('30 s–6.3 min');
    expect(durationRange({ low: 30, high: 30 })).toBe('30 s');
  });
});

describe('formatCostEstimate', () => {
  it('states the range, its percentiles, the concurrency assumed and how each group matched', () => {
    const estimate = estimateCost({
      trials: [trial('a'), trial('a'), trial('b'), trial('c', 'fc')],
      samples: [sample('a', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), sample('old', [6])],
      concurrency: 2,
      concurrencyFrom: 'spec concurrency 2, 4 worker thread(s)',
    });
    const lines = formatCostEstimate(estimate, { backend: 'wasm' });
    // a: 2 × 10 × [1.9, 9.1] = 38–182 s; b pools every cnn-on-wasm epoch (1..10 and 6: p10 2, p90 9):
    // 10 × [2, 9] = 20–90 s; total 58–272 s, wall /2 = 29–136 s.
    expect(lines[0]).toBe(
      'cost: wall 29 s–2.3 min, trial time 58 s–4.5 min (0.016–0.076 trial-hours) (10th–90th percentile of seconds per epoch × epochs, 3 of 4 trial(s); assumes 2 trial(s) at once: spec concurrency 2, 4 worker thread(s); every epoch run, none pruned; training only: start-up and the report add a fixed cost)',
    );
    expect(lines[1]).toBe(
      '  k=a: 2 trial(s), 1.90–9.10 s/epoch × 10 epoch(s), from 1 earlier trial(s) of this configuration',
    );
    expect(lines[2]).toBe(
      '  k=b: 1 trial(s), 2.00–9.00 s/epoch × 10 epoch(s), from 2 earlier trial(s) of the same trainable on wasm with other parameters (not this configuration)',
    );
    expect(lines[3]).toBe('  k=c: 1 trial(s): no basis');
    expect(lines[4]).toContain('1 trial(s) have no basis and are not counted (--probe times them here)');
  });

  it('is one line when nothing matched', () => {
    const estimate = estimateCost({ trials: [trial('a')], samples: [], concurrency: 1, concurrencyFrom: '' });
    expect(formatCostEstimate(estimate, { backend: 'tensorflow' })).toEqual([
      "no estimate: no earlier finished trials of this trainable on tensorflow in the tracker (add --probe to time one batch of each group's trainable here)",
    ]);
  });
});

const stored: StoredEstimate = {
  trials: 4,
  estimatedTrials: 4,
  concurrency: 2,
  trialSeconds: { low: 3600, high: 7200 },
  wallSeconds: { low: 1800, high: 3600 },
  quantiles: [0.1, 0.9],
  matches: { 'same-config': 2 },
};

describe('storedEstimate', () => {
  it('keeps the totals and counts the groups by match; nothing when nothing was estimated', () => {
    const estimate = estimateCost({
      trials: [trial('a'), trial('b', 'fc')],
      samples: [sample('a', [2])],
      concurrency: 1,
      concurrencyFrom: '',
    });
    const kept = storedEstimate(estimate)!;
    expect(kept).toMatchObject({ trials: 2, estimatedTrials: 1, trialSeconds: { low: 20, high: 20 } });
    expect(kept.matches).toEqual({ 'same-config': 1, none: 1 });
    expect(isStoredEstimate(JSON.parse(JSON.stringify(kept)))).toBe(true);
    expect(isStoredEstimate({ trials: 2 })).toBe(false);
    expect(
      storedEstimate(
        estimateCost({ trials: [trial('a')], samples: [], concurrency: 1, concurrencyFrom: '' }),
      ),
    ).toBeUndefined();
  });
});

describe('formatCostComparison', () => {
  it('places the actual wall time and trial-hours within, below or above the estimated range', () => {
    expect(formatCostComparison(stored, { wallSeconds: 2700, trialSeconds: 5400, trained: 4 })).toBe(
      'cost: estimated at submission wall 30.0–60.0 min, 1.0–2.0 trial-hours; actual wall 45.0 min (start-up and report included), within the range; trial-hours 1.5 vs 1.0–2.0, within the range',
    );
    const slow = formatCostComparison(stored, { wallSeconds: 4 * 3600, trialSeconds: 9000, trained: 4 });
    expect(slow).toContain('actual wall 4.0 h (start-up and report included), above the range');
    expect(slow).toContain('trial-hours 2.5 vs 1.0–2.0, above the range');
    expect(formatCostComparison(stored, { wallSeconds: 60, trained: 4 })).toBe(
      'cost: estimated at submission wall 30.0–60.0 min, 1.0–2.0 trial-hours; actual wall 60 s (start-up and report included), below the range',
    );
  });

  it('scales the trial-hours to the trials trained when others were reused', () => {
    expect(formatCostComparison(stored, { wallSeconds: 2000, trialSeconds: 2000, trained: 2 })).toContain(
      'trial-hours 0.56 vs 0.50–1.0 (the estimate of 4 trial(s) scaled to the 2 trained), within the range',
    );
  });

  it('says when no estimate was made at submission', () => {
    expect(formatCostComparison(undefined, { wallSeconds: 90, trialSeconds: 3600, trained: 3 })).toBe(
      'cost: wall 1.5 min, 1.0 trial-hours over 3 trained trial(s) (no estimate was made at submission)',
    );
  });
});

describe('estimateAndWall', () => {
  const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));

  it('takes the earliest run holding an estimate and sums the open time of it and every later run', () => {
    const found = estimateAndWall([
      // A resume (no estimate in its memo) 30 minutes after the first run ended.
      { startTime: at(70), closeTime: at(80), memo: { sweepName: 's' } },
      { startTime: at(0), closeTime: at(20), memo: { sweepName: 's', costEstimate: stored } },
      // Continued as new: starts when the first ends.
      { startTime: at(20), closeTime: at(40), memo: { sweepName: 's' } },
    ]);
    expect(found).toEqual({ estimate: stored, wallSeconds: 50 * 60 });
  });

  it('has no estimate without one in a memo, and nothing while a run is open', () => {
    expect(estimateAndWall([{ startTime: at(0), closeTime: at(2) }])).toEqual({ wallSeconds: 120 });
    expect(estimateAndWall([{ startTime: at(0) }])).toBeUndefined();
    expect(estimateAndWall([])).toBeUndefined();
  });
});
