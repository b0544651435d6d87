/**
 * mulberry32: a tiny seeded PRNG with 32-bit state, integer arithmetic only, so every platform draws
 * the same stream. Pure (no imports): workflow code, threads and analysis all use it.
 */

/** A generator of uniform floats in [0, 1) from a 32-bit seed. Not thread-safe; one per consumer. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
