/**
 * Against the real MLflow server of the integration setup: lineage tags on trial runs, trials of any
 * trainable (metrics under their own names, no model stats, NaN), and finding finished trials by key
 * across sweep names.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';
import type { PlannedTrial, TrialResult } from '../../../src/core/domain/trial.js';
import { MlflowClient } from '../../../src/tracking/mlflow-client.js';
import { MlflowTracker } from '../../../src/tracking/mlflow-tracker.js';
import { plannedTrial, trialResult } from './fixtures.js';

const workDir = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-lineage-it-'));
const unique = (prefix: string) =>
  `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

function newTracker() {
  return new MlflowTracker({
    client: new MlflowClient({ trackingUri: inject('mlflowUri') }),
    outboxDir: path.join(workDir, unique('outbox')),
    warn: () => undefined,
  });
}

/** A run's tags read straight from the REST API (no seedsweep code in between). */
async function restTags(runId: string): Promise<Record<string, string>> {
  const response = await fetch(`${inject('mlflowUri')}/api/2.0/mlflow/runs/get?run_id=${runId}`);
  expect(response.ok).toBe(true);
  const body = (await response.json()) as { run: { data: { tags?: { key: string; value: string }[] } } };
  return Object.fromEntries((body.run.data.tags ?? []).map((t) => [t.key, t.value]));
}

describe('lineage tags on trial runs', () => {
  it('tags every trial run with the dataset fingerprint, lockfile hash, git state and backend', async () => {
    const tracker = newTracker();
    const sweepId = unique('sweep');
    await tracker.startSweep({ sweepId, sweepName: unique('lineage'), datasetFingerprint: 'sweep-fp' });
    const given = plannedTrial({ trialKey: unique('given'), seed: 0 });
    const inherited = plannedTrial({ trialKey: unique('inherited'), seed: 1 });
    // What the training activity passes …
    await tracker.startTrial(sweepId, given, { 'seedsweep.dataset_fingerprint': 'trial-fp' });
    // … and a caller that passes nothing: the run takes the sweep's.
    await tracker.startTrial(sweepId, inherited);
    for (const trial of [given, inherited]) {
      await tracker.finishTrial(sweepId, trial.trialKey, {
        status: 'FINISHED',
        result: trialResult({ epochs: 1 }),
      });
    }
    expect(tracker.pendingCount()).toBe(0);

    const lock = createHash('sha256')
      .update(readFileSync(path.join(PACKAGE_ROOT, 'package-lock.json')))
      .digest('hex');
    const givenTags = await restTags((await tracker.runIdOf(sweepId, given.trialKey))!);
    expect(givenTags).toMatchObject({
      'seedsweep.dataset_fingerprint': 'trial-fp',
      'seedsweep.lockfile_sha256': lock,
      'seedsweep.backend': 'wasm',
      'seedsweep.backend_version': '4.22.0',
    });
    // The test runs in the project checkout: git answers, so the flag is a boolean and the commit is there.
    expect(['true', 'false']).toContain(givenTags['seedsweep.git_dirty']);
    expect(givenTags['mlflow.source.git.commit']).toMatch(/^[0-9a-f]{40}$/);
    expect(givenTags['seedsweep.cwd_lockfile_sha256']).toBeUndefined(); // cwd is the package root
    const inheritedTags = await restTags((await tracker.runIdOf(sweepId, inherited.trialKey))!);
    expect(inheritedTags['seedsweep.dataset_fingerprint']).toBe('sweep-fp');
    expect(inheritedTags['seedsweep.lockfile_sha256']).toBe(lock);
  });
});

