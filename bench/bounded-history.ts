/**
 * Bounded history and payloads at 10,000 / 100,000 / 1,000,000 trials (`npm run bench:history`), by a
 * stated simulation: Temporal's time-skipping test server cannot be fetched here, so this drives the
 * workflow's own pure code without a server — the plan (AdaptivePlan → TrialPlan), SweepState (window,
 * outcomes, the progress query's answer, carryOver), readCarriedState (each run starts from the JSON
 * the previous run handed over), trainTrialInput, and the end's aggregateInput / sweepSummary — with
 * the workflow's continue-as-new rule (sweep.ts `continueDue`): once a run settled a trial, it stops
 * starting trials when the history holds `maxHistoryEventsBeforeContinue` events (10,000) or the server
 * suggests it (`continueAsNewSuggested`: 4,096 events or 4 MiB, Temporal's
 * `limit.historyCount.suggestContinueAsNew` / `limit.historySize.suggestContinueAsNew` defaults), then
 * drains the running trials and continues as new.
 *
 * History events are counted with figures read from the recorded histories of real runs on the
 * Temporal dev server (tests/fixtures/histories, recorded by record-histories.ts there): events per
 * activity, per accepted update, per workflow task, and proto bytes per event; see `eventModel`.
 *
 * Trials settle in a shuffled order (a seeded RNG picks which running trial settles next), ~1 % fail,
 * and a second case cancels the sweep once half of it settled. Limits compared against: Temporal's
 * warnings at 10,240 events and 10 MB of history (`limit.historyCount.warn`, `limit.historySize.warn`
 * in temporalio/temporal common/dynamicconfig/constants.go) and 256 KB per payload (the platform limits
 * sheet, temporalio/documentation kb/temporal-platform-limits-sheet.md: "Temporal warns at 256 KB";
 * the server's own `limit.blobSize.warn` default is 512 KiB).
 *
 * Options: --sizes 10000,100000,1000000  --concurrency 64  --epochs 1  --seed 1
 */
import { mulberry32 } from '../src/core/common/random.js';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import proto from '@temporalio/proto';
import { PACKAGE_ROOT } from '../src/core/common/paths.js';
import { parseSweepSpec } from '../src/sweep-spec/load.js';
import type { SweepSpec } from '../src/sweep-spec/schema.js';
import {
  TrialState,
  type CarriedState,
  type LegacyCarriedState,
  type SweepWorkflowInput,
} from '../src/temporal/shared/shared.js';
import { AdaptivePlan, initialAdaptiveState } from '../src/temporal/workflows/adaptive-plan.js';
import { readCarriedState } from '../src/temporal/workflows/carried-state.js';
import { DEFAULT_MAX_HISTORY_EVENTS } from '../src/temporal/workflows/sweep.js';
import { aggregateInput, sweepSummary } from '../src/temporal/workflows/sweep-outputs.js';
import { SweepState, finalStatus } from '../src/temporal/workflows/sweep-state.js';
import { trainTrialInput } from '../src/temporal/workflows/trial-input.js';

/** Temporal's warning limits (see the header for where each comes from). */
export const LIMITS = {
  historyEvents: 10 * 1024,
  historyBytes: 10 * 1024 * 1024,
  payloadBytes: 256 * 1024,
  /** The server suggests continue-as-new from here (`continueAsNewSuggested`). */
  suggestEvents: 4 * 1024,
  suggestBytes: 4 * 1024 * 1024,
} as const;

/** History events per workflow step, read from recorded histories of real runs. */
export interface EventModel {
  /** Scheduled + started + completed (or failed) of one activity. */
  perActivity: number;
  /** Accepted + completed of one `reportEpoch` update. */
  perUpdate: number;
  /** Scheduled + started + completed of one workflow task. */
  perWorkflowTask: number;
  /** Proto bytes per event (the largest average over the recordings). */
  bytesPerEvent: number;
  /** Where the figures come from, for the printout. */
  source: string;
}

const HISTORIES = path.join(PACKAGE_ROOT, 'tests', 'fixtures', 'histories');

/**
 * Counts the recorded histories' events by type. Each activity there has its 3 events and each
 * update its 2; workflow tasks (3 events each) are at most one per activity completion and accepted
 * update in every recording (checked here), so the model charges one per trial settled and one per
 * epoch report: an upper bound (the server batches completions that arrive together).
 */
