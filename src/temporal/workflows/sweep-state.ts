/**
 * The sweep workflow's bookkeeping, as a plain class: where every trial stands, the queue of trials
 * still to start, the `progress` query's answer, the summary counts and the state carried into the
 * next run on continue-as-new. Pure and deterministic (no Temporal calls, no clocks, no I/O), so it is
 * unit-tested without a server; the workflow (sweep.ts) owns every await and every Temporal command.
 */
import type { PlannedTrial } from '../../sweep-spec/types.js';
import type { EpochMetrics } from '../../training/runner/types.js';
import {
  StopReason,
  SweepPhase,
  TrialState,
  type CarriedState,
  type SweepCounts,
  type SweepProgress,
  type SweepSummary,
  type TrainTrialOutput,
  type MissingTrial,
  type TrialProgress,
} from '../shared/shared.js';

/** Anything that can be cancelled: a workflow `CancellationScope` (a stub in tests). */
export interface Cancellable {
  cancel(): void;
}

/** A trial this run has started and not yet settled. */
export interface RunningTrial {
  trial: PlannedTrial;
  /** The scope its training activity runs in; cancelled by the `cancel` signal. */
  scope: Cancellable;
  /** Attempt of the training activity that reported last (1 = first). */
  attempt: number;
  /** Last reported (1-based) epoch; 0 before the first report. */
  epoch: number;
  /** Last reported metrics. */
  metrics?: EpochMetrics;
  /** The early-stopping metric per epoch, across attempts. */
  series: number[];
}

/** The state of a sweep's first run: nothing settled, not paused, not cancelled. */
export function initialCarriedState(): CarriedState {
  return {
    alreadyFinished: [],
    finished: [],
    failed: {},
    earlyStopped: {},
    metricHistory: {},
    cursor: 0,
    paused: false,
    cancelRequested: false,
    continuedRuns: 0,
  };
}

/** The overall status of a sweep that ran to its end: tracker run status and summary status. */
export interface FinalStatus {
  /** Status of the sweep's parent run in the tracker. */
  run: 'FINISHED' | 'FAILED' | 'KILLED';
  summary: SweepSummary['status'];
}

/** Cancelled wins over failures; failures (trials that exhausted their retries) win over success. */
export function finalStatus(cancelRequested: boolean, hasFailures: boolean): FinalStatus {
  if (cancelRequested) return { run: 'KILLED', summary: 'cancelled' };
  return hasFailures
    ? { run: 'FAILED', summary: 'completed-with-failures' }
    : { run: 'FINISHED', summary: 'completed' };
}

export interface SweepStateOptions {
  sweepId: string;
  sweepName: string;
  /** The expanded plan, in run order. */
  trials: PlannedTrial[];
  /**
   * State carried from the previous run (continue-as-new); a fresh state when omitted. The object is
   * kept and updated in place, and is what {@link SweepState.carryOver} hands to the next run.
   */
  carried?: CarriedState;
}

/**
 * Where each trial of one workflow run stands. A trial is exactly one of: running, finished (by this
 * sweep), skipped (finished before it), failed, early-stopped, cancelled, or pending; the first five
 * outcomes are "settled" and never started again.
 */
export class SweepState {
  readonly sweepId: string;
  readonly sweepName: string;
  readonly trials: PlannedTrial[];
  /** Adaptive sweeps: the latest planning note, for the progress query. */
  planNote: (() => string | undefined) | undefined;
  /** Carried across continue-as-new: failures, early stops, metric history, pause/cancel flags. */
  readonly carried: CarriedState;
  /** Started and not yet settled, by trial key. */
  readonly running = new Map<string, RunningTrial>();
  /** Unsettled trials not running, in plan order; paused trials go back to the front. */
  readonly queue: PlannedTrial[] = [];
  phase: SweepPhase = SweepPhase.starting;
  /** Trials settled by this run (continue-as-new waits for at least one). */
  settledThisRun = 0;

  private readonly alreadyFinished: Set<string>;
  private readonly finished: Set<string>;
  /** Trial key → why it was cancelled (not carried: a cancelled sweep does not continue). */
  private readonly cancelled = new Map<string, string>();
  private readonly planIndex: Map<string, number>;
  private readonly starts = new Map<string, number>();

  constructor(options: SweepStateOptions) {
    this.sweepId = options.sweepId;
    this.sweepName = options.sweepName;
    this.trials = [...options.trials];
    this.planNote = undefined;
    this.carried = options.carried ?? initialCarriedState();
    this.alreadyFinished = new Set(this.carried.alreadyFinished);
    this.finished = new Set(this.carried.finished);
    this.planIndex = new Map(this.trials.map((t, i) => [t.trialKey, i]));
  }

  get cancelRequested(): boolean {
    return this.carried.cancelRequested;
  }

  get paused(): boolean {
    return this.carried.paused;
  }

