/**
 * Adaptive sweeps against the real Temporal dev server and MLflow server, training the pure-TS
 * trainables of examples/adaptive (no TF.js; they import `seedsweep`, i.e. dist/, built by setup):
 * - adaptive seeds: two arms with a known true difference start with `min` seeds; the workflow adds
 *   seed rounds, each with its reason, until the confidence sequence of the paired difference settles;
 *   the decisions are re-derived from the values MLflow holds;
 * - a sampler sweep (TPE proposing each next configuration, ASHA stopping the weak ones) run twice,
 *   once undisturbed and once with its worker process killed with SIGKILL mid-trial and another process
 *   taking over: same configurations in the same order, same stopped trials at the same epochs, same
 *   metrics per trial key.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { querySweepProgress, submitSweep } from '../../../src/temporal/client/sweeps.js';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';
import { fingerprintDataset } from '../../../src/datasets/plugins.js';
import type { TrialRecord } from '../../../src/core/domain/trial.js';
import { TrialPool } from '../../../src/execution/pool.js';
import { taskQueues, type SweepProgress, type SweepSummary } from '../../../src/temporal/shared/shared.js';
import { decideSeeds, type SeedOutcome } from '../../../src/search/adaptive-seeds.js';
import { parseSweepSpec, resolveSpecModules } from '../../../src/sweep-spec/load.js';
import type { SweepSpec } from '../../../src/sweep-spec/schema.js';
import type { Tracker } from '../../../src/tracking/types.js';
import { startWorker, startWorkerProcess, uniqueName, type WorkerProcess } from './harness.js';
import { realSweepSetup } from './harness.js';

const TRAINABLES = path.join(PACKAGE_ROOT, 'examples', 'adaptive');

/** A spec naming a trainable of examples/adaptive (relative to that folder). */
async function specOf(name: string, text: string): Promise<SweepSpec> {
  return parseSweepSpec({
    text,
    file: path.join(TRAINABLES, `${name}.yaml`),
    modules: await resolveSpecModules(parseYaml(text), TRAINABLES),
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` every `everyMs` until it returns a value, or fails after `timeoutMs`. */
async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { everyMs = 50, timeoutMs = 120_000 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** The `accuracy` of every epoch of a finished trial. */
const accuracies = (record: TrialRecord) => record.result.epochs.map((m) => m['accuracy']);

let bundle: { code: string };
let bundleFile: string;
let connection: NativeConnection;
let client: Client;
let tracker: Tracker;

beforeAll(async () => {
  ({ bundle, bundleFile, connection, client, tracker } = await realSweepSetup());
});

afterAll(async () => {
  await connection?.close();
});

describe('adaptive seeds', () => {
  // Arm a is 0.05 better than arm b; a seed effect (sd 0.03) shared by both arms cancels in the pairs,
  // leaving noise sd 0.01 per arm. With these seeds the 95 % confidence sequence is unbounded at 3
  // pairs, spans 0 at 4 and 5, and excludes 0 at 6: three rounds of one seed, 12 trials in all.
  const specText = (name: string) => `
name: ${name}
trainable: ./two-arms.ts#twoArms
params: { mean_a: 0.65, mean_b: 0.6, seed_sd: 0.03, noise_sd: 0.01, epoch_ms: 100 }
train: { epochs: 2 }
variants:
  grid:
    arm: [a, b]
seeds: { min: 3, max: 12, until: { compare: [{ arm: a }, { arm: b }], ci_excludes: 0 } }
concurrency: 2
objective: { metric: accuracy, mode: max }
retries: { max_attempts: 2, initial_interval_seconds: 1, backoff_coefficient: 1 }
timeouts: { trial_minutes: 5, heartbeat_seconds: 10 }
reuse: false
comparisons:
  - { a: { arm: a }, b: { arm: b } }
`;

  let pool: TrialPool;
  beforeAll(async () => {
    pool = await TrialPool.create({ threads: 2 });
  });
  afterAll(async () => {
    await pool?.destroy();
  });

  it('adds seed rounds with their reasons until the paired comparison settles, and tracks every trial', async () => {
    const name = uniqueName('adaptive-seeds');
    const spec = await specOf(name, specText(name));
    const worker = await startWorker({ connection, bundle, tracker, trainer: pool, threads: 2 });
    try {
      const { sweepId } = await submitSweep({
        client,
        spec,
        datasetFingerprint: await fingerprintDataset(spec.dataset),
        taskQueues: worker.queues,
      });
      // Watch it run: what the progress query says while seeds are being added.
      let done = false;
      const result = client.workflow
        .getHandle(sweepId)
        .result()
        .finally(() => (done = true));
      const live: SweepProgress[] = [];
      while (!done) {
        const progress = await querySweepProgress({ client, sweepId, pending: true, timeoutMs: 2000 });
        if (progress && progress.phase !== 'done') live.push(progress);
        await sleep(100);
      }
      const summary = (await result) as SweepSummary;
      const final = await querySweepProgress({ client, sweepId, pending: true });

      // Seeds were added (6 > min 3), and planning ended because the comparison settled.
      expect(summary).toMatchObject({
        status: 'completed',
        counts: { total: 12, finished: 12, failed: 0, earlyStopped: 0 },
      });
      expect(summary.plan).toMatch(/^settled: CI \([\d.e-]+, [\d.e-]+\) excludes 0 after 6 pairs$/);
      expect(summary.report?.records).toBe(12);

      // Plan order: the first 3 seeds as the spec planned them, then one round per added seed, each
      // trial saying why it was added.
      const trials = final?.trials ?? [];
      expect(trials.map((t) => t.seed)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
      expect(trials.every((t) => t.state === 'finished')).toBe(true);
      expect(trials.slice(0, 6).every((t) => t.chosenBy === undefined)).toBe(true);
      const reasons = trials.slice(6).map((t) => t.chosenBy);
      expect(reasons).toEqual([
        'seed added: CI still unbounded after 3 pairs (bounded from 4 pairs at alpha 0.05)',
        'seed added: CI still unbounded after 3 pairs (bounded from 4 pairs at alpha 0.05)',
        expect.stringMatching(/^seed added: CI still spans 0 \(.+\) after 4 pairs$/),
        expect.stringMatching(/^seed added: CI still spans 0 \(.+\) after 4 pairs$/),
        expect.stringMatching(/^seed added: CI still spans 0 \(.+\) after 5 pairs$/),
        expect.stringMatching(/^seed added: CI still spans 0 \(.+\) after 5 pairs$/),
      ]);
      expect(final?.plan).toBe(summary.plan);

      // While it ran, the query already showed added trials with their reasons (not yet finished) and
      // the latest round's reason as the plan note.
      const seenAdded = live.flatMap((p) =>
        p.trials.filter((t) => t.chosenBy?.startsWith('seed added:') && t.state !== 'finished'),
      );
      expect(seenAdded.length).toBeGreaterThan(0);
      expect(live.some((p) => p.plan?.startsWith('seed added:'))).toBe(true);

      // MLflow holds every planned trial, and the seed decisions follow from the values it holds: each
      // look (after 3, 4, 5 seeds) adds a seed for the reason the progress gave; after 6 it stops.
      const records = await tracker.finishedTrials({ sweepName: name });
      expect(new Set(records.map((r) => r.trialKey))).toEqual(new Set(trials.map((t) => t.trialKey)));
      const arm = (label: string, seeds: number): SeedOutcome[] =>
        records
          .filter((r) => r.groupLabel === label && r.seed < seeds)
          .map((r) => ({ seed: r.seed, value: r.result.final['accuracy'] as number }));
      const decide = (seeds: number) =>
        decideSeeds(
          { min: 3, max: 12, until: { compare: ['arm=a', 'arm=b'], metric: 'accuracy', ciExcludes: 0 } },
          arm('arm=a', seeds),
          arm('arm=b', seeds),
        );
      for (const seeds of [3, 4, 5]) {
        expect(decide(seeds)).toMatchObject({ action: 'add', add: 1, reason: reasons[2 * (seeds - 3)] });
      }
      expect(decide(6)).toMatchObject({ action: 'stop', status: 'settled', reason: summary.plan });
      expect(decide(6).interval.low).toBeGreaterThan(0); // a is better, as built
    } finally {
      await worker.stop();
    }
  });
});

describe('a sampler sweep whose worker process is killed', () => {
  // TPE (random for its first 3 configurations, then from the results) proposes 8 configurations of a
  // learning curve, one at a time (concurrency 1: each proposal sees every earlier result, so the
  // decisions do not depend on timing); ASHA (η 3, rungs at epochs 1 and 3 of 9) stops weak ones.
  const specText = (name: string) => `
name: ${name}
trainable: ./curves.ts#curves
params: { noise: 0.01, epoch_ms: 250 }
train: { epochs: 9 }
variants:
  sampler:
    name: tpe
    trials: 8
    seed: 0
    options: { nStartupTrials: 3 }
    params:
      log_lr: { uniform: [-5, 0] }
      width: { logint: [8, 512] }
seeds: [0]
concurrency: 1
objective: { metric: accuracy, mode: max }
early_stopping: { rule: asha, reduction_factor: 3, min_resource: 1 }
retries: { max_attempts: 3, initial_interval_seconds: 1, backoff_coefficient: 1 }
timeouts: { trial_minutes: 5, heartbeat_seconds: 3 }
# Train every trial: equal trial keys finished under the other sweep name must not be skipped.
reuse: false
`;

  /** What must be the same in both runs: per planned trial, why it was chosen and how it settled. */
  const decisions = (progress: SweepProgress | undefined) =>
    (progress?.trials ?? []).map((t) => ({
      trialKey: t.trialKey,
      chosenBy: t.chosenBy,
      state: t.state,
      ...(t.state === 'early-stopped' ? { epoch: t.epoch, reason: t.reason } : {}),
    }));

  interface Run {
    sweepId: string;
    summary: SweepSummary;
    progress: SweepProgress | undefined;
    records: Map<string, TrialRecord>;
  }

  /** What a disturbance gets: the sweep, its first worker process, and a way to start another. */
  interface Disturbance {
    sweepId: string;
    first: WorkerProcess;
    startAnother(): WorkerProcess;
  }

  /** Runs the sweep `name` on a worker process; `disturb` may kill it and start others mid-sweep. */
  async function runSweep(name: string, disturb?: (d: Disturbance) => Promise<void>): Promise<Run> {
    const spec = await specOf(name, specText(name));
    const queues = taskQueues(uniqueName('adaptive-kill'));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-adaptive-'));
    const processes = [startWorkerProcess({ queues, bundleFile, dir })];
    try {
      const { sweepId } = await submitSweep({
        client,
        spec,
        datasetFingerprint: await fingerprintDataset(spec.dataset),
        taskQueues: queues,
      });
      if (disturb) {
        await disturb({
          sweepId,
          first: processes[0]!,
          startAnother() {
            const next = startWorkerProcess({ queues, bundleFile, dir });
            processes.push(next);
            return next;
          },
        });
      }
      const summary = (await client.workflow.getHandle(sweepId).result()) as SweepSummary;
      // A closed workflow's query is answered by replaying it on a live worker.
      const progress = await querySweepProgress({ client, sweepId, pending: true });
      const records = new Map(
        (await tracker.finishedTrials({ sweepName: name })).map((r) => [r.trialKey, r]),
      );
      return { sweepId, summary, progress, records };
    } finally {
      for (const p of processes) {
        if (p.child.exitCode !== null || p.child.signalCode !== null) continue;
        p.child.kill('SIGTERM');
        expect(await p.exited).toBe(0);
      }
    }
  }

  it('makes the same decisions and gets the same results after a SIGKILL mid-trial', async () => {
    const reference = await runSweep(uniqueName('adaptive-reference'));
    expect(reference.summary).toMatchObject({ status: 'completed', counts: { total: 8, failed: 0 } });
    expect(reference.summary.plan).toBe('sampler tpe: all 8 configurations proposed');
    const planned = decisions(reference.progress);
    expect(planned).toHaveLength(8);
    expect(planned.every((t) => t.chosenBy?.startsWith('sampler tpe: configuration '))).toBe(true);
    expect(reference.summary.counts.earlyStopped).toBeGreaterThan(0); // ASHA stopped some
    expect(reference.records.size).toBe(reference.summary.counts.finished);
    // The stored report draws the stopped trials' curves (from the workflow; the tracker has no record).
    const reportJson = reference.summary.report!.files.find((f) => f.endsWith('.json'))!;
    const search = (
      JSON.parse(readFileSync(reportJson, 'utf8')) as {
        search: { total: { pruned: number }; trials: { state: string; curve: unknown[] }[] };
      }
    ).search;
    expect(search.total.pruned).toBe(reference.summary.counts.earlyStopped);
    const prunedCurves = search.trials.filter((t) => t.state === 'pruned');
    expect(prunedCurves).toHaveLength(reference.summary.counts.earlyStopped);
    expect(prunedCurves.every((t) => t.curve.length >= 1 && t.curve.length < 9)).toBe(true);

    // Where to kill: a trial after the first that the reference ran to its end, while it trains epoch
    // e + 1 (1 ≤ e ≤ 7; the checkpoint of epoch e is on disk). A trial the pruner stops would do too:
    // the stop is recorded at the epoch it was decided and answered to the retry as well (unit-tested
    // in tests/unit/temporal/workflows/epoch-decision.test.ts), but a finished one checks resumed metrics.
    const target = planned.findIndex((t, i) => i >= 1 && t.state === 'finished');
    if (target < 0) throw new Error(`no finished trial after the first: ${JSON.stringify(planned)}`);
    const targetKey = planned[target]!.trialKey;
    const epochs = reference.records.get(targetKey)!.result.epochs.length;

    const disturbed = await runSweep(
      uniqueName('adaptive-killed'),
      async ({ sweepId, first, startAnother }) => {
        const running = await waitFor(`trial ${target} mid-way`, async () => {
          const progress = await querySweepProgress({ client, sweepId, timeoutMs: 2000 });
          const t = progress?.trials.find((x) => x.trialKey === targetKey);
          const epoch = t?.epoch ?? 0;
          return t?.state === 'running' && epoch >= 1 && epoch <= epochs - 2 ? progress : undefined;
        });
        // Concurrency 1: the trials planned before the target have settled, none after it has started.
        expect(running.counts.finished + running.counts.earlyStopped).toBe(target);
        first.child.kill('SIGKILL');
        expect(await first.exited).toBeNull();
        startAnother();
      },
    );

    // The target's training activity timed out on the dead process and ran again on the new one,
    // resuming from its checkpoint.
    const events = (await client.workflow.getHandle(disturbed.sweepId).fetchHistory()).events ?? [];
    const scheduled = events.find((e) =>
      e.activityTaskScheduledEventAttributes?.activityId?.startsWith(`trial-${targetKey}-`),
    );
    const started = events.find(
      (e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(scheduled?.eventId),
    );
    expect(started?.activityTaskStartedEventAttributes).toMatchObject({
      attempt: 2,
      lastFailure: { message: 'activity Heartbeat timeout' },
    });
    expect(disturbed.records.get(targetKey)?.result.resumedFromEpoch).toBeGreaterThanOrEqual(1);

    // The same configurations in the same order, stopped at the same epochs for the same reasons.
    expect(decisions(disturbed.progress)).toEqual(planned);
    expect(disturbed.summary.counts).toEqual(reference.summary.counts);
    expect(disturbed.summary.plan).toBe(reference.summary.plan);
    // The same metrics for every finished trial key.
    expect([...disturbed.records.keys()].sort()).toEqual([...reference.records.keys()].sort());
    for (const [key, record] of reference.records)
      expect(accuracies(disturbed.records.get(key)!)).toEqual(accuracies(record));
  });
});
