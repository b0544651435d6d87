/**
 * Defence in depth (issue 20, item 3): trial keys and sweep ids are generated, but the activities that
 * make folders of them (checkpoints and models from the trial key, the report from the sweep id) refuse
 * one that would lead outside its root, with `E_PATH_ESCAPE`, non-retryable, before anything is
 * written or any tracker call is made. Normal keys and ids give the same folders as before.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createAggregate } from '../../../../src/temporal/activities/aggregate.js';
import { createTrainTrial } from '../../../../src/temporal/activities/train-trial.js';
import type { TrialTrainer } from '../../../../src/temporal/activities/trainer.js';
import type { AggregateInput, TrainTrialInput } from '../../../../src/temporal/shared/shared.js';
import type { Tracker } from '../../../../src/tracking/types.js';

/** Hostile keys/ids: parent folders, absolute paths, a NUL byte, the root itself. */
const HOSTILE = ['../escaped', '../../etc/passwd', 'a/../../b', '/tmp/absolute', 'a\u0000b', '', '.', './'];

const base = mkdtempSync(path.join(tmpdir(), 'seedsweep-hostile-folders-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** A tracker that records every call (none may happen for a hostile key). */
function recordingTracker(): { tracker: Tracker; calls: string[] } {
  const calls: string[] = [];
  const tracker = new Proxy(
    {},
    {
      get: (_target, name) => async () => {
        calls.push(String(name));
        return [];
      },
    },
  ) as unknown as Tracker;
  return { tracker, calls };
}

/** A trainer that records the folders it was given and finishes at once. */
function recordingTrainer(): {
  trainer: TrialTrainer;
  runs: { checkpointDir?: string; modelDir?: string }[];
} {
  const runs: { checkpointDir?: string; modelDir?: string }[] = [];
  const final = { epoch: 1, testAccuracy: 0.5 };
  const trainer: TrialTrainer = {
    run: async (request) => {
      runs.push({
        ...(request.checkpointDir !== undefined ? { checkpointDir: request.checkpointDir } : {}),
        ...(request.modelDir !== undefined ? { modelDir: request.modelDir } : {}),
      });
      return { epochs: [final], final, backend: { name: 'wasm', version: '1' }, resumedFromEpoch: 0 };
    },
    destroy: async () => {},
  };
  return { trainer, runs };
}

function trialInput(trialKey: string): TrainTrialInput {
  return {
    sweepId: 'sweep-1',
    workflowId: 'sweep-1',
    trial: { trialKey, seed: 0, config: { train: { epochs: 1 } } },
  } as unknown as TrainTrialInput;
}

describe('trainTrial with a hostile trial key', () => {
  const checkpointRoot = path.join(base, 'root', 'checkpoints');
  const modelRoot = path.join(base, 'root', 'models');

  it.each(HOSTILE)(
    'refuses %j with E_PATH_ESCAPE, non-retryable, before training or tracking',
    async (key) => {
      const { tracker, calls } = recordingTracker();
      const { trainer, runs } = recordingTrainer();
      const trainTrial = createTrainTrial({
        trainer,
        tracker,
        reportEpoch: async () => ({ action: 'continue' }),
        checkpointRoot,
        modelRoot,
      });
      const error = await new MockActivityEnvironment()
        .run(trainTrial, trialInput(key))
        .catch((e: unknown) => e);
      expect((error as Error).message).toMatch(/^E_PATH_ESCAPE: trial key: /);
      expect(error).toMatchObject({ type: 'UserError', nonRetryable: true });
      expect(runs).toEqual([]);
      expect(calls).toEqual([]);
      expect(readdirSync(base)).toEqual([]);
    },
  );

  it('gives a normal key the folders it had: <root>/<key>', async () => {
    const { tracker } = recordingTracker();
    const { trainer, runs } = recordingTrainer();
    const key = 'f'.repeat(64);
    const trainTrial = createTrainTrial({
      trainer,
      tracker,
      reportEpoch: async () => ({ action: 'continue' }),
      checkpointRoot: 'relative/checkpoints',
      modelRoot,
    });
    await new MockActivityEnvironment().run(trainTrial, trialInput(key));
    // A relative root stays relative, as path.join made it.
    expect(runs).toEqual([
      { checkpointDir: path.join('relative/checkpoints', key), modelDir: path.join(modelRoot, key) },
    ]);
  });
});

describe('aggregateSweep with a hostile sweep id', () => {
  const reportRoot = path.join(base, 'root', 'reports');
  const input = (sweepId: string) =>
    ({ sweepId, spec: {}, datasetFingerprint: 'fp', status: 'FINISHED' }) as unknown as AggregateInput;

  it.each(HOSTILE)(
    'refuses %j with E_PATH_ESCAPE, non-retryable, before any tracker call',
    async (sweepId) => {
      const { tracker, calls } = recordingTracker();
      const error = await createAggregate({ tracker, reportRoot })(input(sweepId)).catch((e: unknown) => e);
      expect((error as Error).message).toMatch(/^E_PATH_ESCAPE: sweep id: /);
      expect(error).toMatchObject({ type: 'UserError', nonRetryable: true });
      expect(calls).toEqual([]);
      expect(readdirSync(base)).toEqual([]);
    },
  );

  it('gives a normal id its folder, <reportRoot>/<sweepId>, and an explicit report folder as it is', async () => {
    const { tracker } = recordingTracker();
    const aggregate = createAggregate({ tracker, reportRoot });
    const plan = { plannedKeys: [], missing: [] };
    const out = await aggregate({ ...input('tiny-20260101-000000-abcd'), ...plan });
    expect(out.reportDir).toBe(path.join(reportRoot, 'tiny-20260101-000000-abcd'));
    const chosen = path.join(base, 'chosen');
    expect((await aggregate({ ...input('../x'), ...plan, reportDir: chosen })).reportDir).toBe(chosen);
  });
});