  // ---- start of the sweep ----

  /** Marks the planned trials among `keys` (finished by earlier sweeps) as skipped. First run only. */
  skipAlreadyFinished(keys: Iterable<string>): void {
    const done = new Set(keys);
    for (const t of this.trials) if (done.has(t.trialKey)) this.alreadyFinished.add(t.trialKey);
    this.carried.alreadyFinished = [...this.alreadyFinished];
  }

  /** Counts a start of trial `key` in this run (1 = first; a paused trial starts again). */
  countStart(key: string): number {
    const n = (this.starts.get(key) ?? 0) + 1;
    this.starts.set(key, n);
    return n;
  }

  /** Adds trials an adaptive plan proposed: planned and queued (those already settled are not queued). */
  addTrials(trials: readonly PlannedTrial[]): void {
    for (const t of trials) {
      if (this.planIndex.has(t.trialKey)) continue;
      this.planIndex.set(t.trialKey, this.trials.length);
      this.trials.push(t);
      if (!this.isSettled(t.trialKey)) this.queue.push(t);
    }
  }

  /** Enters the running phase with every unsettled trial queued in plan order. */
  startRunning(): void {
    this.phase = SweepPhase.running;
    this.queue.push(...this.trials.filter((t) => !this.isSettled(t.trialKey)));
  }

  // ---- signals ----

  /** `cancel`: no new trials; running trials' scopes are cancelled. */
  requestCancel(): void {
    this.carried.cancelRequested = true;
    for (const r of this.running.values()) r.scope.cancel();
  }

  /** `pause` (true) and `resume` (false). */
  setPaused(paused: boolean): void {
    this.carried.paused = paused;
  }

  // ---- the sliding window ----

  /** Nothing queued and nothing running: the sweep has nothing left to do in this run. */
  get idle(): boolean {
    return this.queue.length === 0 && this.running.size === 0;
  }

  /** Another trial may start: not paused, one is queued, and fewer than `concurrency` run. */
  canStartTrial(concurrency: number): boolean {
    return !this.paused && this.queue.length > 0 && this.running.size < concurrency;
  }

  /** Takes the next queued trial and records it as running in `scope` (call only when one is queued). */
  startNext(scope: Cancellable): PlannedTrial {
    const trial = this.queue.shift() as PlannedTrial;
    this.running.set(trial.trialKey, { trial, scope, attempt: 1, epoch: 0, series: [] });
    this.carried.cursor = Math.max(this.carried.cursor, (this.planIndex.get(trial.trialKey) ?? 0) + 1);
    return trial;
  }

  // ---- trial outcomes ----

  /**
   * Records what the training activity returned. Finished trials keep their metric series for the
   * early-stopping rule (when `keepSeries`); paused trials go back to the front of the queue.
   */
  recordOutcome(trial: PlannedTrial, out: TrainTrialOutput, keepSeries: boolean): void {
    const key = trial.trialKey;
    // The pruner's decision is the outcome, at the epoch it was made: the trainer does not wait for the
    // answer, so it may stop an epoch later, or (retried after a lost worker) not at all. Recording
    // the decision keeps a sweep's results and later decisions the same however the attempts ran.
    const stopAt = this.carried.stopEpochs?.[key];
    if (stopAt !== undefined && !(out.status === 'stopped' && out.reason === StopReason.cancelled)) {
      this.carried.earlyStopped[key] = stopAt;
      const series =
        out.status === 'finished'
          ? (out.series ?? this.running.get(key)?.series)
          : this.running.get(key)?.series;
      if (keepSeries && series && series.length > 0)
        this.carried.metricHistory[key] = series.slice(0, stopAt);
      return;
    }
    if (out.status === 'finished') {
      this.finished.add(key);
      if (keepSeries) this.carried.metricHistory[key] = out.series ?? this.running.get(key)?.series ?? [];
    } else if (out.reason === StopReason.paused) {
      this.queue.unshift(trial);
    } else if (out.reason === StopReason.earlyStopped) {
      this.carried.earlyStopped[key] = out.epoch;
      // Stopped trials stay in the pruner's history: ASHA counts them at the rungs they reached.
      const series = this.running.get(key)?.series;
      if (keepSeries && series && series.length > 0)
        this.carried.metricHistory[key] = series.slice(0, out.epoch);
    } else {
      this.cancelled.set(key, `cancelled after epoch ${out.epoch}`);
    }
  }

  /** The trial's activity was cancelled (or failed while the sweep was being cancelled). */
  recordCancelled(key: string, reason = 'cancelled'): void {
    this.cancelled.set(key, reason);
  }

  /** The trial exhausted its retries. */
  recordFailed(key: string, reason: string): void {
    this.carried.failed[key] = reason;
  }

  /** The trial's runner is done with it: no longer running, and one more trial settled this run. */
  release(key: string): void {
    this.running.delete(key);
    this.settledThisRun++;
  }

