/**
 * Writes whose start was quarantined (issue 20, item 2: "a damaged one is quarantined … and every other
 * entry is still delivered"), on the fake MLflow server (fake-mlflow-server.ts):
 * - a trial's epochs and end whose `startTrial` entry was quarantined get a run of their own, once,
 *   even when an answer is lost; a trial started elsewhere is still waited for;
 * - a sweep's trials and end whose `startSweep` entry was quarantined get a parent run;
 * - a damaged run note does not make a resent first start create a second run, and is reported;
 * - a body without the fields its kind needs is quarantined, not moved to `failed/`.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EpochMetrics, PlannedTrial, TrialResult } from '../../../src/core/domain/trial.js';
import { toJson } from '../../../src/tracking/json-numbers.js';
import { MlflowClient } from '../../../src/tracking/mlflow-client.js';
import { MlflowDelivery, type TrackingEntry } from '../../../src/tracking/mlflow-delivery.js';
import { MlflowTracker } from '../../../src/tracking/mlflow-tracker.js';
import { newEntryId, Outbox } from '../../../src/tracking/outbox.js';
import { recordFromTag, TAG } from '../../../src/tracking/run-data.js';
import { RunIndex } from '../../../src/tracking/run-index.js';
import { TrialRunJournal } from '../../../src/tracking/trial-run-journal.js';
import { FakeMlflowServer } from './fake-mlflow-server.js';

function plannedTrial(trialKey: string, seed = 0): PlannedTrial {
  return {
    trialKey,
    groupKey: `group-${trialKey}`,
    groupLabel: 'model=cnn kernel_size=3',
    factors: { model: 'cnn', kernel_size: 3 },
    seed,
    queue: 'cpu',
    config: {
      model: 'cnn',
      modelOptions: { kernelSize: 3 },
      train: { epochs: 3, batchSize: 64, optimizer: 'adam', learningRate: 0.001 },
      dataset: { name: 'synthetic', trainSize: 512 },
    },
  };
}

function epochMetrics(epoch: number): EpochMetrics {
  return { epoch, trainLoss: 2 / (epoch + 1), testAccuracy: 0.18 + epoch * 0.01 };
}

function trialResult(epochs: number): TrialResult {
  const all = Array.from({ length: epochs }, (_, i) => epochMetrics(i + 1));
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
  outboxDir = mkdtempSync(path.join(os.tmpdir(), 'quarantined-deps-'));
  warnings = [];
});
afterEach(async () => {
  await server.stop();
});

/** A tracker as one process has it; sends only on `sync()`. */
function tracker(dir = outboxDir): MlflowTracker {
  return new MlflowTracker({
    // No retries: a lost answer stops the send, as a crash right after the server acted would.
    client: new MlflowClient({ trackingUri: server.uri, maxRetries: 0 }),
    outboxDir: dir,
    autoSync: false,
    warn: (message) => warnings.push(message),
  });
}

/** Flips one bit in the middle of a file, as a bad disk would: its checksum no longer matches. */
function flipBit(file: string): void {
  const bytes = readFileSync(file);
  const at = bytes.length >> 1;
  bytes[at] = bytes[at]! ^ 0x04;
  writeFileSync(file, bytes);
}

function pendingFile(t: MlflowTracker, id: string): string {
  return path.join(t.outbox.dir, 'pending', `${id}.json`);
}

/** The pending entry of `kind` (the only one). */
function pendingOf(t: MlflowTracker, kind: TrackingEntry['kind']): string {
  const ids = t.outbox.pendingIds().filter((id) => t.outbox.read(id)?.body.kind === kind);
  expect(ids).toHaveLength(1);
  return ids[0]!;
}

function runsOf(trialKey: string) {
  return server.trialRuns().filter((r) => r.tags.get(TAG.trialKey) === trialKey);
}

function sweepRuns() {
  return [...server.runs.values()].filter(
    (r) => r.lifecycleStage === 'active' && r.tags.get(TAG.role) === 'sweep',
  );
}

/** A trial's start, three live epochs and its end, journaled (not sent). */
async function journalTrial(t: MlflowTracker, trial: PlannedTrial, attempt = 1): Promise<void> {
  await t.startTrial('s1', trial, { [TAG.attempt]: String(attempt) }, { firstStart: attempt === 1 });
  for (const epoch of [1, 2, 3]) await t.logEpoch('s1', trial.trialKey, epochMetrics(epoch), attempt);
  await t.finishTrial('s1', trial.trialKey, { status: 'FINISHED', result: trialResult(3), attempt, trial });
}

