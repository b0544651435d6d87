/**
 * The sweep workflow's bookkeeping, as a plain class: where every trial stands, the queue of trials
 * still to start, the `progress` query's answer, the summary counts and the state carried into the
 * next run on continue-as-new. Pure and deterministic (no Temporal calls, no clocks, no I/O), so it is
 * unit-tested without a server; the workflow (sweep.ts) owns every await and every Temporal command.
 *
 * Sized for 100,000-trial plans: trials are plan indices (the plan computes trial i when asked), their
 * states one byte each, the counts kept as they change, and the query answers one page.
 */
import type { PlannedTrial } from '../../sweep-spec/types.js';
import type { StoppedTrial } from '../../reporting/analysis/sweep-trials.js';
import type { EpochMetrics } from '../../training/runner/types.js';
import {
  MAX_FAILURE_REASONS_KEPT,
  MAX_FAILURES_LISTED,
  PROGRESS_PAGE_SIZE,
  StopReason,
  SweepPhase,
  TrialState,
  type CarriedState,
  type ProgressQueryOptions,
  type SweepCounts,
  type SweepProgress,
  type SweepSummary,
  type TrainTrialOutput,
  type MissingTrial,
  type TrialProgress,
} from '../shared/shared.js';
import { initialCarriedState } from './carried-state.js';
import { decodeIndexSet, encodeIndexSet } from './index-set.js';
import { TrialPlan } from './trial-plan.js';

export { initialCarriedState } from './carried-state.js';

/** Anything that can be cancelled: a workflow `CancellationScope` (a stub in tests). */
export interface Cancellable {
  cancel(): void;
}

/** A trial this run has started and not yet settled. */
export interface RunningTrial {
  /** Its plan index. */
  index: number;
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

/** A trial's recorded state, one byte per plan index (running trials are looked up in `running`). */
const Code = { pending: 0, finished: 1, skipped: 2, failed: 3, earlyStopped: 4, cancelled: 5 } as const;
type Code = (typeof Code)[keyof typeof Code];
const STATE_OF: readonly TrialState[] = [
  TrialState.pending,
  TrialState.finished,
  TrialState.skipped,
  TrialState.failed,
  TrialState.earlyStopped,
  TrialState.cancelled,
];
const COUNT_OF: Record<TrialState, Exclude<keyof SweepCounts, 'total'>> = {
  pending: 'pending',
  running: 'running',
  finished: 'finished',
  failed: 'failed',
  'early-stopped': 'earlyStopped',
  cancelled: 'cancelled',
  skipped: 'skipped',
};

/** The states `{ pending: false }` asked for before pages existed: every one but pending and skipped. */
const STARTED_STATES: readonly TrialState[] = Object.values(TrialState).filter(
  (s) => s !== TrialState.pending && s !== TrialState.skipped,
);

/** A page size the query serves: an integer in 1..max (the workflow never throws on a query's options). */
export function servedPageSize(requested: number | undefined): number {
  const size = Math.floor(requested ?? PROGRESS_PAGE_SIZE.default);
  return Number.isFinite(size)
    ? Math.min(PROGRESS_PAGE_SIZE.max, Math.max(1, size))
    : PROGRESS_PAGE_SIZE.default;
}

export interface SweepStateOptions {
  sweepId: string;
  sweepName: string;
  /** The plan, in run order (adaptive plans grow it through {@link SweepState.addTrials}). */
  plan: TrialPlan;
  /**
   * State carried from the previous run (continue-as-new, read by `readCarriedState`); a fresh state
   * when omitted. The object is kept and updated in place, and {@link SweepState.carryOver} hands it on.
   */
  carried?: CarriedState;
}

/**
 * Where each trial of one workflow run stands. A trial is exactly one of: running, finished (by this
 * sweep), skipped (finished before it), failed, early-stopped, cancelled, or pending; the outcomes but
 * pending are "settled" and never started again.
 */
export class SweepState {
  readonly sweepId: string;
  readonly sweepName: string;
  readonly plan: TrialPlan;
  /** Adaptive sweeps: the latest planning note, for the progress query. */
  planNote: (() => string | undefined) | undefined;
  /** Carried across continue-as-new: failures, pruner decisions, pause/cancel flags, the cursor. */
  readonly carried: CarriedState;
  /** The early-stopping metric per epoch of settled trials, by plan index, in the order they settled. */
  readonly metricHistory: Map<number, number[]>;
  /** Started and not yet settled, by trial key. */
  readonly running = new Map<string, RunningTrial>();
  phase: SweepPhase = SweepPhase.starting;
  /** Trials settled by this run (continue-as-new waits for at least one). */
  settledThisRun = 0;

