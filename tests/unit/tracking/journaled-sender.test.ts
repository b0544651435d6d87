import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  JournaledSender,
  NotReadyError,
  type Delivery,
  type DeliveryErrorKind,
} from '../../../src/tracking/journaled-sender.js';
import { Outbox, type OutboxEntry } from '../../../src/tracking/outbox.js';

/**
 * Entries of a toy protocol: `open` a stream, `add` to it (consecutive adds go together), `close` it
 * (taking the adds before it along), a `bad` one the server rejects.
 */
type Entry = { kind: 'open' | 'add' | 'close' | 'bad'; stream: string; n?: number };

class FakeDelivery implements Delivery<Entry> {
  readonly target = 'fake server';
  readonly open = new Set<string>();
  readonly delivered: string[] = [];
  groups: number[] = [];
  down = false;
  /** A setup problem (what the delivery calls 'stop'): every delivery throws it while set. */
  setupError: string | undefined;
  /** `add` entries may wait for the next flush. */
  deferAdds = false;
  streamsOf(entry: Entry): [string, ...string[]] {
    return [entry.stream];
  }
  joins(last: Entry, next: Entry): boolean {
    return last.kind === 'add' && (next.kind === 'add' || next.kind === 'close');
  }
  deferrable(entry: Entry): boolean {
    return this.deferAdds && entry.kind === 'add';
  }
  describe(entry: Entry): string {
    return `a ${entry.kind} write`;
  }
  classify(error: unknown): DeliveryErrorKind {
    const message = (error as Error).message;
    return message === 'down' ? 'unavailable' : message.startsWith('setup:') ? 'stop' : 'reject';
  }
  async deliver(group: OutboxEntry<Entry>[]): Promise<void> {
    if (this.down) throw new Error('down');
    if (this.setupError !== undefined) throw new Error(`setup: ${this.setupError}`);
    const first = group[0]!.body;
    if (first.kind === 'bad') throw new Error('rejected');
    if (first.kind !== 'open' && !this.open.has(first.stream)) throw new NotReadyError('not open');
    if (first.kind === 'open') this.open.add(first.stream);
    this.groups.push(group.length);
    for (const { body } of group) this.delivered.push(`${body.stream}:${body.kind}${body.n ?? ''}`);
  }
}

function newSender(delivery: FakeDelivery, warnings: string[] = []) {
  const outbox = new Outbox<Entry>({ dir: mkdtempSync(path.join(os.tmpdir(), 'sender-')) });
  return new JournaledSender<Entry>({ outbox, delivery, autoSync: false, warn: (m) => warnings.push(m) });
}

