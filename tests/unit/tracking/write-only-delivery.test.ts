/**
 * The write-only tracking path, on a fake MLflow server that counts requests and can lose answers
 * (tests/unit/tracking/fake-mlflow-server.ts): what a trial costs, and that a journal replayed after a
 * crash at any step leaves one run with each metric point once.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EpochMetrics, PlannedTrial, TrialResult } from '../../../src/core/domain/trial.js';
import { MlflowClient } from '../../../src/tracking/mlflow-client.js';
import { MlflowTracker } from '../../../src/tracking/mlflow-tracker.js';
import { RECORD_IN_ARTIFACT, TAG, recordFromTag } from '../../../src/tracking/run-data.js';
import { FakeMlflowServer } from './fake-mlflow-server.js';

function plannedTrial(trialKey: string, seed = 0, epochs = 3): PlannedTrial {
  return {
    trialKey,
    groupKey: `group-${trialKey.split('-')[0]}`,
    groupLabel: 'model=cnn kernel_size=3',
    factors: { model: 'cnn', kernel_size: 3 },
    seed,
    queue: 'cpu',
    config: {
      model: 'cnn',
      modelOptions: { kernelSize: 3 },
      train: { epochs, batchSize: 64, optimizer: 'adam', learningRate: 0.001 },
      dataset: { name: 'synthetic', trainSize: 512 },
    },
  };
}

function epochMetrics(epoch: number, seed = 0): EpochMetrics {
  return {
    epoch,
    trainLoss: 2 / (epoch + 1) + seed * 0.01,
    trainAccuracy: 0.2 + epoch * 0.001,
    testLoss: 2.2 / (epoch + 1),
    testAccuracy: 0.18 + epoch * 0.001,
    epochSeconds: 1.5,
    imagesPerSecond: 400,
  };
}

function trialResult(epochs: number, seed = 0): TrialResult {
  const all = Array.from({ length: epochs }, (_, i) => epochMetrics(i + 1, seed));
  return {
    epochs: all,
    final: all[all.length - 1]!,
    modelStats: { totalParams: 1000, convParams: 600, denseParams: 400, flopsPerImage: 123456 },
    backend: { name: 'wasm', version: '4.22.0' },
    resumedFromEpoch: 0,
  };
}

let server: FakeMlflowServer;
let outboxDir: string;
let warnings: string[];
beforeEach(async () => {
  server = await new FakeMlflowServer().start();
  outboxDir = mkdtempSync(path.join(os.tmpdir(), 'write-only-'));
  warnings = [];
});
afterEach(async () => {
  await server.stop();
});

/** A tracker as one process has it; another call on the same folder is another process. */
function tracker(
  options: { autoSync?: boolean; flushIntervalMs?: number; dir?: string } = {},
): MlflowTracker {
  return new MlflowTracker({
    // No retries: a lost answer stops the send, as a crash right after the server acted would.
    client: new MlflowClient({ trackingUri: server.uri, maxRetries: 0 }),
    outboxDir: options.dir ?? outboxDir,
    autoSync: options.autoSync ?? true,
    warn: (message) => warnings.push(message),
    ...(options.flushIntervalMs !== undefined ? { flushIntervalMs: options.flushIntervalMs } : {}),
  });
}

/** Requests per endpoint since `from` (an index into the server's request list). */
function requestsSince(from: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of server.requests.slice(from)) {
    const name = r.path.includes('mlflow-artifacts') ? `${r.method} artifacts` : r.path.split('/mlflow/')[1]!;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

/** Every (key, step) of every trial run, with how many points each has. */
function pointCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const run of server.trialRuns())
    for (const m of run.metrics) {
      const id = `${run.tags.get('seedsweep.trial_key')}/${m.key}/${m.step}`;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
  return counts;
}

