import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Outbox, newEntryId } from '../../../src/tracking/outbox.js';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'outbox-'));

describe('Outbox', () => {
  it('keeps entries in the order they were written, across instances on the same folder', () => {
    const dir = tmp();
    const a = new Outbox<{ n: number }>({ dir });
    const b = new Outbox<{ n: number }>({ dir });
    const ids = Array.from({ length: 50 }, (_, n) => (n % 2 === 0 ? a : b).append({ n }));
    expect(a.pendingIds()).toEqual(ids);
    expect(a.pendingIds().map((id) => a.read(id)!.body.n)).toEqual(Array.from({ length: 50 }, (_, n) => n));
    expect(readdirSync(path.join(dir, 'tmp'))).toEqual([]);
  });

  it('makes ids that sort in creation order even when the clock steps back', () => {
    const first = newEntryId(2_000_000);
    const second = newEntryId(1_000_000);
    expect([second, first].sort()).toEqual([first, second]);
  });

  it('copies blobs when an entry is written, so the originals may go; completing removes entry and blobs', () => {
    const dir = tmp();
    const outbox = new Outbox<string>({ dir });
    const source = path.join(tmp(), 'model');
    mkdirSync(path.join(source, 'sub'), { recursive: true });
    writeFileSync(path.join(source, 'sub', 'w.bin'), 'weights');
    const id = outbox.append('finish', { blobs: [{ source, name: 'model' }] });
    rmSync(source, { recursive: true });
    expect(readFileSync(path.join(outbox.blobPath(id, 'model'), 'sub', 'w.bin'), 'utf8')).toBe('weights');
    outbox.complete(id);
    expect(outbox.pendingCount()).toBe(0);
    expect(existsSync(path.join(dir, 'blobs', id))).toBe(false);
    outbox.complete(id); // twice is fine
  });

  it('moves rejected entries to failed/ with the reason, unreadable ones to quarantine/', () => {
    const dir = tmp();
    const outbox = new Outbox<string>({ dir });
    const id = outbox.append('bad');
    outbox.fail(id, 'HTTP 400 INVALID_PARAMETER_VALUE');
    writeFileSync(path.join(dir, 'pending', '000000000000001-x.json'), '{ torn');
    expect(outbox.read('000000000000001-x')).toBeUndefined();
    expect(outbox.pendingCount()).toBe(0);
    expect(outbox.failedCount()).toBe(1);
    expect(outbox.quarantinedCount()).toBe(1);
    const failed = JSON.parse(readFileSync(path.join(dir, 'failed', `${id}.json`), 'utf8')) as {
      reason: string;
      entry: { body: string };
    };
    expect(failed).toMatchObject({ reason: 'HTTP 400 INVALID_PARAMETER_VALUE', entry: { body: 'bad' } });
  });

  it('lets one holder at a time take the sync lock', async () => {
    const dir = tmp();
    const a = new Outbox<string>({ dir });
    const b = new Outbox<string>({ dir });
    const release = await a.acquireLock();
    expect(release).toBeDefined();
    expect(await b.acquireLock()).toBeUndefined();
    const waiting = b.acquireLock({ waitMs: 5000 });
    setTimeout(() => release!(), 150);
    const second = await waiting;
    expect(second).toBeDefined();
    release!(); // a late second release must not remove b's lock
    expect(await a.acquireLock()).toBeUndefined();
    second!();
    expect(await a.acquireLock()).toBeDefined();
  });

  it('breaks a lock left by a process that died', async () => {
    const dir = tmp();
    const outbox = new Outbox<string>({ dir });
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(path.join(dir, 'sync.lock'), JSON.stringify({ pid: dead, host: os.hostname(), time: 1 }));
    expect(await outbox.acquireLock({ waitMs: 1000 })).toBeDefined();
  });

  it('respects a lock of another host until it is old', async () => {
    const dir = tmp();
    const lock = path.join(dir, 'sync.lock');
    const strict = new Outbox<string>({ dir });
    writeFileSync(lock, JSON.stringify({ pid: 1, host: 'elsewhere', time: 1 }));
    expect(await strict.acquireLock({ waitMs: 300 })).toBeUndefined();
    const lenient = new Outbox<string>({ dir, foreignLockStaleMs: 0 });
    expect(await lenient.acquireLock({ waitMs: 300 })).toBeDefined();
  });

  it('keeps its folder owner-only (0700), also one an older release made open', () => {
    const fresh = path.join(tmp(), 'outbox');
    new Outbox<string>({ dir: fresh });
    expect(statSync(fresh).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(fresh, 'pending')).mode & 0o777).toBe(0o700);
    const old = tmp();
    chmodSync(old, 0o755);
    new Outbox<string>({ dir: old });
    expect(statSync(old).mode & 0o777).toBe(0o700);
  });
});
