/**
 * Reading finished trials back from a real MLflow server, through the counting proxy: the records
 * come with the run searches (each run's `seedsweep.record` tag, their only copy: no `trial.json` is
 * written for them), not from one `trial.json` read per trial, and equal what was written; a run
 * written before the tag existed (its record in `trial.json` alone) still reads.
 */
import { cpSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import axios from 'axios';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TrialRecord } from '../../../src/core/domain/trial.js';
import { toJson } from '../../../src/tracking/json-numbers.js';
import { MlflowClient } from '../../../src/tracking/mlflow-client.js';
import { MlflowTracker } from '../../../src/tracking/mlflow-tracker.js';
import { TAG } from '../../../src/tracking/run-data.js';
import { CountingProxy } from './counting-proxy.js';
import { plannedTrial, trialResult } from './fixtures.js';

const workDir = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-read-back-'));
const unique = (prefix: string) =>
  `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
const client = new MlflowClient({ trackingUri: inject('mlflowUri') });

/** Trials per sweep: fewer than a search page (1,000 runs), so one search finds them all. */
const N = 24;
/** Groups the trials fall into (unique to this file: group searches span every experiment). */
const GROUPS = 3;
/** Experiments per search of `finishedTrialsByKeys` (RunIndex's EXPERIMENTS_PER_SEARCH). */
const EXPERIMENTS_PER_SEARCH = 100;

/** Writes a sweep of `count` finished trials through a tracker talking to the server directly. */
async function writeSweep(count: number, groups: string[]) {
  const outboxDir = path.join(workDir, unique('writer'));
  const writer = new MlflowTracker({ client, outboxDir, warn: () => undefined });
  const sweepName = unique('read-back');
  const sweepId = unique('sweep');
  await writer.startSweep({ sweepId, sweepName });
  const keys: string[] = [];
  const groupKeys: Record<string, string> = {};
  const written = new Map<string, TrialRecord>();
  for (let i = 0; i < count; i++) {
    const trial = {
      ...plannedTrial({ trialKey: unique(`t${i}`), seed: i }),
      groupKey: groups[i % groups.length]!,
    };
    const result = trialResult({ epochs: 3, seed: i });
    // A diverged loss: NaN must survive the tag as it does trial.json.
    if (i === 1) result.final = { ...result.final, testLoss: Number.NaN };
    await writer.startTrial(sweepId, trial, { 'seedsweep.attempt': '1' }, { firstStart: true });
    await writer.finishTrial(sweepId, trial.trialKey, { status: 'FINISHED', result, attempt: 1, trial });
    const { queue: _queue, ...planned } = trial;
    const runId = (await writer.runIdOf(sweepId, trial.trialKey))!;
    written.set(trial.trialKey, { ...planned, result, runId, sweepId });
    keys.push(trial.trialKey);
    groupKeys[trial.trialKey] = trial.groupKey;
  }
  expect(writer.pendingCount()).toBe(0);
  return { writer, outboxDir, sweepName, sweepId, keys, groupKeys, written };
}

/** Each record read equals the one written (its plan, its result, its run), and the run has no `trial.json`. */
async function expectAsWritten(records: TrialRecord[], written: Map<string, TrialRecord>) {
  for (const record of records) {
    expect(record).toEqual(written.get(record.trialKey));
    expect(
      await client.readArtifactText({ runId: record.runId!, artifactPath: 'trial.json' }),
    ).toBeUndefined();
  }
}

describe('Reading finished trials back from a real MLflow server (through a counting proxy)', () => {
  let proxy: CountingProxy;
  let sweep: Awaited<ReturnType<typeof writeSweep>>;
  beforeAll(async () => {
    proxy = await new CountingProxy(inject('mlflowUri')).start();
    sweep = await writeSweep(
      N,
      Array.from({ length: GROUPS }, () => unique('group')),
    );
  });
  afterAll(async () => {
    await proxy.stop();
  });

  /** A tracker of another process reading through the proxy: nothing cached, nothing pending. */
  const reader = (outboxDir = path.join(workDir, unique('reader'))) =>
    new MlflowTracker({
      client: new MlflowClient({ trackingUri: proxy.uri }),
      outboxDir,
      warn: () => undefined,
    });

  it(`by sweep name: ${N} records from 1 search (⌈${N}/1000⌉) and the experiment's id, no artifact read`, async () => {
    const tracker = reader();
    const from = proxy.requests.length;
    const records = await tracker.finishedTrials({ sweepName: sweep.sweepName });
    expect(proxy.countsSince(from)).toEqual({ 'experiments/get-by-name': 1, 'runs/search': 1 });
    expect(tracker.recordReads).toEqual({ fromTag: N, fromArtifact: 0 });
    expect(records.map((r) => r.trialKey).sort()).toEqual([...sweep.keys].sort());
    await expectAsWritten(records, sweep.written);
    const diverged = records.find((r) => r.trialKey === sweep.keys[1])!;
    expect(diverged.result.final.testLoss).toBeNaN();
    expect(records.every((r) => r.sweepId === sweep.sweepId && r.runId !== undefined)).toBe(true);
  });

  it('by sweep id on the host that started it: the parent run, then 1 search of trials, no artifact read', async () => {
    // Same state folder as the writer (its sweep id → sweep name index), another process.
    const outboxDir = path.join(workDir, unique('reader'));
    cpSync(path.join(sweep.outboxDir, 'sweeps'), path.join(outboxDir, 'sweeps'), { recursive: true });
    const tracker = reader(outboxDir);
    const from = proxy.requests.length;
    const records = await tracker.finishedTrials({ sweepId: sweep.sweepId });
    expect(proxy.countsSince(from)).toEqual({ 'experiments/get-by-name': 1, 'runs/search': 2 });
    expect(records).toHaveLength(N);
    await expectAsWritten(records, sweep.written);
  });

  it(`by trial keys: one search per group per ${EXPERIMENTS_PER_SEARCH} experiments, no artifact read`, async () => {
    const tracker = reader();
    // Other files create experiments on this server meanwhile: the count is checked against both ends.
    const before = (await client.listExperimentIds()).length;
    const from = proxy.requests.length;
    const records = await tracker.finishedTrialsByKeys(sweep.keys, { groupKeys: sweep.groupKeys });
    const counts = proxy.countsSince(from);
    const after = (await client.listExperimentIds()).length;
    const searches = (experiments: number) => GROUPS * Math.ceil(experiments / EXPERIMENTS_PER_SEARCH);
    expect(Object.keys(counts).sort()).toEqual(['experiments/search', 'runs/search']);
    expect(counts['experiments/search']).toBe(Math.ceil(after / 1000));
    expect(counts['runs/search']).toBeGreaterThanOrEqual(searches(before));
    expect(counts['runs/search']).toBeLessThanOrEqual(searches(after));
    expect(tracker.recordReads).toEqual({ fromTag: N, fromArtifact: 0 });
    expect(records.map((r) => r.trialKey).sort()).toEqual([...sweep.keys].sort());
    await expectAsWritten(records, sweep.written);
  });

  it('a run written before the record tag existed is read from its trial.json, the others from their tags', async () => {
    const old = await writeSweep(3, [unique('group')]);
    // What earlier versions wrote: the record as trial.json, no tag.
    const oldRunId = (await old.writer.runIdOf(old.sweepId, old.keys[0]!))!;
    await axios.post(`${inject('mlflowUri')}/api/2.0/mlflow/runs/delete-tag`, {
      run_id: oldRunId,
      key: TAG.record,
    });
    await client.putArtifact({
      runId: oldRunId,
      artifactPath: 'trial.json',
      data: toJson(old.written.get(old.keys[0]!), 2),
    });
    expect((await client.getRun(oldRunId)).tags[TAG.record]).toBeUndefined();
    const tracker = reader();
    const from = proxy.requests.length;
    const records = await tracker.finishedTrials({ sweepName: old.sweepName });
    expect(proxy.countsSince(from)).toEqual({
      'experiments/get-by-name': 1,
      'runs/search': 1,
      'GET artifacts': 1,
    });
    expect(tracker.recordReads).toEqual({ fromTag: 2, fromArtifact: 1 });
    expect(records.map((r) => r.trialKey).sort()).toEqual([...old.keys].sort());
    for (const record of records) expect(record).toEqual(old.written.get(record.trialKey));
  });
});
