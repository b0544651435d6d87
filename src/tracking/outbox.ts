/**
 * The durable local journal of tracking writes ("outbox"). Every write is stored here before it is
 * sent, so a tracker outage or a crash loses nothing; `sync` sends entries in order and deletes them.
 *
 * Layout of the outbox folder:
 * - `pending/<id>.json` one file per entry (JSON keeping NaN and ±Infinity, see json-numbers.ts),
 *   sealed with its format version and a SHA-256 (see sealed-json.ts). Written to `tmp/`, fsync'd, then
 *   renamed into place and the folder fsync'd: an entry is either wholly there or not at all, and
 *   deleting a sent entry is one `unlink`. The checksum is for what rename cannot promise: a disk or a
 *   file system that loses or flips bytes, a copy cut short, a file someone edited. Entries of the
 *   previous release (plain `{"id","body"}` JSON, no checksum) are still read; a sealed entry keeps `id`
 *   and `body` at its top level, so what read those (the previous release, `jq`) still does. (One file
 *   per entry rather than a JSON-lines log because several processes append and one removes: a shared
 *   log would need rewriting or an offset file under a lock, and a torn last line after a crash.) Ids start
 *   with a zero-padded millisecond time and a per-process counter, so sorting the names gives the order
 *   of the writes.
 * - `blobs/<id>/…` copies of local files an entry uploads (a model folder, report files), taken when the
 *   entry is written, because the originals may be gone by the time the server is back.
 * - `failed/<id>.json` entries the server rejected for good, with the error, kept for inspection.
 * - `quarantine/<id>.json` entries found damaged (or not entries at all), moved aside as they were found,
 *   never rewritten or deleted, each with `<id>.reason` (JSON: why, when); the other entries go on.
 * - `sync.lock` held (created with `wx`, exclusive) by the one process that is sending, so that several
 *   processes sharing the folder (a CLI and workers on one host) send each entry once.
 */
import { isProcessAlive } from '../core/common/process.js';
import { createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  chmodSync,
  cpSync,
  existsSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fromJson, toJson } from './json-numbers.js';
import { openSealed, seal } from './sealed-json.js';

export interface OutboxEntry<T> {
  /** Sortable id: `<ms time, 15 digits>-<counter, 9 digits>-<pid>-<random>`. */
  id: string;
  body: T;
}

/** The entry format this release writes. The previous release's entries (no checksum) count as format 1. */
export const OUTBOX_FORMAT = 2;
/** What the checksum of an entry is salted with: a sealed file of another kind does not pass as an entry. */
const SEAL_KIND = 'seedsweep-outbox-entry';
/**
 * Entry files larger than this are not read but quarantined, so that a stray huge file cannot take the
 * memory of a sync. Entries are small (a trial's end, with every epoch's metrics, is kilobytes).
 */
export const MAX_ENTRY_BYTES = 64 * 1024 * 1024;
/** Local read errors that may pass by themselves: thrown, not taken for a damaged entry. */
const TRANSIENT_READ_ERRORS = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'EINTR', 'ENOMEM']);

/** What reading a pending entry found. */
export type ReadResult<T> =
  | { state: 'ok'; entry: OutboxEntry<T> }
  /** The entry was damaged and is now in `quarantine/`; `reason` says what was wrong. */
  | { state: 'quarantined'; id: string; reason: string }
  /** It is no longer pending (delivered or moved by another process meanwhile). */
  | { state: 'gone' };

/** An entry in `quarantine/`, as its reason file describes it. */
export interface QuarantinedEntry {
  /** Id of the pending file it was (its file name without `.json`). */
  id: string;
  /** The quarantined file, as it was found. */
  file: string;
  reason: string;
  /** ISO time it was moved aside. */
  quarantinedAt: string;
}

export interface OutboxOptions {
  /** Folder of the journal; created if missing. */
  dir: string;
  /** A lock whose holder is on another host (so its pid cannot be checked) counts as abandoned after this long untouched, in ms. @default 600000 */
  foreignLockStaleMs?: number;
}

/** A file or folder to copy into the entry's blob folder, under `name`. */
export interface BlobSource {
  source: string;
  name: string;
}

interface LockInfo {
  pid: number;
  host: string;
  time: number;
}

let lastTime = 0;
let counter = 0;

/** A new entry id; ids made later in one process sort after earlier ones, even if the clock steps back. */
export function newEntryId(now: number = Date.now()): string {
  lastTime = Math.max(lastTime, now);
  counter += 1;
  const random = Math.floor(Math.random() * 36 ** 4)
    .toString(36)
    .padStart(4, '0');
  return `${String(lastTime).padStart(15, '0')}-${String(counter).padStart(9, '0')}-${process.pid}-${random}`;
}

