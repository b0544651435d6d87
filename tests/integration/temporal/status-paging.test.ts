/**
 * Paged progress against the real Temporal dev server (in-process worker, no-op trainer, in-memory
 * tracker): `seedsweep status` prints one page and "page N of P" and refuses a page past the last or an
 * unknown sweep id in one line; a run continued as new by older workers (trials by key in its carried
 * state) is read and finished by the current workflow.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';
import { expandSweep } from '../../../src/sweep-spec/expand.js';
import { createNoopTrainer } from '../../../src/temporal/activities/noop-trainer.js';
import type {
  TrainerRunOptions,
  TrainerTask,
  TrialTrainer,
} from '../../../src/temporal/activities/trainer.js';
import { querySweepProgress, SWEEP_WORKFLOW_TYPE, submitSweep } from '../../../src/temporal/client/sweeps.js';
import { withResolvedBackend } from '../../../src/temporal/client/sweep-backend.js';
import type {
  LegacyCarriedState,
  SweepProgress,
  SweepSummary,
  SweepWorkflowInput,
} from '../../../src/temporal/shared/shared.js';
import {
  connect,
  suiteWorkflowBundle,
  fingerprintOf,
  startWorker,
  tinySpec,
  uniqueName,
  until,
} from './harness.js';
import { MemoryTracker } from './memory-tracker.js';
import { cliArgs } from '../../cli-entry.js';

const run = promisify(execFile);

async function seedsweep(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const env = {
    ...process.env,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    MLFLOW_TRACKING_URI: inject('mlflowUri'),
    SEEDSWEEP_STATE_DIR: mkdtempSync(path.join(os.tmpdir(), 'seedsweep-status-')),
    CI: '1',
  };
  try {
    const { stdout, stderr } = await run(process.execPath, [...cliArgs(), ...args], {
      cwd: PACKAGE_ROOT,
      env,
    });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

let bundle: { code: string };
let connection: NativeConnection;
let client: Client;

beforeAll(async () => {
  bundle = suiteWorkflowBundle();
  ({ connection, client } = await connect());
});

afterAll(async () => {
  await connection?.close();
});

describe('seedsweep status, paged', () => {
  it('prints page N of P, filters by state, and refuses a page past the last and an unknown id', async () => {
    const tracker = new MemoryTracker();
    // Long epochs: the sweep is still running while the commands ask.
    const worker = await startWorker({
      connection,
      bundle,
      tracker,
      trainer: createNoopTrainer({ epochMilliseconds: 20_000 }),
      threads: 2,
    });
    const spec = tinySpec({
      name: uniqueName('paged'),
      seeds: [0, 1, 2, 3, 4, 5],
      epochs: 3,
      concurrency: 2,
      models: ['fc', 'cnn'],
    });
    const { sweepId } = await submitSweep({
      client,
      spec,
      datasetFingerprint: await fingerprintOf(spec),
      taskQueues: worker.queues,
    });
    try {
      await until(async () => {
        const p = await querySweepProgress({ client, sweepId, states: ['running'] });
        return p && p.counts.running > 0 ? p : undefined;
      });

      const second = await seedsweep(['status', sweepId, '--page-size', '5', '--page', '2']);
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).toMatch(/^ {2}page 2 of 3 \(5 per page, 12 trials\)$/m);
      expect(second.stdout.split('\n').filter((l) => / seed=\d+: /.test(l))).toHaveLength(5);

      const running = await seedsweep(['status', sweepId, '--state', 'running']);
      expect(running.code, running.stderr).toBe(0);
      expect(running.stdout).toMatch(/^ {2}page 1 of 1 \(50 per page, [12] running trials\)$/m);

      const json = await seedsweep(['status', sweepId, '--json', '--page-size', '3']);
      const status = JSON.parse(json.stdout) as { progress: SweepProgress };
      expect(status.progress.trials).toHaveLength(3);
      expect(status.progress.page).toMatchObject({ number: 1, size: 3, pages: 4, matching: 12 });

      const past = await seedsweep(['status', sweepId, '--page-size', '5', '--page', '4']);
      expect(past.code).toBe(2);
      expect(past.stderr).toBe(
        `error[E_PAGE_OUT_OF_RANGE]: sweep ${sweepId} has 3 pages of 5 (12 trials), no page 4; pass --page 1 to 3.\n`,
      );

      const unknown = await seedsweep(['status', 'no-such-sweep-0']);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toBe(
        "error[E_SWEEP_NOT_FOUND]: no sweep with id 'no-such-sweep-0'; 'seedsweep list' shows the known ones.\n",
      );
    } finally {
      await client.workflow
        .getHandle(sweepId)
        .terminate('test done')
        .catch(() => undefined);
      await worker.stop();
    }
  });
});

describe('a run continued as new by older workers', () => {
  it('reads its carried state (trials by key) and runs only what was left', async () => {
    const tracker = new MemoryTracker();
    const ran: string[] = [];
    const inner = createNoopTrainer();
    const trainer: TrialTrainer = {
      run: (task: TrainerTask, options?: TrainerRunOptions) => {
        ran.push(`${task.trial.config.model} seed=${task.trial.seed}`);
        return inner.run(task, options);
      },
      destroy: () => inner.destroy(),
    };
    const worker = await startWorker({ connection, bundle, tracker, trainer, threads: 2 });
    try {
      const spec = withResolvedBackend(
        tinySpec({
          name: uniqueName('legacy'),
          seeds: [0, 1, 2],
          epochs: 1,
          concurrency: 2,
          models: ['fc', 'cnn'],
        }),
      );
      const datasetFingerprint = await fingerprintOf(spec);
      const planned = expandSweep({ spec, datasetFingerprint });
      const keys = planned.map((t) => t.trialKey);
      // What the older workflow handed to continue-as-new after settling the first three trials.
      const state: LegacyCarriedState = {
        alreadyFinished: [],
        finished: [keys[0]!, keys[1]!],
        failed: { [keys[2]!]: 'Error: boom' },
        earlyStopped: {},
        metricHistory: {},
        cursor: 3,
        paused: false,
        cancelRequested: false,
        continuedRuns: 1,
        adaptive: { proposals: [], draws: 0, rounds: [] },
      };
      const sweepId = uniqueName('legacy-sweep');
      // The older workers' run trained the first two: their records are in the tracker.
      await tracker.startSweep({ sweepId, sweepName: spec.name, tags: {}, datasetFingerprint });
      for (const t of planned.slice(0, 2)) {
        await tracker.startTrial(sweepId, t);
        const result = await inner.run({ trial: t });
        await tracker.finishTrial(sweepId, t.trialKey, { status: 'FINISHED', result });
      }
      const input: SweepWorkflowInput = {
        sweepId,
        spec,
        datasetFingerprint,
        taskQueues: worker.queues,
        state,
      };
      const handle = await client.workflow.start(SWEEP_WORKFLOW_TYPE, {
        workflowId: sweepId,
        taskQueue: worker.queues.control,
        args: [input],
        memo: { sweepName: spec.name },
      });
      const summary = (await handle.result()) as SweepSummary;
      expect(summary.counts).toMatchObject({ total: 6, finished: 5, failed: 1, pending: 0 });
      expect(summary.failures).toEqual({ [keys[2]!]: 'Error: boom' });
      expect(summary.continuedRuns).toBe(1);
      expect(ran.sort()).toEqual(
        planned
          .slice(3)
          .map((t) => `${t.config.model} seed=${t.seed}`)
          .sort(),
      );
    } finally {
      await worker.stop();
    }
  });
});
