import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';
import type { PlannedTrial, TrialResult } from '../../../src/core/domain/trial.js';
import { collectSweepRecords } from '../../../src/temporal/activities/aggregate.js';
import { createTrackingActivities } from '../../../src/temporal/activities/tracking.js';
import { parseSweepSpec } from '../../../src/sweep-spec/load.js';
import { expandSweep } from '../../../src/sweep-spec/expand.js';
import { MemoryTracker } from '../../integration/temporal/memory-tracker.js';

const result: TrialResult = {
  epochs: [{ epoch: 1, value: 1 }],
  final: { epoch: 1, value: 1 },
  backend: { name: 'js', version: '1' },
  resumedFromEpoch: 0,
};

function trial(trialKey: string): PlannedTrial {
  return {
    trialKey,
    groupKey: 'g',
    groupLabel: 'model=q',
    factors: {},
    seed: 0,
    queue: 'cpu',
    config: { model: 'q', modelOptions: {}, train: { epochs: 1 }, dataset: { name: 'synthetic' } },
  };
}

async function finish(
  tracker: MemoryTracker,
  sweepId: string,
  sweepName: string,
  key: string,
  status: 'FINISHED' | 'FAILED' = 'FINISHED',
) {
  await tracker.startSweep({ sweepId, sweepName });
  await tracker.startTrial(sweepId, trial(key));
  await tracker.finishTrial(
    sweepId,
    key,
    status === 'FINISHED' ? { status, result } : { status, error: 'x' },
  );
}

describe('finishedTrialKeys activity', () => {
  it('with { sweepName } only, lists what that sweep name finished, as before', async () => {
    const tracker = new MemoryTracker();
    await finish(tracker, 's1', 'study', 'a');
    await finish(tracker, 's2', 'other', 'b');
    const { finishedTrialKeys } = createTrackingActivities(tracker);
    expect(await finishedTrialKeys({ sweepName: 'study' })).toEqual(['a']);
  });

  it('adds planned keys finished under other sweep names, unless reuse is turned off', async () => {
    const tracker = new MemoryTracker();
    await finish(tracker, 's1', 'study', 'a');
    await finish(tracker, 's2', 'other', 'b');
    await finish(tracker, 's2', 'other', 'c', 'FAILED');
    await finish(tracker, 's3', 'third', 'unplanned');
    const { finishedTrialKeys } = createTrackingActivities(tracker);
    const trialKeys = ['a', 'b', 'c', 'd'];
    expect((await finishedTrialKeys({ sweepName: 'study', trialKeys })).sort()).toEqual(['a', 'b']);
    expect(await finishedTrialKeys({ sweepName: 'study', trialKeys, reuseAcrossSweeps: false })).toEqual([
      'a',
    ]);
    expect(
      (await finishedTrialKeys({ sweepName: 'new-name', trialKeys, reuseAcrossSweeps: true })).sort(),
    ).toEqual(['a', 'b']);
  });
});

describe('collectSweepRecords', () => {
  const spec = parseSweepSpec({
    text: readFileSync(path.join(PACKAGE_ROOT, 'sweeps/tests/tiny.yaml'), 'utf8'),
    file: 'tiny.yaml',
  });
  const planned = expandSweep({ spec, datasetFingerprint: 'fp' });

  it('includes records of planned trials finished under another sweep name when their keys are given, keeping their sweep id', async () => {
    const tracker = new MemoryTracker();
    const [own, reused, missing] = planned;
    await tracker.startSweep({ sweepId: 'now', sweepName: spec.name });
    await tracker.startTrial('now', own!);
    await tracker.finishTrial('now', own!.trialKey, { status: 'FINISHED', result });
    await tracker.startSweep({ sweepId: 'before', sweepName: 'some-other-study' });
    for (const t of [own!, reused!]) {
      await tracker.startTrial('before', t);
      await tracker.finishTrial('before', t.trialKey, { status: 'FINISHED', result });
    }
    const base = { tracker, spec, datasetFingerprint: 'fp', sweepId: 'now' };
    // reuse: false (a spec's opt-out): only this sweep name's trials.
    expect(
      (await collectSweepRecords({ ...base, spec: { ...spec, reuse: false } })).map((r) => r.trialKey),
    ).toEqual([own!.trialKey]);
    // By default (reuse: true) the planned keys are looked up under every sweep name.
    expect((await collectSweepRecords(base)).map((r) => r.trialKey)).toEqual([
      own!.trialKey,
      reused!.trialKey,
    ]);
    const records = await collectSweepRecords({ ...base, trialKeys: planned.map((t) => t.trialKey) });
    expect(records.map((r) => [r.trialKey, r.sweepId])).toEqual([
      [own!.trialKey, 'now'],
      [reused!.trialKey, 'before'],
    ]);
    expect(records.some((r) => r.trialKey === missing!.trialKey)).toBe(false);
    // A trial the pruner stopped is not a result, even with a finished run (an attempt after a lost worker).
    expect(
      (await collectSweepRecords({ ...base, stoppedKeys: [own!.trialKey] })).map((r) => r.trialKey),
    ).toEqual([reused!.trialKey]);
  });

  it("takes an adaptive sweep's plan as given (its spec alone names only the first trials)", async () => {
    const tracker = new MemoryTracker();
    const later = { ...planned[0]!, trialKey: 'added-later', seed: 99 };
    await tracker.startSweep({ sweepId: 'now', sweepName: spec.name });
    await tracker.startTrial('now', later);
    await tracker.finishTrial('now', later.trialKey, { status: 'FINISHED', result });
    const base = { tracker, spec: { ...spec, reuse: false }, datasetFingerprint: 'fp', sweepId: 'now' };
    expect(await collectSweepRecords(base)).toEqual([]);
    expect(
      (await collectSweepRecords({ ...base, plannedKeys: ['added-later'] })).map((r) => r.trialKey),
    ).toEqual(['added-later']);
  });
});
