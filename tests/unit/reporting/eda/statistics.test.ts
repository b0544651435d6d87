import { describe, expect, it } from 'vitest';
import { createRng } from '../../../../src/datasets/random.js';
import {
  byteRange,
  channelMoments,
  classBalance,
  foldRange,
  pixelShuffled,
  spatialCorrelation,
} from '../../../../src/reporting/eda/statistics.js';

const IMAGE = 3072;
const all = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => i);

/** n images whose pixel (x, y, c) is value(i, x, y, c), clamped to 0..255. */
function images(n: number, value: (i: number, x: number, y: number, c: number) => number): Uint8Array {
  const out = new Uint8Array(n * IMAGE);
  for (let i = 0; i < n; i += 1) {
    for (let y = 0; y < 32; y += 1) {
      for (let x = 0; x < 32; x += 1) {
        for (let c = 0; c < 3; c += 1)
          out[i * IMAGE + (y * 32 + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(value(i, x, y, c))));
      }
    }
  }
  return out;
}

/** Standard normal draws (Box–Muller) from a seeded stream. */
function gaussian(seed: number): () => number {
  const rng = createRng(seed);
  return () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

describe('class balance', () => {
  it('gives chi-square 0 and p = 1 for a balanced set', () => {
    const labels = Uint8Array.from({ length: 1000 }, (_, i) => i % 10);
    const b = classBalance({ labels, indices: all(1000), classCount: 10 });
    expect(b.counts).toEqual(new Array<number>(10).fill(100));
    expect(b.chiSquare).toBe(0);
    expect(b.degreesOfFreedom).toBe(9);
    expect(b.pValue).toBeCloseTo(1, 12);
    expect(b.maxMinRatio).toBe(1);
  });

  it('matches the closed-form chi-square survival function (df 2: e^(−x/2); df 4: e^(−x/2)(1 + x/2))', () => {
    const three = Uint8Array.from([
      ...new Array<number>(30).fill(0),
      ...new Array<number>(20).fill(1),
      ...new Array<number>(10).fill(2),
    ]);
    const b3 = classBalance({ labels: three, indices: all(three.length), classCount: 3 });
    expect(b3.chiSquare).toBeCloseTo(10, 12);
    expect(b3.pValue).toBeCloseTo(Math.exp(-5), 9);
    const five = Uint8Array.from([
      ...new Array<number>(14).fill(0),
      ...new Array<number>(6).fill(1),
      ...[2, 3, 4].flatMap((c) => new Array<number>(10).fill(c)),
    ]);
    const b5 = classBalance({ labels: five, indices: all(five.length), classCount: 5 });
    expect(b5.chiSquare).toBeCloseTo(3.2, 12);
    expect(b5.pValue).toBeCloseTo(Math.exp(-1.6) * 2.6, 9);
    expect(b5.maxMinRatio).toBeCloseTo(14 / 6, 12);
  });

  it('counts only the chosen indices', () => {
    const labels = Uint8Array.from([0, 1, 1, 1]);
    expect(classBalance({ labels, indices: Int32Array.from([0, 3]), classCount: 2 }).counts).toEqual([1, 1]);
  });
});

describe('spatial correlation', () => {
  it('is ≈1 at every distance for constant-per-image images (pooled), undefined within images', () => {
    const data = images(50, (i) => (i * 41) % 256);
    const corr = spatialCorrelation({ images: data, indices: all(50) });
    for (const r of [...corr.pooled.horizontal, ...corr.pooled.vertical]) expect(r).toBeCloseTo(1, 9);
    expect(corr.withinImage.horizontal.every((r) => r === null)).toBe(true);
    // Shuffling pixels inside an image cannot change a constant image: the pooled control stays 1.
    const control = spatialCorrelation(pixelShuffled({ images: data, indices: all(50), seed: 1 }));
    expect(control.pooled.horizontal[0]).toBeCloseTo(1, 9);
  });

  it('is ≈0 for iid noise, in both variants', () => {
    const rng = createRng(5);
    const data = images(200, () => rng.int(256));
    const corr = spatialCorrelation({ images: data, indices: all(200) });
    for (const r of [
      ...corr.pooled.horizontal,
      ...corr.pooled.vertical,
      ...corr.withinImage.horizontal,
      ...corr.withinImage.vertical,
    ])
      expect(Math.abs(r as number)).toBeLessThan(0.01);
  });

  it('recovers a known horizontal AR(1) correlation ρ^d and no vertical correlation', () => {
    const rho = 0.8;
    const z = gaussian(11);
    const rows = new Float64Array(100 * 3 * 32 * 32);
    // Each row of each channel is a stationary AR(1) sequence along x; rows are independent.
    for (let r = 0; r < 100 * 3 * 32; r += 1) {
      let v = z();
      for (let x = 0; x < 32; x += 1) {
        if (x > 0) v = rho * v + Math.sqrt(1 - rho * rho) * z();
        rows[r * 32 + x] = v;
      }
    }
    const data = images(100, (i, x, y, c) => 128 + 25 * (rows[((i * 3 + c) * 32 + y) * 32 + x] as number));
    const corr = spatialCorrelation({ images: data, indices: all(100), maxDistance: 4 });
    corr.pooled.horizontal.forEach((r, k) =>
      expect(Math.abs((r as number) - rho ** (k + 1))).toBeLessThan(0.02),
    );
    for (const r of corr.pooled.vertical) expect(Math.abs(r as number)).toBeLessThan(0.02);
  });

  it('separates structure from the shuffled control on smooth images with varying content', () => {
    const rng = createRng(3);
    const params = Array.from({ length: 100 }, () => ({
      fx: rng.uniform(0.05, 0.2),
      fy: rng.uniform(0.05, 0.2),
      phase: rng.uniform(0, 6.28),
      base: rng.uniform(60, 190),
    }));
    const data = images(100, (i, x, y, c) => {
      const p = params[i] as (typeof params)[number];
      return p.base + 50 * Math.sin(p.fx * x + p.fy * y + p.phase + c);
    });
    const corr = spatialCorrelation({ images: data, indices: all(100) });
    expect(corr.withinImage.horizontal[0]).toBeGreaterThan(0.95);
    expect(corr.withinImage.vertical[0]).toBeGreaterThan(0.95);
    // Correlation decays with distance.
    expect(corr.withinImage.horizontal[7] as number).toBeLessThan(corr.withinImage.horizontal[0] as number);
    const control = spatialCorrelation(pixelShuffled({ images: data, indices: all(100), seed: 2 }));
    for (const r of [...control.withinImage.horizontal, ...control.withinImage.vertical])
      expect(Math.abs(r as number)).toBeLessThan(0.02);
    // Pooled, the control keeps only between-image differences (the per-image base level).
    expect(control.pooled.horizontal[0] as number).toBeGreaterThan(0.3);
    expect(control.pooled.horizontal[0] as number).toBeLessThan(corr.pooled.horizontal[0] as number);
  });

  it('shuffles positions but keeps each image’s pixels and colour triplets', () => {
    const rng = createRng(8);
    const data = images(3, () => rng.int(256));
    const shuffled = pixelShuffled({ images: data, indices: Int32Array.from([2, 0]), seed: 4 });
    expect(Array.from(shuffled.indices)).toEqual([0, 1]);
    const triplets = (bytes: Uint8Array): string[] =>
      Array.from(
        { length: 1024 },
        (_, p) => `${bytes[p * 3]},${bytes[p * 3 + 1]},${bytes[p * 3 + 2]}`,
      ).sort();
    expect(triplets(shuffled.images.subarray(0, IMAGE))).toEqual(
      triplets(data.subarray(2 * IMAGE, 3 * IMAGE)),
    );
    expect(
      Buffer.from(shuffled.images.subarray(0, IMAGE)).equals(
        Buffer.from(data.subarray(2 * IMAGE, 3 * IMAGE)),
      ),
    ).toBe(false);
  });
});

describe('pixel range and channel moments', () => {
  it('computes per-channel mean and std in normalised units', () => {
    const data = images(4, (i, _x, _y, c) => (c === 0 ? 51 : c === 1 ? (i % 2 === 0 ? 0 : 255) : 255));
    const [red, green, blue] = channelMoments({ images: data, indices: all(4) });
    expect(red).toMatchObject({ channel: 'red' });
    expect(red?.mean).toBeCloseTo(0.2, 12);
    expect(red?.std).toBeCloseTo(0, 9);
    expect(green?.mean).toBeCloseTo(0.5, 12);
    expect(green?.std).toBeCloseTo(0.5, 12);
    expect(blue?.mean).toBeCloseTo(1, 12);
  });

  it('finds byte and float ranges', () => {
    const data = images(2, (i, x) => (i === 1 ? 200 : 10 + x));
    expect(byteRange({ images: data, indices: Int32Array.from([0]) })).toEqual({ min: 10, max: 41 });
    expect(byteRange({ images: data, indices: all(2) })).toEqual({ min: 10, max: 200 });
    expect(foldRange({ min: 0.5, max: 0.5 }, Float32Array.from([0.25, 0.75]))).toEqual({
      min: 0.25,
      max: 0.75,
    });
  });
});