function expectFinishedRun(trial: PlannedTrial): void {
  const runs = runsOf(trial.trialKey);
  expect(runs).toHaveLength(1);
  const run = runs[0]!;
  expect(run.status).toBe('FINISHED');
  expect(run.tags.get(TAG.groupKey)).toBe(trial.groupKey);
  expect(run.tags.get(TAG.attempt)).toBe('1');
  expect(run.params.get('model.kernelSize')).toBe('3');
  expect(run.params.get('seed')).toBe('0');
  expect(recordFromTag(run.tags.get(TAG.record))).toMatchObject({ trialKey: trial.trialKey });
  for (const key of ['train_loss', 'test_accuracy'])
    expect(
      run.metrics
        .filter((m) => m.key === key)
        .map((m) => m.step)
        .sort(),
    ).toEqual([1, 2, 3]);
}

describe('a trial whose startTrial entry was quarantined', () => {
  it('has its epochs and end delivered to a run made for them, and is read back', async () => {
    const t = tracker();
    await t.startSweep({ sweepId: 's1', sweepName: 'study', datasetFingerprint: 'fp' });
    await t.sync();
    const trial = plannedTrial('k-start-damaged');
    await journalTrial(t, trial);
    flipBit(pendingFile(t, pendingOf(t, 'startTrial')));
    expect(await t.sync()).toEqual({ sent: 4, pending: 0, failed: 0, quarantined: 1 });
    expectFinishedRun(trial);
    expect(runsOf(trial.trialKey)[0]!.tags.get(TAG.parentRunId)).toBe(sweepRuns()[0]!.runId);
    expect(runsOf(trial.trialKey)[0]!.tags.get(TAG.datasetFingerprint)).toBe('fp');
    expect(warnings.join('\n')).toMatch(/had no run \(its start was quarantined or rejected\)/);
    const [record] = await t.finishedTrials({ sweepId: 's1' });
    expect(record).toMatchObject({ trialKey: trial.trialKey, runId: runsOf(trial.trialKey)[0]!.runId });
  });

  it('gets one run when its epochs go first and its end later: the end names the trial in full', async () => {
    const t = tracker();
    await t.startSweep({ sweepId: 's1', sweepName: 'study' });
    await t.sync();
    const trial = plannedTrial('k-live');
    await t.startTrial('s1', trial, { [TAG.attempt]: '1' }, { firstStart: true });
    for (const epoch of [1, 2, 3]) await t.logEpoch('s1', trial.trialKey, epochMetrics(epoch), 1);
    flipBit(pendingFile(t, pendingOf(t, 'startTrial')));
    expect(await t.sync()).toMatchObject({ sent: 3, pending: 0, quarantined: 1 });
    // Made from epochs alone: its identity and attempt, nothing more yet.
    expect(runsOf(trial.trialKey)).toHaveLength(1);
    expect(runsOf(trial.trialKey)[0]!.tags.get(TAG.attempt)).toBe('1');
    await t.finishTrial('s1', trial.trialKey, {
      status: 'FINISHED',
      result: trialResult(3),
      attempt: 1,
      trial,
    });
    // A later process sends the end: it finds that run.
    expect(await tracker().sync()).toMatchObject({ sent: 1, pending: 0, quarantined: 1 });
    expectFinishedRun(trial);
    expect((await t.finishedTrials({ sweepId: 's1' })).map((r) => r.trialKey)).toEqual([trial.trialKey]);
  });

  it('gets exactly one run when the answer to its creation is lost', async () => {
    const t = tracker();
    await t.startSweep({ sweepId: 's1', sweepName: 'study' });
    await t.sync();
    const trial = plannedTrial('k-lost');
    await journalTrial(t, trial);
    flipBit(pendingFile(t, pendingOf(t, 'startTrial')));
    server.loseAnswer((r) => r.path.endsWith('runs/create'));
    const cut = await t.sync();
    expect(cut.error).toBeDefined();
    expect(cut.pending).toBe(4);
    expect(runsOf(trial.trialKey)).toHaveLength(1);
    // Sent again (by this process and by a restarted one): the run is found, not made again.
    expect(await t.sync()).toMatchObject({ sent: 4, pending: 0, quarantined: 1 });
    expect(await tracker().sync()).toMatchObject({ sent: 0, pending: 0 });
    expectFinishedRun(trial);
  });

  it("is taken over by a later attempt as usual: one run, the later attempt's", async () => {
    const t = tracker();
    await t.startSweep({ sweepId: 's1', sweepName: 'study' });
    await t.sync();
    const trial = plannedTrial('k-retried');
    await t.startTrial('s1', trial, { [TAG.attempt]: '1' }, { firstStart: true });
    await t.logEpoch('s1', trial.trialKey, epochMetrics(1), 1);
    flipBit(pendingFile(t, pendingOf(t, 'startTrial')));
    await t.sync();
    expect(runsOf(trial.trialKey)).toHaveLength(1);
    // The retry, on another host.
    const other = tracker(mkdtempSync(path.join(os.tmpdir(), 'quarantined-deps-other-')));
    await other.startTrial('s1', trial, { [TAG.attempt]: '2' });
    await other.finishTrial('s1', trial.trialKey, {
      status: 'FINISHED',
      result: trialResult(3),
      attempt: 2,
      trial,
    });
    expect(await other.sync()).toMatchObject({ sent: 2, pending: 0 });
    const runs = runsOf(trial.trialKey);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.tags.get(TAG.attempt)).toBe('2');
    expect(runs[0]!.status).toBe('FINISHED');
  });

  it('but a trial started elsewhere (no start journaled before its writes here) is still waited for', async () => {
    const t = tracker();
    await t.startSweep({ sweepId: 's1', sweepName: 'study' });
    await t.sync();
    // This tracker never journaled the trial's start: another host's may still come.
    await t.logEpoch('s1', 'k-elsewhere', epochMetrics(1), 1);
    expect(await t.sync()).toEqual({ sent: 0, pending: 1, failed: 0 });
    expect(runsOf('k-elsewhere')).toHaveLength(0);
  });
});

