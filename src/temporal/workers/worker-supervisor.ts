/**
 * Keeps a process's Temporal Workers polling across server outages. The SDK's pollers retry a lost
 * server by themselves, but a Worker that fails (its `run()` rejects) or leaves its running state
 * without being asked (it drains on an internal error) polls no more while the process lives on. The
 * supervisor then starts a new generation of Workers (the caller may give it a fresh connection) once
 * the server answers, with a bounded backoff. It gives up with the connection monitor's
 * `E_TEMPORAL_UNREACHABLE` error when the server stays unreachable beyond the reconnect window, and with
 * the Workers' own error when they keep failing while the server answers.
 */
import type { ConnectionMonitor } from './connection-monitor.js';
import { describeConnectionError, isConnectionError } from './connection-monitor.js';
import { formatDuration } from './reconnect-window.js';
import type { SweepWorkers } from './sweep-worker.js';

/** The Workers of one generation, and what to free once they have stopped. */
export interface WorkerGeneration {
  workers: SweepWorkers;
  /** Frees what only this generation uses (e.g. its own connection), after its Workers stopped. */
  release?: () => Promise<void>;
}

export interface WorkerSupervisorOptions {
  /**
   * Creates generation `n`'s Workers (0 first). An error creating generation 0 is thrown as is, unless
   * it is a connection error (the server went away meanwhile): that is retried like a lost server.
   */
  start: (generation: number) => Promise<WorkerGeneration>;
  /** Called after each generation's Workers were created, before they run. */
  onStarted?: (generation: number) => void;
  /** Says whether the server answers; its give-up ends the supervisor. The caller stops it. */
  monitor: ConnectionMonitor;
  log: (line: string) => void;
  /** Start of the lines. @default 'worker' */
  who?: string;
  /** Delay before a new generation, doubled after each failure up to `max`. @default 1 s … 30 s */
  restartDelayMs?: { initial: number; max: number };
  /** How long failed Workers may take to stop before the next generation starts anyway. @default 90 s */
  drainTimeoutMs?: number;
  /** How long Workers may take to stop when the supervisor gives up (the server is gone). @default 5 s */
  giveUpDrainTimeoutMs?: number;
  /** Milliseconds between checks that every Worker is still running. @default 2000 */
  healthIntervalMs?: number;
  /**
   * Generations that fail in a row within `stableMs` of their start while the server answers, before
   * the supervisor gives up with the last one's error (a bug, not an outage). @default 5
   */
  maxQuickFailures?: number;
  /** @default 60 s */
  stableMs?: number;
}

export interface SupervisedWorkers {
  /**
   * Runs generations until `shutdown` (or until the SDK stops the Workers on a signal). Rejects with
   * the give-up error of the monitor, or with the Workers' error when they keep failing.
   */
  run(): Promise<void>;
  /** Stops the current Workers (running trials stop at their next epoch boundary) and starts no more. */
  shutdown(): void;
}

type Outcome =
  | { kind: 'stopped' }
  | { kind: 'failed'; error: unknown }
  | { kind: 'unhealthy'; problem: string }
  | { kind: 'gave-up'; error: unknown };

