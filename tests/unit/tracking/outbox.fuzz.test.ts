/**
 * Generated damage to outbox entries (issue 20, item 2): bit flips, truncations of every length class,
 * torn writes, unknown format versions, garbage, empty files, JSON that is no entry, entries of the
 * previous release cut short, mixed with good entries of this release and of the previous one. Every
 * case syncs against a fake delivery that counts metric points: nothing crashes, every good entry is
 * delivered once with all its points, every damaged one is quarantined as it was found and reported.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toJson } from '../../../src/tracking/json-numbers.js';
import { newEntryId } from '../../../src/tracking/outbox.js';
import { checkFuzz } from '../../fuzz-support.js';
import {
  countingSender,
  samePoints,
  sealedEntry,
  writeLegacyEntry,
  writeRaw,
  type PointsEntry,
} from './outbox-damage.js';

/**
 * Outboxes in memory where the system has a memory file system: the property is about the bytes, and
 * each append's fsyncs (still made) then cost microseconds, not milliseconds of a shared disk.
 */
const ROOT = existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();

/** Damaged entries per case: CASES × this ≥ the issue's 1,000. */
const DAMAGED_PER_CASE = 4;
const CASES = 250;

const body = fc.record({
  stream: fc.constantFrom('trial-a', 'trial-b', 'trial-c'),
  points: fc.array(fc.oneof(fc.double(), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0)), {
    maxLength: 12,
  }),
});
/** A position in a file as a fraction of its length (in millionths), so it fits any length. */
const at = fc.integer({ min: 0, max: 999_999 });

type Damage =
  | { kind: 'flip'; bits: number[] }
  | { kind: 'truncate'; lengthClass: 'empty' | 'one' | 'header' | 'body' | 'last'; at: number }
  | { kind: 'torn'; at: number; fill: 'zeros' | 'garbage'; garbage: Uint8Array }
  | { kind: 'version'; format: number }
  | { kind: 'garbage'; bytes: Uint8Array }
  | { kind: 'text'; text: string }
  | { kind: 'json'; value: unknown }
  | { kind: 'empty' }
  | { kind: 'legacy-cut'; at: number }
  | { kind: 'legacy-not-a-write'; value: unknown }
  | { kind: 'other-kind' }
  | { kind: 'other-id' };

