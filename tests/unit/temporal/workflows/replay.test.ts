/**
 * Replays recorded sweep histories (tests/fixtures/histories, made by record-histories.ts there) with
 * the current workflow code: a change that would break running sweeps (a different command sequence)
 * fails here. No server needed.
 *
 * The adaptive histories (sampler + ASHA, adaptive seeds) schedule training under trial-key activity
 * ids, so replaying them also checks WHICH trials the sampler proposed and the seed rounds added.
 * The multi-objective one (NSGA-II on two objectives) thereby checks that the sampler still gets every
 * objective's values: bred from the first objective alone, its proposals differ.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../../src/core/common/paths.js';
import type { SweepSummary } from '../../../../src/temporal/shared/shared.js';
import { installTemporalRuntime } from '../../../../src/temporal/workers/runtime.js';
import { bundleSweepWorkflows } from '../../../../src/temporal/workers/sweep-worker.js';
import { TRIAL_ACTIVITY_IDS_PATCH } from '../../../../src/temporal/workflows/trial-runner.js';
import { trialsOfPoint } from '../../../../src/sweep-spec/expand.js';
import type { SweepWorkflowInput } from '../../../../src/temporal/shared/shared.js';

const historiesDir = path.join(PACKAGE_ROOT, 'tests', 'fixtures', 'histories');
const read = (name: string): unknown => JSON.parse(readFileSync(path.join(historiesDir, name), 'utf8'));
// fromObject, not the SDK's historyFromJSON: this install has two protobufjs copies, which breaks the latter.
const fromJson = (history: unknown) =>
  temporal.api.history.v1.History.fromObject(history as Record<string, unknown>);
const load = (name: string) => fromJson(read(name));

/** The parts of a proto3-JSON history event these tests look at. */
interface Payloads {
  payloads?: { data?: string }[];
}
interface JsonEvent {
  eventId: string;
  eventType: string;
  activityTaskScheduledEventAttributes?: { activityId?: string; activityType?: { name: string } };
  activityTaskCompletedEventAttributes?: { scheduledEventId?: string; result?: Payloads };
  markerRecordedEventAttributes?: { markerName?: string; details?: Record<string, Payloads> };
  workflowExecutionCompletedEventAttributes?: { result?: Payloads };
}
interface JsonHistory {
  events: JsonEvent[];
}

/** A JSON payload's value (the default data converter's `json/plain`, base64 in proto3 JSON). */
const payloadValue = (payloads: Payloads | undefined): unknown => {
  const data = payloads?.payloads?.[0]?.data;
  if (data === undefined) throw new Error('payload without data');
  return JSON.parse(Buffer.from(data, 'base64').toString('utf8'));
};

/** The trainTrial activities a history scheduled, in order. */
const scheduledTrials = (history: JsonHistory) =>
  history.events.filter(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'trainTrial',
  ) as (JsonEvent & { activityTaskScheduledEventAttributes: { activityId: string } })[];

/** The trial key of a `trial-<key>-<start>` activity id. */
const trialKeyOf = (activityId: string): string => {
  const match = /^trial-([0-9a-f]{64})-\d+$/.exec(activityId);
  if (!match) throw new Error(`not a trial activity id: ${activityId}`);
  return match[1]!;
};

/** trainTrial results (`{status: 'finished' | 'stopped', reason?}`), in completion order. */
const trialOutcomes = (history: JsonHistory) => {
  const trainTrial = new Set(scheduledTrials(history).map((e) => e.eventId));
  return history.events
    .filter((e) => trainTrial.has(e.activityTaskCompletedEventAttributes?.scheduledEventId ?? ''))
    .map(
      (e) =>
        payloadValue(e.activityTaskCompletedEventAttributes!.result) as { status: string; reason?: string },
    );
};

