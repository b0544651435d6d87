/**
 * Per-epoch trial checkpoints: the trainable's staged state and the metrics so far. Each one is a
 * folder `epoch-NNNN/` holding `state.bin` (the state, serialised with v8's structured-clone format:
 * typed arrays round-trip bit-exact) and `checkpoint.json` (epoch, metrics, identity, integrity),
 * written into a temporary folder and renamed into place, so a crash leaves either the previous
 * checkpoint or the new one, never half of one.
 *
 * Damage after the fact (a flipped bit, a truncated or missing file) is caught on reading: `state.bin`
 * must match the size and SHA-256 in `checkpoint.json`, and `checkpoint.json` must match its own
 * SHA-256 and read back exactly as it was written. The runner keeps the previous checkpoint too, so a
 * damaged latest one leaves an intact one to go back to ({@link readLatestGoodCheckpoint}).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import v8 from 'node:v8';
import { UserError } from '../../core/common/errors.js';
import { faultPoint } from '../../core/common/fault-points.js';
import type { CheckpointRecovery, EpochMetrics } from './types.js';

/**
 * Format tag of `checkpoint.json`; bumped when its meaning changes (2: generic trainable state;
 * 3: `checkpoint.json` carries the SHA-256 of its own fields).
 */
export const CHECKPOINT_FORMAT = 'seedsweep-checkpoint/3';
/** Written before checkpoints checked their metadata: still read (their state.bin is checked), never written. */
const LEGACY_FORMAT = 'seedsweep-checkpoint/2';

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
  /** A damaged checkpoint this trial passed over earlier: carried forward so that its record says so after a later resume. */
  recovery?: CheckpointRecovery;
}

/** The fields of `checkpoint.json` its own SHA-256 covers. */
interface CheckpointBody {
  format: string;
  identity: string;
  epoch: number;
  epochs: EpochMetrics[];
  /** Integrity of `state.bin`. */
  state: { bytes: number; sha256: string };
  recovery?: CheckpointRecovery;
}

const STATE_FILE = 'state.bin';
const JSON_FILE = 'checkpoint.json';
const EPOCH_DIR = /^epoch-(\d{4,})$/;
const TMP_PREFIX = '.tmp-';
const SHA256_HEX = /^[0-9a-f]{64}$/;
/** The fields of a legacy (`/2`) checkpoint.json, in their written order: a file with others is damaged. */
const LEGACY_KEYS = 'format,identity,epoch,epochs,state';

/** The folder name of the checkpoint of `epoch`, e.g. `epoch-0005`. */
export function epochDirName(epoch: number): string {
  return `epoch-${String(epoch).padStart(4, '0')}`;
}

const sha256Hex = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

/** The text of `checkpoint.json`: the body, then the SHA-256 of the body's compact JSON. */
function checkpointJsonText(body: CheckpointBody): string {
  return `${JSON.stringify({ ...body, sha256: sha256Hex(JSON.stringify(body)) }, null, 1)}\n`;
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
  /** Older checkpoints to keep besides the new one (the runner keeps 1: something to fall back to). @default 0 */
  keep?: number;
}

/**
 * Writes the checkpoint of `state.epoch` atomically, then removes older ones beyond `keep` and any of
 * a later epoch (the trial went back to this epoch, so those are the damaged ones it passed over).
 */
