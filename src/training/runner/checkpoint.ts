/**
 * Per-epoch trial checkpoints: the trainable's staged state and the metrics so far. Each one is a
 * folder `epoch-NNNN/` holding `state.bin` (the state, serialised with v8's structured-clone format:
 * typed arrays round-trip bit-exact) and `checkpoint.json` (epoch, metrics, identity, integrity),
 * written into a temporary folder and renamed into place, so a crash leaves either the previous
 * checkpoint or the new one, never half of one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import v8 from 'node:v8';
import { UserError } from '../../core/common/errors.js';
import { faultPoint } from '../../core/common/fault-points.js';
import type { EpochMetrics } from './types.js';

/** Format tag of `checkpoint.json`; bumped when its meaning changes (2: generic trainable state). */
export const CHECKPOINT_FORMAT = 'seedsweep-checkpoint/2';

/** One named array, e.g. a model weight or an optimiser variable (the image classifier's state is made of them). */
export interface CheckpointArray {
  name: string;
  shape: number[];
  data: Float32Array | Int32Array;
}

/** Everything needed to continue a trial exactly where it stopped. */
export interface CheckpointState {
  /** What the checkpoint belongs to (trial identity, seed, dataset fingerprint); resuming anything else is refused. */
  identity: string;
  /** Last finished epoch, 1-based. */
  epoch: number;
  /** Metrics of epochs 1..epoch. */
  epochs: EpochMetrics[];
  /** The trainable's staged state (any structured-cloneable value). */
  state: unknown;
}

interface CheckpointJson {
  format: typeof CHECKPOINT_FORMAT;
  identity: string;
  epoch: number;
  epochs: EpochMetrics[];
  /** Integrity of `state.bin`. */
  state: { bytes: number; sha256: string };
}

const STATE_FILE = 'state.bin';
const JSON_FILE = 'checkpoint.json';
const EPOCH_DIR = /^epoch-(\d{4,})$/;
const TMP_PREFIX = '.tmp-';

function epochDirName(epoch: number): string {
  return `epoch-${String(epoch).padStart(4, '0')}`;
}

async function writeFileSynced(file: string, data: Uint8Array | string): Promise<void> {
  const handle = await open(file, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Options of {@link writeCheckpoint}. */
export interface WriteCheckpointOptions {
  /** The trial's checkpoint folder (created if missing). */
  dir: string;
  state: CheckpointState;
  /** Older checkpoints to keep besides the new one. @default 0 */
  keep?: number;
}

/** Writes the checkpoint of `state.epoch` atomically, then removes older ones beyond `keep`. */
export async function writeCheckpoint(options: WriteCheckpointOptions): Promise<void> {
  const { dir, state, keep = 0 } = options;
  await mkdir(dir, { recursive: true });
  const blob = v8.serialize(state.state);
  const json: CheckpointJson = {
    format: CHECKPOINT_FORMAT,
    identity: state.identity,
    epoch: state.epoch,
    epochs: state.epochs,
    state: { bytes: blob.byteLength, sha256: createHash('sha256').update(blob).digest('hex') },
  };
  const tmp = path.join(dir, `${TMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
  await mkdir(tmp);
  try {
    await writeFileSynced(path.join(tmp, STATE_FILE), blob);
    await writeFileSynced(path.join(tmp, JSON_FILE), `${JSON.stringify(json, null, 1)}\n`);
    faultPoint('checkpoint-rename');
    const target = path.join(dir, epochDirName(state.epoch));
    await rm(target, { recursive: true, force: true });
    await rename(tmp, target);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
  const older = (await listCheckpointEpochs(dir)).filter((e) => e < state.epoch);
  for (const old of older.slice(0, Math.max(0, older.length - keep))) {
    await rm(path.join(dir, epochDirName(old)), { recursive: true, force: true });
  }
}

/** Epochs that have a complete checkpoint in `dir`, ascending. */
export async function listCheckpointEpochs(dir: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names
    .map((n) => EPOCH_DIR.exec(n)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

/** Options of {@link readLatestCheckpoint}. */
export interface ReadCheckpointOptions {
  /** The trial's checkpoint folder. */
  dir: string;
}

/** The newest checkpoint in `dir`, or `undefined` when there is none. Corrupt files are a {@link UserError}. */
export async function readLatestCheckpoint(
  options: ReadCheckpointOptions,
): Promise<CheckpointState | undefined> {
  const epochs = await listCheckpointEpochs(options.dir);
  const latest = epochs.at(-1);
  if (latest === undefined) return undefined;
  const folder = path.join(options.dir, epochDirName(latest));
  const corrupt = (cause?: unknown) =>
    new UserError(
      'E_CHECKPOINT_CORRUPT',
      `checkpoint ${folder} is corrupt or of an unknown format; delete the folder to start the trial afresh.`,
      { cause },
    );
  let json: CheckpointJson;
  let blob: Buffer;
  try {
    json = JSON.parse(await readFile(path.join(folder, JSON_FILE), 'utf8')) as CheckpointJson;
    blob = await readFile(path.join(folder, STATE_FILE));
  } catch (error) {
    throw corrupt(error);
  }
  const sha256 = createHash('sha256').update(blob).digest('hex');
  if (
    json.format !== CHECKPOINT_FORMAT ||
    blob.byteLength !== json.state?.bytes ||
    sha256 !== json.state.sha256
  )
    throw corrupt();
  let state: unknown;
  try {
    state = v8.deserialize(blob);
  } catch (error) {
    throw corrupt(error);
  }
  return { identity: json.identity, epoch: json.epoch, epochs: json.epochs, state };
}

/**
 * Removes every checkpoint of a trial (and unfinished temporary ones) from `dir`. Only the folders
 * this module writes are touched: the folder itself and anything else in it stay.
 */
export async function removeCheckpoints(options: ReadCheckpointOptions): Promise<void> {
  let names: string[];
  try {
    names = await readdir(options.dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const name of names.filter((n) => EPOCH_DIR.test(n) || n.startsWith(TMP_PREFIX))) {
    await rm(path.join(options.dir, name), { recursive: true, force: true });
  }
}
