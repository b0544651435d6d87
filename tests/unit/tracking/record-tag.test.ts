/**
 * A finished trial's record rides in its run's `seedsweep.record` tag, written with the end's
 * log-batch, so that reading trials back costs run searches rather than one `trial.json` read per
 * trial, and writing it costs no request of its own (the tag is the record's only copy); a record too
 * long for a tag is never cut: the tag says so, `trial.json` holds it and the reader reads that.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PlannedTrial, TrialRecord, TrialResult } from '../../../src/core/domain/trial.js';
import { fromJson, toJson } from '../../../src/tracking/json-numbers.js';
import { MlflowClient } from '../../../src/tracking/mlflow-client.js';
import { MlflowTracker } from '../../../src/tracking/mlflow-tracker.js';
import {
  MAX_TAG_VALUE,
  RECORD_IN_ARTIFACT,
  TAG,
  recordFromTag,
  recordTagValue,
} from '../../../src/tracking/run-data.js';
import { FakeMlflowServer } from './fake-mlflow-server.js';

function plannedTrial(trialKey: string, seed = 0): PlannedTrial {
  return {
    trialKey,
    groupKey: 'group-a',
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

/** A result of `epochs` epochs whose last test loss diverged (NaN) and whose first is +Infinity. */
function trialResult(epochs: number): TrialResult {
  const all = Array.from({ length: epochs }, (_, i) => ({
    epoch: i + 1,
    trainLoss: i === 0 ? Number.POSITIVE_INFINITY : 1 / (i + 1),
    trainAccuracy: 0.2 + i * 0.001,
    testLoss: i === epochs - 1 ? Number.NaN : 1.1 / (i + 1),
    testAccuracy: 0.18 + i * 0.001,
  }));
  return {
    epochs: all,
    final: all[all.length - 1]!,
    backend: { name: 'wasm', version: '4.22.0' },
    resumedFromEpoch: 0,
  };
}

function record(result: TrialResult): TrialRecord {
  const { queue: _queue, ...trial } = plannedTrial('k', 1);
  return { ...trial, result, runId: 'r1', sweepId: 's1' };
}

describe('the seedsweep.record tag value', () => {
  it('is the record as compact JSON that keeps NaN and ±Infinity', () => {
    const original = record(trialResult(3));
    const value = recordTagValue(original);
    expect(value).toBe(toJson(original));
    expect(value).not.toContain('\n');
    const back = recordFromTag(value)!;
    expect(back).toEqual(original);
    expect(back.result.final.testLoss).toBeNaN();
    expect(back.result.epochs[0]!.trainLoss).toBe(Number.POSITIVE_INFINITY);
  });

  it('holds a record of exactly 8,000 characters; one longer becomes the marker, never a cut record', () => {
    const base = record(trialResult(3));
    const padded = (extra: number) => ({
      ...base,
      groupLabel: base.groupLabel + 'x'.repeat(MAX_TAG_VALUE - toJson(base).length + extra),
    });
    expect(toJson(padded(0))).toHaveLength(MAX_TAG_VALUE);
    expect(recordTagValue(padded(0))).toBe(toJson(padded(0)));
    expect(recordTagValue(padded(1))).toBe(RECORD_IN_ARTIFACT);
  });

  it('gives no record for an absent tag, the marker, or a value that is not a record', () => {
    for (const value of [undefined, RECORD_IN_ARTIFACT, '', '{"trialKey":', '{"trialKey":"k"}', '[1]'])
      expect(recordFromTag(value)).toBeUndefined();
  });
});