export function eventModel(dir = HISTORIES): EventModel {
  const notes: string[] = [];
  let bytesPerEvent = 0;
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const json = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as {
      events: { eventType: string }[];
    };
    const count = (type: string) => json.events.filter((e) => e.eventType === `EVENT_TYPE_${type}`).length;
    const activities = count('ACTIVITY_TASK_SCHEDULED');
    const closed =
      count('ACTIVITY_TASK_COMPLETED') + count('ACTIVITY_TASK_FAILED') + count('ACTIVITY_TASK_CANCELED');
    const updates = count('WORKFLOW_EXECUTION_UPDATE_ACCEPTED');
    const tasks = count('WORKFLOW_TASK_SCHEDULED');
    if (count('ACTIVITY_TASK_STARTED') !== activities || closed !== activities)
      throw new Error(`${file}: activities without their 3 events`);
    if (count('WORKFLOW_EXECUTION_UPDATE_COMPLETED') !== updates) throw new Error(`${file}: open updates`);
    if (count('WORKFLOW_TASK_COMPLETED') !== tasks) throw new Error(`${file}: open workflow tasks`);
    if (tasks > activities + updates + 1)
      throw new Error(`${file}: ${tasks} workflow tasks > ${activities} activities + ${updates} updates + 1`);
    const protoBytes = proto.temporal.api.history.v1.History.encode(
      proto.temporal.api.history.v1.History.fromObject(json as unknown as Record<string, unknown>),
    ).finish().length;
    bytesPerEvent = Math.max(bytesPerEvent, Math.ceil(protoBytes / json.events.length));
    notes.push(
      `${file}: ${json.events.length} events, ${activities} activities, ${updates} updates, ${tasks} workflow tasks, ${protoBytes} B`,
    );
  }
  return { perActivity: 3, perUpdate: 2, perWorkflowTask: 3, bytesPerEvent, source: notes.join('\n') };
}

export interface SimulationOptions {
  trials: number;
  /** Trials in flight at once (the spec's `concurrency`). @default 64 */
  concurrency?: number;
  /** Epochs per trial (each but the last sends a `reportEpoch` update). @default 1 */
  epochs?: number;
  /** Share of trials that fail after their retries. @default 0.01 */
  failRate?: number;
  /** Cancel the sweep once this share of the plan settled. */
  cancelAt?: number;
  /** Seed of the RNG that orders completions and picks failures. @default 1 */
  seed?: number;
  /** The workflow's threshold. @default DEFAULT_MAX_HISTORY_EVENTS */
  maxEvents?: number;
  /** False: never continue as new (what the bounds guard against). @default true */
  continueAsNew?: boolean;
  model?: EventModel;
}

export interface SimulationResult {
  trials: number;
  /** Workflow runs (continue-as-new count + 1). */
  runs: number;
  maxEventsPerRun: number;
  maxHistoryBytesPerRun: number;
  /** Largest continue-as-new input (spec + carried state). */
  maxCarriedBytes: number;
  /** Largest progress answer (summary + a page of 200; all, failed-only and settled-since pages). */
  maxQueryBytes: number;
  aggregationInputBytes: number;
  /** Largest trainTrial input. */
  maxTrainInputBytes: number;
  /** The workflow's result (its summary; the report's table is the activity's and left out). */
  summaryBytes: number;
  counts: ReturnType<SweepState['counts']>;
  seconds: number;
}

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

/** Failure reasons as `failureReason` makes them: mostly a few kinds, some with trial-specific text. */
function failureOf(random: () => number, index: number): string {
  const r = random();
  if (r < 0.5) return 'InjectedFaultError: injected fault after epoch 1 (failAtEpoch test option)';
  if (r < 0.8) return 'ApplicationFailure: trainTrial failed after 3 attempts: Error: out of memory';
  if (r < 0.95) return 'TimeoutFailure: activity Heartbeat timeout';
  return `Error: NaN loss in trial #${index} at epoch ${1 + (index % 7)} (learning rate too high?)`;
}

/**
 * A sweep spec of `trials` trials: 10 variants × trials/10 seeds, and more variants where that would
 * pass the spec's 10,000 seeds (1,000,000 trials: 100 variants × 10,000 seeds, the seeds list being
 * part of every run's input). The spec loader allows at most 100,000 trials, a user-facing limit: past
 * it the seeds are set on the parsed spec, which the workflow's code takes as it is.
 */
export function specOf(trials: number, options: { concurrency: number; epochs: number }): SweepSpec {
  const variants = Math.max(10, Math.ceil(trials / 10_000));
  if (trials % variants !== 0) throw new Error(`trials must be a multiple of ${variants}`);
  const spec = parseSweepSpec({
    file: 'bounded-history.yaml',
    text: `
name: bounded-history-${trials}
dataset: { name: synthetic, train_size: 200, test_size: 100 }
train: { epochs: ${options.epochs}, batch_size: 50 }
variants: { grid: { model: [fc], learning_rate: [${Array.from({ length: variants }, (_, i) => `${(i + 1) / 1000}`).join(', ')}] } }
seeds: { count: 1 }
concurrency: ${options.concurrency}
`,
  });
  return { ...spec, seeds: Array.from({ length: trials / variants }, (_, i) => i) };
}

