/**
 * Replays recorded sweep histories (tests/fixtures/histories, made by record-histories.ts there) with
 * the current workflow code: a change that would break running sweeps (a different command sequence)
 * fails here. No server needed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../common/paths.js';
import { installTemporalRuntime } from '../../../workers/runtime.js';
import { bundleSweepWorkflows } from '../../../workers/sweep-worker.js';

const historiesDir = path.join(PACKAGE_ROOT, 'tests', 'fixtures', 'histories');
const read = (name: string): unknown => JSON.parse(readFileSync(path.join(historiesDir, name), 'utf8'));
// fromObject, not the SDK's historyFromJSON: this install has two protobufjs copies, which breaks the latter.
const load = (name: string) =>
  temporal.api.history.v1.History.fromObject(read(name) as Record<string, unknown>);

let bundle: { code: string };
beforeAll(async () => {
  installTemporalRuntime();
  bundle = await bundleSweepWorkflows();
});

describe('recorded sweep histories replay deterministically', () => {
  it.each(['sweep-first-run.json', 'sweep-last-run.json'])('%s', async (file) => {
    const history = load(file);
    await expect(
      Worker.runReplayHistory({ workflowBundle: bundle }, history, 'recorded-sweep'),
    ).resolves.toBeUndefined();
  });

  it('detects a history that does not match the workflow (the check can fail)', async () => {
    const history = read('sweep-last-run.json') as {
      events: {
        eventType: string;
        activityTaskScheduledEventAttributes?: { activityType?: { name: string } };
      }[];
    };
    const scheduled = history.events.find((e) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED');
    if (!scheduled?.activityTaskScheduledEventAttributes?.activityType)
      throw new Error('fixture has no scheduled activity');
    scheduled.activityTaskScheduledEventAttributes.activityType.name = 'someOtherActivity';
    const broken = temporal.api.history.v1.History.fromObject(history as unknown as Record<string, unknown>);
    await expect(
      Worker.runReplayHistory({ workflowBundle: bundle }, broken, 'recorded-sweep'),
    ).rejects.toThrow(/[Nn]ondetermin/);
  });
});