describe('trials of any trainable', () => {
  it('logs every reported metric under the one naming rule and reads the record back with the reported names', async () => {
    const tracker = newTracker();
    const client = tracker.client;
    const sweepId = unique('sweep');
    await tracker.startSweep({ sweepId, sweepName: unique('user-trainable') });
    const trial: PlannedTrial = {
      trialKey: unique('user'),
      groupKey: 'g',
      groupLabel: 'model=quadratic x=0.5',
      factors: { x: 0.5, centered: true },
      seed: 0,
      queue: 'cpu',
      config: {
        model: 'quadratic',
        modelOptions: { x: 0.5, centered: true },
        train: { epochs: 2 },
        dataset: { name: 'none' },
        trainable: { module: '/somewhere/quadratic.ts', export: 'quadratic' },
      },
    };
    const epochs = [
      { epoch: 1, value: 0.25, val_loss: 1, stepsPerSecond: 10 },
      { epoch: 2, value: 0.125, val_loss: Number.NaN, stepsPerSecond: 12 },
    ];
    await tracker.startTrial(sweepId, trial);
    for (const epoch of epochs) await tracker.logEpoch(sweepId, trial.trialKey, epoch);
    const result: TrialResult = {
      epochs,
      final: epochs[1]!,
      backend: { name: 'js', version: '0' },
      resumedFromEpoch: 0,
    };
    await tracker.finishTrial(sweepId, trial.trialKey, { status: 'FINISHED', result });
    expect(tracker.pendingCount()).toBe(0);
    expect(tracker.outbox.failedCount()).toBe(0);

    const run = await client.getRun((await tracker.runIdOf(sweepId, trial.trialKey))!);
    expect(run.status).toBe('FINISHED');
    expect(Object.keys(run.metrics).sort()).toEqual([
      'epochs_completed',
      'final_steps_per_second',
      'final_val_loss',
      'final_value',
      'steps_per_second',
      'val_loss',
      'value',
    ]);
    expect(run.metrics['final_value']).toBe(0.125);
    expect(run.metrics['final_val_loss']).toBeNaN();
    expect(
      (await client.getMetricHistory({ runId: run.runId, key: 'val_loss' })).map((p) => p.value),
    ).toEqual([1, Number.NaN]);
    expect(run.params).toMatchObject({ model: 'quadratic', 'model.centered': 'true', 'train.epochs': '2' });
    expect(run.tags['seedsweep.trainable']).toBe('/somewhere/quadratic.ts#quadratic');

    const [record] = await tracker.finishedTrials({ sweepId });
    expect(record!.result.epochs).toEqual(epochs); // NaN included
    expect(Object.keys(record!.result.final)).toEqual(['epoch', 'value', 'val_loss', 'stepsPerSecond']);
    expect(record!.result.modelStats).toBeUndefined();
    expect(record!.config).toEqual(trial.config);
  });
});

describe('finishedTrialsByKeys', () => {
  it('finds finished trials by key under any sweep name, one per key, keeping their sweep id', async () => {
    const tracker = newTracker();
    const [nameA, nameB] = [unique('reuse-a'), unique('reuse-b')];
    const [first, second, third] = [unique('sweep'), unique('sweep'), unique('sweep')];
    const [k1, k2, k3, kFailed, kNever] = ['k1', 'k2', 'k3', 'failed', 'never'].map((k) => unique(k)) as [
      string,
      string,
      string,
      string,
      string,
    ];
    const run = async (
      sweepId: string,
      sweepName: string,
      trialKey: string,
      status: 'FINISHED' | 'FAILED' = 'FINISHED',
    ) => {
      await tracker.startSweep({ sweepId, sweepName });
      await tracker.startTrial(sweepId, plannedTrial({ trialKey, seed: 0 }));
      await tracker.finishTrial(
        sweepId,
        trialKey,
        status === 'FINISHED' ? { status, result: trialResult({ epochs: 1 }) } : { status, error: 'boom' },
      );
    };
    await run(first, nameA, k1);
    await run(second, nameB, k2);
    await run(second, nameB, kFailed, 'FAILED');
    await run(third, nameB, k1); // the same key finished again later, elsewhere
    await run(third, nameB, k3);

    const records = await tracker.finishedTrialsByKeys([k1, k2, kFailed, kNever, k1]);
    expect(records.map((r) => `${r.trialKey}@${r.sweepId}`).sort()).toEqual(
      [`${k1}@${first}`, `${k2}@${second}`].sort(),
    );
    const reused = records.find((r) => r.trialKey === k2)!;
    expect(reused.runId).toBe(await tracker.runIdOf(second, k2));
    expect(reused.result.epochs).toHaveLength(1);
    expect(await tracker.finishedTrialsByKeys([])).toEqual([]);
    // A tracker that never saw these sweeps (another host) finds them too.
    expect((await newTracker().finishedTrialsByKeys([k3])).map((r) => r.sweepId)).toEqual([third]);
  });
});
