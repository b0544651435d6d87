/**
 * Shared by the outbox's damage tests: a fake delivery that counts metric points, and ways to write
 * good entries (this release's and the previous release's) and damaged ones into an outbox folder.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  JournaledSender,
  type Delivery,
  type DeliveryErrorKind,
} from '../../../src/tracking/journaled-sender.js';
import { toJson } from '../../../src/tracking/json-numbers.js';
import { newEntryId, Outbox, type OutboxEntry } from '../../../src/tracking/outbox.js';
import { seal } from '../../../src/tracking/sealed-json.js';

/** A write of metric points to a stream (a trial). */
export interface PointsEntry {
  stream: string;
  points: number[];
}

/** Delivers every group at once and keeps what it got; rejects nothing, is never down. */
export class CountingDelivery implements Delivery<PointsEntry> {
  readonly target = 'counting fake';
  /** Delivered points by entry id (an entry delivered twice would show up twice in `deliveries`). */
  readonly points = new Map<string, number[]>();
  deliveries = 0;
  streamsOf(entry: PointsEntry): [string, ...string[]] {
    // Like a real delivery: it reads the fields it needs and fails on a body without them.
    if (typeof entry.stream !== 'string') throw new TypeError('entry.stream is not a string');
    return [entry.stream];
  }
  joins(): boolean {
    return true;
  }
  deferrable(): boolean {
    return false;
  }
  describe(): string {
    return 'a points write';
  }
  classify(): DeliveryErrorKind {
    return 'reject';
  }
  async deliver(group: OutboxEntry<PointsEntry>[]): Promise<void> {
    for (const { id, body } of group) {
      this.deliveries += 1;
      this.points.set(id, [...(this.points.get(id) ?? []), ...body.points]);
    }
  }
}

/** The outbox's own salt for entry checksums (kept in step with outbox.ts by the tests that use it). */
export const ENTRY_SEAL_KIND = 'seedsweep-outbox-entry';

/** Writes an entry as the previous release did: plain JSON, no checksum, no format. */
export function writeLegacyEntry(outbox: Outbox<PointsEntry>, body: PointsEntry): string {
  const id = newEntryId();
  writeFileSync(path.join(outbox.dir, 'pending', `${id}.json`), toJson({ id, body }));
  return id;
}

/** The bytes this release writes for entry `id` (what `append` puts in the file). */
export function sealedEntry(id: string, body: PointsEntry, format = 2, kind = ENTRY_SEAL_KIND): Buffer {
  return Buffer.from(seal(kind, format, toJson({ id, body })));
}

/** Puts `bytes` in the outbox as pending entry file `<id>.json`, as a damaged disk or a bad copy would. */
export function writeRaw(outbox: Outbox<PointsEntry>, id: string, bytes: Uint8Array): void {
  writeFileSync(path.join(outbox.dir, 'pending', `${id}.json`), bytes);
}

/** Same points, NaN included (the outbox keeps NaN and ±Infinity; -0 is written as 0, as JSON does). */
export function samePoints(a: number[] | undefined, b: number[]): boolean {
  return a !== undefined && a.length === b.length && a.every((v, i) => v === b[i] || Object.is(v, b[i]));
}

/** An outbox in `dir` with a sender over a {@link CountingDelivery}, syncing only when told; warnings collected. */
export function countingSender(dir: string) {
  const outbox = new Outbox<PointsEntry>({ dir });
  const delivery = new CountingDelivery();
  const warnings: string[] = [];
  const sender = new JournaledSender<PointsEntry>({
    outbox,
    delivery,
    autoSync: false,
    warn: (m) => warnings.push(m),
  });
  return { outbox, delivery, warnings, sender };
}