export async function writeCheckpoint(options: WriteCheckpointOptions): Promise<void> {
  const { dir, state, keep = 0 } = options;
  await mkdir(dir, { recursive: true });
  const blob = v8.serialize(state.state);
  const body: CheckpointBody = {
    format: CHECKPOINT_FORMAT,
    identity: state.identity,
    epoch: state.epoch,
    epochs: state.epochs,
    state: { bytes: blob.byteLength, sha256: sha256Hex(blob) },
    ...(state.recovery ? { recovery: state.recovery } : {}),
  };
  const tmp = path.join(dir, `${TMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
  await mkdir(tmp);
  try {
    await writeFileSynced(path.join(tmp, STATE_FILE), blob);
    await writeFileSynced(path.join(tmp, JSON_FILE), checkpointJsonText(body));
    faultPoint('checkpoint-rename');
    const target = path.join(dir, epochDirName(state.epoch));
    await rm(target, { recursive: true, force: true });
    await rename(tmp, target);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
  const epochs = await listCheckpointEpochs(dir);
  const older = epochs.filter((e) => e < state.epoch);
  const stale = [
    ...older.slice(0, Math.max(0, older.length - keep)),
    ...epochs.filter((e) => e > state.epoch),
  ];
  for (const old of stale) await rm(path.join(dir, epochDirName(old)), { recursive: true, force: true });
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

/** A checkpoint folder that failed a check on reading. */
export interface DamagedCheckpoint {
  /** Folder name, e.g. `epoch-0005`. */
  name: string;
  epoch: number;
  /** What failed, e.g. `state.bin fails its SHA-256`. */
  reason: string;
}

/** What {@link readLatestGoodCheckpoint} found. */
export interface LatestGoodCheckpoint {
  /** The newest intact checkpoint; `undefined` when there is none. */
  checkpoint?: CheckpointState;
  /** The damaged checkpoints newer than it, newest first (empty when the latest one is intact). */
  damaged: DamagedCheckpoint[];
}

/** Thrown inside {@link readCheckpointAt} with the reason a check failed. */
class Damage extends Error {}

const damage = (reason: string) => new Damage(reason);

const isPlainObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

const errnoOf = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code ?? 'error';

/** Reads `file` whole; a missing or unreadable file is damage. */
async function readPart(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = errnoOf(error);
    throw damage(`${path.basename(file)} ${code === 'ENOENT' ? 'is missing' : `cannot be read (${code})`}`);
  }
}

/** Checks the fields a checkpoint.json must have (after its checksum, which catches damage, not a bug). */
function checkBody(json: Record<string, unknown>, epoch: number): CheckpointBody {
  const { identity, epochs, state, recovery } = json;
  if (typeof identity !== 'string') throw damage('checkpoint.json has no identity');
  if (json['epoch'] !== epoch) throw damage(`checkpoint.json is for epoch ${String(json['epoch'])}`);
  if (!Array.isArray(epochs) || !epochs.every(isPlainObject))
    throw damage('checkpoint.json has no list of epoch metrics');
  if (
    !isPlainObject(state) ||
    !Number.isSafeInteger(state['bytes']) ||
    (state['bytes'] as number) < 0 ||
    typeof state['sha256'] !== 'string' ||
    !SHA256_HEX.test(state['sha256'])
  )
    throw damage('checkpoint.json has no valid state size and SHA-256');
  if (
    recovery !== undefined &&
    !(
      isPlainObject(recovery) &&
      Array.isArray(recovery['damaged']) &&
      recovery['damaged'].every((d) => typeof d === 'string') &&
      typeof recovery['reason'] === 'string' &&
      (recovery['resumedFrom'] === null || Number.isSafeInteger(recovery['resumedFrom']))
    )
  )
    throw damage('checkpoint.json has a malformed recovery note');
  return json as unknown as CheckpointBody;
}

/** Reads and checks `checkpoint.json` of the folder of `epoch`. */
async function readCheckpointJson(folder: string, epoch: number): Promise<CheckpointBody> {
  let text: string;
  try {
    // Fatal: a flipped high bit must not turn into U+FFFD and slip through; ignoreBOM keeps a BOM visible.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(
      await readPart(path.join(folder, JSON_FILE)),
    );
  } catch (error) {
    if (error instanceof Damage) throw error;
    throw damage('checkpoint.json is not UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw damage(text.length === 0 ? 'checkpoint.json is empty' : 'checkpoint.json is not valid JSON');
  }
  if (!isPlainObject(json)) throw damage('checkpoint.json is not a JSON object');
  // Any change that JSON.parse reads past (white space, a number's spelling) still shows here.
  if (text !== `${JSON.stringify(json, null, 1)}\n`) throw damage('checkpoint.json is not as it was written');
  const { sha256, ...body } = json;
  if (json['format'] === CHECKPOINT_FORMAT) {
    if (typeof sha256 !== 'string' || sha256Hex(JSON.stringify(body)) !== sha256)
      throw damage('checkpoint.json fails its SHA-256');
  } else if (json['format'] === LEGACY_FORMAT) {
    // A current file whose tag lost a bit still carries its own checksum: a real legacy file never does.
    if (Object.keys(json).join(',') !== LEGACY_KEYS)
      throw damage('checkpoint.json has fields its format does not');
  } else {
    throw damage(
      `checkpoint.json has an unknown format tag ${String(JSON.stringify(json['format'])).slice(0, 60)}`,
    );
  }
  return checkBody(body, epoch);
}

/** Reads and checks the checkpoint of `epoch` in `dir`; any failed check throws {@link Damage}. */
async function readCheckpointAt(dir: string, epoch: number): Promise<CheckpointState> {
  const folder = path.join(dir, epochDirName(epoch));
  const json = await readCheckpointJson(folder, epoch);
  const stateFile = path.join(folder, STATE_FILE);
  // The size first: a state.bin that grew is not read whole.
  let size: number;
  try {
    size = (await stat(stateFile)).size;
  } catch (error) {
    const code = errnoOf(error);
    throw damage(`state.bin ${code === 'ENOENT' ? 'is missing' : `cannot be read (${code})`}`);
  }
  if (size !== json.state.bytes) throw damage(`state.bin has ${size} bytes, not ${json.state.bytes}`);
  const blob = await readPart(stateFile);
  if (blob.byteLength !== json.state.bytes || sha256Hex(blob) !== json.state.sha256)
    throw damage('state.bin fails its SHA-256');
  let state: unknown;
  try {
    state = v8.deserialize(blob);
  } catch {
    throw damage('state.bin does not deserialise');
  }
  return {
    identity: json.identity,
    epoch: json.epoch,
    epochs: json.epochs,
    state,
    ...(json.recovery ? { recovery: json.recovery } : {}),
  };
}

/**
 * The newest intact checkpoint in `dir` and the damaged ones newer than it. Never throws for a
 * damaged checkpoint (only when `dir` itself cannot be listed); what to do about damage is the caller's call.
 */
export async function readLatestGoodCheckpoint(
  options: ReadCheckpointOptions,
): Promise<LatestGoodCheckpoint> {
  const damaged: DamagedCheckpoint[] = [];
  for (const epoch of (await listCheckpointEpochs(options.dir)).reverse()) {
    try {
      return { checkpoint: await readCheckpointAt(options.dir, epoch), damaged };
    } catch (error) {
      const reason =
        error instanceof Damage
          ? error.message
          : `cannot be read (${error instanceof Error ? error.message : String(error)})`;
      damaged.push({ name: epochDirName(epoch), epoch, reason });
    }
  }
  return { damaged };
}

/** One line naming each damaged checkpoint and what failed, e.g. `epoch-0005: state.bin fails its SHA-256`. */
export function describeDamage(damaged: readonly DamagedCheckpoint[]): string {
  return damaged.map((d) => `${d.name}: ${d.reason}`).join('; ');
}

/**
 * The refusal of a damaged latest checkpoint (`E_CHECKPOINT_CORRUPT`): what is damaged and how, and
 * whether an intact earlier checkpoint remains to resume from once the damaged folders are deleted.
 */
export function checkpointCorruptError(dir: string, found: LatestGoodCheckpoint): UserError {
  const folders = found.damaged.map((d) => path.join(dir, d.name)).join(' and ');
  const reasons =
    found.damaged.length === 1 ? (found.damaged[0]?.reason ?? '') : describeDamage(found.damaged);
  const what = `${found.damaged.length > 1 ? `checkpoints ${folders} are` : `checkpoint ${folders} is`} damaged (${reasons})`;
  const intact = found.checkpoint;
  return new UserError(
    'E_CHECKPOINT_CORRUPT',
    intact
      ? `${what}; the previous checkpoint ${epochDirName(intact.epoch)} is intact: delete ${folders} to resume from epoch ${intact.epoch}, or delete the folder ${dir} to start the trial afresh.`
      : `${what} and no intact checkpoint is left; delete the folder ${dir} to start the trial afresh.`,
  );
}

/**
 * The newest checkpoint in `dir`, or `undefined` when there is none. A damaged one is refused with
 * {@link checkpointCorruptError} (`E_CHECKPOINT_CORRUPT`), never skipped: a user who resumes asked for it.
 */
export async function readLatestCheckpoint(
  options: ReadCheckpointOptions,
): Promise<CheckpointState | undefined> {
  const found = await readLatestGoodCheckpoint(options);
  if (found.damaged.length > 0) throw checkpointCorruptError(options.dir, found);
  return found.checkpoint;
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