  private codes: Uint8Array;
  /** Trials per code. */
  private readonly tally = [0, 0, 0, 0, 0, 0];
  private readonly runningAt = new Map<number, RunningTrial>();
  /** Paused trials, started again first (the last paused first). */
  private readonly requeued: number[] = [];
  /** Pending trials from here on are queued in plan order. */
  private scan = 0;
  private queuedCount = 0;
  private started = false;
  /** Plan index → why it was cancelled (not carried: a cancelled sweep does not continue). */
  private readonly cancelled = new Map<number, string>();
  /** Plan indices in the order this run settled them (the query's `settledSince`). */
  private readonly settleLog: number[] = [];
  private readonly starts = new Map<string, number>();
  /** Trial key → plan index, built only when asked by key (adaptive plans). */
  private keys: Map<string, number> | undefined;
  /** Plan index → failure reason (carried grouped by reason: see {@link carryOver}). */
  private readonly failedAt = new Map<number, string>();

  constructor(options: SweepStateOptions) {
    this.sweepId = options.sweepId;
    this.sweepName = options.sweepName;
    this.plan = options.plan;
    this.planNote = undefined;
    this.carried = options.carried ?? initialCarriedState();
    this.metricHistory = new Map(this.carried.metricHistory);
    this.codes = new Uint8Array(this.plan.size);
    this.tally[Code.pending] = this.plan.size;
    // Lowest precedence first, as the older key sets were read: finished > skipped > failed > stopped.
    for (const i of Object.keys(this.carried.earlyStopped)) this.setCode(Number(i), Code.earlyStopped);
    for (const [i, reason] of Object.entries(this.carried.failed)) this.failedAt.set(Number(i), reason);
    for (const [reason, set] of Object.entries(this.carried.failedSets ?? {}))
      for (const i of decodeIndexSet(set)) this.failedAt.set(i, reason);
    for (const i of this.failedAt.keys()) this.setCode(i, Code.failed);
    for (const i of decodeIndexSet(this.carried.skipped)) this.setCode(i, Code.skipped);
    for (const i of decodeIndexSet(this.carried.finished)) this.setCode(i, Code.finished);
  }

  private setCode(index: number, code: Code): void {
    if (index < 0 || index >= this.codes.length) return; // not in this plan: ignored, as keys were
    this.tally[this.codes[index]!]! -= 1;
    this.codes[index] = code;
    this.tally[code]! += 1;
  }

  get cancelRequested(): boolean {
    return this.carried.cancelRequested;
  }

  get paused(): boolean {
    return this.carried.paused;
  }

  /** The plan index of trial `key`; builds the key map on first use (adaptive plans ask, fixed ones do not). */
  indexOf(key: string): number | undefined {
    this.keys ??= this.plan.keyIndex();
    return this.keys.get(key);
  }

  // ---- start of the sweep ----

  /** Marks the planned trials among `keys` (finished by earlier sweeps) as skipped. First run only. */
  skipAlreadyFinished(keys: Iterable<string>): void {
    const done = new Set(keys);
    if (done.size === 0) return;
    // One pass over the plan's keys, not kept (unless adaptive lookups already built the map).
    const indexOf = this.keys ?? this.plan.keyIndex();
    for (const key of done) {
      const i = indexOf.get(key);
      if (i !== undefined && this.codes[i] === Code.pending) this.setCode(i, Code.skipped);
    }
    this.carried.skipped = encodeIndexSet(this.indicesWith(Code.skipped));
  }

  /** Keys of the trials finished before this sweep (skipped). */
  skippedKeys(): string[] {
    return this.indicesWith(Code.skipped).map((i) => this.plan.trial(i).trialKey);
  }

  /** Counts a start of trial `key` in this run (1 = first; a paused trial starts again). */
  countStart(key: string): number {
    const n = (this.starts.get(key) ?? 0) + 1;
    this.starts.set(key, n);
    return n;
  }

  /** Adds trials an adaptive plan proposed: planned and queued (those already planned are not added). */
  addTrials(trials: readonly PlannedTrial[]): void {
    const fresh: PlannedTrial[] = [];
    for (const t of trials) {
      if (this.indexOf(t.trialKey) !== undefined) continue;
      this.keys!.set(t.trialKey, this.plan.size + fresh.length);
      fresh.push(t);
    }
    if (fresh.length === 0) return;
    this.plan.addTrials(fresh);
    const codes = new Uint8Array(this.plan.size);
    codes.set(this.codes);
    this.codes = codes;
    this.tally[Code.pending]! += fresh.length;
    if (this.started) this.queuedCount += fresh.length;
  }

