/**
 * Named fault points for chaos tests: `faultPoint('checkpoint-rename')` SIGKILLs the whole process when
 * `SEEDSWEEP_FAULT` asks for that point at that hit, and does nothing otherwise.
 *
 * `SEEDSWEEP_FAULT` is a comma-separated list of `<point>[@<n>]`: `checkpoint-rename@2` kills on the 2nd
 * time this process reaches `checkpoint-rename` (`@1` when omitted); `a@2,a@5,b` kills at whichever comes
 * first. It is read once, when this module loads; an unknown point or a bad hit number is a
 * {@link UserError} right then, naming the valid points. Unset or empty: every point is one boolean check.
 *
 * Hits are counted PER PROCESS, across threads: the first thread that loads this module (with the
 * variable set) shares its counters with every thread it spawns afterwards (through
 * `worker_threads.setEnvironmentData`, a SharedArrayBuffer), so piscina's training threads and the
 * worker's main thread count together. A thread started before this module was loaded in its parent
 * counts on its own (in the worker process this cannot happen: the module is in the static import
 * graph, so it loads before the pool starts). Every process counts from zero (GPU child workers too).
 *
 * The kill is `process.kill(process.pid, 'SIGKILL')`, from any thread; the calling thread then blocks
 * until the signal lands, so no code after the point runs.
 */
import { writeSync } from 'node:fs';
import { getEnvironmentData, setEnvironmentData } from 'node:worker_threads';
import { UserError } from './errors.js';

/** Environment variable naming the points that kill. */
export const FAULT_ENV = 'SEEDSWEEP_FAULT';

/** Every fault point and where it sits. The order indexes the shared counters: append only. */
export const FAULT_POINTS = {
  /**
   * A trial checkpoint is written to its temporary place, not yet renamed into place: src/training/runner/checkpoint.ts
   * (the `.tmp-…` folder, both files synced) and src/temporal/activities/noop-trainer.ts (`noop-checkpoint.json.tmp`).
   */
  'checkpoint-rename': 'a checkpoint written to its temporary place, before the rename',
  /**
   * src/tracking/mlflow-delivery.ts: a group of journaled epochs was logged to MLflow (the log-batch
   * request(s) accepted; none when the server had every point already), and the outbox still holds
   * the entries as pending: the sender marks them delivered right after.
   */
  'log-batch': 'epoch metrics accepted by MLflow, before the outbox marks them delivered',
  /** src/tracking/mlflow-client.ts: one chunk of a split `runs/log-batch` was accepted, the next not yet sent. */
  'log-batch-between-chunks': 'between two chunks of one MLflow log-batch',
  /**
   * src/temporal/workflows/sweep.ts through the {@link FaultPointSinks} sink (run by src/temporal/workers/sweep-worker.ts): the
   * sweep decided to continue as new; the worker has not sent the command to Temporal yet.
   */
  'continue-as-new': 'the sweep workflow continuing as new, before the command reaches Temporal',
} as const;

export type FaultPointName = keyof typeof FAULT_POINTS;

const POINT_NAMES = Object.keys(FAULT_POINTS) as FaultPointName[];

/** One `<point>@<n>` of the variable: kill on the `hit`-th time the process reaches `point`. */
export interface FaultTrigger {
  point: FaultPointName;
  /** 1-based. */
  hit: number;
}

function isFaultPointName(name: string): name is FaultPointName {
  return Object.hasOwn(FAULT_POINTS, name);
}

