/**
 * A set of plan indices as a short string, for the state a sweep carries across continue-as-new:
 * `r:0-999,1005` (ranges, what a sweep that runs its plan in order produces), `l:<runs>` (the
 * lengths of alternating runs of absent and present indices in base 36, starting with absent: a long
 * run with scattered holes, e.g. every trial finished but 1 % failed, costs ~5 characters a hole
 * where ranges cost ~14) or `b:<hex>` (a bitmap, bit i of byte ⌊i/8⌋, for dense scattered sets),
 * whichever is shortest. A 1,000,000-trial set is at most 250 KB (the bitmap), ~50 KB with 1 % holes.
 * Pure and deterministic: workflow code.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';

/** The string of a set of non-negative integer indices (any order, duplicates allowed). */
export function encodeIndexSet(indices: Iterable<number>): string {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const ranges: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    ranges.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  const asRanges = `r:${ranges.join(',')}`;
  const last = sorted.at(-1);
  if (last === undefined) return asRanges;
  const bits = new Uint8Array((last >> 3) + 1);
  for (const i of sorted) bits[i >> 3]! |= 1 << (i & 7);
  const asBitmap = `b:${bytesToHex(bits)}`;
  const asRuns = `l:${runLengths(sorted)
    .map((n) => n.toString(36))
    .join(',')}`;
  // Ties keep the older encodings (ranges, then bitmap), so small sets read as before.
  return [asBitmap, asRuns].reduce((best, s) => (s.length < best.length ? s : best), asRanges);
}

/** Lengths of the alternating absent/present runs of ascending distinct `sorted`, absent first. */
function runLengths(sorted: readonly number[]): number[] {
  const runs: number[] = [];
  let next = 0; // first index not yet covered
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    runs.push(sorted[i]! - next, sorted[j]! - sorted[i]! + 1);
    next = sorted[j]! + 1;
    i = j + 1;
  }
  return runs;
}

/** The indices of an {@link encodeIndexSet} string, ascending; throws on a malformed one. */
export function decodeIndexSet(text: string): number[] {
  if (text.startsWith('b:')) {
    const bits = hexToBytes(text.slice(2));
    const out: number[] = [];
    bits.forEach((byte, b) => {
      for (let k = 0; k < 8; k++) if (byte & (1 << k)) out.push(b * 8 + k);
    });
    return out;
  }
  if (text.startsWith('l:')) return decodeRuns(text.slice(2));
  if (!text.startsWith('r:')) throw new Error(`not an index set: ${text.slice(0, 20)}`);
  const out: number[] = [];
  for (const part of text.slice(2).split(',')) {
    if (part === '') continue;
    const [from, to = from] = part.split('-').map(Number) as [number, number?];
    if (!Number.isInteger(from) || !Number.isInteger(to) || to < from)
      throw new Error(`not an index range: ${part}`);
    for (let i = from; i <= to; i++) out.push(i);
  }
  return out;
}

/** The indices of `l:` run lengths (absent, present, absent, …; base 36). */
function decodeRuns(text: string): number[] {
  const out: number[] = [];
  let at = 0;
  const parts = text === '' ? [] : text.split(',');
  parts.forEach((part, k) => {
    const length = parseInt(part, 36);
    if (!/^[0-9a-z]+$/.test(part) || !Number.isSafeInteger(length))
      throw new Error(`not an index run: ${part}`);
    if (k % 2 === 1) for (let i = 0; i < length; i++) out.push(at + i);
    at += length;
  });
  return out;
}