/** The summary the workflow returned. */
const summaryOf = (history: JsonHistory): SweepSummary => {
  const completed = history.events.find((e) => e.eventType === 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
  if (!completed) throw new Error('the history has no completion');
  return payloadValue(completed.workflowExecutionCompletedEventAttributes?.result) as SweepSummary;
};

/** Patch ids of the history's patch markers (`core_patch`, details `patch-data` = `{id, deprecated}`). */
const patchIds = (history: JsonHistory): string[] =>
  history.events
    .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
    .map(
      (e) => (payloadValue(e.markerRecordedEventAttributes?.details?.['patch-data']) as { id: string }).id,
    );

let bundle: { code: string };
beforeAll(async () => {
  installTemporalRuntime();
  bundle = await bundleSweepWorkflows();
});

describe('recorded sweep histories replay deterministically', () => {
  it.each([
    ['sweep-first-run.json', 'recorded-sweep'],
    ['sweep-last-run.json', 'recorded-sweep'],
    ['sweep-adaptive-sampler.json', 'recorded-adaptive-sampler'],
    ['sweep-adaptive-seeds.json', 'recorded-adaptive-seeds'],
    ['sweep-multi-objective.json', 'recorded-multi-objective'],
    ['sweep-warm-start-first-run.json', 'recorded-warm-start'],
    ['sweep-warm-start-last-run.json', 'recorded-warm-start'],
  ])('%s', async (file, workflowId) => {
    const history = load(file);
    await expect(
      Worker.runReplayHistory({ workflowBundle: bundle }, history, workflowId),
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

describe('the adaptive histories hold the plan decisions', () => {
  it('sampler sweep: TPE proposed every configuration, ASHA stopped some', () => {
    const history = read('sweep-adaptive-sampler.json') as JsonHistory;
    expect(patchIds(history)).toContain(TRIAL_ACTIVITY_IDS_PATCH);
    const keys = scheduledTrials(history).map((e) =>
      trialKeyOf(e.activityTaskScheduledEventAttributes.activityId),
    );
    // 12 configurations on one seed; more than the 3 in flight at first, so later ones came from results.
    expect(new Set(keys).size).toBe(12);
    const outcomes = trialOutcomes(history);
    expect(outcomes.some((o) => o.status === 'stopped' && o.reason === 'early-stopped')).toBe(true);
    expect(outcomes.some((o) => o.status === 'finished')).toBe(true);
    const summary = summaryOf(history);
    expect(summary.plan).toBe('sampler tpe: all 12 configurations proposed');
    expect(summary.counts.earlyStopped).toBeGreaterThan(0);
  });

  it('seeds sweep: seed rounds were added after the first 3 seeds, then the comparison settled', () => {
    const history = read('sweep-adaptive-seeds.json') as JsonHistory;
    expect(patchIds(history)).toContain(TRIAL_ACTIVITY_IDS_PATCH);
    const keys = new Set(
      scheduledTrials(history).map((e) => trialKeyOf(e.activityTaskScheduledEventAttributes.activityId)),
    );
    // First round: 2 variants × 3 seeds; each later round adds one seed to both variants.
    expect(keys.size).toBeGreaterThan(2 * 3);
    expect(keys.size % 2).toBe(0);
    const summary = summaryOf(history);
    expect(summary.counts.finished).toBe(keys.size);
    expect(summary.plan).toMatch(/^settled: CI .* excludes 0 after \d+ pairs$/);
  });

  it('multi-objective sweep: NSGA-II proposed every configuration from both objectives', () => {
    const history = read('sweep-multi-objective.json') as JsonHistory;
    // Trial-key activity ids: replaying it checks which configurations NSGA-II proposed.
    expect(patchIds(history)).toContain(TRIAL_ACTIVITY_IDS_PATCH);
    const keys = new Set(
      scheduledTrials(history).map((e) => trialKeyOf(e.activityTaskScheduledEventAttributes.activityId)),
    );
    // 12 configurations on 2 seeds (a repeated proposal adds none), past the first generation of 4.
    expect(keys.size).toBeGreaterThan(2 * 4);
    expect(keys.size % 2).toBe(0);
    // The start looked up each objective's earlier values (one look-up per objective).
    const lookups = history.events.filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'finishedTrialValues',
    );
    expect(lookups).toHaveLength(2);
    const summary = summaryOf(history);
    expect(summary.plan).toBe('sampler nsga2: all 12 configurations proposed');
    expect(summary.counts.finished).toBe(keys.size);
  });

  it.each([
    {
      file: 'sweep-adaptive-sampler.json',
      workflowId: 'recorded-adaptive-sampler',
      index: -1,
      what: 'the last configuration TPE proposed',
    },
    {
      file: 'sweep-adaptive-seeds.json',
      workflowId: 'recorded-adaptive-seeds',
      index: 2 * 3,
      what: 'the first trial of the first seed round',
    },
  ])('$file: another trial in place of $what is nondeterminism', async ({ file, workflowId, index }) => {
    const history = read(file) as JsonHistory;
    const scheduled = scheduledTrials(history).at(index);
    if (!scheduled) throw new Error(`${file} has no trainTrial at ${index}`);
    const attributes = scheduled.activityTaskScheduledEventAttributes;
    // As if the plan had chosen another configuration (or seed): another trial key in the id.
    const key = trialKeyOf(attributes.activityId);
    const other = `${key.slice(0, -1)}${key.endsWith('0') ? '1' : '0'}`;
    attributes.activityId = attributes.activityId.replace(key, other);
    await expect(
      Worker.runReplayHistory({ workflowBundle: bundle }, fromJson(history), workflowId),
    ).rejects.toThrow(/Nondeterminism error: Activity id of scheduled event/);
  });
});

/** The workflow input of a history's run (its first event). */
const inputOf = (history: JsonHistory): SweepWorkflowInput =>
  payloadValue(
    (history.events[0] as JsonEvent & { workflowExecutionStartedEventAttributes: { input: Payloads } })
      .workflowExecutionStartedEventAttributes.input,
  ) as SweepWorkflowInput;

describe('the warm-start histories (TPE from an earlier sweep, continued as new)', () => {
  it('first run: the listed configurations ran first, the earlier configurations are in the input', () => {
    const history = read('sweep-warm-start-first-run.json') as JsonHistory;
    const input = inputOf(history);
    expect(input.warmStart?.trials).toHaveLength(4);
    const listed = input.spec.variants.sampler!.warmStart!.trials.flatMap((point) =>
      trialsOfPoint({ ...input, point, seeds: input.spec.seeds, reason: '' }).map((t) => t.trialKey),
    );
    const keys = scheduledTrials(history).map((e) =>
      trialKeyOf(e.activityTaskScheduledEventAttributes.activityId),
    );
    expect(keys.slice(0, listed.length)).toEqual(listed);
  });

  it('last run: the continued sweep keeps the warm history, and its proposals depend on it', async () => {
    const history = read('sweep-warm-start-last-run.json') as JsonHistory;
    const input = inputOf(history);
    expect(input.state).toBeDefined();
    expect(input.warmStart).toEqual(
      inputOf(read('sweep-warm-start-first-run.json') as JsonHistory).warmStart,
    );
    expect(scheduledTrials(history).length).toBeGreaterThan(0);
    expect(summaryOf(history).plan).toBe('sampler tpe: all 10 configurations proposed');
    // The same run without the earlier configurations: TPE proposes other trials, which replay notices.
    const { warmStart: _dropped, ...cold } = input;
    const started = history.events[0] as JsonEvent & {
      workflowExecutionStartedEventAttributes: { input: { payloads: { data: string }[] } };
    };
    started.workflowExecutionStartedEventAttributes.input.payloads[0]!.data = Buffer.from(
      JSON.stringify(cold),
    ).toString('base64');
    await expect(
      Worker.runReplayHistory({ workflowBundle: bundle }, fromJson(history), 'recorded-warm-start'),
    ).rejects.toThrow(/[Nn]ondetermin/);
  });
});
