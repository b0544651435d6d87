/**
 * The numbers EDA reports, each checking an assumption the architectures make: pixel range,
 * per-channel moments, class balance, and spatial correlation against a pixel-shuffled control.
 */
import jStat from 'jstat';
import { createRng, shuffleInPlace } from '../../datasets/random.js';
import { IMAGE_BYTES, IMAGE_CHANNELS, IMAGE_HEIGHT, IMAGE_WIDTH } from '../../datasets/types.js';

const PIXELS = IMAGE_HEIGHT * IMAGE_WIDTH;
/** jStat's chi-square distribution (the shared typings in src/reporting/analysis/jstat.d.ts omit it). */
const chiSquareDistribution = (jStat as unknown as { chisquare: { cdf(x: number, dof: number): number } })
  .chisquare;

/** Minimum and maximum of a value set. */
export interface ValueRange {
  min: number;
  max: number;
}

/** Mean and standard deviation of one colour channel over a set of images. */
export interface ChannelMoments {
  channel: 'red' | 'green' | 'blue';
  /** In normalised units ([0, 1]). */
  mean: number;
  /** Population standard deviation, normalised units. */
  std: number;
}

/** Options shared by the per-image statistics: a set of NHWC uint8 images chosen by index. */
export interface ImageSetOptions {
  /** NHWC uint8 pixels of a store. */
  images: Uint8Array;
  /** Which images to include. */
  indices: Int32Array;
}

/** Per-channel mean and std (in [0, 1] units) of the chosen images; sums are exact integers. */
export function channelMoments(options: ImageSetOptions): ChannelMoments[] {
  const { images, indices } = options;
  const sum = [0, 0, 0];
  const sumSquares = [0, 0, 0];
  for (const index of indices) {
    const base = index * IMAGE_BYTES;
    // Per-image integer partial sums stay small; adding them to the doubles keeps the totals exact.
    let s0 = 0, s1 = 0, s2 = 0, q0 = 0, q1 = 0, q2 = 0; // prettier-ignore
    for (let o = base; o < base + IMAGE_BYTES; o += 3) {
      const r = images[o] as number;
      const g = images[o + 1] as number;
      const b = images[o + 2] as number;
      s0 += r;
      s1 += g;
      s2 += b;
      q0 += r * r;
      q1 += g * g;
      q2 += b * b; // prettier-ignore
    }
    sum[0] = (sum[0] as number) + s0;
    sum[1] = (sum[1] as number) + s1;
    sum[2] = (sum[2] as number) + s2; // prettier-ignore
    sumSquares[0] = (sumSquares[0] as number) + q0;
    sumSquares[1] = (sumSquares[1] as number) + q1;
    sumSquares[2] = (sumSquares[2] as number) + q2; // prettier-ignore
  }
  const n = indices.length * PIXELS;
  return (['red', 'green', 'blue'] as const).map((channel, c) => {
    const mean = (sum[c] as number) / n;
    const variance = Math.max(0, (sumSquares[c] as number) / n - mean * mean);
    return { channel, mean: mean / 255, std: Math.sqrt(variance) / 255 };
  });
}

