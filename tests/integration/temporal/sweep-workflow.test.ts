/**
 * The sweep workflow against the real Temporal dev server, with in-process workers, the no-op trainer
 * (so many trials run in seconds) and an in-memory tracker: fan-out window, progress query,
 * continue-as-new, skipping finished trials, resume after failures, cancel, pause/resume.
 */
import type { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNoopTrainer } from '../../../src/temporal/activities/noop-trainer.js';
import type {
  TrainerRunOptions,
  TrainerTask,
  TrialTrainer,
} from '../../../src/temporal/activities/trainer.js';
import {
  cancelSweep,
  getSweepStatus,
  pauseSweep,
  querySweepProgress,
  resumeSweep,
  submitSweep,
} from '../../../src/temporal/client/sweeps.js';
import { expandSweep } from '../../../src/sweep-spec/expand.js';
import type { SweepProgress, SweepSummary } from '../../../src/temporal/shared/shared.js';
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

/** Wraps a trainer to record how many trials run at once. */
function countingTrainer(inner: TrialTrainer): TrialTrainer & { maxInFlight: number; runs: number } {
  let inFlight = 0;
  const counting = {
    maxInFlight: 0,
    runs: 0,
    async run(task: TrainerTask, options?: TrainerRunOptions) {
      inFlight += 1;
      counting.runs += 1;
      counting.maxInFlight = Math.max(counting.maxInFlight, inFlight);
      try {
        return await inner.run(task, options);
      } finally {
        inFlight -= 1;
      }
    },
    destroy: () => inner.destroy(),
  };
  return counting;
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

async function resultOf(sweepId: string): Promise<SweepSummary> {
  return (await client.workflow.getHandle(sweepId).result()) as SweepSummary;
}

describe('sweep workflow (noop trainer)', () => {
  it('keeps at most `concurrency` trials in flight and reports per-trial progress while running', async () => {
    const tracker = new MemoryTracker();
    const trainer = countingTrainer(createNoopTrainer({ epochMilliseconds: 300 }));
    const worker = await startWorker({ connection, bundle, tracker, trainer, threads: 8 });
    try {
      const spec = tinySpec({
        name: uniqueName('window'),
        seeds: [0, 1, 2, 3, 4, 5, 6, 7],
        epochs: 2,
        concurrency: 3,
      });
      const { sweepId } = await submitSweep({
        client,
        spec,
        datasetFingerprint: await fingerprintOf(spec),
        taskQueues: worker.queues,
      });
      const running: SweepProgress = await until(async () => {
        const p = await querySweepProgress({ client, sweepId });
        return p && p.counts.running > 0 && p.trials.some((t) => t.state === 'running' && (t.epoch ?? 0) >= 1)
          ? p
          : undefined;
      });
      expect(running.counts.total).toBe(8);
      expect(running.counts.running).toBeLessThanOrEqual(3);
      expect(running.counts.running + running.counts.pending + running.counts.finished).toBe(8);
      const live = running.trials.find((t) => t.state === 'running' && (t.epoch ?? 0) >= 1);
      expect(live?.metrics?.epoch).toBe(live?.epoch);
      expect(live?.epochs).toBe(2);

      const summary = await resultOf(sweepId);
      expect(summary.status).toBe('completed');
      expect(summary.counts).toMatchObject({ total: 8, finished: 8, failed: 0, pending: 0, running: 0 });
      expect(trainer.maxInFlight).toBe(3);
      expect(trainer.runs).toBe(8);
      expect(tracker.runsOf(sweepId).every((r) => r.status === 'FINISHED' && r.epochs.size === 2)).toBe(true);
      expect(tracker.sweeps.get(sweepId)?.status).toBe('FINISHED');
      expect(summary.report?.records).toBe(8);
    } finally {
      await worker.stop();
    }
  });

  it('continues as new under a lowered history threshold without losing or repeating a trial', async () => {
    const tracker = new MemoryTracker();
    const trainer = countingTrainer(createNoopTrainer());
    const worker = await startWorker({ connection, bundle, tracker, trainer, threads: 4 });
    try {
      const seeds = Array.from({ length: 24 }, (_, i) => i);
      const spec = tinySpec({ name: uniqueName('can'), seeds, epochs: 1, concurrency: 4 });
      const { sweepId } = await submitSweep({
        client,
        spec,
        datasetFingerprint: await fingerprintOf(spec),
        taskQueues: worker.queues,
        maxHistoryEventsBeforeContinue: 40,
      });
      const summary = await resultOf(sweepId);
      expect(summary.continuedRuns).toBeGreaterThanOrEqual(2);
      expect(summary.counts).toMatchObject({ total: 24, finished: 24, failed: 0, skipped: 0 });
      expect(trainer.runs).toBe(24);
      const runs = tracker.runsOf(sweepId);
      expect(runs).toHaveLength(24);
      expect(runs.every((r) => r.starts === 1 && r.status === 'FINISHED')).toBe(true);
      // The memo survives continue-as-new: status still finds the spec's name.
      expect((await getSweepStatus({ client, sweepId })).sweepName).toBe(spec.name);
    } finally {
      await worker.stop();
    }
  });

  it('re-running the same spec runs nothing new; adding a seed runs only the new trials', async () => {
    const tracker = new MemoryTracker();
    const trainer = countingTrainer(createNoopTrainer());
    const worker = await startWorker({ connection, bundle, tracker, trainer, threads: 4 });
    try {
      const name = uniqueName('incremental');
      const spec = tinySpec({ name, seeds: [0, 1], epochs: 1, concurrency: 4, models: ['fc', 'cnn'] });
      const fingerprint = await fingerprintOf(spec);
      const first = await resultOf(
        (await submitSweep({ client, spec, datasetFingerprint: fingerprint, taskQueues: worker.queues }))
          .sweepId,
      );
      expect(first.counts).toMatchObject({ total: 4, finished: 4, skipped: 0 });
      expect(trainer.runs).toBe(4);

      const again = await submitSweep({
        client,
        spec,
        datasetFingerprint: fingerprint,
        taskQueues: worker.queues,
        sweepId: uniqueName('again'),
      });
      const second = await resultOf(again.sweepId);
      expect(second.counts).toMatchObject({ total: 4, finished: 0, skipped: 4 });
      expect(trainer.runs).toBe(4);
      expect(tracker.runsOf(again.sweepId)).toHaveLength(0);
      expect(second.report?.records).toBe(4);

      const grown = tinySpec({ name, seeds: [0, 1, 2], epochs: 1, concurrency: 4, models: ['fc', 'cnn'] });
      const third = await resultOf(
        (
          await submitSweep({
            client,
            spec: grown,
            datasetFingerprint: fingerprint,
            taskQueues: worker.queues,
          })
        ).sweepId,
      );
      expect(third.counts).toMatchObject({ total: 6, finished: 2, skipped: 4 });
      expect(trainer.runs).toBe(6);
      const newKeys = expandSweep({ spec: grown, datasetFingerprint: fingerprint })
        .filter((t) => t.seed === 2)
        .map((t) => t.trialKey)
        .sort();
      expect(
        tracker
          .runsOf(third.sweepId)
          .map((r) => r.trial.trialKey)
          .sort(),
      ).toEqual(newKeys);
    } finally {
      await worker.stop();
    }
  });

  it('resume after a sweep ended with failed trials runs only the failed ones, under the same sweep id', async () => {
    const tracker = new MemoryTracker();
    const trainer = countingTrainer(createNoopTrainer());
    const worker = await startWorker({ connection, bundle, tracker, trainer, threads: 4 });
    try {
      const spec = tinySpec({
        name: uniqueName('resume'),
        seeds: [0, 1, 2, 3],
        epochs: 2,
        concurrency: 4,
        maxAttempts: 1,
      });
      const fingerprint = await fingerprintOf(spec);
      const doomed = expandSweep({ spec, datasetFingerprint: fingerprint })
        .filter((t) => t.seed === 1 || t.seed === 3)
        .map((t) => t.trialKey);
      const { sweepId } = await submitSweep({
        client,
        spec,
        datasetFingerprint: fingerprint,
        taskQueues: worker.queues,
        faultInjection: { failAtEpoch: 1, trialKeys: doomed },
      });
      const first = await resultOf(sweepId);
      expect(first.status).toBe('completed-with-failures');
      expect(first.counts).toMatchObject({ finished: 2, failed: 2 });
      expect(Object.keys(first.failures).sort()).toEqual([...doomed].sort());
      expect(
        Object.values(first.failures).every((reason) => reason.includes('injected fault after epoch 1')),
      ).toBe(true);
      expect(trainer.runs).toBe(4);

      const resumed = await resumeSweep({ client, sweepId });
      expect(resumed.sweepId).toBe(sweepId);
      expect(resumed.previousStatus).toBe('COMPLETED');
      const second = await resultOf(sweepId);
      expect(second.status).toBe('completed');
      expect(second.counts).toMatchObject({ total: 4, finished: 2, skipped: 2, failed: 0 });
      expect(trainer.runs).toBe(6);
      // The failed trials resumed from their epoch-1 checkpoints.
      for (const key of doomed)
        expect(tracker.runs.get(`${sweepId}/${key}`)?.result?.resumedFromEpoch).toBe(1);
    } finally {
      await worker.stop();
    }
  });

  it('pause holds new trials and stops running ones at an epoch boundary; resume un-pauses the same run, continuing from checkpoints', async () => {
    const tracker = new MemoryTracker();
    // 1 s epochs: the pause must land while the first trials run, which a loaded machine (a signal
    // and a workflow task taking seconds) did not always do with 0.4 s epochs.
    const trainer = countingTrainer(createNoopTrainer({ epochMilliseconds: 1000 }));
    const worker = await startWorker({ connection, bundle, tracker, trainer, threads: 2 });
    try {
      const spec = tinySpec({ name: uniqueName('pause'), seeds: [0, 1, 2, 3], epochs: 4, concurrency: 2 });
      const { sweepId } = await submitSweep({
        client,
        spec,
        datasetFingerprint: await fingerprintOf(spec),
        taskQueues: worker.queues,
      });
      await until(async () => {
        const p = await querySweepProgress({ client, sweepId });
        return p?.trials.some((t) => (t.epoch ?? 0) >= 1) ? p : undefined;
      });
      await pauseSweep({ client, sweepId, pause: true });
      const paused = await until(async () => {
        const p = await querySweepProgress({ client, sweepId });
        return p && p.phase === 'paused' && p.counts.running === 0 ? p : undefined;
      });
      expect(paused.counts.finished).toBe(0);
      const runsWhilePaused = trainer.runs;
      await new Promise((r) => setTimeout(r, 1500));
      expect(trainer.runs).toBe(runsWhilePaused);

      // `seedsweep resume` on a paused sweep un-pauses the same run instead of replacing it.
      const runId = (await client.workflow.getHandle(sweepId).describe()).runId;
      const resumed = await resumeSweep({ client, sweepId });
      expect(resumed).toMatchObject({ previousStatus: 'PAUSED', runId });
      const summary = await resultOf(sweepId);
      expect(summary.counts).toMatchObject({ finished: 4, failed: 0 });
      const resumedEpochs = tracker.runsOf(sweepId).map((r) => r.result?.resumedFromEpoch ?? 0);
      expect(resumedEpochs.filter((e) => e > 0).length).toBeGreaterThanOrEqual(1);
      expect(tracker.runsOf(sweepId).every((r) => r.result?.epochs.length === 4)).toBe(true);
    } finally {
      await worker.stop();
    }
  });

  it('the median early-stopping rule stops trials below the median of finished ones', async () => {
    const tracker = new MemoryTracker();
    const trainer = countingTrainer(createNoopTrainer({ epochMilliseconds: 300 }));
    const worker = await startWorker({ connection, bundle, tracker, trainer, threads: 1 });
    try {
      const spec = tinySpec({
        name: uniqueName('early'),
        seeds: [0, 1, 2, 3, 4, 5, 6, 7],
        epochs: 5,
        concurrency: 1,
        extra: 'early_stopping: { rule: median, metric: test_accuracy, min_epochs: 1, min_trials: 2 }',
      });
      const { sweepId } = await submitSweep({
        client,
        spec,
        datasetFingerprint: await fingerprintOf(spec),
        taskQueues: worker.queues,
      });
      const summary = await resultOf(sweepId);
      expect(summary.status).toBe('completed');
      expect(summary.counts.earlyStopped).toBeGreaterThanOrEqual(1);
      expect(summary.counts.finished + summary.counts.earlyStopped).toBe(8);
      const runs = tracker.runsOf(sweepId);
      const stopped = runs.filter((r) => r.status === 'KILLED');
      expect(stopped).toHaveLength(summary.counts.earlyStopped);
      for (const run of stopped) {
        expect(run.error).toMatch(/early-stopped after epoch \d/);
        expect(run.epochs.size).toBeLessThan(5);
      }
      // A stopped trial was worse than the median of the trials finished before it (the rule's premise).
      const finishedFinals = runs
        .filter((r) => r.status === 'FINISHED')
        .map((r) => r.result?.final.testAccuracy ?? 0);
      for (const run of stopped) {
        const best = Math.max(...[...run.epochs.values()].map((m) => m.testAccuracy ?? 0));
        expect(best).toBeLessThan(Math.max(...finishedFinals));
      }
    } finally {
      await worker.stop();
    }
  });

  it('cancel stops running trials at an epoch boundary with checkpoints, starts nothing new and reports', async () => {
    const tracker = new MemoryTracker();
    const trainer = countingTrainer(createNoopTrainer({ epochMilliseconds: 400 }));
    const worker = await startWorker({ connection, bundle, tracker, trainer, threads: 2 });
    try {
      const spec = tinySpec({
        name: uniqueName('cancel'),
        seeds: [0, 1, 2, 3, 4, 5],
        epochs: 5,
        concurrency: 2,
      });
      const { sweepId } = await submitSweep({
        client,
        spec,
        datasetFingerprint: await fingerprintOf(spec),
        taskQueues: worker.queues,
      });
      await until(async () => {
        const p = await querySweepProgress({ client, sweepId });
        return p?.trials.some((t) => (t.epoch ?? 0) >= 1) ? p : undefined;
      });
      await cancelSweep({ client, sweepId });
      const summary = await resultOf(sweepId);
      expect(summary.status).toBe('cancelled');
      expect(summary.counts.cancelled).toBe(6);
      expect(trainer.runs).toBe(2);
      const stopped = tracker.runsOf(sweepId);
      expect(stopped.every((r) => r.status === 'KILLED' && r.epochs.size >= 1 && r.epochs.size < 5)).toBe(
        true,
      );
      expect(tracker.sweeps.get(sweepId)?.status).toBe('KILLED');
    } finally {
      await worker.stop();
    }
  });
});