  /** Enters the running phase with every unsettled trial queued in plan order. */
  startRunning(): void {
    this.phase = SweepPhase.running;
    this.started = true;
    this.scan = 0;
    this.queuedCount = this.tally[Code.pending]!;
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

  /** Trials waiting to start (paused ones included). */
  get queued(): number {
    return this.queuedCount;
  }

  /** Nothing queued and nothing running: the sweep has nothing left to do in this run. */
  get idle(): boolean {
    return this.queuedCount === 0 && this.running.size === 0;
  }

  /** Another trial may start: not paused, one is queued, and fewer than `concurrency` run. */
  canStartTrial(concurrency: number): boolean {
    return !this.paused && this.queuedCount > 0 && this.running.size < concurrency;
  }

  /** Takes the next queued trial and records it as running in `scope` (call only when one is queued). */
  startNext(scope: Cancellable): PlannedTrial {
    let index = this.requeued.shift();
    if (index === undefined) {
      while (this.codes[this.scan] !== Code.pending || this.runningAt.has(this.scan)) this.scan++;
      index = this.scan++;
    }
    this.queuedCount -= 1;
    const trial = this.plan.trial(index);
    const running: RunningTrial = { index, trial, scope, attempt: 1, epoch: 0, series: [] };
    this.running.set(trial.trialKey, running);
    this.runningAt.set(index, running);
    this.carried.cursor = Math.max(this.carried.cursor, index + 1);
    return trial;
  }

  // ---- trial outcomes ----

  /** The plan index of a trial this run is running (or has just run). */
  private indexOfRunning(key: string): number {
    const r = this.running.get(key);
    if (r) return r.index;
    const i = this.indexOf(key);
    if (i === undefined) throw new Error(`trial ${key} is not in this sweep's plan`);
    return i;
  }

  /**
   * Records what the training activity returned. Finished trials keep their metric series for the
   * early-stopping rule (when `keepSeries`); paused trials go back to the front of the queue.
   */
  recordOutcome(trial: PlannedTrial, out: TrainTrialOutput, keepSeries: boolean): void {
    const index = this.indexOfRunning(trial.trialKey);
    const series = this.running.get(trial.trialKey)?.series;
    // The pruner's decision is the outcome, at the epoch it was made: the trainer does not wait for the
    // answer, so it may stop an epoch later, or (retried after a lost worker) not at all. Recording
    // the decision keeps a sweep's results and later decisions the same however the attempts ran.
    const stopAt = this.stopEpochOf(index);
    if (stopAt !== undefined && !(out.status === 'stopped' && out.reason === StopReason.cancelled)) {
      this.markEarlyStopped(index, stopAt);
      const kept = out.status === 'finished' ? (out.series ?? series) : series;
      if (keepSeries && kept && kept.length > 0) this.metricHistory.set(index, kept.slice(0, stopAt));
      return;
    }
    if (out.status === 'finished') {
      this.setCode(index, Code.finished);
      if (keepSeries) this.metricHistory.set(index, out.series ?? series ?? []);
    } else if (out.reason === StopReason.paused) {
      this.requeued.unshift(index);
      this.queuedCount += 1;
    } else if (out.reason === StopReason.earlyStopped) {
      this.markEarlyStopped(index, out.epoch);
      // Stopped trials stay in the pruner's history: ASHA counts them at the rungs they reached.
      if (keepSeries && series && series.length > 0)
        this.metricHistory.set(index, series.slice(0, out.epoch));
    } else {
      this.markCancelled(index, `cancelled after epoch ${out.epoch}`);
    }
  }

  private markEarlyStopped(index: number, epoch: number): void {
    this.carried.earlyStopped[index] = epoch;
    this.setCode(index, Code.earlyStopped);
  }

  private markCancelled(index: number, reason: string): void {
    this.cancelled.set(index, reason);
    this.setCode(index, Code.cancelled);
  }

  /** The trial's activity was cancelled (or failed while the sweep was being cancelled). */
  recordCancelled(key: string, reason = 'cancelled'): void {
    this.markCancelled(this.indexOfRunning(key), reason);
  }

  /** The trial exhausted its retries. */
  recordFailed(key: string, reason: string): void {
    const index = this.indexOfRunning(key);
    this.failedAt.set(index, reason);
    this.setCode(index, Code.failed);
  }

  /** The trial's runner is done with it: no longer running, and one more trial settled this run. */
  release(key: string): void {
    const r = this.running.get(key);
    this.running.delete(key);
    if (r) {
      this.runningAt.delete(r.index);
      if (this.codes[r.index] !== Code.pending) this.settleLog.push(r.index);
    }
    this.settledThisRun++;
  }

  /** Queued trials that will not start because the sweep was cancelled. */
  cancelQueued(): void {
    if (!this.started) return;
    for (let i = 0; i < this.codes.length; i++)
      if (this.codes[i] === Code.pending && !this.runningAt.has(i))
        this.markCancelled(i, 'not started: sweep cancelled');
    this.requeued.length = 0;
    this.queuedCount = 0;
  }

  get hasFailures(): boolean {
    return this.tally[Code.failed]! > 0;
  }

  /**
   * Trial key → failure reason for the summary: the first {@link MAX_FAILURES_LISTED} failed trials in
   * plan order (10,000 failures of a 1,000,000-trial sweep would make the result ~1.5 MB), and how
   * many are not listed.
   */
  failures(): { failures: Record<string, string>; notListed: number } {
    const indices = [...this.failedAt.keys()].sort((a, b) => a - b);
    const listed = indices.slice(0, MAX_FAILURES_LISTED);
    return {
      failures: Object.fromEntries(listed.map((i) => [this.plan.trial(i).trialKey, this.failedAt.get(i)!])),
      notListed: indices.length - listed.length,
    };
  }

  // ---- pruner decisions ----

  /** The epoch at which the pruning rule decided to stop trial `index`, if it did. */
  stopEpochOf(index: number): number | undefined {
    return this.carried.stopEpochs[index];
  }

  /** Records the pruning rule's decision to stop trial `index` after `epoch`, and why. */
  recordStopDecision(index: number, epoch: number, reason: string): void {
    this.carried.stopReasons[index] = reason;
    this.carried.stopEpochs[index] = epoch;
  }

  /** Whether the pruner stopped trial `index`. */
  isEarlyStopped(index: number): boolean {
    return this.codes[index] === Code.earlyStopped;
  }

  // ---- continue-as-new ----

  /**
   * The state for the next run (updated in place): settled sets written back, failures grouped by
   * reason (at most {@link MAX_FAILURE_REASONS_KEPT} reasons kept), one more continued run.
   */
  carryOver(): CarriedState {
    this.carried.finished = encodeIndexSet(this.indicesWith(Code.finished));
    this.carried.skipped = encodeIndexSet(this.indicesWith(Code.skipped));
    this.carried.failed = {};
    this.carried.failedSets = groupedIndexSets(
      this.failedAt,
      MAX_FAILURE_REASONS_KEPT,
      () => FAILURE_NOT_KEPT,
    );
    this.carried.metricHistory = [...this.metricHistory];
    this.carried.continuedRuns += 1;
    return this.carried;
  }

  private indicesWith(code: Code): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.codes.length; i++) if (this.codes[i] === code) out.push(i);
    return out;
  }

