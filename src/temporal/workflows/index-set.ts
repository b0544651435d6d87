/**
 * A set of plan indices as a short string, for the state a sweep carries across continue-as-new:
 * `r:0-999,1005` (ranges, what a sweep that runs its plan in order produces) or `b:<hex>` (a bitmap,
 * bit i of byte ⌊i/8⌋, for scattered sets), whichever is shorter. A 100,000-trial set is at most
 * 25 KB either way. Pure and deterministic: workflow code.
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
  return asBitmap.length < asRanges.length ? asBitmap : asRanges;
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