/** Resolves true when `promise` settles within `ms`, false otherwise. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Creates the supervisor; nothing starts before `run`. */
export function superviseWorkers(options: WorkerSupervisorOptions): SupervisedWorkers {
  const who = options.who ?? 'worker';
  const log = options.log;
  const monitor = options.monitor;
  const { initial, max } = options.restartDelayMs ?? { initial: 1000, max: 30_000 };
  const drainTimeoutMs = options.drainTimeoutMs ?? 90_000;
  const giveUpDrainTimeoutMs = options.giveUpDrainTimeoutMs ?? 5000;
  const healthIntervalMs = options.healthIntervalMs ?? 2000;
  const maxQuickFailures = options.maxQuickFailures ?? 5;
  const stableMs = options.stableMs ?? 60_000;
  let stopping = false;
  let current: SweepWorkers | undefined;
  let requestStop: () => void = () => undefined;
  const stopRequested = new Promise<void>((resolve) => (requestStop = resolve));

  const pause = async (ms: number) => {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([stopRequested, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
  };

  /** Frees a stopped generation (in the background when it has not stopped yet). */
  const release = (generation: WorkerGeneration, stopped: boolean) => {
    if (!generation.release) return;
    const free = () => generation.release?.().catch(() => undefined);
    if (stopped) return free();
    void generation.workers.settled().then(free, free);
    return undefined;
  };

  /** Waits up to `ms` (less if the monitor gives up) for the Workers to stop; true when they did. */
  const drain = async (workers: SweepWorkers, ms: number): Promise<boolean> => {
    let drained = false;
    const settled = workers.settled().then(() => {
      drained = true;
    });
    await settlesWithin(Promise.race([settled, monitor.gaveUp]), ms);
    return drained;
  };

  /** Runs one generation until it stops, fails, turns unhealthy or the monitor gives up. */
  const watch = async (workers: SweepWorkers): Promise<Outcome> => {
    const running = workers.run().then(
      (): Outcome => ({ kind: 'stopped' }),
      (error: unknown): Outcome => ({ kind: 'failed', error }),
    );
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const unhealthy = new Promise<Outcome>((resolve) => {
      // A Worker out of its running state twice in a row, when nobody asked it to stop.
      let suspect: string | undefined;
      const check = () => {
        if (settled) return;
        const problem = stopping ? undefined : workers.problem();
        if (problem !== undefined && problem === suspect) return resolve({ kind: 'unhealthy', problem });
        suspect = problem;
        timer = setTimeout(check, healthIntervalMs);
      };
      timer = setTimeout(check, healthIntervalMs);
    });
    const gaveUp = monitor.gaveUp.catch((error: unknown): Outcome => ({ kind: 'gave-up', error }));
    try {
      return await Promise.race([running, unhealthy, gaveUp]);
    } finally {
      settled = true;
      clearTimeout(timer);
    }
  };

  return {
    shutdown() {
      stopping = true;
      requestStop();
      current?.shutdown();
    },

    async run() {
      let delay = initial;
      let quickFailures = 0;
      for (let generation = 0; !stopping; generation += 1) {
        let started: WorkerGeneration;
        try {
          started = await options.start(generation);
        } catch (error) {
          if (generation === 0 && !isConnectionError(error)) throw error;
          if (stopping) return;
          const reason = describeConnectionError(error);
          if (isConnectionError(error)) monitor.reportFailure(reason);
          log(
            `${who}: could not start new Temporal Workers: ${reason}; trying again in ${formatDuration(delay)}`,
          );
          await Promise.race([monitor.whenUp(), stopRequested]);
          await pause(delay);
          delay = Math.min(delay * 2, max);
          continue;
        }
        const { workers } = started;
        if (stopping) {
          // Asked to stop while they were being created: they never ran.
          await release(started, true);
          return;
        }
        current = workers;
        const startedAt = Date.now();
        options.onStarted?.(generation);
        if (generation > 0) log(`${who}: new Temporal Workers started; polling again`);
        const outcome = await watch(workers);

        if (outcome.kind === 'stopped') {
          await release(started, true);
          return;
        }
        if (outcome.kind === 'gave-up') {
          workers.shutdown();
          // A short grace so that running trials can stop at an epoch boundary.
          const stopped = await settlesWithin(workers.settled(), giveUpDrainTimeoutMs);
          await release(started, stopped);
          throw outcome.error;
        }
        // The Workers failed, or one left its running state unasked: replace them.
        workers.shutdown();
        if (stopping) {
          await release(started, await drain(workers, drainTimeoutMs));
          return;
        }
        const error = outcome.kind === 'failed' ? outcome.error : undefined;
        const reason = outcome.kind === 'failed' ? describeConnectionError(outcome.error) : outcome.problem;
        const lost = (error !== undefined && isConnectionError(error)) || monitor.down;
        if (error !== undefined && isConnectionError(error)) monitor.reportFailure(reason);
        log(`${who}: Temporal Workers stopped polling (${reason}); starting new ones`);
        const stopped = await drain(workers, drainTimeoutMs);
        if (!stopped && !monitor.down)
          log(
            `${who}: the old Workers did not stop within ${formatDuration(drainTimeoutMs)}; starting new ones anyway`,
          );
        await release(started, stopped);

        const ranFor = Date.now() - startedAt;
        if (ranFor >= stableMs) {
          quickFailures = 0;
          delay = initial;
        } else if (!lost) {
          quickFailures += 1;
          if (quickFailures >= maxQuickFailures) throw error ?? new Error(`Temporal Workers: ${reason}`);
        }
        await Promise.race([monitor.whenUp(), stopRequested]);
        await pause(delay);
        delay = Math.min(delay * 2, max);
      }
    },
  };
}