  // ---- the progress query ----

  /** The planned trial of `key`, if this sweep planned it. */
  plannedTrial(key: string): PlannedTrial | undefined {
    const index = this.running.get(key)?.index ?? this.indexOf(key);
    return index === undefined ? undefined : this.plan.trial(index);
  }

  isSettled(key: string): boolean {
    const index = this.running.get(key)?.index ?? this.indexOf(key);
    return index !== undefined && this.codes[index] !== Code.pending;
  }

  /** Where trial `index` stands: running wins over the outcome recorded before its runner let go. */
  stateAt(index: number): TrialState {
    return this.runningAt.has(index) ? TrialState.running : STATE_OF[this.codes[index]!]!;
  }

  /** One trial's line of the `progress` answer. */
  trialProgress(trial: PlannedTrial): TrialProgress {
    const index = this.running.get(trial.trialKey)?.index ?? this.indexOf(trial.trialKey);
    if (index === undefined) throw new Error(`trial ${trial.trialKey} is not in this sweep's plan`);
    return this.trialProgressAt(index, trial);
  }

  /** The line of trial `index` (its key hashed unless `trial` is given). */
  trialProgressAt(
    index: number,
    trial: PlannedTrial = this.runningAt.get(index)?.trial ?? this.plan.trial(index),
  ): TrialProgress {
    const base = {
      trialKey: trial.trialKey,
      groupLabel: trial.groupLabel,
      seed: trial.seed,
      epochs: trial.config.train.epochs,
      ...(trial.reason !== undefined ? { chosenBy: trial.reason } : {}),
    };
    const r = this.runningAt.get(index);
    if (r)
      return {
        ...base,
        state: TrialState.running,
        epoch: r.epoch,
        attempt: r.attempt,
        ...(r.metrics ? { metrics: r.metrics } : {}),
      };
    const state = STATE_OF[this.codes[index]!]!;
    if (state === TrialState.failed) return { ...base, state, reason: this.failedAt.get(index) ?? '' };
    if (state === TrialState.earlyStopped) {
      const stoppedAt = this.carried.earlyStopped[index]!;
      return {
        ...base,
        state,
        epoch: stoppedAt,
        reason: this.carried.stopReasons[index] ?? `early-stopped at epoch ${stoppedAt}`,
      };
    }
    if (state === TrialState.cancelled)
      return { ...base, state, reason: this.cancelled.get(index) ?? 'cancelled' };
    return { ...base, state };
  }

