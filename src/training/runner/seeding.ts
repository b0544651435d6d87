/**
 * Seeded pseudo-random numbers for training: per-layer initialiser seeds and per-epoch data order.
 * Everything derives from the trial seed and a label, never from the clock or `Math.random`, so the
 * same seed gives the same data order in every variant (common random numbers for paired tests).
 */
import { mulberry32 } from '../../core/common/random.js';

/** Largest seed value a derived seed can take (seeds are unsigned 32-bit integers). */
export const MAX_SEED = 0xffffffff;

/**
 * A 32-bit seed derived from a base seed and labels (e.g. `deriveSeed(7, 'layer', 2)`), by hashing
 * their text with MurmurHash3's 32-bit mixer. Distinct labels give unrelated streams.
 */
export function deriveSeed(base: number, ...labels: (string | number)[]): number {
  const text = [String(base), ...labels.map(String)].join('/');
  let h = 0x9e3779b9 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x5bd1e995);
    h ^= h >>> 13;
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A seeded generator of floats in [0, 1) (mulberry32: 32-bit state, passes PractRand to 2^32 outputs,
 * far beyond what one shuffle draws).
 */
export function createRandom(seed: number): () => number {
  return mulberry32(seed);
}

/** Options of {@link epochPermutation}. */
export interface EpochPermutationOptions {
  /** The trial seed. */
  seed: number;
  /** 1-based epoch number. */
  epoch: number;
  /** Number of items to permute (the training slice size). */
  length: number;
}

/**
 * The order in which epoch `epoch` visits the training slice: a Fisher–Yates permutation of
 * `0..length-1` that depends on (seed, epoch, length) only.
 */
export function epochPermutation(options: EpochPermutationOptions): Int32Array {
  const { seed, epoch, length } = options;
  const random = createRandom(deriveSeed(seed, 'shuffle', epoch));
  const order = new Int32Array(length);
  for (let i = 0; i < length; i++) order[i] = i;
  for (let i = length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = order[i]!;
    order[i] = order[j]!;
    order[j] = tmp;
  }
  return order;
}
