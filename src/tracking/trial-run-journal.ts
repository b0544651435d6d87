/**
 * The local journal of trial runs: which MLflow run a trial's start made or chose, written to disk
 * right after the run was created, so that sending the start again after a crash or a lost answer
 * finds that run here instead of creating another one or searching the server for it.
 *
 * One small JSON file per trial under `<outbox>/runs/`, replaced atomically (written to a temporary
 * file, fsync'd, renamed). The outbox's sync lock serialises the processes that share the folder, so
 * only one of them writes at a time. Files are sealed with a format and a SHA-256 (sealed-json.ts), so
 * that a damaged one is not taken for a run id: it is moved to `runs/quarantine/` with the reason and
 * the trial counts as unknown here ({@link TrialRunJournal.damaged} says it was once known). Files of
 * the previous release (plain JSON) are still read.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import type { KeyValue } from './log-batch-chunks.js';
import { openSealed, seal } from './sealed-json.js';

/** The format this release writes; the previous release's files (no checksum) count as format 1. */
const FORMAT = 2;
const SEAL_KIND = 'seedsweep-trial-run';
/** A run note is a few hundred bytes (its pending params a few kilobytes): larger files are not read. */
const MAX_BYTES = 4 * 1024 * 1024;

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
  private readonly quarantineDir: string;
  private readonly warn: (message: string) => void;

  constructor(options: {
    /** Folder of the journal; created if missing. */
    dir: string;
    /** Told when a damaged file is set aside. @default nothing */
    warn?: (message: string) => void;
  }) {
    this.dir = options.dir;
    this.quarantineDir = path.join(this.dir, 'quarantine');
    this.warn = options.warn ?? (() => undefined);
    mkdirSync(this.dir, { recursive: true });
  }

  /**
   * What this host knows of the trial's run; undefined when nothing (or another host) started it, or
   * when its file was damaged (then moved to `quarantine/`, see {@link damaged}).
   */
  get(sweepId: string, trialKey: string): TrialRunState | undefined {
    // Read each time, not cached: another process sharing the folder may have changed it.
    const file = this.fileOf(sweepId, trialKey);
    let bytes: Buffer;
    try {
      if (statSync(file).size > MAX_BYTES) return this.setAside(file, 'it is larger than a run note can be');
      bytes = readFileSync(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      return this.setAside(file, `it cannot be read (${code ?? 'unknown'})`);
    }
    const opened = openSealed(bytes, SEAL_KIND, [FORMAT]);
    if (opened.state === 'damaged') return this.setAside(file, opened.reason);
    let state: unknown;
    try {
      state = JSON.parse(opened.state === 'sealed' ? opened.text : bytes.toString('utf8'));
    } catch {
      return this.setAside(file, 'it is not JSON (and has no checksum header)');
    }
    if (!isRunState(state) || state.sweepId !== sweepId || state.trialKey !== trialKey)
      return this.setAside(file, `it is not this trial's run note`);
    return state;
  }

  /** Records the trial's run durably before returning. */
  set(state: TrialRunState): void {
    const file = this.fileOf(state.sweepId, state.trialKey);
    const tmp = `${file}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, seal(SEAL_KIND, FORMAT, JSON.stringify(state)));
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

  /**
   * True when this trial's note was found damaged and set aside: its start may have made a run that is
   * not known here, so a start sent again should look on the server rather than make another.
   */
  damaged(sweepId: string, trialKey: string): boolean {
    return existsSync(path.join(this.quarantineDir, path.basename(this.fileOf(sweepId, trialKey))));
  }

  /** Moves a damaged note aside (never deletes it) with `<name>.reason`, and says so. */
  private setAside(file: string, reason: string): undefined {
    let name = path.basename(file);
    try {
      mkdirSync(this.quarantineDir, { recursive: true });
      // A name not taken: an earlier damaged note of the same trial stays too.
      for (let n = 2; existsSync(path.join(this.quarantineDir, name)); n += 1)
        name = `${path.basename(file, '.json')}~${n}.json`;
      const reasonFile = path.join(this.quarantineDir, `${name}.reason`);
      writeFileSync(
        reasonFile,
        `${JSON.stringify({ reason, quarantinedAt: new Date().toISOString() }, null, 2)}\n`,
      );
      try {
        renameSync(file, path.join(this.quarantineDir, name));
      } catch (error) {
        rmSync(reasonFile, { force: true });
        throw error;
      }
    } catch {
      // Gone meanwhile, or the folder is not writable: the trial is unknown here either way.
      return undefined;
    }
    this.warn(`a damaged trial run note was moved to ${this.quarantineDir}: ${name}: ${reason}`);
    return undefined;
  }

  private fileOf(sweepId: string, trialKey: string): string {
    const name = createHash('sha256').update(`${sweepId}\u0000${trialKey}`).digest('hex').slice(0, 32);
    return path.join(this.dir, `${name}.json`);
  }
}

/** The fields a note may have: an unsealed one with others (a sealed one whose header changed) is none. */
const FIELDS = new Set([
  'sweepId',
  'trialKey',
  'startEntryId',
  'runId',
  'artifactUri',
  'mode',
  'attempt',
  'paramsPending',
  'superseded',
] satisfies (keyof TrialRunState)[]);

function isRunState(value: unknown): value is TrialRunState {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return (
    Object.keys(v).every((key) => FIELDS.has(key as keyof TrialRunState)) &&
    typeof v['sweepId'] === 'string' &&
    typeof v['trialKey'] === 'string' &&
    typeof v['startEntryId'] === 'string' &&
    typeof v['runId'] === 'string' &&
    (v['mode'] === RunMode.owned || v['mode'] === RunMode.shared)
  );
}