  /** Queued trials that will not start because the sweep was cancelled. */
  cancelQueued(): void {
    for (const t of this.queue) this.cancelled.set(t.trialKey, 'not started: sweep cancelled');
  }

  get hasFailures(): boolean {
    return Object.keys(this.carried.failed).length > 0;
  }

  // ---- continue-as-new ----

  /** The state for the next run (updated in place): finished keys written back, one more continued run. */
  carryOver(): CarriedState {
    this.carried.finished = [...this.finished];
    this.carried.continuedRuns += 1;
    return this.carried;
  }

  // ---- the progress query ----

  /** The planned trial of `key`, if this sweep planned it. */
  plannedTrial(key: string): PlannedTrial | undefined {
    const index = this.planIndex.get(key);
    return index === undefined ? undefined : this.trials[index];
  }

  isSettled(key: string): boolean {
    return (
      this.alreadyFinished.has(key) ||
      this.finished.has(key) ||
      key in this.carried.failed ||
      key in this.carried.earlyStopped ||
      this.cancelled.has(key)
    );
  }

  /** One trial's line of the `progress` answer. */
  trialProgress(trial: PlannedTrial): TrialProgress {
    const key = trial.trialKey;
    const base = {
      trialKey: key,
      groupLabel: trial.groupLabel,
      seed: trial.seed,
      epochs: trial.config.train.epochs,
      ...(trial.reason !== undefined ? { chosenBy: trial.reason } : {}),
    };
    const r = this.running.get(key);
    if (r)
      return {
        ...base,
        state: TrialState.running,
        epoch: r.epoch,
        attempt: r.attempt,
        ...(r.metrics ? { metrics: r.metrics } : {}),
      };
    if (this.finished.has(key)) return { ...base, state: TrialState.finished };
    if (this.alreadyFinished.has(key)) return { ...base, state: TrialState.skipped };
    const failure = this.carried.failed[key];
    if (failure !== undefined) return { ...base, state: TrialState.failed, reason: failure };
    const stoppedAt = this.carried.earlyStopped[key];
    if (stoppedAt !== undefined)
      return {
        ...base,
        state: TrialState.earlyStopped,
        epoch: stoppedAt,
        reason: this.carried.stopReasons?.[key] ?? `early-stopped at epoch ${stoppedAt}`,
      };
    const why = this.cancelled.get(key);
    if (why !== undefined) return { ...base, state: TrialState.cancelled, reason: why };
    return { ...base, state: TrialState.pending };
  }

  /** How many trials are in each state. */
  counts(): SweepCounts {
    const c: SweepCounts = {
      total: this.trials.length,
      pending: 0,
      running: 0,
      finished: 0,
      failed: 0,
      earlyStopped: 0,
      cancelled: 0,
      skipped: 0,
    };
    for (const t of this.trials) {
      const s = this.trialProgress(t).state;
      if (s === TrialState.earlyStopped) c.earlyStopped++;
      else c[s]++;
    }
    return c;
  }

  /** The phase the query reports: while running, a pending cancel or a pause shows instead. */
  currentPhase(): SweepPhase {
    if (this.phase !== SweepPhase.running) return this.phase;
    if (this.cancelRequested) return SweepPhase.cancelling;
    return this.paused ? SweepPhase.paused : SweepPhase.running;
  }

  /** The `progress` query's answer; without pending (and skipped) trials unless `includePending`. */
  progress(includePending: boolean): SweepProgress {
    const list = this.trials.map((t) => this.trialProgress(t));
    return {
      sweepId: this.sweepId,
      sweepName: this.sweepName,
      phase: this.currentPhase(),
      counts: this.counts(),
      trials: includePending
        ? list
        : list.filter((t) => t.state !== TrialState.pending && t.state !== TrialState.skipped),
      continuedRuns: this.carried.continuedRuns,
      ...(this.planNote?.() !== undefined ? { plan: this.planNote()! } : {}),
    };
  }

  /** Keys of trials the pruner stopped (their tracker runs, if finished anyway, are not results). */
  stoppedKeys(): string[] {
    return Object.keys(this.carried.earlyStopped);
  }

  /** Planned trials that did not finish, and why (for the report). */
  missingTrials(): MissingTrial[] {
    return this.trials.flatMap((t) => {
      const p = this.trialProgress(t);
      if (p.state === TrialState.finished || p.state === TrialState.skipped) return [];
      const reason =
        p.state === TrialState.earlyStopped
          ? `stopped: ${p.reason}`
          : p.state === TrialState.failed
            ? `failed: ${p.reason}`
            : p.state === TrialState.cancelled
              ? (p.reason ?? 'cancelled')
              : 'not run';
      return [{ trialKey: t.trialKey, groupKey: t.groupKey, groupLabel: t.groupLabel, seed: t.seed, reason }];
    });
  }
}