/** Runs one sweep through the workflow's code, run by run, and measures every run's history and payloads. */
export function simulateSweep(options: SimulationOptions): SimulationResult {
  const started = performance.now();
  const concurrency = options.concurrency ?? 64;
  const epochs = options.epochs ?? 1;
  const failRate = options.failRate ?? 0.01;
  const maxEvents = options.maxEvents ?? DEFAULT_MAX_HISTORY_EVENTS;
  const model = options.model ?? eventModel();
  // The order trials settle in and which fail.
  const random = mulberry32(options.seed ?? 1);
  const spec = specOf(options.trials, { concurrency, epochs });
  const input: SweepWorkflowInput = {
    sweepId: `bounded-${options.trials}`,
    spec,
    datasetFingerprint: 'synthetic-fp',
  };
  const task = model.perWorkflowTask;
  const perTrial = model.perActivity + task + (epochs - 1) * (model.perUpdate + task);
  const perFailure = model.perActivity + task; // recordTrialFailure
  const scope = { cancel: () => undefined };

  const result: SimulationResult = {
    trials: options.trials,
    runs: 0,
    maxEventsPerRun: 0,
    maxHistoryBytesPerRun: 0,
    maxCarriedBytes: 0,
    maxQueryBytes: 0,
    aggregationInputBytes: 0,
    maxTrainInputBytes: 0,
    summaryBytes: 0,
    counts: undefined as unknown as SimulationResult['counts'],
    seconds: 0,
  };
  let state: CarriedState | LegacyCarriedState | undefined;
  let settledTotal = 0;
  for (;;) {
    result.runs += 1;
    const startBytes = bytes(state ? { ...input, state } : input);
    // The workflow's start: the plan from the spec, the state from what the last run handed over.
    const plan = new AdaptivePlan(spec, input.datasetFingerprint, state?.adaptive ?? initialAdaptiveState());
    const trials = plan.plannedTrials();
    const carried = readCarriedState(state, trials);
    const sweep = new SweepState({ sweepId: input.sweepId, sweepName: spec.name, plan: trials, carried });
    // Started event + first workflow task; the first run also opens the parent run and looks up reuse.
    let events = 1 + task + (state ? 0 : 2 * (model.perActivity + task));
    let payloadBytes = startBytes;
    if (!state) sweep.skipAlreadyFinished([]);
    sweep.startRunning();
    const running: string[] = [];
    const historyBytes = () => events * model.bytesPerEvent + payloadBytes;
    const continueDue = () =>
      options.continueAsNew !== false &&
      sweep.settledThisRun > 0 &&
      (events >= LIMITS.suggestEvents || historyBytes() >= LIMITS.suggestBytes || events >= maxEvents);
    const settle = (at: number) => {
      const key = running[at]!;
      running[at] = running[running.length - 1]!;
      running.pop();
      const trial = sweep.running.get(key)!.trial;
      if (sweep.cancelRequested) {
        sweep.recordCancelled(key);
        events += 1; // ActivityTaskCancelRequested
      } else if (random() < failRate) {
        sweep.recordFailed(key, failureOf(random, sweep.running.get(key)!.index));
        events += perFailure;
      } else
        sweep.recordOutcome(
          trial,
          { status: 'finished', final: { epoch: epochs }, resumedFromEpoch: 0 },
          false,
        );
      sweep.release(key);
      events += perTrial;
      settledTotal += 1;
      if (
        options.cancelAt !== undefined &&
        !sweep.cancelRequested &&
        settledTotal >= options.cancelAt * options.trials
      )
        sweep.requestCancel();
    };
    // The sliding window, as runSlidingWindow: start while there is room, else wait for a settlement.
    while (!sweep.cancelRequested && !continueDue()) {
      if (sweep.canStartTrial(concurrency)) {
        const trial = sweep.startNext(scope);
        running.push(trial.trialKey);
        const trainInput = trainTrialInput({ ...input, trial, workflowId: input.sweepId });
        result.maxTrainInputBytes = Math.max(result.maxTrainInputBytes, bytes(trainInput));
        payloadBytes += bytes(trainInput);
        continue;
      }
      if (running.length === 0) break; // idle
      settle(Math.floor(random() * running.length));
    }
    while (running.length > 0) settle(Math.floor(random() * running.length)); // drain
    // The progress query at its largest here: summary + a page of 200 (every state, failed, settled since 0).
    for (const query of [
      { pageSize: 200 },
      { pageSize: 200, states: [TrialState.failed] },
      { pageSize: 200, settledSince: 0 },
    ])
      result.maxQueryBytes = Math.max(result.maxQueryBytes, bytes(sweep.progress(query)));
    if (!sweep.cancelRequested && sweep.queued > 0) {
      // Continue as new: the next run's input is the carried state, through JSON as Temporal sends it.
      const next = { ...input, state: sweep.carryOver() };
      const nextBytes = bytes(next);
      result.maxCarriedBytes = Math.max(result.maxCarriedBytes, nextBytes);
      events += task + 1;
      payloadBytes += nextBytes;
      result.maxEventsPerRun = Math.max(result.maxEventsPerRun, events);
      result.maxHistoryBytesPerRun = Math.max(result.maxHistoryBytesPerRun, historyBytes());
      state = (JSON.parse(JSON.stringify(next)) as SweepWorkflowInput).state;
      continue;
    }
    // The end: what aggregate() in sweep.ts builds.
    sweep.cancelQueued();
    const status = finalStatus(sweep.cancelRequested, sweep.hasFailures);
    const aggregation = aggregateInput({ input, sweep, status });
    result.aggregationInputBytes = bytes(aggregation);
    const summary = sweepSummary({
      input,
      sweep,
      status,
      report: { records: sweep.counts().finished, reportDir: '', files: [], table: '' },
    });
    result.summaryBytes = bytes(summary);
    events += model.perActivity + task + 1;
    payloadBytes += result.aggregationInputBytes + result.summaryBytes;
    result.maxEventsPerRun = Math.max(result.maxEventsPerRun, events);
    result.maxHistoryBytesPerRun = Math.max(result.maxHistoryBytesPerRun, historyBytes());
    result.counts = sweep.counts();
    result.seconds = (performance.now() - started) / 1000;
    return result;
  }
}

