/**
 * The cost a sweep carries from submission to its end, as fields: the stored estimate as `run --json`
 * and `status --json` print it, the comparison with what happened (the figures of the summary's line),
 * the runs `status` and an attached `resume` compare over, and `resume` keeping the estimate in the new
 * run's memo. Fake Temporal clients answer the calls made; no tracking server runs (trial time absent).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatCostComparison, type StoredEstimate } from '../../../../src/reporting/cost/format.js';
import {
  comparisonAfterResume,
  costComparison,
  costEstimateJson,
  costForStatus,
  estimateAndWall,
  type SweepRunTimes,
} from '../../../../src/temporal/client/cost-outcome.js';
import { resumeSweep } from '../../../../src/temporal/client/sweeps.js';
import { warmStartJson } from '../../../../src/temporal/client/warm-start.js';
import type { SweepSpec } from '../../../../src/sweep-spec/schema.js';
import type { SweepWorkflowInput } from '../../../../src/temporal/shared/shared.js';

const stored: StoredEstimate = {
  trials: 4,
  estimatedTrials: 4,
  concurrency: 2,
  trialSeconds: { low: 3600, high: 7200 },
  wallSeconds: { low: 1800, high: 3600 },
  quantiles: [0.1, 0.9],
  matches: { 'same-config': 1, 'same-trainable': 1 },
};

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));

beforeEach(() => {
  // No tracking server: the trained trials' time is not read.
  vi.stubEnv('MLFLOW_TRACKING_URI', '');
  vi.stubEnv('SEEDSWEEP_STATE_DIR', mkdtempSync(path.join(os.tmpdir(), 'seedsweep-cost-outcome-')));
});
afterEach(() => vi.unstubAllEnvs());

describe('the stored estimate as JSON', () => {
  it('adds the trial-hours and where the seconds per epoch came from', () => {
    expect(costEstimateJson(stored)).toEqual({
      ...stored,
      trialHours: { low: 1, high: 2 },
      source: 'earlier-trials',
    });
    expect(costEstimateJson({ ...stored, matches: { probe: 2 } }).source).toBe('probe');
    expect(costEstimateJson({ ...stored, matches: { probe: 1, 'same-config': 1 } }).source).toBe(
      'earlier-trials-and-probe',
    );
  });
});

describe('the comparison as fields', () => {
  it('places wall time and trial-hours as the summary line does, and holds that line', () => {
    const outcome = { wallSeconds: 4 * 3600, trialSeconds: 5400, trained: 4 };
    expect(costComparison(stored, outcome)).toEqual({
      wallSeconds: 4 * 3600,
      wallAgainstEstimate: 'above',
      trained: 4,
      trialSeconds: 5400,
      trialHours: 1.5,
      estimatedTrialHours: { low: 1, high: 2 },
      trialHoursAgainstEstimate: 'within',
      line: formatCostComparison(stored, outcome),
    });
    expect(costComparison(stored, outcome).line).toContain(
      'above the range; trial-hours 1.5 vs 1.0–2.0, within',
    );
  });

  it('scales the estimate to the trials trained, and says from how many', () => {
    const scaled = costComparison(stored, { wallSeconds: 60, trialSeconds: 2000, trained: 2 });
    expect(scaled).toMatchObject({
      wallAgainstEstimate: 'below',
      estimatedTrialHours: { low: 0.5, high: 1 },
      scaledFromTrials: 4,
      trialHoursAgainstEstimate: 'within',
    });
    expect(scaled.line).toContain('(the estimate of 4 trial(s) scaled to the 2 trained), within the range');
  });

  it('has only the actual figures without an estimate or without trial time', () => {
    expect(costComparison(undefined, { wallSeconds: 90, trialSeconds: 3600, trained: 3 })).toEqual({
      wallSeconds: 90,
      trained: 3,
      trialSeconds: 3600,
      trialHours: 1,
      line: 'cost: wall 1.5 min, 1.0 trial-hours over 3 trained trial(s) (no estimate was made at submission)',
    });
    expect(costComparison(stored, { wallSeconds: 2700, trained: 4 })).not.toHaveProperty(
      'estimatedTrialHours',
    );
  });
});

describe('estimateAndWall with a run still open', () => {
  it('counts an open run to `openUntil` (the end of a run this process followed)', () => {
    const runs: SweepRunTimes[] = [
      { startTime: at(0), closeTime: at(20), memo: { sweepName: 's', costEstimate: stored } },
      { startTime: at(50) },
    ];
    expect(estimateAndWall(runs)).toBeUndefined();
    expect(estimateAndWall(runs, { openUntil: at(60) })).toEqual({ estimate: stored, wallSeconds: 30 * 60 });
  });
});

/** A client whose visibility store lists `runs` (or fails), for costForStatus and comparisonAfterResume. */
function listingClient(runs: SweepRunTimes[] | Error): Client {
  return {
    workflow: {
      list: () => ({
        async *[Symbol.asyncIterator]() {
          if (runs instanceof Error) throw runs;
          yield* runs;
        },
      }),
    },
  } as unknown as Client;
}

