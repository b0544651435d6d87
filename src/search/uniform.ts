/**
 * A small seeded PRNG for random search (mulberry32 seeded through splitmix32). Pure JS and
 * deterministic on every platform: expansion runs inside Temporal workflow code, where Math.random is
 * replaced and Node built-ins are off limits.
 */
import { mulberry32 } from '../core/common/random.js';

/** A stream of uniform numbers in [0, 1). */
export type Uniform = () => number;

/** splitmix32 scramble, so nearby seeds (0, 1, 2…) start far apart. */
function splitmix32(seed: number): number {
  let z = (seed + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * A seeded uniform generator.
 * @param seed Any integer; equal seeds give equal streams.
 */
export function seededUniform(seed: number): Uniform {
  return mulberry32(splitmix32(seed));
}

/** Rounds to `digits` significant digits, so sampled floats are short in labels and stable across platforms. */
export function roundSignificant(value: number, digits = 6): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  return Number(value.toPrecision(digits));
}