  /** How many trials are in each state. */
  counts(): SweepCounts {
    const c: SweepCounts = {
      total: this.plan.size,
      pending: this.tally[Code.pending]!,
      running: 0,
      finished: this.tally[Code.finished]!,
      failed: this.tally[Code.failed]!,
      earlyStopped: this.tally[Code.earlyStopped]!,
      cancelled: this.tally[Code.cancelled]!,
      skipped: this.tally[Code.skipped]!,
    };
    for (const r of this.runningAt.values()) {
      c[COUNT_OF[STATE_OF[this.codes[r.index]!]!]] -= 1;
      c.running += 1;
    }
    return c;
  }

  /** The phase the query reports: while running, a pending cancel or a pause shows instead. */
  currentPhase(): SweepPhase {
    if (this.phase !== SweepPhase.running) return this.phase;
    if (this.cancelRequested) return SweepPhase.cancelling;
    return this.paused ? SweepPhase.paused : SweepPhase.running;
  }

  /**
   * The `progress` query's answer: the summary and one page of the trials in the selected states, in
   * plan order (one byte read per planned trial; keys hashed only for the page).
   */
  progress(options: ProgressQueryOptions = {}): SweepProgress {
    const size = servedPageSize(options.pageSize);
    const page = Math.max(1, Math.floor(Number.isFinite(options.page) ? options.page! : 1));
    const states = options.states ?? (options.pending === false ? STARTED_STATES : undefined);
    const wanted = states ? new Set<TrialState>(states) : undefined;
    const from = (page - 1) * size;
    const trials: TrialProgress[] = [];
    let matching = 0;
    for (let i = 0; i < this.codes.length; i++) {
      if (wanted && !wanted.has(this.stateAt(i))) continue;
      if (matching >= from && matching < from + size) trials.push(this.trialProgressAt(i));
      matching++;
    }
    const since = options.settledSince;
    return {
      sweepId: this.sweepId,
      sweepName: this.sweepName,
      phase: this.currentPhase(),
      counts: this.counts(),
      trials,
      page: {
        number: page,
        size,
        pages: Math.max(1, Math.ceil(matching / size)),
        matching,
        ...(states ? { states: [...states] } : {}),
      },
      continuedRuns: this.carried.continuedRuns,
      ...(this.planNote?.() !== undefined ? { plan: this.planNote()! } : {}),
      ...(since !== undefined ? { settled: this.settledSince(since, size) } : {}),
    };
  }

  /** Trials this run settled from position `since` of its settle log, at most `size` of them. */
  private settledSince(since: number, size: number): NonNullable<SweepProgress['settled']> {
    const from = Math.min(this.settleLog.length, Math.max(0, Math.floor(Number.isFinite(since) ? since : 0)));
    const slice = this.settleLog.slice(from, from + size);
    return { next: from + slice.length, trials: slice.map((i) => this.trialProgressAt(i)) };
  }

