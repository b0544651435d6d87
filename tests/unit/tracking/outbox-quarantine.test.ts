/**
 * Damaged outbox entries (issue 20, item 2), case by case: entries are sealed with a format and a
 * checksum; the previous release's unsealed entries are still delivered; a damaged entry, or a pending
 * file that is no entry at all (a link, a FIFO, a folder, a huge file), is moved to `quarantine/` as it
 * was found, with the reason, and the other entries are delivered. The generated cases are in
 * outbox.fuzz.test.ts.
 */
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { MAX_ENTRY_BYTES, newEntryId } from '../../../src/tracking/outbox.js';
import { countingSender, samePoints, sealedEntry, writeLegacyEntry, writeRaw } from './outbox-damage.js';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'outbox-q-'));

function setUp() {
  const dir = tmp();
  return { dir, ...countingSender(dir) };
}

describe('outbox entries: format and checksum', () => {
  it('are written sealed: format 2 and a SHA-256, still JSON', () => {
    const { dir, outbox } = setUp();
    const id = outbox.append({ stream: 's', points: [1, Number.NaN] });
    const text = readFileSync(path.join(dir, 'pending', `${id}.json`), 'utf8');
    expect(text).toMatch(/^\{"format":2,"sha256":"[0-9a-f]{64}","id":"/);
    expect(JSON.parse(text)).toMatchObject({ format: 2, id, body: { stream: 's' } });
    expect(outbox.read(id)?.body.points).toEqual([1, Number.NaN]);
  });

  it("still reads and delivers the previous release's entries, which have no checksum", async () => {
    const { outbox, delivery, sender } = setUp();
    // Exactly what the previous release wrote (json-numbers keeps NaN as {"$number":"NaN"}).
    const oldId = newEntryId();
    writeFileSync(
      path.join(outbox.dir, 'pending', `${oldId}.json`),
      `{"id":"${oldId}","body":{"stream":"s","points":[0.5,{"$number":"NaN"}]}}`,
    );
    const legacyId = writeLegacyEntry(outbox, { stream: 's', points: [2] });
    const newId = outbox.append({ stream: 's', points: [3] });
    expect(await sender.sync()).toEqual({ sent: 3, pending: 0, failed: 0 });
    expect(samePoints(delivery.points.get(oldId), [0.5, Number.NaN])).toBe(true);
    expect(delivery.points.get(legacyId)).toEqual([2]);
    expect(delivery.points.get(newId)).toEqual([3]);
    expect(existsSync(path.join(outbox.dir, 'quarantine'))).toBe(false);
  });

  it('no torn write of an entry reads as an entry: every prefix, bare or filled up with zeros', () => {
    const { dir, outbox } = setUp();
    const id = outbox.append({ stream: 's', points: [1, 2, 3] });
    const file = path.join(dir, 'pending', `${id}.json`);
    const whole = readFileSync(file);
    for (let length = 0; length < whole.length; length += 1) {
      for (const torn of [
        whole.subarray(0, length),
        Buffer.concat([whole.subarray(0, length), Buffer.alloc(whole.length - length)]),
      ]) {
        writeFileSync(file, torn);
        expect(outbox.readChecked(id).state, `${length} of ${whole.length} bytes`).toBe('quarantined');
      }
    }
    expect(outbox.quarantinedCount()).toBe(2 * whole.length);
  });

  it('a rejected sealed entry is kept in failed/ with its body', () => {
    const { dir, outbox } = setUp();
    const id = outbox.append({ stream: 's', points: [7] });
    outbox.fail(id, 'HTTP 400');
    const failed = JSON.parse(readFileSync(path.join(dir, 'failed', `${id}.json`), 'utf8')) as unknown;
    expect(failed).toMatchObject({ reason: 'HTTP 400', entry: { id, body: { points: [7] } } });
  });
});

describe('damaged outbox entries', () => {
  it.each([
    ['a flipped bit', (b: Buffer) => ((b[b.length - 5]! ^= 0x04), b), /checksum does not match/],
    ['a truncation', (b: Buffer) => b.subarray(0, b.length - 10), /cut short/],
    [
      'an unknown format',
      (b: Buffer) => Buffer.from(b.toString().replace('"format":2', '"format":9')),
      /format 9/,
    ],
    ['an empty file', () => Buffer.alloc(0), /empty/],
    ['bytes that are not JSON', () => Buffer.from('\u0000\u0001 not json'), /not JSON/],
    ['JSON that is no entry', () => Buffer.from('{"hello":1}'), /not an outbox entry/],
  ])('%s: quarantined as found, with the reason, and the others delivered', async (_, damage, reason) => {
    const { dir, outbox, delivery, warnings, sender } = setUp();
    const before = outbox.append({ stream: 's', points: [1] });
    const id = newEntryId();
    const bytes = damage(sealedEntry(id, { stream: 's', points: [2] }));
    writeRaw(outbox, id, bytes);
    const after = outbox.append({ stream: 's', points: [3] });
    expect(await sender.sync()).toEqual({ sent: 2, pending: 0, failed: 0, quarantined: 1 });
    expect([...delivery.points.keys()]).toEqual([before, after]);
    expect(readFileSync(path.join(dir, 'quarantine', `${id}.json`)).equals(bytes)).toBe(true);
    expect(outbox.quarantined()).toEqual([
      {
        id,
        file: path.join(dir, 'quarantine', `${id}.json`),
        reason: expect.stringMatching(reason),
        quarantinedAt: expect.any(String),
      },
    ]);
    expect(warnings).toEqual([
      expect.stringMatching(new RegExp(`^a damaged journaled write moved to .*quarantine .*: ${id}: `)),
    ]);
    // Reported by every later sync too, until someone looks at it.
    expect(await sender.sync()).toEqual({ sent: 0, pending: 0, failed: 0, quarantined: 1 });
  });

  it("an entry under another entry's name, or a sealed file of another kind, is quarantined", async () => {
    const { outbox, sender } = setUp();
    const a = newEntryId();
    writeRaw(outbox, a, sealedEntry(newEntryId(), { stream: 's', points: [] }));
    const b = newEntryId();
    writeRaw(outbox, b, sealedEntry(b, { stream: 's', points: [] }, 2, 'seedsweep-trial-run'));
    expect(await sender.sync()).toMatchObject({ sent: 0, quarantined: 2 });
    const reasons = outbox.quarantined().map((q) => q.reason);
    expect(reasons).toEqual([
      expect.stringMatching(/holds entry .*, not /),
      expect.stringMatching(/checksum/),
    ]);
  });

  it('an intact old entry the delivery cannot place is quarantined, not a crash of the sync', async () => {
    const { outbox, delivery, warnings, sender } = setUp();
    const id = newEntryId();
    writeFileSync(path.join(outbox.dir, 'pending', `${id}.json`), `{"id":"${id}","body":null}`);
    const good = outbox.append({ stream: 's', points: [1] });
    expect(await sender.sync()).toEqual({ sent: 1, pending: 0, failed: 0, quarantined: 1 });
    expect([...delivery.points.keys()]).toEqual([good]);
    expect(outbox.quarantined()[0]!.reason).toMatch(/not a write this release knows/);
    expect(warnings).toHaveLength(1);
  });

  it('pending files that are no entry files (a link, a folder, a FIFO, a huge file) are set aside without being read', async () => {
    const { dir, outbox, delivery, sender } = setUp();
    const target = path.join(tmp(), 'elsewhere.json');
    writeFileSync(target, 'not yours');
    const link = newEntryId();
    symlinkSync(target, path.join(dir, 'pending', `${link}.json`));
    const folder = newEntryId();
    mkdirSync(path.join(dir, 'pending', `${folder}.json`));
    const fifo = newEntryId();
    execFileSync('mkfifo', [path.join(dir, 'pending', `${fifo}.json`)]);
    // Sparse: takes no disk, and reading it would take more memory than any entry may.
    const huge = newEntryId();
    const fd = openSync(path.join(dir, 'pending', `${huge}.json`), 'w');
    ftruncateSync(fd, MAX_ENTRY_BYTES + 1);
    closeSync(fd);
    const good = outbox.append({ stream: 's', points: [1] });
    expect(await sender.sync()).toEqual({ sent: 1, pending: 0, failed: 0, quarantined: 4 });
    expect([...delivery.points.keys()]).toEqual([good]);
    const reasons = Object.fromEntries(outbox.quarantined().map((q) => [q.id, q.reason]));
    expect(reasons).toEqual({
      [link]: expect.stringMatching(/symbolic link/),
      [folder]: expect.stringMatching(/not a regular file/),
      [fifo]: expect.stringMatching(/not a regular file/),
      [huge]: expect.stringMatching(/more than an entry can be/),
    });
    // The link was moved, not what it points to.
    expect(readFileSync(target, 'utf8')).toBe('not yours');
  });

  it('never overwrites an earlier quarantined file of the same name, and names a very long one by its hash', () => {
    const { dir, outbox } = setUp();
    const id = newEntryId();
    writeRaw(outbox, id, Buffer.from('first'));
    expect(outbox.readChecked(id)).toMatchObject({ state: 'quarantined' });
    writeRaw(outbox, id, Buffer.from('second'));
    expect(outbox.readChecked(id)).toMatchObject({ state: 'quarantined' });
    const long = 'x'.repeat(240);
    writeRaw(outbox, long, Buffer.from('third'));
    expect(outbox.readChecked(long)).toMatchObject({ state: 'quarantined' });
    const files = readdirSync(path.join(dir, 'quarantine')).sort();
    expect(files).toHaveLength(6);
    expect(readFileSync(path.join(dir, 'quarantine', `${id}.json`), 'utf8')).toBe('first');
    expect(readFileSync(path.join(dir, 'quarantine', `${id}~2.json`), 'utf8')).toBe('second');
    expect(files.filter((f) => f.startsWith('entry-'))).toHaveLength(2);
    expect(
      outbox
        .quarantined()
        .map((q) => q.id)
        .sort(),
    ).toEqual([id, id, long].sort());
    expect(outbox.quarantinedCount()).toBe(3);
  });

  it('an entry delivered or set aside by another process meanwhile is simply gone', () => {
    const { outbox } = setUp();
    expect(outbox.readChecked(newEntryId())).toEqual({ state: 'gone' });
    expect(outbox.quarantine(newEntryId(), 'whatever')).toBe(false);
    expect(outbox.quarantinedCount()).toBe(0);
  });
});

describe('seedsweep sync with damaged entries', () => {
  it('says how many were quarantined, where, and why; --json lists them', async () => {
    const { outbox, sender } = setUp();
    outbox.append({ stream: 's', points: [1] });
    const id = newEntryId();
    writeRaw(outbox, id, Buffer.alloc(0));
    vi.doMock('../../../src/tracking/index.js', () => ({
      createTracker: async () => ({
        outbox,
        client: { trackingUri: 'http://fake' },
        sync: () => sender.sync(),
      }),
    }));
    try {
      const { main } = await import('../../../src/interfaces/cli/main.js');
      const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      expect(await main(['node', 'seedsweep', 'sync'])).toBe(0);
      const text = stderr.mock.calls.map((c) => String(c[0])).join('');
      expect(text).toContain(
        `sent 1, pending 0, quarantined 1 damaged (kept in ${path.join(outbox.dir, 'quarantine')}, not sent)`,
      );
      expect(text).toContain(`quarantined ${id}: the file is empty`);
      expect(await main(['node', 'seedsweep', 'sync', '--json'])).toBe(0);
      const doc = JSON.parse(stdout.mock.calls.map((c) => String(c[0])).join('')) as unknown;
      expect(doc).toMatchObject({
        sent: 0,
        pending: 0,
        failed: 0,
        quarantined: 1,
        quarantine: [{ id, reason: 'the file is empty' }],
      });
    } finally {
      vi.restoreAllMocks();
      vi.doUnmock('../../../src/tracking/index.js');
    }
  });
});
