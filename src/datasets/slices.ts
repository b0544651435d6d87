/**
 * Seeded stratified slices of a store: per class, a seeded permutation of that class's images,
 * of which the first k are taken (k proportional to the class's share, largest remainder).
 * Smaller slices with the same seed are therefore subsets of larger ones.
 */
import { createHash } from 'node:crypto';
import { createRng, shuffleInPlace, stringSeed } from './random.js';
import type { ImageStore } from './types.js';

const SLICING_VERSION = 'stratified-v1';

/** Options of {@link stratifiedSlice}. */
export interface StratifiedSliceOptions {
  /** Class label of every store image. */
  labels: Uint8Array;
  /** First store index of the split (inclusive). */
  begin: number;
  /** End of the split (exclusive). */
  end: number;
  /** Images to take, `0 < size <= end - begin`. */
  size: number;
  /** Slice seed. */
  seed: number;
  /** Names the split, so train and test draw from different random streams. */
  stream: string;
}

/** Store indices of the slice, ascending. */
export function stratifiedSlice(options: StratifiedSliceOptions): Int32Array {
  const { labels, begin, end, size, seed, stream } = options;
  const total = end - begin;
  if (size === total) return Int32Array.from({ length: total }, (_, i) => begin + i);
  const byClass = new Map<number, number[]>();
  for (let i = begin; i < end; i += 1) {
    const label = labels[i] as number;
    let members = byClass.get(label);
    if (!members) byClass.set(label, (members = []));
    members.push(i);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  // Largest-remainder apportionment of `size` over the classes (ties: lower label first).
  const quotas = classes.map((label) => ((byClass.get(label) as number[]).length * size) / total);
  const take = quotas.map(Math.floor);
  let left = size - take.reduce((a, b) => a + b, 0);
  const order = classes
    .map((_, i) => i)
    .sort(
      (a, b) =>
        (quotas[b] as number) - (take[b] as number) - ((quotas[a] as number) - (take[a] as number)) || a - b,
    );
  for (const i of order) {
    if (left === 0) break;
    take[i] = (take[i] as number) + 1;
    left -= 1;
  }
  const chosen: number[] = [];
  classes.forEach((label, i) => {
    const members = Int32Array.from(byClass.get(label) as number[]);
    shuffleInPlace(members, createRng(seed, stringSeed(stream), label));
    for (let k = 0; k < (take[i] as number); k += 1) chosen.push(members[k] as number);
  });
  return Int32Array.from(chosen).sort();
}

/** Options of {@link splitFingerprint}. */
export interface SplitFingerprintOptions {
  store: Pick<ImageStore, 'fingerprint' | 'count' | 'trainCount'>;
  trainSize: number;
  testSize: number;
  sliceSeed: number;
}

/** Hash of the store's fingerprint and the resolved slice parameters (the seed only matters for partial slices). */
export function splitFingerprint(options: SplitFingerprintOptions): string {
  const { store, trainSize, testSize, sliceSeed } = options;
  const partial = trainSize < store.trainCount || testSize < store.count - store.trainCount;
  const canonical = JSON.stringify({
    slicing: SLICING_VERSION,
    store: store.fingerprint,
    trainSize,
    testSize,
    sliceSeed: partial ? sliceSeed : null,
  });
  return createHash('sha256').update(canonical).digest('hex');
}
