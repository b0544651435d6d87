/**
 * A 20,000-trial sweep through the workflow's own code (bench/bounded-history.ts: plan, SweepState,
 * carried state through JSON, progress query, aggregation input, summary) with the workflow's
 * continue-as-new rule: every run's history stays below Temporal's 10,240-event / 10 MB warnings and
 * every payload below 256 KB, with 1 % of trials failing, completed or cancelled half-way. 20,000 keeps
 * it to seconds (each trial's key is a SHA-256 as in the workflow); `npm run bench:history` runs the
 * same simulation at 100,000 and 1,000,000 trials.
 */
import { describe, expect, it } from 'vitest';
import { LIMITS, brokenBounds, eventModel, simulateSweep } from '../../../../bench/bounded-history.js';

const model = eventModel();

describe('a 20,000-trial sweep, simulated', () => {
  it('keeps every run and payload within bounds when it completes', { timeout: 180_000 }, () => {
    const r = simulateSweep({ trials: 20_000, model });
    expect(r.counts).toMatchObject({ total: 20_000, pending: 0, running: 0 });
    expect(r.counts.finished + r.counts.failed).toBe(20_000);
    expect(r.counts.failed).toBeGreaterThan(150); // ~1 %
    expect(r.runs).toBeGreaterThan(20); // it did continue as new
    expect(r.maxEventsPerRun).toBeLessThan(LIMITS.historyEvents);
    expect(r.maxCarriedBytes).toBeLessThan(LIMITS.payloadBytes);
    expect(r.aggregationInputBytes).toBeLessThan(LIMITS.payloadBytes);
    expect(brokenBounds(r)).toEqual([]);
  });

  it(
    'keeps them within bounds when cancelled half-way (10,000 trials without a result)',
    { timeout: 180_000 },
    () => {
      const r = simulateSweep({ trials: 20_000, cancelAt: 0.5, model });
      expect(r.counts.cancelled).toBeGreaterThan(9_000);
      expect(r.aggregationInputBytes).toBeLessThan(LIMITS.payloadBytes);
      expect(brokenBounds(r)).toEqual([]);
    },
  );

  it('reports a broken bound: one run without continue-as-new', { timeout: 60_000 }, () => {
    const r = simulateSweep({ trials: 10_000, model, continueAsNew: false });
    expect(r.runs).toBe(1);
    expect(brokenBounds(r)).toContain(`${r.maxEventsPerRun} events in a run`);
  });
});
