/**
 * `run --detach --json` and `status --json` carry the warm start and the cost: `warmStart` (per earlier
 * sweep the trials used and skipped, the listed trials), `costEstimate` (the estimate kept in the memo,
 * null when none was made) and, for a completed sweep, `costComparison`. A fake Temporal client stands in
 * for the server; the warm start's read and the estimate are stubbed (their own tests: tests/unit/temporal/
 * client/warm-start.test.ts, tests/unit/interfaces/cli/plan-cost.test.ts).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PACKAGE_ROOT } from '../../../../src/core/common/paths.js';
import type { StoredEstimate } from '../../../../src/reporting/cost/format.js';
import type { SweepSummary } from '../../../../src/temporal/shared/shared.js';
import { runCliInProcess } from './run-cli.js';

const WARM = path.join(PACKAGE_ROOT, 'tests', 'fixtures', 'search', 'tiny-warm.yaml');

const stored: StoredEstimate = {
  trials: 12,
  estimatedTrials: 12,
  concurrency: 2,
  trialSeconds: { low: 3600, high: 7200 },
  wallSeconds: { low: 1800, high: 3600 },
  quantiles: [0.1, 0.9],
  matches: { 'same-trainable': 6 },
};

const summary: SweepSummary = {
  sweepId: 'tiny-warm-1',
  sweepName: 'tiny-warm',
  status: 'completed',
  counts: {
    total: 4,
    pending: 0,
    running: 0,
    finished: 4,
    failed: 0,
    earlyStopped: 0,
    cancelled: 0,
    skipped: 0,
  },
  failures: {},
  continuedRuns: 0,
};

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));

/** What the fake server was asked to start, and the memo of the one sweep it knows. */
const fake = vi.hoisted(() => ({
  started: [] as { workflowId: string; memo?: Record<string, unknown> }[],
  memo: {} as Record<string, unknown>,
}));

vi.mock('../../../../src/temporal/client/session.js', () => {
  const handle = (workflowId: string) => ({
    describe: async () => ({
      workflowId,
      runId: 'run-2',
      status: { name: 'COMPLETED' },
      startTime: at(30),
      closeTime: at(40),
      memo: fake.memo,
    }),
    result: async () => summary,
  });
  const client = {
    withDeadline: (_deadline: number, fn: () => Promise<unknown>) => fn(),
    workflow: {
      getHandle: handle,
      start: async (_type: string, options: { workflowId: string; memo?: Record<string, unknown> }) => {
        fake.started.push(options);
        return { firstExecutionRunId: 'run-1' };
      },
      // The visibility store: the first run (holding the estimate) and a resumed one.
      list: () => ({
        async *[Symbol.asyncIterator]() {
          yield { startTime: at(0), closeTime: at(20), memo: fake.memo };
          yield { startTime: at(30), closeTime: at(40), memo: fake.memo };
        },
      }),
    },
  };
  return {
    openTemporalSession: async () => ({
      settings: { address: 'fake:7233', embedded: false },
      client,
      close: async () => undefined,
    }),
  };
});
vi.mock('../../../../src/interfaces/setup/tracking-check.js', () => ({
  checkTrackingServer: async () => undefined,
}));
vi.mock('../../../../src/temporal/client/warm-start.js', async (original) => ({
  ...(await original<object>()),
  warmStartAtSubmission: async () => ({
    history: { params: ['learning_rate', 'units1'], trials: [[[0.002, 40], [0.8]]] },
    lines: [],
    counts: [
      {
        ref: 'tiny-warm-earlier',
        sweepId: 'tiny-warm-earlier-1',
        used: 2,
        configurations: 1,
        skipped: 1,
        reasons: { "without 'units1'": 1 },
      },
    ],
  }),
}));
vi.mock('../../../../src/temporal/client/cost-outcome.js', async (original) => ({
  ...(await original<object>()),
  submissionEstimate: async () => ({ stored, line: 'cost: …' }),
}));

afterEach(() => vi.unstubAllEnvs());

// No tracking server: the trained trials' time is not read.
const env = () => ({
  MLFLOW_TRACKING_URI: '',
  SEEDSWEEP_STATE_DIR: mkdtempSync(path.join(os.tmpdir(), 'seedsweep-cost-json-')),
});

describe('--json carries the warm start and the cost', () => {
  it('run --detach --json: the ids, warmStart and costEstimate; the memo keeps the estimate', async () => {
    const { code, stdout, stderr } = await runCliInProcess(['run', WARM, '--detach', '--json'], env());
    expect(code, stderr).toBe(0);
    const doc = JSON.parse(stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({
      runId: 'run-1',
      warmStart: {
        sweeps: [
          {
            ref: 'tiny-warm-earlier',
            sweepId: 'tiny-warm-earlier-1',
            used: 2,
            configurations: 1,
            skipped: 1,
            reasons: { "without 'units1'": 1 },
          },
        ],
        configurations: 1,
        listedTrials: 2,
      },
      costEstimate: { ...stored, trialHours: { low: 1, high: 2 }, source: 'earlier-trials' },
    });
    expect(fake.started.at(-1)!.memo).toEqual({ sweepName: 'tiny-warm', costEstimate: stored });
  });

  it('status --json: the estimate of the memo and the comparison over the runs from it', async () => {
    fake.memo = { sweepName: 'tiny-warm', costEstimate: stored };
    const { code, stdout, stderr } = await runCliInProcess(['status', 'tiny-warm-1', '--json'], env());
    expect(code, stderr).toBe(0);
    const doc = JSON.parse(stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({
      sweepId: 'tiny-warm-1',
      status: 'COMPLETED',
      summary: { counts: { finished: 4 } },
      costEstimate: { wallSeconds: stored.wallSeconds, trialHours: { low: 1, high: 2 } },
      // 20 + 10 minutes open: within 30–60 min.
      costComparison: { wallSeconds: 1800, wallAgainstEstimate: 'within', trained: 0 },
    });
    expect((doc['costComparison'] as { line: string }).line).toMatch(
      /^cost: estimated at submission wall 30\.0–60\.0 min/,
    );
  });

  it('status --json of a sweep submitted without an estimate: costEstimate null', async () => {
    fake.memo = { sweepName: 'tiny-warm' };
    const { code, stdout } = await runCliInProcess(['status', 'tiny-warm-1', '--json'], env());
    expect(code).toBe(0);
    const doc = JSON.parse(stdout) as Record<string, unknown>;
    expect(doc['costEstimate']).toBeNull();
    expect(doc['costComparison']).toMatchObject({
      wallSeconds: 1800,
      line: 'cost: wall 30.0 min (no estimate was made at submission)',
    });
  });
});