const damage: fc.Arbitrary<Damage> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('flip'),
      bits: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('truncate'),
      lengthClass: fc.constantFrom('empty', 'one', 'header', 'body', 'last'),
      at,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('torn'),
      at,
      fill: fc.constantFrom('zeros', 'garbage'),
      garbage: fc.uint8Array({ minLength: 1, maxLength: 64 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('version'), format: fc.nat().filter((v) => v !== 2) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('garbage'), bytes: fc.uint8Array({ maxLength: 300 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('text'), text: fc.string({ unit: 'binary', maxLength: 200 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('json'), value: fc.jsonValue({ maxDepth: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('empty') }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('legacy-cut'), at }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('legacy-not-a-write'),
      value: fc
        .jsonValue({ maxDepth: 2 })
        .filter((v) => !(typeof v === 'object' && v !== null && 'stream' in v)),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('other-kind') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('other-id') }) },
) as fc.Arbitrary<Damage>;

/** The bytes a damage leaves of entry `id` holding `entry`. */
function damaged(id: string, entry: PointsEntry, d: Damage): Buffer {
  const good = sealedEntry(id, entry);
  const cutAt = (lo: number, hi: number, frac: number) => lo + Math.floor(((hi - lo) * frac) / 1_000_000);
  switch (d.kind) {
    case 'flip': {
      const bytes = Buffer.from(good);
      // Distinct bits: a bit flipped twice would be no damage.
      for (const bit of new Set(d.bits.map((b) => b % (good.length * 8)))) bytes[bit >> 3]! ^= 1 << (bit & 7);
      return bytes;
    }
    case 'truncate': {
      const header = good.indexOf('",', good.indexOf('"sha256"')) + 2;
      const length = {
        empty: 0,
        one: 1,
        header: cutAt(2, header, d.at),
        body: cutAt(header, good.length - 1, d.at),
        last: good.length - 1,
      }[d.lengthClass];
      return good.subarray(0, length);
    }
    case 'torn': {
      const kept = cutAt(0, good.length - 1, d.at);
      const fill = Buffer.alloc(good.length - kept);
      if (d.fill === 'garbage')
        for (let i = 0; i < fill.length; i += 1) fill[i] = d.garbage[i % d.garbage.length]!;
      const torn = Buffer.concat([good.subarray(0, kept), fill]);
      // Garbage that happens to be the missing bytes is a whole entry, not a torn one.
      return torn.equals(good) ? good.subarray(0, kept) : torn;
    }
    case 'version':
      return sealedEntry(id, entry, d.format);
    case 'garbage':
      return Buffer.from(d.bytes);
    case 'text':
      return Buffer.from(d.text, 'utf8');
    case 'json':
      return Buffer.from(JSON.stringify(d.value));
    case 'empty':
      return Buffer.alloc(0);
    case 'legacy-cut': {
      const legacy = Buffer.from(toJson({ id, body: entry }));
      return legacy.subarray(0, cutAt(0, legacy.length - 1, d.at));
    }
    case 'legacy-not-a-write':
      return Buffer.from(toJson({ id, body: d.value }));
    case 'other-kind':
      return sealedEntry(id, entry, 2, 'seedsweep-trial-run');
    case 'other-id':
      return sealedEntry(newEntryId(), entry);
  }
}

describe('outbox under generated damage', () => {
  it(`quarantines ≥ ${CASES * DAMAGED_PER_CASE} damaged entries and delivers every good one`, async () => {
    const totals = { cases: 0, damaged: 0, quarantined: 0, good: 0, points: 0, lostPoints: 0, crashes: 0 };
    const kinds = new Map<string, number>();
    const property = fc.asyncProperty(
      fc.array(fc.record({ good: body, legacy: fc.boolean(), order: fc.nat() }), { maxLength: 6 }),
      fc.array(fc.record({ damage, entry: body, order: fc.nat() }), {
        minLength: DAMAGED_PER_CASE,
        maxLength: DAMAGED_PER_CASE,
      }),
      async (goods, damages) => {
        const dir = mkdtempSync(path.join(ROOT, 'outbox-fuzz-'));
        try {
          const { outbox, delivery, warnings, sender } = countingSender(dir);
          // Interleaved in journal order, so damaged entries sit between good ones of the same stream.
          const written = new Map<string, number[]>();
          const broken = new Map<string, Buffer>();
          for (const next of [...goods, ...damages].sort((a, b) => a.order - b.order)) {
            if ('good' in next) {
              const id = next.legacy ? writeLegacyEntry(outbox, next.good) : outbox.append(next.good);
              written.set(id, next.good.points);
            } else {
              const id = newEntryId();
              const bytes = damaged(id, next.entry, next.damage);
              writeRaw(outbox, id, bytes);
              broken.set(id, bytes);
              kinds.set(next.damage.kind, (kinds.get(next.damage.kind) ?? 0) + 1);
            }
          }
          let result;
          try {
            result = await sender.sync();
          } catch (error) {
            totals.crashes += 1;
            throw error;
          }
          expect(result).toEqual({ sent: written.size, pending: 0, failed: 0, quarantined: broken.size });
          // Every good entry once, with every point (NaN and -0 as 0).
          expect(delivery.deliveries).toBe(written.size);
          for (const [id, points] of written) {
            if (!samePoints(delivery.points.get(id), points)) totals.lostPoints += points.length;
            expect(samePoints(delivery.points.get(id), points), `points of ${id}`).toBe(true);
          }
          // Every damaged one set aside as it was found, with a reason, and said once.
          const quarantine = path.join(dir, 'quarantine');
          for (const [id, bytes] of broken) {
            expect(
              readFileSync(path.join(quarantine, `${id}.json`)).equals(bytes),
              `${id} kept as found`,
            ).toBe(true);
            const note = JSON.parse(readFileSync(path.join(quarantine, `${id}.reason`), 'utf8')) as {
              reason: string;
            };
            expect(note.reason.length).toBeGreaterThan(0);
          }
          expect(
            outbox
              .quarantined()
              .map((q) => q.id)
              .sort(),
          ).toEqual([...broken.keys()].sort());
          expect(warnings.filter((w) => w.includes('quarantine'))).toHaveLength(1);
          expect(readdirSync(path.join(dir, 'pending'))).toEqual([]);
          totals.cases += 1;
          totals.damaged += broken.size;
          totals.quarantined += outbox.quarantinedCount();
          totals.good += written.size;
          totals.points += [...written.values()].reduce((n, p) => n + p.length, 0);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    );
    const runs = await checkFuzz('outbox-entries', property, CASES, { timeoutMs: 20_000 });
    console.log(
      `outbox fuzz: ${totals.cases} cases, ${totals.damaged} damaged entries (${[...kinds]
        .map(([k, n]) => `${k} ${n}`)
        .join(
          ', ',
        )}), ${totals.quarantined} quarantined, ${totals.good} good entries with ${totals.points} ` +
        `points delivered, ${totals.lostPoints} points lost, ${totals.crashes} crashes`,
    );
    expect(runs).toBeGreaterThanOrEqual(CASES);
    expect(totals.damaged).toBeGreaterThanOrEqual(CASES * DAMAGED_PER_CASE);
    expect(totals.quarantined).toBe(totals.damaged);
  });
});