describe('writing and reading finished trials back (fake MLflow server)', () => {
  let server: FakeMlflowServer;
  let outboxDir: string;
  beforeEach(async () => {
    server = await new FakeMlflowServer().start();
    outboxDir = mkdtempSync(path.join(os.tmpdir(), 'record-tag-'));
  });
  afterEach(async () => {
    await server.stop();
  });

  const newTracker = (options: { autoSync?: boolean } = {}) =>
    new MlflowTracker({
      client: new MlflowClient({ trackingUri: server.uri, maxRetries: 0 }),
      outboxDir,
      autoSync: options.autoSync ?? true,
      warn: () => undefined,
    });

  const sentSince = (from: number) =>
    server.requests.slice(from).map((r) => `${r.method} ${r.path.split('/').slice(-2).join('/')}`);

  /** Runs one trial logged at its end; returns the `seedsweep.record` value its end's log-batch sent. */
  async function runTrial(tracker: MlflowTracker, sweepId: string, trialKey: string, epochs: number) {
    const from = server.requests.length;
    const trial = plannedTrial(trialKey);
    await tracker.startTrial(sweepId, trial, { 'seedsweep.attempt': '1' }, { firstStart: true });
    await tracker.finishTrial(sweepId, trialKey, {
      status: 'FINISHED',
      result: trialResult(epochs),
      attempt: 1,
      trial,
    });
    const sent = server.requests.slice(from);
    const tags = (sent[1]!.body as { tags: { key: string; value: string }[] }).tags;
    return { sent: sentSince(from), tag: tags.find((t) => t.key === TAG.record)?.value };
  }

  /** The record a trial's run should hold: its plan and its result, with its run and sweep. */
  function expectedRecord(trialKey: string, epochs: number, runId: string, sweepId: string): TrialRecord {
    const { queue: _queue, ...trial } = plannedTrial(trialKey);
    return { ...trial, result: trialResult(epochs), runId, sweepId };
  }

  const trialJsonKey = (runId: string) =>
    [...server.artifacts.keys()].find((k) => k.endsWith(`${runId}/artifacts/trial.json`));

  function storedTrialJson(runId: string): TrialRecord {
    return fromJson<TrialRecord>(server.artifacts.get(trialJsonKey(runId)!)!.toString('utf8'));
  }

  it('a record that fits a tag: 3 requests, no trial.json; read back with the search, no artifact read', async () => {
    const tracker = newTracker();
    await tracker.startSweep({ sweepId: 's1', sweepName: 'fits' });
    const { sent, tag } = await runTrial(tracker, 's1', 'small', 3);
    // The tag rides in the log-batch that already carries the trial's end; the record is not written twice.
    expect(sent).toEqual(['POST runs/create', 'POST runs/log-batch', 'POST runs/update']);
    expect(tag).toMatch(/^\{"trialKey":"small"/);
    const from = server.requests.length;
    const [read] = await tracker.finishedTrials({ sweepId: 's1' });
    expect(server.requests.slice(from).filter((r) => r.path.includes('artifacts'))).toEqual([]);
    expect(tracker.recordReads).toEqual({ fromTag: 1, fromArtifact: 0 });
    expect(trialJsonKey(read!.runId!)).toBeUndefined();
    expect(read).toEqual(expectedRecord('small', 3, read!.runId!, 's1'));
    expect(read!.result.final.testLoss).toBeNaN();
  });

  it('a record too long for a tag: the tag says so, trial.json holds it (4 requests), the reader reads it', async () => {
    const tracker = newTracker();
    await tracker.startSweep({ sweepId: 's2', sweepName: 'too-long' });
    expect(toJson(record(trialResult(120))).length).toBeGreaterThan(MAX_TAG_VALUE);
    const { sent, tag } = await runTrial(tracker, 's2', 'long', 120);
    expect(sent).toEqual([
      'POST runs/create',
      'POST runs/log-batch',
      'PUT artifacts/trial.json',
      'POST runs/update',
    ]);
    expect(tag).toBe(RECORD_IN_ARTIFACT);
    const from = server.requests.length;
    const [read] = await tracker.finishedTrials({ sweepId: 's2' });
    const artifactReads = server.requests.slice(from).filter((r) => r.path.includes('artifacts'));
    expect(artifactReads.map((r) => `${r.method} ${path.basename(r.path)}`)).toEqual(['GET trial.json']);
    expect(tracker.recordReads).toEqual({ fromTag: 0, fromArtifact: 1 });
    expect(read).toEqual(storedTrialJson(read!.runId!));
    expect(read).toEqual(expectedRecord('long', 120, read!.runId!, 's2'));
  });

  it.each([
    ['the log-batch (with the marker) was stored', 'runs/log-batch'],
    ['trial.json was stored', 'trial.json'],
    ['the status was set', 'runs/update'],
  ])(
    'a record too long for a tag, its journal replayed after a crash once %s: one FINISHED run, trial.json once',
    async (_when, step) => {
      const first = newTracker({ autoSync: false });
      await first.startSweep({ sweepId: 's3', sweepName: 'crash' });
      await first.sync();
      const trial = plannedTrial('long-crash');
      await first.startTrial('s3', trial, { 'seedsweep.attempt': '1' }, { firstStart: true });
      await first.finishTrial('s3', trial.trialKey, {
        status: 'FINISHED',
        result: trialResult(120),
        attempt: 1,
        trial,
      });
      server.loseAnswer((r) => r.path.endsWith(step));
      expect((await first.sync()).pending).toBe(2);
      const from = server.requests.length;
      expect(await newTracker({ autoSync: false }).sync()).toEqual({ sent: 2, pending: 0, failed: 0 });
      // The run id was journaled after the create: the replay writes the end again, trial.json included.
      expect(sentSince(from)).toEqual([
        'POST runs/log-batch',
        'PUT artifacts/trial.json',
        'POST runs/update',
      ]);
      const runs = server.trialRuns();
      expect(runs.map((r) => [r.status, r.tags.get(TAG.record)])).toEqual([['FINISHED', RECORD_IN_ARTIFACT]]);
      expect(storedTrialJson(runs[0]!.runId)).toEqual(
        expectedRecord('long-crash', 120, runs[0]!.runId, 's3'),
      );
    },
  );

  it('reads trial.json only for runs whose tag holds no record: the marker, or no tag (earlier versions)', async () => {
    const tracker = newTracker();
    await tracker.startSweep({ sweepId: 's4', sweepName: 'mixed' });
    const keys = ['new', 'old', 'long'];
    for (const key of keys) await runTrial(tracker, 's4', key, key === 'long' ? 120 : 3);
    // What an earlier version wrote: trial.json, and no tag.
    const old = server.trialRuns().find((r) => r.tags.get(TAG.trialKey) === 'old')!;
    old.tags.delete(TAG.record);
    server.artifacts.set(
      `${old.experimentId}/${old.runId}/artifacts/trial.json`,
      Buffer.from(toJson(expectedRecord('old', 3, old.runId, 's4'), 2)),
    );
    const reader = newTracker();
    const from = server.requests.length;
    const records = await reader.finishedTrials({ sweepId: 's4' });
    const artifactReads = server.requests.slice(from).filter((r) => r.path.includes('artifacts'));
    expect(artifactReads.map((r) => r.path.split('/').slice(-3, -2)[0]).sort()).toEqual(
      server
        .trialRuns()
        .filter((r) => r.tags.get(TAG.trialKey) !== 'new')
        .map((r) => r.runId)
        .sort(),
    );
    expect(reader.recordReads).toEqual({ fromTag: 1, fromArtifact: 2 });
    expect(records.map((r) => r.trialKey).sort()).toEqual([...keys].sort());
    for (const read of records)
      expect(read).toEqual(
        expectedRecord(read.trialKey, read.trialKey === 'long' ? 120 : 3, read.runId!, 's4'),
      );
  });
});