describe('a sweep whose startSweep entry was quarantined', () => {
  it('gets a parent run, and its trials and end are delivered', async () => {
    const t = tracker();
    await t.startSweep({ sweepId: 's1', sweepName: 'study' });
    flipBit(pendingFile(t, pendingOf(t, 'startSweep')));
    const trial = plannedTrial('k-sweep-damaged');
    await journalTrial(t, trial);
    await t.finishSweep('s1', { status: 'FINISHED' });
    expect(await t.sync()).toEqual({ sent: 6, pending: 0, failed: 0, quarantined: 1 });
    const parents = sweepRuns();
    expect(parents).toHaveLength(1);
    expect(parents[0]!.tags.get(TAG.sweepId)).toBe('s1');
    expect(parents[0]!.status).toBe('FINISHED');
    expectFinishedRun(trial);
    expect(runsOf(trial.trialKey)[0]!.tags.get(TAG.parentRunId)).toBe(parents[0]!.runId);
    expect(warnings.join('\n')).toMatch(/sweep s1 had no parent run/);
    // Resumed later: its start finds that parent rather than making another.
    await t.startSweep({ sweepId: 's1', sweepName: 'study', datasetFingerprint: 'fp' });
    expect(await t.sync()).toMatchObject({ sent: 1, pending: 0 });
    expect(sweepRuns()).toHaveLength(1);
    expect(sweepRuns()[0]!.tags.get(TAG.datasetFingerprint)).toBe('fp');
  });

  it('but a sweep started elsewhere (not in the local index) is still waited for', async () => {
    const t = tracker();
    await t.startTrial('s-elsewhere', plannedTrial('k-1'), {}, { firstStart: true });
    expect(await t.sync()).toEqual({ sent: 0, pending: 1, failed: 0 });
    expect(sweepRuns()).toHaveLength(0);
  });
});

