/**
 * The local journal of trial runs: which MLflow run a trial's start made or chose, written to disk
 * right after the run was created, so that sending the start again after a crash or a lost answer
 * finds that run here instead of creating another one or searching the server for it.
 *
 * One small JSON file per trial under `<outbox>/runs/`, replaced atomically (written to a temporary
 * file, fsync'd, renamed). The outbox's sync lock serialises the processes that share the folder, so
 * only one of them writes at a time.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import type { KeyValue } from './log-batch-chunks.js';

/** How the writes of a trial's start reach its run. */
export const RunMode = {
  /**
   * The run was made for this start, which alone writes to it: writes go out without reading the run
   * first (a resent write repeats the same points, which MLflow keeps once).
   */
  owned: 'owned',
  /**
   * The run was found on the server or may be written by another start too (a retry on another host, a
   * caller that gave no start hint): writes first read what the run holds and add only what is missing.
   */
  shared: 'shared',
} as const;
export type RunMode = (typeof RunMode)[keyof typeof RunMode];

export interface TrialRunState {
  sweepId: string;
  trialKey: string;
  /** Outbox id of the `startTrial` entry that made or chose the run. */
  startEntryId: string;
  runId: string;
  /** The run's artifact location, so that uploads need no look-up of it. */
  artifactUri?: string;
  mode: RunMode;
  /** The start's attempt (`seedsweep.attempt`), when it had one. */
  attempt?: number;
  /** Params not logged yet: an owned run gets them with its first log-batch. */
  paramsPending?: KeyValue[];
  /**
   * Set once a later attempt has taken the trial over (or its run was deleted): this start's remaining
   * writes are dropped without a request.
   */
  superseded?: boolean;
}

export class TrialRunJournal {
  readonly dir: string;

  constructor(options: { /** Folder of the journal; created if missing. */ dir: string }) {
    this.dir = options.dir;
    mkdirSync(this.dir, { recursive: true });
  }

  /** What this host knows of the trial's run; undefined when nothing (or another host) started it. */
  get(sweepId: string, trialKey: string): TrialRunState | undefined {
    // Read each time, not cached: another process sharing the folder may have changed it.
    try {
      return JSON.parse(readFileSync(this.fileOf(sweepId, trialKey), 'utf8')) as TrialRunState;
    } catch {
      return undefined;
    }
  }

  /** Records the trial's run durably before returning. */
  set(state: TrialRunState): void {
    const file = this.fileOf(state.sweepId, state.trialKey);
    const tmp = `${file}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify(state));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  }

  /** Forgets a trial whose run is finished: a later write of it looks the run up on the server. */
  delete(sweepId: string, trialKey: string): void {
    rmSync(this.fileOf(sweepId, trialKey), { force: true });
  }

  private fileOf(sweepId: string, trialKey: string): string {
    const name = createHash('sha256').update(`${sweepId}\u0000${trialKey}`).digest('hex').slice(0, 32);
    return path.join(this.dir, `${name}.json`);
  }
}