function expectOneRunWithEveryPointOnce(trialKey: string, epochs: number): void {
  const runs = server.trialRuns().filter((r) => r.tags.get('seedsweep.trial_key') === trialKey);
  expect(runs).toHaveLength(1);
  const run = runs[0]!;
  expect(run.status).toBe('FINISHED');
  const counts = pointCounts();
  expect(
    [...counts.values()].every((n) => n === 1),
    JSON.stringify([...counts]),
  ).toBe(true);
  for (const key of ['train_loss', 'test_accuracy', 'images_per_second'])
    expect(
      run.metrics
        .filter((m) => m.key === key)
        .map((m) => m.step)
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: epochs }, (_, i) => i + 1));
  expect(run.metrics.filter((m) => m.key === 'final_test_accuracy').map((m) => m.step)).toEqual([0]);
  expect(run.params.get('model.kernelSize')).toBe('3');
  expect(run.params.get('seed')).toBeDefined();
  // A record that fits a tag rides in it alone; a longer one is in trial.json, and the tag says so.
  const stored = server.artifacts.get(`1/${run.runId}/artifacts/trial.json`);
  if (run.tags.get(TAG.record) === RECORD_IN_ARTIFACT)
    expect(JSON.parse(stored!.toString('utf8'))).toMatchObject({ trialKey, runId: run.runId });
  else {
    expect(recordFromTag(run.tags.get(TAG.record))).toMatchObject({ trialKey, runId: run.runId });
    expect(stored).toBeUndefined();
  }
}

const started = async (t: MlflowTracker) => {
  await t.startSweep({ sweepId: 's1', sweepName: 'study', datasetFingerprint: 'fp' });
  return server.requests.length;
};

describe('a trial logged at its end', () => {
  it.each([
    [3, 'its record in a tag', 3],
    // The image classifier's record passes the 8,000-character tag limit near 45 epochs.
    [100, 'the marker in the tag, the record as trial.json', 4],
  ])(
    'with %i epochs costs create, one log-batch, its status (%s) and reads nothing: %i requests',
    async (epochs, _record, requests) => {
      const t = tracker();
      const from = await started(t);
      const trial = plannedTrial(`k-${epochs}`, 0, epochs);
      await t.startTrial('s1', trial, { 'seedsweep.attempt': '1' }, { firstStart: true });
      await t.finishTrial('s1', trial.trialKey, {
        status: 'FINISHED',
        result: trialResult(epochs),
        attempt: 1,
        trial,
      });
      expect(t.pendingCount()).toBe(0);
      expect(requestsSince(from)).toEqual({
        'runs/create': 1,
        'runs/log-batch': 1,
        ...(requests === 4 ? { 'PUT artifacts': 1 } : {}),
        'runs/update': 1,
      });
      expect(server.count() - from).toBe(requests);
      expectOneRunWithEveryPointOnce(trial.trialKey, epochs);
      // Tags (lineage included) go with the create, params with the log-batch.
      const create = server.requests.slice(from).find((r) => r.path.endsWith('runs/create'));
      const tags = Object.fromEntries(
        (create!.body as { tags: { key: string; value: string }[] }).tags.map((x) => [x.key, x.value]),
      );
      expect(tags).toMatchObject({
        'seedsweep.trial_key': trial.trialKey,
        'seedsweep.attempt': '1',
        'seedsweep.dataset_fingerprint': 'fp',
        'seedsweep.host': os.hostname(),
      });
      expect(tags['mlflow.parentRunId']).toMatch(/^run/);
      expect(tags['seedsweep.lockfile_sha256']).toMatch(/^[0-9a-f]{64}$/);
    },
  );

  it('costs the same when its start and end are sent together', async () => {
    const t = tracker({ autoSync: false });
    await t.startSweep({ sweepId: 's1', sweepName: 'study' });
    await t.sync();
    const from = server.requests.length;
    const trial = plannedTrial('k-together');
    await t.startTrial('s1', trial, { 'seedsweep.attempt': '1' }, { firstStart: true });
    for (const epoch of [1, 2, 3]) await t.logEpoch('s1', trial.trialKey, epochMetrics(epoch), 1);
    await t.finishTrial('s1', trial.trialKey, { status: 'FINISHED', result: trialResult(3), attempt: 1 });
    expect(await t.sync()).toEqual({ sent: 5, pending: 0, failed: 0 });
    expect(server.count() - from).toBe(3);
    expectOneRunWithEveryPointOnce(trial.trialKey, 3);
  });
});

