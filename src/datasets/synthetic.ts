/**
 * A seeded synthetic 10-class image set with spatial structure: oriented stripe textures, a
 * checkerboard and five shapes, at random positions and sizes, in random colours, with pixel noise.
 * Local patterns (edges, orientations, shapes) carry the class; mean colour and position do not,
 * so a small CNN learns it quickly while a pixel-wise model has to work for it.
 * Each image depends only on (seed, split, index): sets of different sizes share their prefixes.
 */
import { createHash } from 'node:crypto';
import { createRng, type Rng } from './random.js';
import { allocateSharedImages } from './store.js';
import { IMAGE_BYTES, IMAGE_HEIGHT, IMAGE_WIDTH, type ImageStore } from './types.js';

/** Class names, in label order. */
export const SYNTHETIC_CLASS_NAMES = [
  'synthetic-horizontal-stripes',
  'synthetic-vertical-stripes',
  'synthetic-diagonal-stripes',
  'synthetic-antidiagonal-stripes',
  'synthetic-checkerboard',
  'synthetic-disc',
  'synthetic-ring',
  'synthetic-square',
  'synthetic-cross',
  'synthetic-triangle',
] as const;

/** Default sizes when the spec gives none. */
export const SYNTHETIC_DEFAULT_TRAIN_SIZE = 5000;
export const SYNTHETIC_DEFAULT_TEST_SIZE = 1000;
/** Upper bound per split (memory: 3 KB per image). */
export const SYNTHETIC_MAX_SIZE = 200_000;
/** Bump when the generator's output changes: it is part of the fingerprint. */
const GENERATOR_VERSION = 'seedsweep-synthetic-v1';
const TRAIN_STREAM = 1;
const TEST_STREAM = 2;

/** Options of {@link generateSyntheticStore}. */
export interface SyntheticOptions {
  /** Generator seed. */
  seed: number;
  /** Training images (records `[0, trainSize)`). */
  trainSize: number;
  /** Test images (records after the training ones). */
  testSize: number;
}

/** Content fingerprint of a synthetic store, computable without generating it. */
export function syntheticFingerprint(options: SyntheticOptions): string {
  return createHash('sha256')
    .update(`${GENERATOR_VERSION}:${options.seed}:${options.trainSize}:${options.testSize}`)
    .digest('hex');
}

/** Generates the images into a shared store. Labels cycle 0..9, so every class has ⌊n/10⌋ or ⌈n/10⌉ images. */
export function generateSyntheticStore(options: SyntheticOptions): ImageStore {
  const { seed, trainSize, testSize } = options;
  const count = trainSize + testSize;
  const { images, labels } = allocateSharedImages(count);
  for (let i = 0; i < count; i += 1) {
    const isTrain = i < trainSize;
    const local = isTrain ? i : i - trainSize;
    const label = local % 10;
    labels[i] = label;
    const rng = createRng(seed, isTrain ? TRAIN_STREAM : TEST_STREAM, local);
    drawImage({ out: images.subarray(i * IMAGE_BYTES, (i + 1) * IMAGE_BYTES), label, rng });
  }
  return {
    name: 'synthetic',
    synthetic: true,
    images,
    labels,
    count,
    trainCount: trainSize,
    classNames: [...SYNTHETIC_CLASS_NAMES],
    fingerprint: syntheticFingerprint(options),
  };
}

/** Returns 1 where the class's pattern is "on" at (x, y) — foreground — else 0. */
type Pattern = (x: number, y: number) => number;

function randomColour(rng: Rng): [number, number, number] {
  return [rng.int(256), rng.int(256), rng.int(256)];
}

function luminance(c: readonly number[]): number {
  return 0.299 * (c[0] as number) + 0.587 * (c[1] as number) + 0.114 * (c[2] as number);
}

/** Picks the class pattern with random geometry. Textures fill a random rectangle; shapes sit at a random centre. */
function makePattern(label: number, rng: Rng): Pattern {
  if (label <= 4) {
    const w = 14 + rng.int(15);
    const h = 14 + rng.int(15);
    const x0 = rng.int(IMAGE_WIDTH - w + 1);
    const y0 = rng.int(IMAGE_HEIGHT - h + 1);
    const period = 4 + rng.int(5);
    const phase = rng.int(period);
    const half = period / 2;
    const inside = (x: number, y: number): boolean => x >= x0 && x < x0 + w && y >= y0 && y < y0 + h;
    const stripe = (v: number): number => ((((v + phase) % period) + period) % period < half ? 1 : 0);
    switch (label) {
      case 0:
        return (x, y) => (inside(x, y) ? stripe(y) : 0);
      case 1:
        return (x, y) => (inside(x, y) ? stripe(x) : 0);
      case 2:
        return (x, y) => (inside(x, y) ? stripe(x + y) : 0);
      case 3:
        return (x, y) => (inside(x, y) ? stripe(x - y + 64) : 0);
      default: {
        const cell = 2 + rng.int(3);
        return (x, y) =>
          inside(x, y) ? (Math.floor((x + phase) / cell) + Math.floor((y + phase) / cell)) & 1 : 0;
      }
    }
  }
  const r = 6 + rng.uniform(0, 6);
  const cx = rng.uniform(r * 0.7, IMAGE_WIDTH - r * 0.7);
  const cy = rng.uniform(r * 0.7, IMAGE_HEIGHT - r * 0.7);
  const thickness = 1.5 + rng.uniform(0, 1.5);
  switch (label) {
    case 5:
      return (x, y) => ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= r * r ? 1 : 0);
    case 6:
      return (x, y) => {
        const d2 = (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2;
        return d2 <= r * r && d2 >= (r - thickness) ** 2 ? 1 : 0;
      };
    case 7: {
      const s = r * 0.85;
      return (x, y) => (Math.abs(x + 0.5 - cx) <= s && Math.abs(y + 0.5 - cy) <= s ? 1 : 0);
    }
    case 8:
      return (x, y) => {
        const dx = Math.abs(x + 0.5 - cx);
        const dy = Math.abs(y + 0.5 - cy);
        return (dx <= thickness && dy <= r) || (dy <= thickness && dx <= r) ? 1 : 0;
      };
    default:
      // Upright triangle: apex at the top, base at the bottom.
      return (x, y) => {
        const dy = y + 0.5 - (cy - r);
        return dy >= 0 && dy <= 2 * r && Math.abs(x + 0.5 - cx) <= dy / 2 ? 1 : 0;
      };
  }
}

/** Renders one image: background colour, pattern in a contrasting colour, uniform pixel noise. */
function drawImage(options: { out: Uint8Array; label: number; rng: Rng }): void {
  const { out, label, rng } = options;
  const background = randomColour(rng);
  let foreground = randomColour(rng);
  // Enough contrast that the pattern is visible, whatever the colours.
  for (let tries = 0; tries < 20 && Math.abs(luminance(foreground) - luminance(background)) < 60; tries += 1)
    foreground = randomColour(rng);
  const pattern = makePattern(label, rng);
  // Noise amplitude in grey levels; each random word gives the noise of one pixel's three channels.
  const noise = rng.uniform(8, 28) / 127.5;
  let o = 0;
  for (let y = 0; y < IMAGE_HEIGHT; y += 1) {
    for (let x = 0; x < IMAGE_WIDTH; x += 1) {
      const colour = pattern(x, y) ? foreground : background;
      const bits = rng.uint32();
      for (let c = 0; c < 3; c += 1) {
        const v = (colour[c] as number) + (((bits >>> (8 * c)) & 0xff) - 127.5) * noise;
        out[o] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
        o += 1;
      }
    }
  }
}
