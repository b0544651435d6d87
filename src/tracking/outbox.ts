/**
 * The durable local journal of tracking writes ("outbox"). Every write is stored here before it is
 * sent, so a tracker outage or a crash loses nothing; `sync` sends entries in order and deletes them.
 *
 * Layout of the outbox folder:
 * - `pending/<id>.json` one file per entry (JSON keeping NaN and ±Infinity, see json-numbers.ts). Written to `tmp/`, fsync'd, then renamed into place and the
 *   folder fsync'd: an entry is either wholly there or not at all, and deleting a sent entry is one
 *   `unlink`. (One file per entry rather than a JSON-lines log because several processes append and
 *   one removes: a shared log would need rewriting or an offset file under a lock, and a torn last line
 *   after a crash.) Ids start with a zero-padded millisecond time and a per-process counter, so sorting
 *   the names gives the order of the writes.
 * - `blobs/<id>/…` copies of local files an entry uploads (a model folder, report files), taken when the
 *   entry is written, because the originals may be gone by the time the server is back.
 * - `failed/<id>.json` entries the server rejected for good, with the error, kept for inspection.
 * - `sync.lock` held (created with `wx`, exclusive) by the one process that is sending, so that several
 *   processes sharing the folder (a CLI and workers on one host) send each entry once.
 */
import { isProcessAlive } from '../core/common/process.js';
import {
  closeSync,
  cpSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
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

export interface OutboxEntry<T> {
  /** Sortable id: `<ms time, 15 digits>-<counter, 9 digits>-<pid>-<random>`. */
  id: string;
  body: T;
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
  private readonly tmpDir: string;
  private readonly lockFile: string;
  private readonly foreignLockStaleMs: number;

  constructor(options: OutboxOptions) {
    this.dir = path.resolve(options.dir);
    this.pendingDir = path.join(this.dir, 'pending');
    this.blobsDir = path.join(this.dir, 'blobs');
    this.failedDir = path.join(this.dir, 'failed');
    this.tmpDir = path.join(this.dir, 'tmp');
    this.lockFile = path.join(this.dir, 'sync.lock');
    this.foreignLockStaleMs = options.foreignLockStaleMs ?? 600_000;
    for (const dir of [this.pendingDir, this.blobsDir, this.failedDir, this.tmpDir])
      mkdirSync(dir, { recursive: true });
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
      writeSync(fd, toJson({ id, body } satisfies OutboxEntry<T>));
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

  /** Reads one pending entry; undefined if it was removed meanwhile. Unreadable entries move to `failed/`. */
  read(id: string): OutboxEntry<T> | undefined {
    let text: string;
    try {
      text = readFileSync(path.join(this.pendingDir, `${id}.json`), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      return fromJson<OutboxEntry<T>>(text);
    } catch {
      this.fail(id, 'the entry file is not valid JSON');
      return undefined;
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
    let entry: unknown = undefined;
    try {
      entry = fromJson(readFileSync(source, 'utf8'));
    } catch {
      // unreadable: record the reason only
    }
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