  /**
   * Trials the pruner stopped with their objective series (kept for the pruner when the sweep has an
   * early-stopping rule), in plan order; `max` of them, evenly spaced, when there are more.
   */
  stoppedCurves(max: number): StoppedTrial[] {
    const indices = Object.keys(this.carried.earlyStopped)
      .map(Number)
      .filter((i) => (this.metricHistory.get(i)?.length ?? 0) > 0)
      .sort((a, b) => a - b);
    const step = Math.max(1, indices.length / max);
    const chosen = Array.from(
      { length: Math.min(max, indices.length) },
      (_, k) => indices[Math.floor(k * step)]!,
    );
    return chosen.map((i) => {
      const trial = this.plan.trial(i);
      return {
        trialKey: trial.trialKey,
        groupLabel: trial.groupLabel,
        factors: trial.factors,
        seed: trial.seed,
        curve: this.metricHistory.get(i)!,
      };
    });
  }

  /** Keys of trials the pruner stopped (their tracker runs, if finished anyway, are not results). */
  stoppedKeys(): string[] {
    return Object.keys(this.carried.earlyStopped).map((i) => this.plan.trial(Number(i)).trialKey);
  }

  /** How many planned trials have no result (neither finished nor skipped). */
  missingCount(): number {
    let n = 0;
    for (let i = 0; i < this.codes.length; i++) if (this.isMissing(i)) n++;
    return n;
  }

  private isMissing(index: number): boolean {
    const state = this.stateAt(index);
    return state !== TrialState.finished && state !== TrialState.skipped;
  }

  /** Why trial `index` (without a result) has none, as the report states it, and its state. */
  private missingReasonAt(index: number): { reason: string; state: TrialState } {
    const state = this.stateAt(index);
    if (state === TrialState.earlyStopped) {
      const stoppedAt = this.carried.earlyStopped[index]!;
      return {
        state,
        reason: `stopped: ${this.carried.stopReasons[index] ?? `early-stopped at epoch ${stoppedAt}`}`,
      };
    }
    if (state === TrialState.failed) return { state, reason: `failed: ${this.failedAt.get(index) ?? ''}` };
    if (state === TrialState.cancelled) return { state, reason: this.cancelled.get(index) ?? 'cancelled' };
    return { state, reason: 'not run' };
  }

  /**
   * The trials without a result compactly: reason → their plan indices (an IndexSet), at most
   * {@link MAX_FAILURE_REASONS_KEPT} reasons; beyond them a trial is listed under its state's reason
   * (`failed`, `stopped by the pruner`, `cancelled`, `not run`). No trial key is hashed.
   */
  missingSets(): Record<string, string> {
    const reasons = new Map<number, string>();
    const generic = new Map<number, string>();
    for (let i = 0; i < this.codes.length; i++) {
      if (!this.isMissing(i)) continue;
      const { reason, state } = this.missingReasonAt(i);
      reasons.set(i, reason);
      generic.set(
        i,
        state === TrialState.earlyStopped
          ? 'stopped by the pruner'
          : state === TrialState.pending
            ? 'not run'
            : state,
      );
    }
    return groupedIndexSets(reasons, MAX_FAILURE_REASONS_KEPT, (i) => generic.get(i)!);
  }

  /** Planned trials that did not finish, and why (for the report): one object per trial. */
  missingTrials(): MissingTrial[] {
    const missing: MissingTrial[] = [];
    for (let i = 0; i < this.codes.length; i++) {
      if (!this.isMissing(i)) continue;
      const t = this.plan.trial(i);
      const { reason } = this.missingReasonAt(i);
      missing.push({
        trialKey: t.trialKey,
        groupKey: t.groupKey,
        groupLabel: t.groupLabel,
        seed: t.seed,
        reason,
      });
    }
    return missing;
  }
}

/** The reason a carried failure is kept under once {@link MAX_FAILURE_REASONS_KEPT} reasons are. */
export const FAILURE_NOT_KEPT = `failed (reason not kept: more than ${MAX_FAILURE_REASONS_KEPT} distinct reasons; the tracker has it)`;

/**
 * Index → reason as reason → IndexSet, reasons in order of first appearance by ascending index; once
 * `maxReasons` reasons are taken, an index with another reason goes under `overflow(index)`.
 */
function groupedIndexSets(
  reasons: ReadonlyMap<number, string>,
  maxReasons: number,
  overflow: (index: number) => string,
): Record<string, string> {
  const groups = new Map<string, number[]>();
  for (const index of [...reasons.keys()].sort((a, b) => a - b)) {
    let reason = reasons.get(index)!;
    if (!groups.has(reason) && groups.size >= maxReasons) reason = overflow(index);
    let group = groups.get(reason);
    if (!group) groups.set(reason, (group = []));
    group.push(index);
  }
  return Object.fromEntries([...groups].map(([reason, indices]) => [reason, encodeIndexSet(indices)]));
}