describe('a trial logged live, epoch by epoch', () => {
  it('sends its epochs at most once per flush interval, each point once', async () => {
    const t = tracker({ flushIntervalMs: 200 });
    const from = await started(t);
    const trial = plannedTrial('k-live', 0, 40);
    await t.startTrial('s1', trial, { 'seedsweep.attempt': '1' }, { firstStart: true });
    const begun = Date.now();
    const logged: Promise<void>[] = [];
    for (let epoch = 1; epoch <= 40; epoch++) {
      // As the training activity does: journaled at once, not waited for.
      logged.push(t.logEpoch('s1', trial.trialKey, epochMetrics(epoch), 1));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const flushes = Math.ceil((Date.now() - begun) / 200);
    await t.finishTrial('s1', trial.trialKey, { status: 'FINISHED', result: trialResult(40), attempt: 1 });
    await Promise.all(logged);
    const counts = requestsSince(from);
    expect(counts['runs/log-batch']).toBeGreaterThanOrEqual(2);
    expect(counts['runs/log-batch']).toBeLessThanOrEqual(flushes + 1);
    expect(counts['metrics/get-history']).toBeUndefined();
    expect(counts['runs/search']).toBeUndefined();
    expectOneRunWithEveryPointOnce(trial.trialKey, 40);
  });
});

describe('a journal replayed after a crash', () => {
  it.each([
    ['the run was created', 'runs/create'],
    ['the log-batch was stored', 'runs/log-batch'],
    ['the status was set', 'runs/update'],
  ])('after %s ends with one run holding each metric point once', async (_when, step) => {
    const first = tracker({ autoSync: false });
    await first.startSweep({ sweepId: 's1', sweepName: 'study' });
    await first.sync();
    const trial = plannedTrial('k-crash');
    await first.startTrial('s1', trial, { 'seedsweep.attempt': '1' }, { firstStart: true });
    for (const epoch of [1, 2, 3]) await first.logEpoch('s1', trial.trialKey, epochMetrics(epoch), 1);
    await first.finishTrial('s1', trial.trialKey, { status: 'FINISHED', result: trialResult(3), attempt: 1 });
    // The server does the work, the answer never comes back: the process dies there.
    server.loseAnswer((r) => r.path.endsWith(step));
    const cut = await first.sync();
    expect(cut.error).toBeDefined();
    expect(cut.pending).toBe(5);
    // The next process on the same journal.
    const from = server.requests.length;
    expect(await tracker({ autoSync: false }).sync()).toEqual({ sent: 5, pending: 0, failed: 0 });
    expectOneRunWithEveryPointOnce(trial.trialKey, 3);
    const replay = requestsSince(from);
    expect(replay['runs/create']).toBeUndefined();
    if (step === 'runs/create') {
      // The run id never reached the journal: one search finds the run (another one the sweep's parent
      // run, as in any new process), and the writes merge with what it holds by reading it.
      expect(replay['runs/search']).toBe(2);
    } else {
      // The run id was journaled right after the create: the replay only writes.
      expect(Object.keys(replay).sort()).toEqual(['runs/log-batch', 'runs/update']);
    }
  });

  it('sent again by the same process after a lost answer, it writes the same rows and nothing more', async () => {
    const t = tracker({ autoSync: false });
    await t.startSweep({ sweepId: 's1', sweepName: 'study' });
    await t.sync();
    const trial = plannedTrial('k-again');
    await t.startTrial('s1', trial, { 'seedsweep.attempt': '1' }, { firstStart: true });
    await t.finishTrial('s1', trial.trialKey, {
      status: 'FINISHED',
      result: trialResult(3),
      attempt: 1,
      trial,
    });
    server.loseAnswer((r) => r.path.endsWith('runs/log-batch'));
    expect((await t.sync()).pending).toBe(2);
    expect(await t.sync()).toEqual({ sent: 2, pending: 0, failed: 0 });
    const batches = server.requests.filter((r) => r.path.endsWith('runs/log-batch'));
    expect(batches).toHaveLength(2);
    expect(batches[1]!.body).toEqual(batches[0]!.body);
    expectOneRunWithEveryPointOnce(trial.trialKey, 3);
  });
});

describe('a later attempt on another host', () => {
  it("takes the trial over with a run of its own; the earlier attempt's late writes are dropped, not sent twice", async () => {
    const hostA = tracker({ autoSync: false, dir: mkdtempSync(path.join(os.tmpdir(), 'host-a-')) });
    const hostB = tracker({ autoSync: false, dir: mkdtempSync(path.join(os.tmpdir(), 'host-b-')) });
    const trial = plannedTrial('k-retried');
    for (const host of [hostA, hostB]) {
      await host.startSweep({ sweepId: 's1', sweepName: 'study' });
      await host.sync();
    }
    await hostA.startTrial('s1', trial, { 'seedsweep.attempt': '1' }, { firstStart: true });
    await hostA.logEpoch('s1', trial.trialKey, epochMetrics(1, 9), 1);
    await hostA.sync();
    // Attempt 2 resumes from epoch 1's checkpoint while attempt 1 (cut off from Temporal) goes on.
    await hostB.startTrial('s1', trial, { 'seedsweep.attempt': '2' });
    await hostB.sync();
    await hostA.logEpoch('s1', trial.trialKey, epochMetrics(2, 9), 1);
    await hostA.finishTrial('s1', trial.trialKey, {
      status: 'FINISHED',
      result: trialResult(3, 9),
      attempt: 1,
    });
    expect(await hostA.sync()).toEqual({ sent: 2, pending: 0, failed: 0 });
    expect(warnings.some((w) => /dropped late writes of trial k-retried attempt 1/.test(w))).toBe(true);
    for (const epoch of [2, 3]) await hostB.logEpoch('s1', trial.trialKey, epochMetrics(epoch), 2);
    await hostB.finishTrial('s1', trial.trialKey, {
      status: 'FINISHED',
      result: { ...trialResult(3), resumedFromEpoch: 1 },
      attempt: 2,
    });
    expect(await hostB.sync()).toEqual({ sent: 3, pending: 0, failed: 0 });
    expectOneRunWithEveryPointOnce(trial.trialKey, 3);
    const [run] = server.trialRuns();
    expect(run!.tags.get('seedsweep.attempt')).toBe('2');
    // Attempt 2's values only (seed 0, not attempt 1's seed 9), epoch 1 from its result.
    expect(run!.metrics.filter((m) => m.key === 'train_loss').map((m) => m.value)).toEqual(
      [2, 3, 1].map((e) => epochMetrics(e).trainLoss),
    );
  });
});

describe('the end of a sweep', () => {
  it('leaves one run per trial when a start took itself for the first (a resumed sweep)', async () => {
    const before = tracker();
    await started(before);
    const [stopped, finished] = [plannedTrial('k-stopped'), plannedTrial('k-finished', 1)];
    for (const trial of [stopped, finished]) {
      await before.startTrial('s1', trial, { 'seedsweep.attempt': '1' }, { firstStart: true });
      await before.finishTrial('s1', trial.trialKey, { status: 'KILLED', error: 'cancelled', attempt: 1 });
    }
    // Resumed on another host: both start again as attempt 1 of their first start in the new sweep run.
    const after = tracker({ dir: mkdtempSync(path.join(os.tmpdir(), 'resumed-')) });
    await after.startSweep({ sweepId: 's1', sweepName: 'study' });
    for (const trial of [stopped, finished])
      await after.startTrial('s1', trial, { 'seedsweep.attempt': '1' }, { firstStart: true });
    await after.finishTrial('s1', finished.trialKey, {
      status: 'FINISHED',
      result: trialResult(3, 1),
      attempt: 1,
    });
    await after.finishTrial('s1', stopped.trialKey, {
      status: 'KILLED',
      error: 'cancelled again',
      attempt: 1,
    });
    expect(server.trialRuns()).toHaveLength(4);
    await after.finishSweep('s1', { status: 'KILLED' });
    const left = server.trialRuns();
    expect(left.map((r) => `${r.tags.get('seedsweep.trial_key')} ${r.status}`).sort()).toEqual([
      'k-finished FINISHED',
      'k-stopped KILLED',
    ]);
    // Of the stopped trial, its latest run stays.
    expect(left.find((r) => r.status === 'KILLED')!.tags.get('seedsweep.error')).toBe('cancelled again');
  });
});

describe('finding finished trials by key', () => {
  it('looks up the seeds of a configuration together: one search per group, not per key', async () => {
    const t = tracker();
    await started(t);
    const trials = ['a', 'b'].flatMap((group) =>
      [0, 1, 2, 3, 4].map((seed) => plannedTrial(`${group}-${seed}`, seed)),
    );
    for (const trial of trials) {
      await t.startTrial('s1', trial, { 'seedsweep.attempt': '1' }, { firstStart: true });
      await t.finishTrial('s1', trial.trialKey, { status: 'FINISHED', result: trialResult(1), attempt: 1 });
    }
    const keys = trials.map((trial) => trial.trialKey);
    const groupKeys = Object.fromEntries(trials.map((trial) => [trial.trialKey, trial.groupKey]));
    const other = tracker({ dir: mkdtempSync(path.join(os.tmpdir(), 'other-host-')) });
    let from = server.requests.length;
    expect(
      (await other.finishedTrialsByKeys([...keys, 'never'], { groupKeys })).map((r) => r.trialKey).sort(),
    ).toEqual(keys.sort());
    expect(requestsSince(from)['runs/search']).toBe(2 + 1);
    from = server.requests.length;
    expect(await other.finishedTrialsByKeys(keys)).toHaveLength(10);
    expect(requestsSince(from)['runs/search']).toBe(10);
  });
});
