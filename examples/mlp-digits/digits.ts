/**
 * A generated, MNIST-sized dataset: 28×28 grey images of the digits 0–9 drawn as seven-segment
 * glyphs with random stroke width, position, scale and pixel noise. Deterministic in its seed, so its
 * fingerprint is its parameters. Images live in SharedArrayBuffers: the worker loads them once and
 * every training thread reads the same memory.
 */
import { z } from 'zod';
import { defineDataset, mulberry32 } from 'seedsweep';

export const SIDE = 28;
export const PIXELS = SIDE * SIDE;

/** Segments lit per digit: a, b, c, d, e, f, g (top, top-right, bottom-right, bottom, bottom-left, top-left, middle). */
const SEGMENTS = ['abcdef', 'bc', 'abged', 'abgcd', 'fgbc', 'afgcd', 'afgedc', 'abc', 'abcdefg', 'abcdfg'];

export interface Digits {
  /** `count × 784` floats in [0, 1], row-major, in a SharedArrayBuffer. */
  images: Float32Array;
  /** `count` labels 0–9. */
  labels: Int32Array;
  trainCount: number;
  testCount: number;
}

/** Draws digit `label` into `out` (784 floats). */
function drawDigit(out: Float32Array, label: number, next: () => number): void {
  const width = 10 + next() * 6;
  const height = 16 + next() * 6;
  const left = 2 + next() * (SIDE - 4 - width);
  const top = 2 + next() * (SIDE - 4 - height);
  const stroke = 1.2 + next() * 1.6;
  const mid = top + height / 2;
  const lines: Record<string, [number, number, number, number]> = {
    a: [left, top, left + width, top],
    b: [left + width, top, left + width, mid],
    c: [left + width, mid, left + width, top + height],
    d: [left, top + height, left + width, top + height],
    e: [left, mid, left, top + height],
    f: [left, top, left, mid],
    g: [left, mid, left + width, mid],
  };
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      let ink = 0;
      for (const s of SEGMENTS[label]!) {
        const [x0, y0, x1, y1] = lines[s]!;
        // Distance from the pixel centre to the segment.
        const dx = x1 - x0;
        const dy = y1 - y0;
        const t = Math.max(
          0,
          Math.min(1, ((x + 0.5 - x0) * dx + (y + 0.5 - y0) * dy) / (dx * dx + dy * dy || 1)),
        );
        const d = Math.hypot(x + 0.5 - (x0 + t * dx), y + 0.5 - (y0 + t * dy));
        ink = Math.max(ink, Math.max(0, 1 - d / stroke));
      }
      out[y * SIDE + x] = Math.min(1, Math.max(0, ink + (next() - 0.5) * 0.3));
    }
  }
}

/** Generates `trainSize + testSize` digits, classes balanced, from `seed`. */
export function generateDigits(options: { trainSize: number; testSize: number; seed: number }): Digits {
  const count = options.trainSize + options.testSize;
  const images = new Float32Array(new SharedArrayBuffer(count * PIXELS * 4));
  const labels = new Int32Array(new SharedArrayBuffer(count * 4));
  const next = mulberry32(options.seed);
  for (let i = 0; i < count; i++) {
    labels[i] = i % 10;
    drawDigit(images.subarray(i * PIXELS, (i + 1) * PIXELS), i % 10, next);
  }
  return { images, labels, trainCount: options.trainSize, testCount: options.testSize };
}

export const digits = defineDataset({
  name: 'seven-segment-digits',
  options: z.object({
    train_size: z.number().int().min(10).max(60_000).default(6_000),
    test_size: z.number().int().min(10).max(10_000).default(1_000),
    seed: z.number().int().min(0).default(0),
  }),
  // Generated data is fully described by its parameters (and this generator's version).
  fingerprint: (o) => `v1-${o.seed}-${o.train_size}-${o.test_size}`,
  load: (o) => generateDigits({ trainSize: o.train_size, testSize: o.test_size, seed: o.seed }),
});
