/**
 * Per-epoch training checkpoints: model weights, optimiser state and the metrics so far. Each one is
 * a folder `epoch-NNNN/` holding `state.bin` (raw little-endian arrays) and `checkpoint.json` (what
 * the arrays are), written into a temporary folder and renamed into place, so a crash leaves either
 * the previous checkpoint or the new one, never half of one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../common/errors.js';
import type { EpochMetrics, Trial } from './types.js';

/** Format tag of `checkpoint.json`; bumped when its meaning changes. */
export const CHECKPOINT_FORMAT = 'seedsweep-checkpoint/1';

/** One named array: a model weight or an optimiser variable. */
export interface CheckpointArray {
  name: string;
  shape: number[];
  data: Float32Array | Int32Array;
}

/** Everything needed to continue a trial exactly where it stopped. */
export interface CheckpointState {
  /** The trial it belongs to; resuming a different trial from it is refused. */
  trial: Trial;
  /** Last finished epoch, 1-based. */
  epoch: number;
  /** Metrics of epochs 1..epoch. */
  epochs: EpochMetrics[];
  /** Model weights in `model.getWeights()` order. */
  modelWeights: CheckpointArray[];
  /** `optimizer.getWeights()` (iteration count first) followed by optimiser extras such as Adam's β powers. */
  optimizerWeights: CheckpointArray[];
  /** Optimiser class name, e.g. `Adam`. */
  optimizer: string;
  /** Fingerprint of the dataset split trained on; resuming on other data is refused. */
  datasetFingerprint: string;
}

interface ArrayEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  /** Byte offset into `state.bin`. */
  offset: number;
  /** Number of elements. */
  length: number;
}

interface CheckpointJson {
  format: typeof CHECKPOINT_FORMAT;
  trial: Trial;
  epoch: number;
  epochs: EpochMetrics[];
  optimizer: string;
  datasetFingerprint: string;
  modelWeights: ArrayEntry[];
  optimizerWeights: ArrayEntry[];
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

/** Stable JSON (sorted keys) so that equal trials compare equal whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
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
  const parts: Uint8Array[] = [];
  let offset = 0;
  const describe = (arrays: CheckpointArray[]): ArrayEntry[] =>
    arrays.map((a) => {
      const bytes = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
      parts.push(bytes);
      const entry: ArrayEntry = { name: a.name, shape: a.shape, dtype: a.data instanceof Int32Array ? 'int32' : 'float32', offset, length: a.data.length };
      offset += bytes.byteLength;
      return entry;
    });
  const modelWeights = describe(state.modelWeights);
  const optimizerWeights = describe(state.optimizerWeights);
  const blob = Buffer.concat(parts);
  const json: CheckpointJson = {
    format: CHECKPOINT_FORMAT,
    trial: state.trial,
    epoch: state.epoch,
    epochs: state.epochs,
    optimizer: state.optimizer,
    datasetFingerprint: state.datasetFingerprint,
    modelWeights,
    optimizerWeights,
    state: { bytes: blob.byteLength, sha256: createHash('sha256').update(blob).digest('hex') },
  };
  const tmp = path.join(dir, `${TMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
  await mkdir(tmp);
  try {
    await writeFileSynced(path.join(tmp, STATE_FILE), blob);
    await writeFileSynced(path.join(tmp, JSON_FILE), `${JSON.stringify(json, null, 1)}\n`);
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
export async function readLatestCheckpoint(options: ReadCheckpointOptions): Promise<CheckpointState | undefined> {
  const epochs = await listCheckpointEpochs(options.dir);
  const latest = epochs.at(-1);
  if (latest === undefined) return undefined;
  const folder = path.join(options.dir, epochDirName(latest));
  const corrupt = (cause?: unknown) =>
    new UserError('E_CHECKPOINT_CORRUPT', `checkpoint ${folder} is corrupt or of an unknown format; delete the folder to start the trial afresh.`, { cause });
  let json: CheckpointJson;
  let blob: Buffer;
  try {
    json = JSON.parse(await readFile(path.join(folder, JSON_FILE), 'utf8')) as CheckpointJson;
    blob = await readFile(path.join(folder, STATE_FILE));
  } catch (error) {
    throw corrupt(error);
  }
  const sha256 = createHash('sha256').update(blob).digest('hex');
  if (json.format !== CHECKPOINT_FORMAT || blob.byteLength !== json.state?.bytes || sha256 !== json.state.sha256) throw corrupt();
  // Copy into an aligned buffer: Buffer slices from readFile may not be 4-byte aligned.
  const aligned = new Uint8Array(blob.byteLength);
  aligned.set(blob);
  const arrays = (entries: ArrayEntry[]): CheckpointArray[] =>
    entries.map((e) => ({
      name: e.name,
      shape: e.shape,
      data: e.dtype === 'int32' ? new Int32Array(aligned.buffer, e.offset, e.length) : new Float32Array(aligned.buffer, e.offset, e.length),
    }));
  return {
    trial: json.trial,
    epoch: json.epoch,
    epochs: json.epochs,
    optimizer: json.optimizer,
    datasetFingerprint: json.datasetFingerprint,
    modelWeights: arrays(json.modelWeights),
    optimizerWeights: arrays(json.optimizerWeights),
  };
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