/** Which bounds a result breaks (empty: none). */
export function brokenBounds(r: SimulationResult): string[] {
  const broken: string[] = [];
  if (r.maxEventsPerRun >= LIMITS.historyEvents) broken.push(`${r.maxEventsPerRun} events in a run`);
  if (r.maxHistoryBytesPerRun >= LIMITS.historyBytes) broken.push(`${r.maxHistoryBytesPerRun} history bytes`);
  for (const [name, value] of [
    ['carried state', r.maxCarriedBytes],
    ['progress answer', r.maxQueryBytes],
    ['aggregation input', r.aggregationInputBytes],
    ['trainTrial input', r.maxTrainInputBytes],
    ['summary', r.summaryBytes],
  ] as const)
    if (value >= LIMITS.payloadBytes) broken.push(`${name} ${value} B`);
  return broken;
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '10000,100000,1000000' },
      concurrency: { type: 'string', default: '64' },
      epochs: { type: 'string', default: '1' },
      seed: { type: 'string', default: '1' },
    },
  });
  const model = eventModel();
  const concurrency = Number(values.concurrency);
  const epochs = Number(values.epochs);
  process.stdout.write(
    `event model (from ${path.relative(process.cwd(), HISTORIES)}):\n${model.source}\n` +
      `=> ${model.perActivity} events per activity, ${model.perUpdate} per update, ${model.perWorkflowTask} per workflow task, ` +
      `${model.bytesPerEvent} B per event; concurrency ${concurrency}, epochs ${epochs}, 1 % failing\n\n`,
  );
  const header =
    '| trials | case | runs | max events/run | max history/run | max carried state | max query answer | aggregation input | workflow result | trainTrial input | bounds | time |';
  process.stdout.write(`${header}\n|${'---|'.repeat(12)}\n`);
  let broken = 0;
  for (const trials of values.sizes.split(',').map(Number)) {
    for (const cancelAt of [undefined, 0.5]) {
      const r = simulateSweep({
        trials,
        concurrency,
        epochs,
        seed: Number(values.seed),
        model,
        ...(cancelAt ? { cancelAt } : {}),
      });
      const bad = brokenBounds(r);
      broken += bad.length;
      process.stdout.write(
        `| ${trials.toLocaleString('en')} | ${cancelAt ? 'cancel at 50 %' : 'complete'} | ${r.runs} | ${r.maxEventsPerRun} | ` +
          `${kb(r.maxHistoryBytesPerRun)} | ${kb(r.maxCarriedBytes)} | ${kb(r.maxQueryBytes)} | ${kb(r.aggregationInputBytes)} | ` +
          `${kb(r.summaryBytes)} | ${kb(r.maxTrainInputBytes)} | ${bad.length === 0 ? 'within' : bad.join('; ')} | ${r.seconds.toFixed(1)} s |\n`,
      );
    }
  }
  process.stdout.write(
    `\nlimits: ${LIMITS.historyEvents} events and ${LIMITS.historyBytes / 1024 / 1024} MiB per run, ${LIMITS.payloadBytes / 1024} KiB per payload\n`,
  );
  if (broken > 0) process.exitCode = 1;
}

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) await main();