describe('JournaledSender (knows nothing of MLflow)', () => {
  it('delivers in order per stream, batches consecutive batchable entries, holds a stream that is not ready', async () => {
    const delivery = new FakeDelivery();
    const sender = newSender(delivery);
    await sender.write({ kind: 'add', stream: 'a', n: 1 }); // before its open: held this pass
    await sender.write({ kind: 'open', stream: 'b' });
    await sender.write({ kind: 'add', stream: 'b', n: 1 });
    await sender.write({ kind: 'add', stream: 'b', n: 2 });
    expect(await sender.sync()).toEqual({ sent: 3, pending: 1, failed: 0 });
    expect(delivery.delivered).toEqual(['b:open', 'b:add1', 'b:add2']);
    expect(delivery.groups).toEqual([1, 2]);
    await sender.write({ kind: 'open', stream: 'a' });
    // The held entry is older than the open, so stream a waits again; opening it out of band lets it go.
    expect(await sender.sync()).toMatchObject({ sent: 0, pending: 2 });
    delivery.open.add('a');
    expect(await sender.sync()).toEqual({ sent: 2, pending: 0, failed: 0 });
  });

  it('moves a rejected entry to failed/ and goes on; stops and keeps everything while the server is down', async () => {
    const delivery = new FakeDelivery();
    const warnings: string[] = [];
    const sender = newSender(delivery, warnings);
    await sender.write({ kind: 'bad', stream: 'x' });
    await sender.write({ kind: 'open', stream: 'y' });
    expect(await sender.sync()).toEqual({ sent: 1, pending: 0, failed: 1 });
    expect(warnings[0]).toMatch(/a bad write was rejected/);
    delivery.down = true;
    await sender.write({ kind: 'add', stream: 'y', n: 1 });
    expect(await sender.sync()).toEqual({ sent: 0, pending: 1, failed: 1, error: 'down' });
    expect(warnings.at(-1)).toMatch(/1 write\(s\) are journaled/);
    delivery.down = false;
    expect(await sender.sync()).toEqual({ sent: 1, pending: 0, failed: 1 });
    expect(warnings.at(-1)).toBe('fake server is reachable again; journaled writes sent.');
  });

  it('says a setup error that stops every pass once, again only when it changes or after a pass went through', async () => {
    const delivery = new FakeDelivery();
    const warnings: string[] = [];
    const sender = newSender(delivery, warnings);
    delivery.setupError = 'artifacts are not proxied';
    await sender.write({ kind: 'open', stream: 'a' });
    for (let pass = 0; pass < 5; pass += 1) {
      // Every pass stops and keeps the write, and says why in its result.
      expect(await sender.sync()).toEqual({
        sent: 0,
        pending: 1,
        failed: 0,
        error: 'setup: artifacts are not proxied',
      });
    }
    expect(warnings).toEqual(['setup: artifacts are not proxied']);
    delivery.setupError = 'bad credentials';
    await sender.sync();
    await sender.sync();
    expect(warnings).toEqual(['setup: artifacts are not proxied', 'setup: bad credentials']);
    delivery.setupError = undefined;
    expect(await sender.sync()).toEqual({ sent: 1, pending: 0, failed: 0 });
    // Fixed, then broken again the same way: said again, once.
    delivery.setupError = 'bad credentials';
    await sender.write({ kind: 'add', stream: 'a', n: 1 });
    await sender.sync();
    await sender.sync();
    expect(warnings).toEqual([
      'setup: artifacts are not proxied',
      'setup: bad credentials',
      'setup: bad credentials',
    ]);
  });

  it('after an outage, sends what is journaled once the server is back, with nothing new written', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const delivery = new FakeDelivery();
      const warnings: string[] = [];
      const outbox = new Outbox<Entry>({ dir: mkdtempSync(path.join(os.tmpdir(), 'sender-')) });
      const sender = new JournaledSender<Entry>({ outbox, delivery, warn: (m) => warnings.push(m) });
      delivery.down = true;
      await sender.write({ kind: 'open', stream: 'a' });
      expect(outbox.pendingCount()).toBe(1);
      delivery.down = false;
      // The first automatic retry comes 5 s after the outage was seen.
      await vi.advanceTimersByTimeAsync(4_000);
      expect(delivery.delivered).toEqual([]);
      await vi.advanceTimersByTimeAsync(1_500);
      expect(delivery.delivered).toEqual(['a:open']);
      expect(outbox.pendingCount()).toBe(0);
      expect(warnings.at(-1)).toBe('fake server is reachable again; journaled writes sent.');
      sender.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('sends deferrable entries together, at most once per flush interval, and at once with a later entry that takes them along', async () => {
    const delivery = new FakeDelivery();
    delivery.deferAdds = true;
    delivery.open.add('a');
    const outbox = new Outbox<Entry>({ dir: mkdtempSync(path.join(os.tmpdir(), 'sender-')) });
    const sender = new JournaledSender<Entry>({
      outbox,
      delivery,
      warn: () => undefined,
      flushIntervalMs: 400,
    });
    const started = Date.now();
    // Three writes in a row wait for one flush, one interval after the first.
    const adds = [1, 2, 3].map((n) => sender.write({ kind: 'add', stream: 'a', n }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(delivery.delivered).toEqual([]);
    await Promise.all(adds);
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect(delivery.groups).toEqual([3]);
    // A non-deferrable write goes out at once and takes the waiting entries of its stream along.
    const more = [4, 5].map((n) => sender.write({ kind: 'add', stream: 'a', n }));
    const before = Date.now();
    await sender.write({ kind: 'close', stream: 'a' });
    await Promise.all(more);
    expect(Date.now() - before).toBeLessThan(300);
    expect(delivery.groups).toEqual([3, 3]);
    expect(delivery.delivered.slice(3)).toEqual(['a:add4', 'a:add5', 'a:close']);
    // A waiting entry does not hold back a later entry of its stream that cannot join it.
    delivery.open.add('d');
    const first = sender.write({ kind: 'add', stream: 'd', n: 1 });
    const beforeOpen = Date.now();
    await sender.write({ kind: 'open', stream: 'd' });
    await first;
    expect(Date.now() - beforeOpen).toBeLessThan(300);
    expect(delivery.delivered.slice(-2)).toEqual(['d:add1', 'd:open']);
    // Other streams' waiting entries stay for their flush; an explicit sync sends everything.
    delivery.open.add('b');
    const waiting = sender.write({ kind: 'add', stream: 'b', n: 1 });
    await sender.write({ kind: 'open', stream: 'c' });
    expect(delivery.delivered.at(-1)).toBe('c:open');
    expect(await sender.sync()).toEqual({ sent: 1, pending: 0, failed: 0 });
    await waiting;
    expect(delivery.delivered.at(-1)).toBe('b:add1');
    sender.close();
  });

  it('a new sender sends what an earlier process left journaled, without a write of its own', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sender-'));
    const earlier = new Outbox<Entry>({ dir });
    earlier.append({ kind: 'open', stream: 'a' });
    const delivery = new FakeDelivery();
    const sender = new JournaledSender<Entry>({
      outbox: new Outbox<Entry>({ dir }),
      delivery,
      warn: () => undefined,
    });
    await vi.waitFor(() => expect(delivery.delivered).toEqual(['a:open']));
    expect(sender.outbox.pendingCount()).toBe(0);
    sender.close();
  });

  it('a new sender sends what an earlier process left, also when that process died holding the send lock', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sender-'));
    const earlier = new Outbox<Entry>({ dir });
    earlier.append({ kind: 'open', stream: 'a' });
    earlier.append({ kind: 'add', stream: 'a', n: 1 });
    earlier.append({ kind: 'add', stream: 'a', n: 2 });
    // SIGKILLed while sending: its lock stays behind, naming a process that is gone.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(path.join(dir, 'sync.lock'), JSON.stringify({ pid: dead, host: os.hostname(), time: 1 }));
    const delivery = new FakeDelivery();
    delivery.deferAdds = true;
    const sender = new JournaledSender<Entry>({
      outbox: new Outbox<Entry>({ dir }),
      delivery,
      warn: () => undefined,
      flushIntervalMs: 50,
    });
    await vi.waitFor(() => expect(delivery.delivered).toEqual(['a:open', 'a:add1', 'a:add2']), {
      timeout: 5000,
    });
    expect(sender.outbox.pendingCount()).toBe(0);
    sender.close();
  });

  it('sends what it left to another process that was sending, when that process ends without sending it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sender-'));
    const other = new Outbox<Entry>({ dir });
    const release = await other.acquireLock();
    expect(release).toBeDefined();
    const delivery = new FakeDelivery();
    const sender = new JournaledSender<Entry>({
      outbox: new Outbox<Entry>({ dir }),
      delivery,
      warn: () => undefined,
    });
    await sender.write({ kind: 'open', stream: 'a' }); // left to the holder
    expect(delivery.delivered).toEqual([]);
    release!(); // ends (killed, say) without the recheck a sender makes after its pass
    await vi.waitFor(() => expect(delivery.delivered).toEqual(['a:open']), { timeout: 10_000 });
    sender.close();
  });
});