/** Range of the raw bytes of the chosen images. */
export function byteRange(options: ImageSetOptions): ValueRange {
  const { images, indices } = options;
  let min = 255;
  let max = 0;
  for (const index of indices) {
    const base = index * IMAGE_BYTES;
    for (let o = base; o < base + IMAGE_BYTES; o += 1) {
      const v = images[o] as number;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return indices.length === 0 ? { min: Number.NaN, max: Number.NaN } : { min, max };
}

/** Range of float values (e.g. a normalised batch), folded into a running range. */
export function foldRange(range: ValueRange, values: Float32Array): ValueRange {
  let { min, max } = range;
  // Indexed loop: for-of over a typed array goes through the iterator protocol, ~10× slower here.
  for (let i = 0; i < values.length; i += 1) {
    const v = values[i] as number;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/** Chi-square goodness-of-fit test of class counts against equal class frequencies. */
export interface ClassBalance {
  /** Images per class, in label order. */
  counts: number[];
  total: number;
  /** Σ (observed − expected)² / expected, expected = total / classes. */
  chiSquare: number;
  degreesOfFreedom: number;
  /** P(χ² ≥ statistic) under balance; high means no evidence of imbalance. */
  pValue: number;
  /** Largest count divided by the smallest (1 = perfectly balanced). */
  maxMinRatio: number;
}

/** Counts the chosen images' labels and tests them against a uniform class distribution. */
export function classBalance(options: {
  labels: Uint8Array;
  indices: Int32Array;
  classCount: number;
}): ClassBalance {
  const { labels, indices, classCount } = options;
  const counts = new Array<number>(classCount).fill(0);
  for (const index of indices) {
    const label = labels[index] as number;
    counts[label] = (counts[label] ?? 0) + 1;
  }
  const total = indices.length;
  const expected = total / classCount;
  const chiSquare = counts.reduce((acc, observed) => acc + (observed - expected) ** 2 / expected, 0);
  const degreesOfFreedom = classCount - 1;
  const pValue =
    total === 0
      ? Number.NaN
      : Math.min(1, Math.max(0, 1 - chiSquareDistribution.cdf(chiSquare, degreesOfFreedom)));
  const min = Math.min(...counts);
  return {
    counts,
    total,
    chiSquare,
    degreesOfFreedom,
    pValue,
    maxMinRatio: min === 0 ? Number.POSITIVE_INFINITY : Math.max(...counts) / min,
  };
}

/** Correlation of pixel values at distances 1…maxDistance, per direction. `null` where undefined (no variance). */
export interface CorrelationCurve {
  horizontal: (number | null)[];
  vertical: (number | null)[];
}

/** Both correlation variants of one image set. */
export interface SpatialCorrelation {
  /**
   * Pearson correlation of the values of pixel pairs (same channel) at distance d, pooled over all
   * images and channels. Includes between-image differences (e.g. overall brightness).
   */
  pooled: CorrelationCurve;
  /**
   * The same after subtracting each image's own per-channel mean: only the arrangement of pixels
   * inside an image counts, so a pixel-shuffled image scores ≈0.
   */
  withinImage: CorrelationCurve;
}

const STATS = 6; // n, Σa, Σb, Σa², Σb², Σab

/** Options of {@link spatialCorrelation}. */
export interface SpatialCorrelationOptions extends ImageSetOptions {
  /** Largest pixel distance. @default 8 */
  maxDistance?: number;
}

/** Pixel-pair correlations at distance 1…maxDistance, horizontally and vertically, in both variants. */
export function spatialCorrelation(options: SpatialCorrelationOptions): SpatialCorrelation {
  const { images, indices } = options;
  const maxDistance = options.maxDistance ?? 8;
  // Accumulators: [variant 0 raw | 1 centred][direction 0 h | 1 v][distance-1][stat]
  const acc = new Float64Array(2 * 2 * maxDistance * STATS);
  const slot = (variant: number, direction: number, d: number): number =>
    ((variant * 2 + direction) * maxDistance + (d - 1)) * STATS;
  const plane = new Float64Array(PIXELS);
  const centred = new Float64Array(PIXELS);
  for (const index of indices) {
    const base = index * IMAGE_BYTES;
    for (let c = 0; c < IMAGE_CHANNELS; c += 1) {
      let mean = 0;
      for (let p = 0; p < PIXELS; p += 1) {
        const v = images[base + p * IMAGE_CHANNELS + c] as number;
        plane[p] = v;
        mean += v;
      }
      mean /= PIXELS;
      for (let p = 0; p < PIXELS; p += 1) centred[p] = (plane[p] as number) - mean;
      for (let d = 1; d <= maxDistance; d += 1) {
        accumulatePairs({ acc, at: slot(0, 0, d), values: plane, dx: d, dy: 0 });
        accumulatePairs({ acc, at: slot(0, 1, d), values: plane, dx: 0, dy: d });
        accumulatePairs({ acc, at: slot(1, 0, d), values: centred, dx: d, dy: 0 });
        accumulatePairs({ acc, at: slot(1, 1, d), values: centred, dx: 0, dy: d });
      }
    }
  }
  const curve = (variant: number): CorrelationCurve => ({
    horizontal: Array.from({ length: maxDistance }, (_, i) => pearson(acc, slot(variant, 0, i + 1))),
    vertical: Array.from({ length: maxDistance }, (_, i) => pearson(acc, slot(variant, 1, i + 1))),
  });
  return { pooled: curve(0), withinImage: curve(1) };
}

/** Adds the pairs (x, y) ↔ (x + dx, y + dy) of one 32×32 plane to the sums at `acc[at…]`. */
function accumulatePairs(options: {
  acc: Float64Array;
  at: number;
  values: Float64Array;
  dx: number;
  dy: number;
}): void {
  const { acc, at, values, dx, dy } = options;
  let n = 0, sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0; // prettier-ignore
  for (let y = 0; y + dy < IMAGE_HEIGHT; y += 1) {
    const rowA = y * IMAGE_WIDTH;
    const rowB = (y + dy) * IMAGE_WIDTH + dx;
    for (let x = 0; x + dx < IMAGE_WIDTH; x += 1) {
      const a = values[rowA + x] as number;
      const b = values[rowB + x] as number;
      sa += a;
      sb += b;
      saa += a * a;
      sbb += b * b;
      sab += a * b; // prettier-ignore
      n += 1;
    }
  }
  acc[at] = (acc[at] as number) + n;
  acc[at + 1] = (acc[at + 1] as number) + sa;
  acc[at + 2] = (acc[at + 2] as number) + sb;
  acc[at + 3] = (acc[at + 3] as number) + saa;
  acc[at + 4] = (acc[at + 4] as number) + sbb;
  acc[at + 5] = (acc[at + 5] as number) + sab;
}

function pearson(acc: Float64Array, at: number): number | null {
  const n = acc[at] as number;
  if (n < 2) return null;
  const ma = (acc[at + 1] as number) / n;
  const mb = (acc[at + 2] as number) / n;
  const va = (acc[at + 3] as number) / n - ma * ma;
  const vb = (acc[at + 4] as number) / n - mb * mb;
  const cov = (acc[at + 5] as number) / n - ma * mb;
  // Relative threshold: below it the variance is rounding noise (constant images).
  const scale = (acc[at + 3] as number) / n + (acc[at + 4] as number) / n;
  if (va <= 1e-12 * scale || vb <= 1e-12 * scale || va <= 0 || vb <= 0) return null;
  return Math.max(-1, Math.min(1, cov / Math.sqrt(va * vb)));
}

/**
 * The control: copies of the chosen images with their pixel positions permuted (seeded, one
 * permutation per image, colour triplets kept together). Returns a compact store of them.
 */
export function pixelShuffled(options: ImageSetOptions & { seed: number }): {
  images: Uint8Array;
  indices: Int32Array;
} {
  const { images, indices, seed } = options;
  const out = new Uint8Array(indices.length * IMAGE_BYTES);
  const order = new Int32Array(PIXELS);
  indices.forEach((index, i) => {
    for (let p = 0; p < PIXELS; p += 1) order[p] = p;
    shuffleInPlace(order, createRng(seed, 0x5eed, i));
    const from = index * IMAGE_BYTES;
    const to = i * IMAGE_BYTES;
    for (let p = 0; p < PIXELS; p += 1) {
      const src = from + (order[p] as number) * IMAGE_CHANNELS;
      const dst = to + p * IMAGE_CHANNELS;
      out[dst] = images[src] as number;
      out[dst + 1] = images[src + 1] as number;
      out[dst + 2] = images[src + 2] as number;
    }
  });
  return { images: out, indices: Int32Array.from({ length: indices.length }, (_, i) => i) };
}