/** Parses a `SEEDSWEEP_FAULT` value; throws a {@link UserError} naming the valid points on anything unknown. */
export function parseFaultSpec(raw: string): FaultTrigger[] {
  const triggers: FaultTrigger[] = [];
  for (const item of raw.split(',')) {
    const text = item.trim();
    if (text === '') continue;
    const match = /^([^@\s]+)(?:@(\d+))?$/.exec(text);
    const name = match?.[1];
    if (match === null || name === undefined)
      throw new UserError(
        'E_FAULT_POINT',
        `${FAULT_ENV}: "${text}" is not <point>[@<n>] (n ≥ 1); valid points: ${POINT_NAMES.join(', ')}.`,
      );
    if (!isFaultPointName(name))
      throw new UserError(
        'E_FAULT_POINT',
        `${FAULT_ENV}: unknown fault point "${name}"; valid points: ${POINT_NAMES.join(', ')}.`,
      );
    const hit = match[2] === undefined ? 1 : Number(match[2]);
    if (!Number.isSafeInteger(hit) || hit < 1)
      throw new UserError('E_FAULT_POINT', `${FAULT_ENV}: "${text}": the hit number must be an integer ≥ 1.`);
    triggers.push({ point: name, hit });
  }
  return triggers;
}

/** Options of {@link createFaultPoints}. */
export interface FaultPointsOptions {
  /** One counter per entry of {@link FAULT_POINTS}, in its order (shared memory to count across threads). */
  counters?: Int32Array;
  /** Called when a trigger matches. @default {@link killProcess} */
  onTrigger?: (point: FaultPointName, hit: number) => void;
}

/** A `faultPoint` function for these triggers, with its own counters unless given some. */
export function createFaultPoints(
  triggers: readonly FaultTrigger[],
  options: FaultPointsOptions = {},
): (point: FaultPointName) => void {
  const counters = options.counters ?? new Int32Array(POINT_NAMES.length);
  const onTrigger = options.onTrigger ?? killProcess;
  const hitsOf = new Map<FaultPointName, Set<number>>();
  for (const { point, hit } of triggers) hitsOf.set(point, (hitsOf.get(point) ?? new Set()).add(hit));
  return (point) => {
    const hits = hitsOf.get(point);
    if (!hits) return;
    const hit = Atomics.add(counters, POINT_NAMES.indexOf(point), 1) + 1;
    if (hits.has(hit)) onTrigger(point, hit);
  };
}

/** Writes one line to stderr (synchronously, from any thread) and SIGKILLs this process. Never returns. */
export function killProcess(point: FaultPointName, hit: number): never {
  writeSync(2, `fault point ${point} reached (hit ${hit}): SIGKILL\n`);
  process.kill(process.pid, 'SIGKILL');
  // From a worker thread the signal may land a moment later: hold this thread until it does.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10_000);
  throw new Error(`fault point ${point}: SIGKILL did not end the process`);
}

/** Key of the shared counters in `worker_threads` environment data (versioned with the point list). */
const COUNTERS_KEY = `seedsweep:fault-point-hits:${POINT_NAMES.join(',')}`;

/** This process's counters: inherited from the spawning thread, or made here and handed to later threads. */
function processCounters(): Int32Array {
  const inherited = getEnvironmentData(COUNTERS_KEY);
  if (inherited instanceof SharedArrayBuffer) return new Int32Array(inherited);
  const counters = new Int32Array(new SharedArrayBuffer(POINT_NAMES.length * Int32Array.BYTES_PER_ELEMENT));
  setEnvironmentData(COUNTERS_KEY, counters.buffer);
  return counters;
}

const RAW = process.env[FAULT_ENV];
/** Undefined (the common case) unless the variable names points. */
const reach: ((point: FaultPointName) => void) | undefined =
  RAW !== undefined && RAW.trim() !== ''
    ? createFaultPoints(parseFaultSpec(RAW), { counters: processCounters() })
    : undefined;

/**
 * A named instant a chaos test may SIGKILL this process at (see {@link FAULT_POINTS} and the module
 * comment). Without `SEEDSWEEP_FAULT` it does nothing.
 */
export function faultPoint(point: FaultPointName): void {
  if (reach !== undefined) reach(point);
}

/**
 * The workflow sink a sweep workflow calls right before it continues as new (a workflow cannot kill its
 * process; the worker runs {@link faultPoint} for it). Sink calls add no command to the history.
 */
export type FaultPointSinks = {
  faultPoints: {
    reach(point: FaultPointName): void;
  };
};
