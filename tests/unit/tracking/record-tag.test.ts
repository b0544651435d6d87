/**
 * A finished trial's record rides in its run's `seedsweep.record` tag, written with the end's
 * log-batch, so that reading trials back costs run searches rather than one `trial.json` read per
 * trial; a record too long for a tag is never cut: the tag says so and the reader reads `trial.json`.
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

describe('reading finished trials back (fake MLflow server)', () => {
  let server: FakeMlflowServer;
  let outboxDir: string;
  beforeEach(async () => {
    server = await new FakeMlflowServer().start();
    outboxDir = mkdtempSync(path.join(os.tmpdir(), 'record-tag-'));
  });
  afterEach(async () => {
    await server.stop();
  });

  const newTracker = () =>
    new MlflowTracker({
      client: new MlflowClient({ trackingUri: server.uri, maxRetries: 0 }),
      outboxDir,
      warn: () => undefined,
    });

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
    // Still 4 requests: the tag rides in the log-batch that already carries the trial's end.
    expect(sent.map((r) => `${r.method} ${r.path.split('/').slice(-2).join('/')}`)).toEqual([
      'POST runs/create',
      'POST runs/log-batch',
      'PUT artifacts/trial.json',
      'POST runs/update',
    ]);
    const tags = (sent[1]!.body as { tags: { key: string; value: string }[] }).tags;
    return tags.find((t) => t.key === TAG.record)?.value;
  }

  function storedTrialJson(runId: string): TrialRecord {
    const key = [...server.artifacts.keys()].find((k) => k.endsWith(`${runId}/artifacts/trial.json`))!;
    return fromJson<TrialRecord>(server.artifacts.get(key)!.toString('utf8'));
  }

  it('a record that fits a tag comes with the search: no artifact read, equal to trial.json', async () => {
    const tracker = newTracker();
    await tracker.startSweep({ sweepId: 's1', sweepName: 'fits' });
    const tag = await runTrial(tracker, 's1', 'small', 3);
    expect(tag).toMatch(/^\{"trialKey":"small"/);
    const from = server.requests.length;
    const [read] = await tracker.finishedTrials({ sweepId: 's1' });
    expect(server.requests.slice(from).filter((r) => r.path.includes('artifacts'))).toEqual([]);
    expect(tracker.recordReads).toEqual({ fromTag: 1, fromArtifact: 0 });
    expect(read).toEqual(storedTrialJson(read!.runId!));
    expect(read!.result.final.testLoss).toBeNaN();
  });

  it('a record too long for a tag: the tag says so, the reader reads trial.json', async () => {
    const tracker = newTracker();
    await tracker.startSweep({ sweepId: 's2', sweepName: 'too-long' });
    expect(toJson(record(trialResult(120))).length).toBeGreaterThan(MAX_TAG_VALUE);
    expect(await runTrial(tracker, 's2', 'long', 120)).toBe(RECORD_IN_ARTIFACT);
    const from = server.requests.length;
    const [read] = await tracker.finishedTrials({ sweepId: 's2' });
    const artifactReads = server.requests.slice(from).filter((r) => r.path.includes('artifacts'));
    expect(artifactReads.map((r) => `${r.method} ${path.basename(r.path)}`)).toEqual(['GET trial.json']);
    expect(tracker.recordReads).toEqual({ fromTag: 0, fromArtifact: 1 });
    expect(read).toEqual(storedTrialJson(read!.runId!));
    expect(read!.result.epochs).toHaveLength(120);
  });
});