export class Outbox<T> {
  readonly dir: string;
  private readonly pendingDir: string;
  private readonly blobsDir: string;
  private readonly failedDir: string;
  private readonly quarantineDir: string;
  private readonly tmpDir: string;
  private readonly lockFile: string;
  private readonly foreignLockStaleMs: number;

  constructor(options: OutboxOptions) {
    this.dir = path.resolve(options.dir);
    this.pendingDir = path.join(this.dir, 'pending');
    this.blobsDir = path.join(this.dir, 'blobs');
    this.failedDir = path.join(this.dir, 'failed');
    // Made when first needed: its presence alone says something was damaged.
    this.quarantineDir = path.join(this.dir, 'quarantine');
    this.tmpDir = path.join(this.dir, 'tmp');
    this.lockFile = path.join(this.dir, 'sync.lock');
    this.foreignLockStaleMs = options.foreignLockStaleMs ?? 600_000;
    // Owner-only: entries hold a run's params, tags and artifacts, which may be secrets of the user's
    // (and the trial-run journal lives inside). A folder made by an older release is narrowed too.
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    try {
      chmodSync(this.dir, 0o700);
    } catch {
      // Not ours to change (another user's folder we may write to): left as its owner set it.
    }
    for (const dir of [this.pendingDir, this.blobsDir, this.failedDir, this.tmpDir])
      mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /**
   * Appends an entry durably (blobs copied and fsync'd first, then the entry) and returns its id.
   * Throws only on local file-system errors.
   */
  append(body: T, options: { blobs?: BlobSource[] } = {}): string {
    const id = newEntryId();
    if (options.blobs && options.blobs.length > 0) {
      const blobDir = path.join(this.blobsDir, id);
      for (const blob of options.blobs) {
        const target = path.join(blobDir, blob.name);
        cpSync(blob.source, target, { recursive: true });
        fsyncTree(target);
      }
      fsyncPath(blobDir);
    }
    const tmp = path.join(this.tmpDir, `${id}.json`);
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, seal(SEAL_KIND, OUTBOX_FORMAT, toJson({ id, body } satisfies OutboxEntry<T>)));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path.join(this.pendingDir, `${id}.json`));
    fsyncPath(this.pendingDir);
    return id;
  }

  /** Ids of pending entries, oldest first. */
  pendingIds(): string[] {
    return readdirSync(this.pendingDir)
      .filter((name) => name.endsWith('.json'))
      .map((name) => name.slice(0, -'.json'.length))
      .sort();
  }

  pendingCount(): number {
    return this.pendingIds().length;
  }

  /**
   * Reads one pending entry; undefined if it was removed meanwhile or is damaged (then it is moved to
   * `quarantine/`, see {@link readChecked}).
   */
  read(id: string): OutboxEntry<T> | undefined {
    const result = this.readChecked(id);
    return result.state === 'ok' ? result.entry : undefined;
  }

  /**
   * Reads one pending entry and checks it: its checksum and format (entries of the previous release have
   * neither and are taken as they are), that it is an entry, and that it is the one its file name says.
   * A damaged entry, or a pending file that is not an entry, is moved to `quarantine/` with the reason.
   * Throws only on local file-system errors that may pass (too many open files).
   */
  readChecked(id: string): ReadResult<T> {
    checkId(id);
    const read = readBounded(path.join(this.pendingDir, `${id}.json`));
    if (read === undefined) return { state: 'gone' };
    const decoded = typeof read === 'string' ? read : decodeEntry<T>(read, id);
    if (typeof decoded !== 'string') return { state: 'ok', entry: decoded };
    return this.quarantine(id, decoded) ? { state: 'quarantined', id, reason: decoded } : { state: 'gone' };
  }

  /**
   * Moves a pending entry aside to `quarantine/` as it is, with `<name>.reason` saying why; never
   * deletes it. False when it was no longer pending.
   */
  quarantine(id: string, reason: string): boolean {
    checkId(id);
    mkdirSync(this.quarantineDir, { recursive: true });
    const base = this.quarantineName(id);
    const reasonFile = path.join(this.quarantineDir, `${base}.reason`);
    // The reason first: a crash in between leaves the entry pending, to be quarantined again.
    const note: Omit<QuarantinedEntry, 'file'> = { id, reason, quarantinedAt: new Date().toISOString() };
    writeFileSync(reasonFile, `${JSON.stringify(note, null, 2)}\n`);
    try {
      renameSync(path.join(this.pendingDir, `${id}.json`), path.join(this.quarantineDir, `${base}.json`));
    } catch (error) {
      rmSync(reasonFile, { force: true });
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
    return true;
  }

  /** How many entries are in `quarantine/`. */
  quarantinedCount(): number {
    return this.quarantineFiles().length;
  }

  /** The entries in `quarantine/`, oldest first, with their reasons. */
  quarantined(): QuarantinedEntry[] {
    return this.quarantineFiles()
      .map((name) => {
        const file = path.join(this.quarantineDir, name);
        const base = name.slice(0, -'.json'.length);
        try {
          const note = JSON.parse(
            readFileSync(path.join(this.quarantineDir, `${base}.reason`), 'utf8'),
          ) as Omit<QuarantinedEntry, 'file'>;
          return {
            id: String(note.id),
            file,
            reason: String(note.reason),
            quarantinedAt: String(note.quarantinedAt),
          };
        } catch {
          return { id: base, file, reason: 'unknown (its reason file is missing)', quarantinedAt: '' };
        }
      })
      .sort((a, b) => a.quarantinedAt.localeCompare(b.quarantinedAt) || a.id.localeCompare(b.id));
  }

  private quarantineFiles(): string[] {
    try {
      return readdirSync(this.quarantineDir).filter((name) => name.endsWith('.json'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  /** A name in `quarantine/` not taken yet; a hash of the id when the id is too long to add to. */
  private quarantineName(id: string): string {
    const stem =
      Buffer.byteLength(id) <= 200
        ? id
        : `entry-${createHash('sha256').update(id).digest('hex').slice(0, 32)}`;
    for (let n = 1; ; n += 1) {
      const base = n === 1 ? stem : `${stem}~${n}`;
      const taken = ['.json', '.reason'].some((ext) => existsSync(path.join(this.quarantineDir, base + ext)));
      if (!taken) return base;
    }
  }

  /** Local path of a blob stored with entry `id`. */
  blobPath(id: string, name: string): string {
    return path.join(this.blobsDir, id, name);
  }

  /** Removes a delivered entry and its blobs. */
  complete(id: string): void {
    try {
      unlinkSync(path.join(this.pendingDir, `${id}.json`));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    rmSync(path.join(this.blobsDir, id), { recursive: true, force: true });
  }

  /** Moves an entry the server rejected for good to `failed/`, recording why; its blobs are kept. */
  fail(id: string, reason: string): void {
    const source = path.join(this.pendingDir, `${id}.json`);
    const read = readBounded(source);
    const decoded = read === undefined || typeof read === 'string' ? undefined : decodeEntry<T>(read, id);
    // unreadable: record the reason only
    const entry = typeof decoded === 'object' ? decoded : undefined;
    writeFileSync(
      path.join(this.failedDir, `${id}.json`),
      toJson({ id, reason, failedAt: new Date().toISOString(), entry }, 2),
    );
    rmSync(source, { force: true });
  }

  failedCount(): number {
    return readdirSync(this.failedDir).filter((name) => name.endsWith('.json')).length;
  }

  /**
   * Takes the sync lock, waiting up to `waitMs` (0: one try). Returns a release function, or undefined
   * when another live process holds it. Locks of dead processes on this host, and locks of other hosts
   * untouched for `foreignLockStaleMs`, are broken.
   */
  async acquireLock(options: { waitMs?: number } = {}): Promise<(() => void) | undefined> {
    const deadline = Date.now() + (options.waitMs ?? 0);
    for (;;) {
      const release = this.tryLock();
      if (release) return release;
      if (Date.now() >= deadline) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Marks the held lock as alive (for holders on other hosts, who judge it by its age). */
  touchLock(): void {
    const now = new Date();
    try {
      utimesSync(this.lockFile, now, now);
    } catch {
      // lock gone: the next acquire will notice
    }
  }

  private tryLock(): (() => void) | undefined {
    const info: LockInfo = { pid: process.pid, host: os.hostname(), time: Date.now() };
    let fd = this.openExclusive(this.lockFile);
    // A lock left by a holder that died is broken and taken at once: the caller may not try again.
    if (fd === undefined && this.breakIfStale()) fd = this.openExclusive(this.lockFile);
    if (fd === undefined) return undefined;
    try {
      writeSync(fd, JSON.stringify(info));
    } finally {
      closeSync(fd);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Remove it only if it is still ours (it could have been broken as stale and retaken).
      try {
        const current = JSON.parse(readFileSync(this.lockFile, 'utf8')) as LockInfo;
        if (current.pid === info.pid && current.host === info.host && current.time === info.time)
          unlinkSync(this.lockFile);
      } catch {
        // already gone
      }
    };
  }

  private openExclusive(file: string): number | undefined {
    try {
      return openSync(file, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
      throw error;
    }
  }

  /** Breaks an abandoned sync lock. Breakers serialise on a second lock so two cannot remove a fresh lock. */
  /** Removes the lock if its holder is gone; true when it did. */
  private breakIfStale(): boolean {
    const breaker = `${this.lockFile}.break`;
    let fd = this.openExclusive(breaker);
    if (fd === undefined) {
      // A breaker that died leaves its lock behind: it only ever lives for a moment.
      try {
        if (Date.now() - statSync(breaker).mtimeMs > 30_000) rmSync(breaker, { force: true });
      } catch {
        // gone already
      }
      fd = this.openExclusive(breaker);
      if (fd === undefined) return false;
    }
    closeSync(fd);
    try {
      if (!this.isStale()) return false;
      rmSync(this.lockFile, { force: true });
      return true;
    } finally {
      rmSync(breaker, { force: true });
    }
  }

  private isStale(): boolean {
    let text: string;
    let mtimeMs: number;
    try {
      text = readFileSync(this.lockFile, 'utf8');
      mtimeMs = statSync(this.lockFile).mtimeMs;
    } catch {
      return false; // released meanwhile
    }
    let info: LockInfo | undefined;
    try {
      info = JSON.parse(text) as LockInfo;
    } catch {
      // Created but not yet written, or its writer died in between.
      return Date.now() - mtimeMs > 30_000;
    }
    if (info.host === os.hostname()) return !isProcessAlive(info.pid);
    return Date.now() - mtimeMs > this.foreignLockStaleMs;
  }
}

function fsyncPath(target: string): void {
  const fd = openSync(target, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function fsyncTree(target: string): void {
  if (!existsSync(target)) return;
  if (statSync(target).isDirectory()) {
    for (const name of readdirSync(target)) fsyncTree(path.join(target, name));
  }
  fsyncPath(target);
}

/**
 * The bytes of a pending file, or why it cannot be an entry (a string), or undefined when it is gone.
 * Not followed: symbolic links; not waited on: FIFOs; not read: files above {@link MAX_ENTRY_BYTES}.
 */
function readBounded(file: string): Buffer | string | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown';
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') return 'it is a symbolic link, not an entry file';
    if (TRANSIENT_READ_ERRORS.has(code)) throw error;
    return `it cannot be read (${code})`;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return 'it is not a regular file';
    if (stat.size > MAX_ENTRY_BYTES)
      return `it is ${stat.size} bytes, more than an entry can be (${MAX_ENTRY_BYTES})`;
    const bytes = Buffer.alloc(stat.size);
    let length = 0;
    while (length < bytes.length) {
      const n = readSync(fd, bytes, length, bytes.length - length, null);
      if (n === 0) break;
      length += n;
    }
    return bytes.subarray(0, length);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown';
    if (TRANSIENT_READ_ERRORS.has(code)) throw error;
    return `it cannot be read (${code})`;
  } finally {
    closeSync(fd);
  }
}

/** Ids name files in the outbox's folders: one that could name a file elsewhere is a bug of the caller. */
function checkId(id: string): void {
  if (/[/\\\0]/.test(id)) throw new Error(`not an outbox entry id: ${JSON.stringify(id)}`);
}

/** The entry in a pending file's bytes, or why they are not entry `id` (a string). */
function decodeEntry<T>(bytes: Buffer, id: string): OutboxEntry<T> | string {
  const opened = openSealed(bytes, SEAL_KIND, [OUTBOX_FORMAT]);
  if (opened.state === 'damaged' && opened.format !== undefined && opened.format > OUTBOX_FORMAT)
    return `${opened.reason}: if a newer seedsweep wrote it, move it back to pending/ and sync with that`;
  if (opened.state === 'damaged') return opened.reason;
  let text: string;
  if (opened.state === 'sealed') text = opened.text;
  else {
    // The previous release's entries: plain JSON, nothing to check them against but their shape.
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return 'it is not UTF-8 text (and has no checksum header)';
    }
  }
  let value: unknown;
  try {
    value = fromJson(text);
  } catch {
    return opened.state === 'sealed'
      ? 'its content is not JSON'
      : 'it is not JSON (and has no checksum header): damaged or not an entry';
  }
  if (!isEntryShape(value)) return 'it is not an outbox entry (JSON without exactly an id and a body)';
  if (value.id !== id) return `it holds entry ${JSON.stringify(value.id.slice(0, 100))}, not ${id}`;
  return value as OutboxEntry<T>;
}

function isEntryShape(value: unknown): value is { id: string; body: unknown } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value).sort();
  return (
    keys.length === 2 &&
    keys[0] === 'body' &&
    keys[1] === 'id' &&
    typeof (value as { id: unknown }).id === 'string'
  );
}