describe('a damaged trial run note', () => {
  /** The delivery alone, as a tracker has it, to send one entry twice as a crash before its removal would. */
  function delivery(dir: string) {
    const client = new MlflowClient({ trackingUri: server.uri, maxRetries: 0 });
    const runs = new TrialRunJournal({ dir: path.join(dir, 'runs') });
    const index = new RunIndex({ client, indexDir: path.join(dir, 'sweeps') });
    const outbox = new Outbox<TrackingEntry>({ dir });
    return { runs, outbox, delivery: new MlflowDelivery({ client, index, runs, writer: 'w' }) };
  }

  it('makes a first start sent again search for its run rather than create a second one', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'quarantined-deps-note-'));
    const { runs, outbox, delivery: d } = delivery(dir);
    const sweep = {
      id: newEntryId(),
      body: {
        kind: 'startSweep',
        time: 1,
        sweep: { sweepId: 's1', sweepName: 'study' },
      } satisfies TrackingEntry,
    };
    await d.deliver([sweep], outbox);
    const trial = plannedTrial('k-note');
    const start = {
      id: newEntryId(),
      body: {
        kind: 'startTrial',
        time: Date.now(),
        sweepId: 's1',
        trial,
        tags: { [TAG.attempt]: '1' },
        firstStart: true,
        writer: 'w',
      } satisfies TrackingEntry,
    };
    await d.deliver([start], outbox);
    expect(runsOf(trial.trialKey)).toHaveLength(1);
    // Sent, its note journaled, then the note is damaged before the entry was removed.
    const [note] = readdirSync(runs.dir).filter((name) => name.endsWith('.json'));
    flipBit(path.join(runs.dir, note!));
    await d.deliver([start], outbox);
    expect(runs.damaged('s1', trial.trialKey)).toBe(true);
    expect(runsOf(trial.trialKey)).toHaveLength(1);
  });

  it("is reported through the tracker's warnings", async () => {
    const t = tracker();
    await t.startSweep({ sweepId: 's1', sweepName: 'study' });
    const trial = plannedTrial('k-warned');
    await t.startTrial('s1', trial, { [TAG.attempt]: '1' }, { firstStart: true });
    await t.sync();
    const runsDir = path.join(t.outbox.dir, 'runs');
    const [note] = readdirSync(runsDir).filter((name) => name.endsWith('.json'));
    flipBit(path.join(runsDir, note!));
    await t.finishTrial('s1', trial.trialKey, {
      status: 'FINISHED',
      result: trialResult(3),
      attempt: 1,
      trial,
    });
    expect(await t.sync()).toMatchObject({ sent: 1, pending: 0 });
    expect(warnings.join('\n')).toMatch(/a damaged trial run note was moved to .*runs[/\\]quarantine/);
    expectFinishedRun(trial);
  });
});

describe('a journaled body without the fields its kind needs', () => {
  const trial = plannedTrial('k-shape');
  const malformed: [string, unknown][] = [
    ['an unknown kind', { kind: 'startRun', time: 1, sweepId: 's1' }],
    ['a logEpoch without a trial key', { kind: 'logEpoch', time: 1, sweepId: 's1', metrics: { epoch: 1 } }],
    ['a logEpoch without metrics', { kind: 'logEpoch', time: 1, sweepId: 's1', trialKey: 'k' }],
    [
      'a startTrial whose trial has no config',
      { kind: 'startTrial', time: 1, sweepId: 's1', trial: { trialKey: 'k' }, tags: {} },
    ],
    [
      'a finishTrial with a status MLflow has not',
      { kind: 'finishTrial', time: 1, sweepId: 's1', trialKey: 'k', status: 'DONE', hasModel: false },
    ],
    [
      'a finishTrial whose result has no epochs',
      {
        kind: 'finishTrial',
        time: 1,
        sweepId: 's1',
        trialKey: 'k',
        status: 'FINISHED',
        hasModel: false,
        result: { final: {} },
      },
    ],
    ['a finishSweep without files', { kind: 'finishSweep', time: 1, sweepId: 's1', status: 'FINISHED' }],
    ['a startSweep without a name', { kind: 'startSweep', time: 1, sweep: { sweepId: 's1' } }],
    ['a body that is no object', ['startSweep']],
  ];

  it.each(malformed)('is quarantined (an older, unsealed entry): %s', async (_what, body) => {
    const t = tracker();
    await t.startSweep({ sweepId: 's1', sweepName: 'study' });
    await t.sync();
    const id = newEntryId();
    // As the previous release wrote entries: plain JSON, no checksum to tell damage by.
    writeFileSync(pendingFile(t, id), toJson({ id, body }));
    await journalTrial(t, trial);
    expect(await t.sync()).toEqual({ sent: 5, pending: 0, failed: 0, quarantined: 1 });
    expect(t.outbox.quarantined()[0]).toMatchObject({
      id,
      reason: expect.stringMatching(/not a write this release knows/),
    });
  });

  it('while every write the tracker journals passes', async () => {
    const t = tracker();
    await t.startSweep({ sweepId: 's1', sweepName: 'study', tags: { team: 'x' } });
    await journalTrial(t, trial);
    await t.finishTrial('s1', 'k-failed', { status: 'FAILED', error: 'boom' });
    await t.finishSweep('s1', { status: 'FINISHED' });
    const d = new MlflowDelivery({
      client: t.client,
      index: new RunIndex({ client: t.client, indexDir: mkdtempSync(path.join(os.tmpdir(), 'idx-')) }),
      runs: new TrialRunJournal({ dir: mkdtempSync(path.join(os.tmpdir(), 'runs-')) }),
    });
    for (const id of t.outbox.pendingIds()) expect(() => d.streamsOf(t.outbox.read(id)!.body)).not.toThrow();
    expect(await t.sync()).toEqual({ sent: 8, pending: 0, failed: 0 });
  });
});