describe('the cost status shows', () => {
  const sweep = { sweepId: 'demo-1', sweepName: 'demo' };

  it('gives a running sweep its estimate, and a completed one the comparison over its runs', async () => {
    const first = { startTime: at(0), closeTime: at(20), memo: { sweepName: 'demo', costEstimate: stored } };
    const running = await costForStatus({
      client: listingClient([first, { startTime: at(30), memo: { sweepName: 'demo' } }]),
      ...sweep,
      completed: false,
    });
    expect(running).toEqual({ estimate: stored });
    const done = await costForStatus({
      client: listingClient([first, { startTime: at(30), closeTime: at(40), memo: { sweepName: 'demo' } }]),
      ...sweep,
      completed: true,
    });
    expect(done?.estimate).toEqual(stored);
    expect(done?.comparison).toMatchObject({
      wallSeconds: 30 * 60,
      wallAgainstEstimate: 'within',
      trained: 0,
    });
  });

  it('has no estimate for a sweep submitted without one, and nothing when the runs cannot be listed', async () => {
    const plain = { startTime: at(0), closeTime: at(2), memo: { sweepName: 'demo' } };
    const found = await costForStatus({ client: listingClient([plain]), ...sweep, completed: true });
    expect(found?.estimate).toBeUndefined();
    expect(found?.comparison?.line).toBe('cost: wall 2.0 min (no estimate was made at submission)');
    expect(
      await costForStatus({ client: listingClient(new Error('down')), ...sweep, completed: true }),
    ).toBeUndefined();
  });

  it('compares a resumed sweep followed to its end from the run holding the estimate to now', async () => {
    const found = await comparisonAfterResume({
      client: listingClient([
        { startTime: at(0), closeTime: at(10), memo: { sweepName: 'demo', costEstimate: stored } },
        // The run resume started (it carries the estimate too), not yet listed closed.
        { startTime: at(30), memo: { sweepName: 'demo', costEstimate: stored } },
      ]),
      sweepId: 'demo-1',
      now: at(55),
    });
    expect(found?.estimate).toEqual(stored);
    expect(found?.comparison).toMatchObject({ wallSeconds: 35 * 60, wallAgainstEstimate: 'within' });
  });
});

/** A client that answers the three calls resume makes (describe, the input, start) and keeps the starts. */
function resumeClient(memo: Record<string, unknown>) {
  const started: { memo?: Record<string, unknown> }[] = [];
  const input: Partial<SweepWorkflowInput> = {
    sweepId: 'demo-1',
    spec: { name: 'demo', backend: 'wasm', variants: { exclude: [] } } as unknown as SweepSpec,
    datasetFingerprint: 'fp',
  };
  const client = {
    options: {
      namespace: 'default',
      loadedDataConverter: { payloadConverter: { fromPayload: (p: unknown) => p } },
    },
    withDeadline: (_deadline: number, fn: () => Promise<unknown>) => fn(),
    workflowService: {
      getWorkflowExecutionHistory: async () => ({
        history: { events: [{ workflowExecutionStartedEventAttributes: { input: { payloads: [input] } } }] },
      }),
    },
    workflow: {
      getHandle: (workflowId: string) => ({
        describe: async () => ({
          workflowId,
          runId: 'old-run',
          status: { name: 'FAILED' },
          startTime: at(0),
          closeTime: at(1),
          memo,
        }),
      }),
      start: async (_type: string, options: { memo?: Record<string, unknown> }) => {
        started.push(options);
        return { firstExecutionRunId: 'new-run' };
      },
    },
  };
  return { client: client as unknown as Client, started };
}

describe('resume keeps the estimate', () => {
  it("puts the replaced run's estimate into the new run's memo", async () => {
    const { client, started } = resumeClient({ sweepName: 'demo', costEstimate: stored });
    await resumeSweep({ client, sweepId: 'demo-1' });
    expect(started[0]!.memo).toEqual({ sweepName: 'demo', costEstimate: stored });
  });

  it('adds none to a sweep submitted without one (or with a memo that is not an estimate)', async () => {
    for (const memo of [{ sweepName: 'demo' }, { sweepName: 'demo', costEstimate: { trials: 'x' } }]) {
      const { client, started } = resumeClient(memo);
      await resumeSweep({ client, sweepId: 'demo-1' });
      expect(started[0]!.memo).toEqual({ sweepName: 'demo' });
    }
  });
});

describe('the warm start as JSON', () => {
  const sampler = (warmStart?: { sweeps: string[]; trials: Record<string, number>[] }) =>
    ({ variants: { sampler: { params: {}, ...(warmStart ? { warmStart } : {}) } } }) as unknown as SweepSpec;

  it('has each listed sweep’s counts, the configurations passed and the listed trials', () => {
    const counts = [
      {
        ref: 'earlier',
        sweepId: 'earlier-1',
        used: 3,
        configurations: 2,
        skipped: 1,
        reasons: { "without 'x'": 1 },
      },
    ];
    const read = {
      history: {
        params: ['x'],
        trials: [
          [[1], [0.5]],
          [[2], [0.7]],
        ] as [number[], number[]][],
      },
      lines: [],
      counts,
    };
    expect(warmStartJson(sampler({ sweeps: ['earlier'], trials: [{ x: 1 }] }), read)).toEqual({
      sweeps: counts,
      configurations: 2,
      listedTrials: 1,
    });
    // Listed trials only: no sweep read.
    expect(warmStartJson(sampler({ sweeps: [], trials: [{ x: 1 }, { x: 2 }] }), undefined)).toEqual({
      sweeps: [],
      configurations: 0,
      listedTrials: 2,
    });
    expect(warmStartJson(sampler(), undefined)).toBeUndefined();
  });
});
