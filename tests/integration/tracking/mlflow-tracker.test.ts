import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { findFreePort, type SpawnedServer } from '../../../src/services/local-server.js';
import { startMlflowServer } from '../../../src/services/mlflow-server.js';
import { MlflowClient, type MlflowRun } from '../../../src/tracking/mlflow-client.js';
import { MlflowRequestError, isDeletedRunError } from '../../../src/tracking/mlflow-errors.js';
import { MlflowTracker } from '../../../src/tracking/mlflow-tracker.js';
import { EPOCH_METRIC_KEYS, RECORD_IN_ARTIFACT, TAG, recordFromTag } from '../../../src/tracking/run-data.js';
import { CountingProxy } from './counting-proxy.js';
import { epochMetrics, plannedTrial, trialResult, writeModelDir } from './fixtures.js';
import { cliArgs } from '../../cli-entry.js';

const run = promisify(execFile);
const workDir = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-tracking-it-'));
const unique = (prefix: string) =>
  `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
const quiet = () => undefined;

function newTracker(options: { client?: MlflowClient; autoSync?: boolean; outboxDir?: string } = {}) {
  return new MlflowTracker({
    client: options.client ?? new MlflowClient({ trackingUri: inject('mlflowUri') }),
    outboxDir: options.outboxDir ?? path.join(workDir, unique('outbox')),
    autoSync: options.autoSync ?? true,
    warn: quiet,
  });
}

/** Steps of every point of `key`, sorted: duplicates would show as repeated steps. */
async function steps(client: MlflowClient, runId: string, key: string): Promise<number[]> {
  return (await client.getMetricHistory({ runId, key })).map((point) => point.step).sort((a, b) => a - b);
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('MlflowClient against a real MLflow server', () => {
  const client = new MlflowClient({ trackingUri: inject('mlflowUri') });

  it('gets or creates an experiment by name, returning the same id every time', async () => {
    const name = unique('exp');
    const [a, b] = await Promise.all([
      client.getOrCreateExperiment(name),
      client.getOrCreateExperiment(name),
    ]);
    expect(a).toBe(b);
    expect(await client.getOrCreateExperiment(name)).toBe(a);
    expect(await client.getExperimentIdByName(unique('missing'))).toBeUndefined();
  });

  it('logs more than one request worth of metrics, params and tags through chunked log-batch', async () => {
    const experimentId = await client.getOrCreateExperiment(unique('chunks'));
    const created = await client.createRun({ experimentId, runName: 'chunked' });
    const metrics = range(1, 2500).map((step) => ({
      key: 'loss',
      value: 1 / step,
      timestamp: 1_700_000_000_000 + step,
      step,
    }));
    const params = range(1, 150).map((i) => ({ key: `p${i}`, value: String(i) }));
    const tags = range(1, 130).map((i) => ({ key: `t${i}`, value: `v${i}` }));
    await client.logBatch({ runId: created.runId, metrics, params, tags });
    const back = await client.getRun(created.runId);
    expect(Object.keys(back.params)).toHaveLength(150);
    expect(back.tags['t130']).toBe('v130');
    expect(await steps(client, created.runId, 'loss')).toEqual(range(1, 2500));
    // The same params again are not an error.
    await client.logBatch({ runId: created.runId, params });
  });

  it('keeps one row per (key, timestamp, step, value): an identical log-batch sent again adds nothing, silently', async () => {
    const experimentId = await client.getOrCreateExperiment(unique('resend'));
    const created = await client.createRun({ experimentId, runName: 'resent' });
    const batch = {
      runId: created.runId,
      metrics: range(1, 5).flatMap((step) => [
        { key: 'loss', value: 1 / step, timestamp: 1_700_000_000_000 + step, step },
        {
          key: 'val_loss',
          value: step === 3 ? Number.NaN : 2 / step,
          timestamp: 1_700_000_000_000 + step,
          step,
        },
      ]),
      params: [{ key: 'lr', value: '0.1' }],
      tags: [{ key: 'seedsweep.attempt', value: '1' }],
    };
    await client.logBatch(batch);
    await client.logBatch(batch); // a resend after a lost answer: no error
    for (const key of ['loss', 'val_loss'])
      expect(await steps(client, created.runId, key)).toEqual(range(1, 5));
    // A mix of rows it holds and a new one: only the new one is added.
    await client.logBatch({
      runId: created.runId,
      metrics: [
        ...batch.metrics.slice(0, 4),
        { key: 'loss', value: 1 / 6, timestamp: 1_700_000_000_006, step: 6 },
      ],
    });
    expect(await steps(client, created.runId, 'loss')).toEqual(range(1, 6));
    // Why each point keeps the time it was journaled: the same step sent at another time is a second point.
    await client.logBatch({
      runId: created.runId,
      metrics: [{ key: 'loss', value: 1, timestamp: 1_800_000_000_000, step: 1 }],
    });
    expect(await steps(client, created.runId, 'loss')).toEqual([1, 1, 2, 3, 4, 5, 6]);
    // A param set again to another value is refused, and nothing of that batch is stored.
    await expect(
      client.logBatch({
        runId: created.runId,
        params: [{ key: 'lr', value: '0.2' }],
        metrics: [{ key: 'other', value: 1, timestamp: 1, step: 1 }],
      }),
    ).rejects.toThrow(/Changing param values is not allowed/);
    expect(await steps(client, created.runId, 'other')).toEqual([]);
  });

  it('refuses writes to a deleted run', async () => {
    const experimentId = await client.getOrCreateExperiment(unique('deleted'));
    const created = await client.createRun({ experimentId });
    await client.deleteRun(created.runId);
    const error = await client
      .logBatch({ runId: created.runId, metrics: [{ key: 'm', value: 1, timestamp: 1, step: 1 }] })
      .catch((e: unknown) => e);
    expect(isDeletedRunError(error)).toBe(true);
    expect(
      isDeletedRunError(
        await client.updateRun({ runId: created.runId, status: 'FINISHED' }).catch((e: unknown) => e),
      ),
    ).toBe(true);
  });

  it('searches runs by filter string across pages', async () => {
    const experimentId = await client.getOrCreateExperiment(unique('search'));
    for (let i = 0; i < 5; i++)
      await client.createRun({
        experimentId,
        runName: `r${i}`,
        tags: { 'my.kind': i % 2 === 0 ? 'even' : 'odd' },
      });
    const even = await client.searchRuns({
      experimentIds: [experimentId],
      filter: "tags.`my.kind` = 'even'",
      pageSize: 2,
    });
    expect(even.map((r) => r.runName).sort()).toEqual(['r0', 'r2', 'r4']);
    const all = await client.searchRuns({
      experimentIds: [experimentId],
      pageSize: 2,
      orderBy: ['attributes.run_name ASC'],
    });
    expect(all.map((r) => r.runName)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    expect(
      await client.searchRuns({ experimentIds: [experimentId], pageSize: 2, maxResults: 3 }),
    ).toHaveLength(3);
  });

  it('uploads, lists and downloads artifacts through the proxied artifact API', async () => {
    const experimentId = await client.getOrCreateExperiment(unique('artifacts'));
    const created = await client.createRun({ experimentId });
    const modelDir = writeModelDir(path.join(workDir, unique('model')));
    await client.uploadArtifactDir({ runId: created.runId, localDir: modelDir, artifactPath: 'model' });
    await client.putArtifact({ runId: created.runId, artifactPath: 'notes/readme.txt', data: 'hello' });
    const top = await client.listArtifacts({ runId: created.runId });
    expect(top.map((e) => [e.path, e.isDir])).toEqual([
      ['model', true],
      ['notes', true],
    ]);
    const model = await client.listArtifacts({ runId: created.runId, path: 'model' });
    expect(model.find((e) => e.path === 'model/weights.bin')).toMatchObject({ isDir: false, size: 8 });
    const dest = path.join(workDir, unique('download'));
    const local = await client.downloadArtifacts({
      runId: created.runId,
      artifactPath: 'model',
      destDir: dest,
    });
    expect(local).toBe(path.join(dest, 'model'));
    expect(readFileSync(path.join(local, 'weights.bin'))).toEqual(
      readFileSync(path.join(modelDir, 'weights.bin')),
    );
    expect(readFileSync(path.join(local, 'nested', 'note.txt'), 'utf8')).toBe('nested file');
    const file = await client.downloadArtifacts({
      runId: created.runId,
      artifactPath: 'notes/readme.txt',
      destDir: dest,
    });
    expect(readFileSync(file, 'utf8')).toBe('hello');
  });

  it('reports a rejected request with method, endpoint, what was sent and what the server said', async () => {
    const error = await client.getRun('0123456789abcdef0123456789abcdef').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlflowRequestError);
    const message = (error as Error).message;
    expect(message).toContain('GET /api/2.0/mlflow/runs/get');
    expect(message).toContain('RESOURCE_DOES_NOT_EXIST');
    expect(message).toContain('run_id: "0123456789abcdef0123456789abcdef"');
  });
});

describe('MlflowTracker against a real MLflow server', () => {
  const client = new MlflowClient({ trackingUri: inject('mlflowUri') });

  it('records a sweep as a parent run with nested trial runs holding params, tags, per-epoch metrics and artifacts', async () => {
    const tracker = newTracker();
    const sweepName = unique('study');
    const sweepId = unique('sweep');
    await tracker.startSweep({ sweepId, sweepName, tags: { 'seedsweep.spec': 'sweeps/x.yaml' } });
    const trials = [
      plannedTrial({ trialKey: unique('k3s1'), seed: 1 }),
      plannedTrial({ trialKey: unique('k5s1'), seed: 1, kernelSize: 5 }),
    ];
    for (const trial of trials) {
      await tracker.startTrial(sweepId, trial, { 'seedsweep.dataset_fingerprint': 'fp123' });
      for (let epoch = 1; epoch <= 3; epoch++)
        await tracker.logEpoch(sweepId, trial.trialKey, epochMetrics(epoch, trial.seed));
      const modelDir = writeModelDir(path.join(workDir, unique('model')));
      await tracker.finishTrial(sweepId, trial.trialKey, {
        status: 'FINISHED',
        result: trialResult({ epochs: 3, seed: trial.seed, modelDir }),
      });
    }
    const report = path.join(workDir, unique('report.json'));
    cpSync(path.join(import.meta.dirname, 'fixtures.ts'), report);
    await tracker.finishSweep(sweepId, {
      status: 'FINISHED',
      files: [{ localPath: report, artifactPath: 'report/summary.json' }],
    });
    expect(tracker.pendingCount()).toBe(0);

    const experimentId = (await client.getExperimentIdByName(sweepName))!;
    const runs = await client.searchRuns({ experimentIds: [experimentId] });
    expect(runs).toHaveLength(3);
    const parent = runs.find((r) => r.tags['seedsweep.role'] === 'sweep')!;
    expect(parent.runName).toBe(sweepId);
    expect(parent.status).toBe('FINISHED');
    expect(parent.tags['seedsweep.spec']).toBe('sweeps/x.yaml');
    expect((await client.listArtifacts({ runId: parent.runId, path: 'report' })).map((e) => e.path)).toEqual([
      'report/summary.json',
    ]);

    const child = runs.find((r) => r.tags['seedsweep.trial_key'] === trials[1]!.trialKey)!;
    expect(child.status).toBe('FINISHED');
    expect(child.endTime).toBeGreaterThan(0);
    expect(child.tags).toMatchObject({
      'mlflow.parentRunId': parent.runId,
      'seedsweep.sweep_id': sweepId,
      'seedsweep.group_key': 'group-k5',
      'seedsweep.group_label': 'model=cnn kernel_size=5',
      'seedsweep.backend': 'wasm',
      'seedsweep.backend_version': '4.22.0',
      'seedsweep.dataset_fingerprint': 'fp123',
      'seedsweep.host': os.hostname(),
    });
    expect(child.tags['seedsweep.tfjs_version']).toMatch(/^\d+\.\d+\.\d+/);
    expect(child.params).toMatchObject({
      model: 'cnn',
      'model.kernelSize': '5',
      'train.learningRate': '0.001',
      'dataset.trainSize': '512',
      seed: '1',
    });
    expect(child.params['dataset.path']).toBeUndefined();
    for (const key of EPOCH_METRIC_KEYS) expect(await steps(client, child.runId, key)).toEqual([1, 2, 3]);
    expect(child.metrics).toMatchObject({
      final_test_accuracy: epochMetrics(3, 1).testAccuracy,
      total_params: 1000,
      conv_params: 600,
      dense_params: 400,
      flops_per_image: 123456,
    });
    // The model is the run's only artifact: its record (learning curves included) fits its tag, so
    // it is not written as trial.json too (one request less per trial).
    const artifacts = (await client.listArtifacts({ runId: child.runId })).map((e) => e.path);
    expect(artifacts).toEqual(['model']);
    const stored = recordFromTag(child.tags[TAG.record]);
    expect(stored).toMatchObject({ trialKey: trials[1]!.trialKey, runId: child.runId, sweepId });
    expect(stored!.result.epochs).toHaveLength(3);
    expect(await tracker.runIdOf(sweepId, trials[1]!.trialKey)).toBe(child.runId);

    const records = await tracker.finishedTrials({ sweepId });
    expect(records.map((r) => r.trialKey).sort()).toEqual(trials.map((t) => t.trialKey).sort());
    const record = records.find((r) => r.trialKey === trials[1]!.trialKey)!;
    expect(record).toMatchObject({
      runId: child.runId,
      sweepId,
      groupKey: 'group-k5',
      seed: 1,
      factors: { model: 'cnn', kernel_size: 5 },
    });
    expect(record.config).toEqual(trials[1]!.config);
    expect(record.result.epochs).toHaveLength(3);
    expect(record.result.modelDir).toBeUndefined();
  });

  it('finds finished trials of every sweep id of a sweep name, and only finished ones', async () => {
    const tracker = newTracker();
    const sweepName = unique('study');
    const [first, second] = [unique('sweep'), unique('sweep')];
    for (const [sweepId, key] of [
      [first, 'a'],
      [second, 'b'],
    ] as const) {
      await tracker.startSweep({ sweepId, sweepName });
      await tracker.startTrial(sweepId, plannedTrial({ trialKey: key, seed: 0 }));
      await tracker.finishTrial(sweepId, key, { status: 'FINISHED', result: trialResult({ epochs: 1 }) });
    }
    await tracker.startTrial(second, plannedTrial({ trialKey: 'failed', seed: 1 }));
    await tracker.finishTrial(second, 'failed', { status: 'FAILED', error: 'out of memory' });
    const byName = await tracker.finishedTrials({ sweepName });
    expect(byName.map((r) => `${r.trialKey}@${r.sweepId}`).sort()).toEqual([`a@${first}`, `b@${second}`]);
    expect((await tracker.finishedTrials({ sweepId: second })).map((r) => r.trialKey)).toEqual(['b']);
    expect(await tracker.finishedTrials({ sweepName: unique('never') })).toEqual([]);
    // A tracker with a fresh outbox (another host) finds the sweep by searching the server.
    expect((await newTracker().finishedTrials({ sweepId: first })).map((r) => r.trialKey)).toEqual(['a']);
    // A trial recorded as failed before its start was ever written still gets a (bare) failed run.
    await tracker.finishTrial(second, 'never-started', { status: 'FAILED', error: 'bad config' });
    expect(tracker.pendingCount()).toBe(0);
    const bare = await client.getRun((await tracker.runIdOf(second, 'never-started'))!);
    expect(bare).toMatchObject({
      status: 'FAILED',
      tags: { 'seedsweep.error': 'bad config', 'seedsweep.trial_key': 'never-started' },
    });
    expect((await tracker.finishedTrials({ sweepId: second })).map((r) => r.trialKey)).toEqual(['b']);
    const failedRunId = (await tracker.runIdOf(second, 'failed'))!;
    const failed = await client.getRun(failedRunId);
    expect(failed.status).toBe('FAILED');
    expect(failed.tags['seedsweep.error']).toBe('out of memory');
  });

  it('repeating every write changes nothing: one run per trial, one point per (metric, step), params not an error', async () => {
    const tracker = newTracker();
    const sweepName = unique('study');
    const sweepId = unique('sweep');
    const trial = plannedTrial({ trialKey: 'twice', seed: 4 });
    for (let pass = 0; pass < 2; pass++) {
      await tracker.startSweep({ sweepId, sweepName });
      await tracker.startTrial(sweepId, trial);
      for (const epoch of [1, 2, 2, 3])
        await tracker.logEpoch(sweepId, trial.trialKey, epochMetrics(epoch, 4));
      await tracker.finishTrial(sweepId, trial.trialKey, {
        status: 'FINISHED',
        result: trialResult({ epochs: 3, seed: 4 }),
      });
    }
    expect(tracker.pendingCount()).toBe(0);
    expect(tracker.outbox.failedCount()).toBe(0);
    const experimentId = (await client.getExperimentIdByName(sweepName))!;
    expect(await client.searchRuns({ experimentIds: [experimentId] })).toHaveLength(2);
    const runId = (await tracker.runIdOf(sweepId, trial.trialKey))!;
    for (const key of EPOCH_METRIC_KEYS) expect(await steps(client, runId, key)).toEqual([1, 2, 3]);
    expect(await steps(client, runId, 'final_test_accuracy')).toEqual([0]);
  });

  it('two hosts starting the same trial at once end with one run, which both write to', async () => {
    // A worker restarted after SIGKILL re-sends its journaled start while another host's retry starts
    // the same trial: both look the run up, find none, and create one.
    const [hostA, hostB] = [newTracker(), newTracker()];
    const sweepName = unique('study');
    const sweepId = unique('sweep');
    const trial = plannedTrial({ trialKey: 'raced', seed: 1 });
    await hostA.startSweep({ sweepId, sweepName });
    await hostB.startSweep({ sweepId, sweepName });
    await Promise.all([hostA.startTrial(sweepId, trial), hostB.startTrial(sweepId, trial)]);
    await hostA.logEpoch(sweepId, trial.trialKey, epochMetrics(1, 2));
    await hostB.logEpoch(sweepId, trial.trialKey, epochMetrics(2, 2));
    const experimentId = (await client.getExperimentIdByName(sweepName))!;
    const trialRuns = (await client.searchRuns({ experimentIds: [experimentId] })).filter(
      (r) => r.tags['seedsweep.trial_key'] === 'raced',
    );
    expect(trialRuns).toHaveLength(1);
    const runId = trialRuns[0]!.runId;
    expect(await hostA.runIdOf(sweepId, trial.trialKey)).toBe(runId);
    expect(await hostB.runIdOf(sweepId, trial.trialKey)).toBe(runId);
    for (const key of EPOCH_METRIC_KEYS) expect(await steps(client, runId, key)).toEqual([1, 2]);
  });

  it("a superseded attempt's late writes are dropped: one point per (metric, step), the latest attempt's", async () => {
    // Temporal retried the trial on host B (attempt 2) while attempt 1 still ran on host A (cut off from
    // Temporal, not from MLflow): A's later epochs and its result must not land beside B's.
    const [hostA, hostB] = [newTracker(), newTracker()];
    const sweepName = unique('study');
    const sweepId = unique('sweep');
    const trial = plannedTrial({ trialKey: 'fenced', seed: 1 });
    await hostA.startSweep({ sweepId, sweepName });
    await hostA.startTrial(sweepId, trial, { 'seedsweep.attempt': '1' });
    await hostA.logEpoch(sweepId, trial.trialKey, epochMetrics(1, 1), 1);
    await hostB.startTrial(sweepId, trial, { 'seedsweep.attempt': '2' });
    await hostB.logEpoch(sweepId, trial.trialKey, epochMetrics(1, 1), 2);
    // Attempt 1 goes on: seed 9's values would show if any of its writes landed.
    await hostA.logEpoch(sweepId, trial.trialKey, epochMetrics(2, 9), 1);
    await hostA.finishTrial(sweepId, trial.trialKey, {
      status: 'FINISHED',
      result: trialResult({ epochs: 3, seed: 9 }),
      attempt: 1,
    });
    // Attempt 1's start, re-sent late, does not take the trial back.
    await hostA.startTrial(sweepId, trial, { 'seedsweep.attempt': '1' });
    await hostB.logEpoch(sweepId, trial.trialKey, epochMetrics(2, 1), 2);
    await hostB.logEpoch(sweepId, trial.trialKey, epochMetrics(3, 1), 2);
    await hostB.finishTrial(sweepId, trial.trialKey, {
      status: 'FINISHED',
      result: trialResult({ epochs: 3, seed: 1 }),
      attempt: 2,
    });
    // Attempt 1, cancelled once its heartbeat finds attempt 2, records itself KILLED afterwards: dropped too.
    await hostA.finishTrial(sweepId, trial.trialKey, { status: 'KILLED', error: 'cancelled', attempt: 1 });
    const runId = (await hostB.runIdOf(sweepId, trial.trialKey))!;
    for (const key of EPOCH_METRIC_KEYS) expect(await steps(client, runId, key)).toEqual([1, 2, 3]);
    const history = await client.getMetricHistory({ runId, key: 'train_loss' });
    expect(history.map((p) => p.value).sort()).toEqual(
      [1, 2, 3].map((e) => epochMetrics(e, 1).trainLoss).sort(),
    );
    const finished = await client.getRun(runId);
    expect(finished.tags['seedsweep.attempt']).toBe('2');
    expect(finished.status).toBe('FINISHED');
  });

  it('concurrent writes from one process (several trials training at once) are each sent once', async () => {
    const tracker = newTracker();
    const sweepId = unique('sweep');
    await tracker.startSweep({ sweepId, sweepName: unique('concurrent') });
    const keys = ['c1', 'c2', 'c3', 'c4'];
    await Promise.all(
      keys.map((key, seed) => tracker.startTrial(sweepId, plannedTrial({ trialKey: key, seed }))),
    );
    await Promise.all(
      keys.flatMap((key) => range(1, 5).map((epoch) => tracker.logEpoch(sweepId, key, epochMetrics(epoch)))),
    );
    await Promise.all(
      keys.map((key) =>
        tracker.finishTrial(sweepId, key, { status: 'FINISHED', result: trialResult({ epochs: 5 }) }),
      ),
    );
    expect(tracker.pendingCount()).toBe(0);
    for (const key of keys) {
      const runId = (await tracker.runIdOf(sweepId, key))!;
      for (const metric of EPOCH_METRIC_KEYS) expect(await steps(client, runId, metric)).toEqual(range(1, 5));
    }
    expect((await tracker.finishedTrials({ sweepId })).map((r) => r.trialKey).sort()).toEqual(keys);
  });

  it('logs a trial with more than 1,000 metric points completely', async () => {
    const tracker = newTracker({ autoSync: false });
    const sweepId = unique('sweep');
    await tracker.startSweep({ sweepId, sweepName: unique('long') });
    const trial = plannedTrial({ trialKey: 'long', seed: 0 });
    await tracker.startTrial(sweepId, trial);
    const epochs = 220; // 220 × 6 = 1,320 points, sent together after the journal fills
    for (let epoch = 1; epoch <= epochs; epoch++)
      await tracker.logEpoch(sweepId, trial.trialKey, epochMetrics(epoch));
    expect(tracker.pendingCount()).toBe(epochs + 2);
    expect(await tracker.sync()).toEqual({ sent: epochs + 2, pending: 0, failed: 0 });
    const runId = (await tracker.runIdOf(sweepId, trial.trialKey))!;
    for (const key of EPOCH_METRIC_KEYS) expect(await steps(client, runId, key)).toEqual(range(1, epochs));
  });

  it('entries written by several processes sharing one outbox are each sent once', async () => {
    const outboxDir = path.join(workDir, unique('shared-outbox'));
    const tracker = newTracker({ outboxDir });
    const sweepId = unique('sweep');
    await tracker.startSweep({ sweepId, sweepName: unique('shared') });
    const writer = path.join(import.meta.dirname, 'outbox-writer.ts');
    const keys = ['w1', 'w2', 'w3'];
    await Promise.all(
      keys.map((key, i) =>
        run(
          process.execPath,
          ['--import', 'tsx', writer, inject('mlflowUri'), outboxDir, sweepId, key, String(i), '12'],
          { cwd: process.cwd() },
        ),
      ),
    );
    // Each writer sends what it can; one that finds another sending leaves its entries to that one.
    expect(tracker.pendingCount()).toBe(0);
    expect(await tracker.sync()).toMatchObject({ sent: 0, pending: 0, failed: 0 });
    for (const key of keys) {
      const runId = (await tracker.runIdOf(sweepId, key))!;
      for (const metric of EPOCH_METRIC_KEYS)
        expect(await steps(client, runId, metric)).toEqual(range(1, 12));
    }
  });
});

describe('The write-only path against a real MLflow server (through a counting proxy)', () => {
  const client = new MlflowClient({ trackingUri: inject('mlflowUri') });
  let proxy: CountingProxy;
  beforeAll(async () => {
    proxy = await new CountingProxy(inject('mlflowUri')).start();
  });
  afterAll(async () => {
    await proxy.stop();
  });
  /** A tracker as one process has it, talking through the proxy; no retries, so a lost answer stops its send. */
  const trackerViaProxy = (options: { autoSync?: boolean; outboxDir?: string } = {}) =>
    newTracker({ client: new MlflowClient({ trackingUri: proxy.uri, maxRetries: 0 }), ...options });

  async function expectOneRunWithEveryPointOnce(sweepName: string, trialKey: string, epochs: number) {
    const experimentId = (await client.getExperimentIdByName(sweepName))!;
    const runs = (await client.searchRuns({ experimentIds: [experimentId] })).filter(
      (r) => r.tags['seedsweep.trial_key'] === trialKey,
    );
    expect(runs).toHaveLength(1);
    const run = runs[0]!;
    expect(run.status).toBe('FINISHED');
    for (const key of EPOCH_METRIC_KEYS)
      expect(await steps(client, run.runId, key)).toEqual(range(1, epochs));
    expect(await steps(client, run.runId, 'final_test_accuracy')).toEqual([0]);
    expect(run.params).toMatchObject({ model: 'cnn', 'model.kernelSize': '3', seed: '1' });
    expect(run.tags['seedsweep.lockfile_sha256']).toMatch(/^[0-9a-f]{64}$/);
    return run;
  }

  it.each([
    [3, 'its record in a tag', 3],
    // The image classifier's record passes MLflow's 8,000-character tag limit near 45 epochs.
    [100, 'its record as trial.json, the tag saying so', 4],
  ])(
    'a trial logged at its end with %i epochs (%s) costs %i requests and reads nothing',
    async (epochs, _record, requests) => {
      const tracker = trackerViaProxy();
      const sweepName = unique('write-only');
      const sweepId = unique('sweep');
      await tracker.startSweep({ sweepId, sweepName });
      const from = proxy.requests.length;
      const trial = plannedTrial({ trialKey: unique('end'), seed: 1 });
      await tracker.startTrial(sweepId, trial, { 'seedsweep.attempt': '1' }, { firstStart: true });
      await tracker.finishTrial(sweepId, trial.trialKey, {
        status: 'FINISHED',
        result: trialResult({ epochs, seed: 1 }),
        attempt: 1,
        trial,
      });
      expect(tracker.pendingCount()).toBe(0);
      expect(proxy.countsSince(from)).toEqual({
        'runs/create': 1,
        'runs/log-batch': 1,
        ...(requests === 4 ? { 'PUT artifacts': 1 } : {}),
        'runs/update': 1,
      });
      expect(proxy.requests.length - from).toBe(requests);
      const run = await expectOneRunWithEveryPointOnce(sweepName, trial.trialKey, epochs);
      expect(run.tags[TAG.record] === RECORD_IN_ARTIFACT).toBe(requests === 4);
      const artifacts = (await client.listArtifacts({ runId: run.runId })).map((e) => e.path);
      expect(artifacts).toEqual(requests === 4 ? ['trial.json'] : []);
      const [record] = await tracker.finishedTrials({ sweepId });
      expect(record).toMatchObject({ trialKey: trial.trialKey, runId: run.runId, groupKey: 'group-k3' });
      expect(record!.result.epochs).toHaveLength(epochs);
    },
  );

  it.each([
    ['the run was created', '/runs/create'],
    ['the log-batch was stored', '/runs/log-batch'],
    ['the status was set', '/runs/update'],
  ])(
    'a journal replayed after a crash once %s ends with one run holding each point once',
    async (_when, step) => {
      const outboxDir = path.join(workDir, unique('crash-outbox'));
      const first = trackerViaProxy({ autoSync: false, outboxDir });
      const sweepName = unique('crash');
      const sweepId = unique('sweep');
      await first.startSweep({ sweepId, sweepName });
      await first.sync();
      const trial = plannedTrial({ trialKey: unique('crashed'), seed: 1 });
      await first.startTrial(sweepId, trial, { 'seedsweep.attempt': '1' }, { firstStart: true });
      for (const epoch of [1, 2, 3]) await first.logEpoch(sweepId, trial.trialKey, epochMetrics(epoch, 1), 1);
      await first.finishTrial(sweepId, trial.trialKey, {
        status: 'FINISHED',
        result: trialResult({ epochs: 3, seed: 1 }),
        attempt: 1,
      });
      // MLflow does the work; the answer is lost; the process dies there.
      proxy.loseAnswer((r) => r.path.endsWith(step));
      const cut = await first.sync();
      expect(cut.error).toBeDefined();
      expect(cut.pending).toBe(5);
      // The next process on the same journal.
      const from = proxy.requests.length;
      expect(await trackerViaProxy({ autoSync: false, outboxDir }).sync()).toEqual({
        sent: 5,
        pending: 0,
        failed: 0,
      });
      await expectOneRunWithEveryPointOnce(sweepName, trial.trialKey, 3);
      const replay = proxy.countsSince(from);
      expect(replay['runs/create']).toBeUndefined();
      if (step !== '/runs/create')
        expect(Object.keys(replay).sort()).toEqual(['runs/log-batch', 'runs/update']);
    },
  );
});

describe('MlflowTracker through a tracking server outage', () => {
  let server: SpawnedServer | undefined;
  afterAll(async () => {
    await server?.stop();
  });

  it('keeps journaling while the server is down and delivers every point exactly once when it is back', async () => {
    const port = await findFreePort();
    const dataDir = path.join(inject('mlflowDataDir'), '..', unique('outage-mlflow'));
    const logFile = path.join(dataDir, 'server.log');
    const start = () => startMlflowServer({ port, dataDir, logFile, detached: false });
    server = await start();
    const client = new MlflowClient({
      trackingUri: `http://127.0.0.1:${port}`,
      maxRetries: 2,
      retryBaseDelayMs: 50,
      timeoutMs: 5000,
    });
    const warnings: string[] = [];
    const tracker = new MlflowTracker({
      client,
      outboxDir: path.join(workDir, unique('outage-outbox')),
      warn: (m) => warnings.push(m),
    });
    const sweepId = unique('sweep');
    const sweepName = unique('outage');
    const trials = [plannedTrial({ trialKey: 'o1', seed: 1 }), plannedTrial({ trialKey: 'o2', seed: 2 })];
    await tracker.startSweep({ sweepId, sweepName });
    await tracker.startTrial(sweepId, trials[0]!);
    for (let epoch = 1; epoch <= 3; epoch++) await tracker.logEpoch(sweepId, 'o1', epochMetrics(epoch, 1));
    expect(tracker.pendingCount()).toBe(0);

    await server.stop();
    server = undefined;
    // Writes keep succeeding: they are journaled.
    for (let epoch = 4; epoch <= 6; epoch++) await tracker.logEpoch(sweepId, 'o1', epochMetrics(epoch, 1));
    await tracker.finishTrial(sweepId, 'o1', {
      status: 'FINISHED',
      result: trialResult({
        epochs: 6,
        seed: 1,
        modelDir: writeModelDir(path.join(workDir, unique('model'))),
      }),
    });
    await tracker.startTrial(sweepId, trials[1]!);
    for (let epoch = 1; epoch <= 4; epoch++) await tracker.logEpoch(sweepId, 'o2', epochMetrics(epoch, 2));
    await tracker.finishTrial(sweepId, 'o2', {
      status: 'FINISHED',
      result: trialResult({ epochs: 4, seed: 2 }),
    });
    expect(tracker.pendingCount()).toBe(3 + 1 + 1 + 4 + 1);
    const whileDown = await tracker.sync();
    expect(whileDown).toMatchObject({ sent: 0, pending: 10 });
    expect(whileDown.error).toContain('ECONNREFUSED');
    expect(warnings.some((w) => w.includes('journaled'))).toBe(true);

    // Keep copies of the journaled epochs to replay them later, as after a crash between send and delete.
    const pendingDir = path.join(tracker.outbox.dir, 'pending');
    const saved = path.join(workDir, unique('saved-entries'));
    cpSync(pendingDir, saved, { recursive: true });

    server = await start();
    expect(await tracker.sync()).toEqual({ sent: 10, pending: 0, failed: 0 });
    const o1 = (await tracker.runIdOf(sweepId, 'o1'))!;
    const o2 = (await tracker.runIdOf(sweepId, 'o2'))!;
    const expectComplete = async () => {
      for (const key of EPOCH_METRIC_KEYS) {
        expect(await steps(client, o1, key)).toEqual(range(1, 6));
        expect(await steps(client, o2, key)).toEqual(range(1, 4));
      }
      expect(await steps(client, o1, 'final_test_accuracy')).toEqual([0]);
    };
    await expectComplete();
    expect((await client.listArtifacts({ runId: o1, path: 'model' })).map((e) => e.path)).toContain(
      'model/weights.bin',
    );
    expect((await tracker.finishedTrials({ sweepId })).map((r) => r.trialKey).sort()).toEqual(['o1', 'o2']);
    expect(
      existsSync(path.join(tracker.outbox.dir, 'blobs')) &&
        readdirSync(path.join(tracker.outbox.dir, 'blobs')),
    ).toEqual([]);

    // Syncing again sends nothing; replaying already-sent entries adds nothing.
    expect(await tracker.sync()).toEqual({ sent: 0, pending: 0, failed: 0 });
    for (const name of readdirSync(saved)) {
      if (JSON.parse(readFileSync(path.join(saved, name), 'utf8')).body.kind === 'logEpoch')
        cpSync(path.join(saved, name), path.join(pendingDir, name));
    }
    expect(await tracker.sync()).toEqual({ sent: 7, pending: 0, failed: 0 });
    await expectComplete();
    const experimentId = (await client.getExperimentIdByName(sweepName))!;
    const runs: MlflowRun[] = await client.searchRuns({ experimentIds: [experimentId] });
    expect(runs).toHaveLength(3);
  });
});

describe('seedsweep sync', () => {
  it('sends what is pending and prints sent/pending as JSON', async () => {
    const stateDir = path.join(workDir, unique('state'));
    const tracker = newTracker({ autoSync: false, outboxDir: path.join(stateDir, 'outbox') });
    const sweepId = unique('sweep');
    await tracker.startSweep({ sweepId, sweepName: unique('cli') });
    await tracker.startTrial(sweepId, plannedTrial({ trialKey: 'cli', seed: 0 }));
    const env = { ...process.env, MLFLOW_TRACKING_URI: inject('mlflowUri'), SEEDSWEEP_STATE_DIR: stateDir };
    const first = await run(process.execPath, [...cliArgs(), 'sync', '--json'], { env });
    expect(JSON.parse(first.stdout)).toMatchObject({ sent: 2, pending: 0, failed: 0 });
    const second = await run(process.execPath, [...cliArgs(), 'sync', '--json'], { env });
    expect(JSON.parse(second.stdout)).toMatchObject({ sent: 0, pending: 0 });
    expect(await tracker.runIdOf(sweepId, 'cli')).toMatch(/^[0-9a-f]{32}$/);
  });
});
