/**
 * Exploratory data analysis that checks, as numbers, what the FC and CNN architectures assume:
 * 32×32×3 tensors, a [0, 1] input range after normalisation, balanced classes and strong spatial
 * structure (neighbouring pixels correlate, unlike in a pixel-shuffled control).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fillBatch } from '../../datasets/batches.js';
import { loadSplit, type Cifar10SourceOverrides } from '../../datasets/index.js';
import { PREPROCESSING } from '../../datasets/preprocess.js';
import { createRng, shuffleInPlace } from '../../datasets/random.js';
import {
  IMAGE_BYTES,
  IMAGE_CHANNELS,
  IMAGE_HEIGHT,
  IMAGE_WIDTH,
  type DatasetSpec,
  type DatasetSplit,
} from '../../datasets/types.js';
import { renderEdaMarkdown } from './report-markdown.js';
import { writeImageGrid } from './sample-grid.js';
import {
  byteRange,
  channelMoments,
  classBalance,
  foldRange,
  pixelShuffled,
  spatialCorrelation,
  type SpatialCorrelation,
} from './statistics.js';
import type { EdaCheck, EdaReport } from './types.js';

export type { EdaCheck, EdaReport } from './types.js';

/** Options of {@link runEda}. */
export interface RunEdaOptions {
  /** The dataset and slice to analyse. */
  spec: DatasetSpec;
  /** Folder for eda.md, eda.json and the PNGs (created if missing). */
  outDir: string;
  /** Seed of the correlation sample, the shuffled control and the sample grid. @default 0 */
  sampleSeed?: number;
  /** Training images used for the spatial correlations. @default 2000 */
  correlationSampleSize?: number;
  /** Largest pixel distance of the correlation curves. @default 8 */
  maxDistance?: number;
  /** Sample images per class in the grid. @default 8 */
  samplesPerClass?: number;
  /** Upscaling of the sample images. @default 4 */
  sampleScale?: number;
  /** Human progress lines. */
  onProgress?: (message: string) => void;
  /** CIFAR-10 source overrides (tests, mirrors). */
  cifar10?: Cifar10SourceOverrides;
}

/** Thresholds of the checks. */
const BALANCE_MIN_P = 0.05;
const STRUCTURE_MIN_CORRELATION = 0.5;
const CONTROL_MAX_ABS_CORRELATION = 0.05;
const NORMALISE_BATCH = 512;

/** Loads the split, computes every statistic, writes eda.md, eda.json and samples-grid.png, returns the report. */
export async function runEda(options: RunEdaOptions): Promise<EdaReport> {
  const sampleSeed = options.sampleSeed ?? 0;
  const maxDistance = options.maxDistance ?? 8;
  const perClass = options.samplesPerClass ?? 8;
  const scale = options.sampleScale ?? 4;
  const progress = options.onProgress ?? (() => undefined);
  const seconds: Record<string, number> = {};
  const timed = async <T>(stage: string, work: () => T | Promise<T>): Promise<T> => {
    const start = performance.now();
    const result = await work();
    seconds[stage] = (performance.now() - start) / 1000;
    return result;
  };

  const split = await timed('load', () =>
    loadSplit({
      spec: options.spec,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.cifar10 ? { cifar10: options.cifar10 } : {}),
    }),
  );
  const { store } = split;
  const all = concat(split.train, split.test);
  await fs.mkdir(options.outDir, { recursive: true });

  progress('measuring pixel ranges and channel moments');
  const tensor = tensorFacts(split);
  const pixelRange = await timed('range', () => ({
    raw: byteRange({ images: store.images, indices: all }),
    normalised: normalisedRange(split, all),
    preprocessing: PREPROCESSING,
  }));
  const channels = await timed('channels', () =>
    channelMoments({ images: store.images, indices: split.train }),
  );
  const balance = await timed('balance', () => ({
    train: classBalance({ labels: store.labels, indices: split.train, classCount: store.classNames.length }),
    test: classBalance({ labels: store.labels, indices: split.test, classCount: store.classNames.length }),
  }));

  const sampleSize = Math.min(options.correlationSampleSize ?? 2000, split.train.length);
  progress(`spatial correlation on ${sampleSize} training images and their pixel-shuffled copies`);
  const sample = shuffleInPlace(Int32Array.from(split.train), createRng(sampleSeed, 0xc0))
    .slice(0, sampleSize)
    .sort();
  const correlation = await timed('correlation', () => {
    const images = spatialCorrelation({ images: store.images, indices: sample, maxDistance });
    const shuffledControl = spatialCorrelation({
      ...pixelShuffled({ images: store.images, indices: sample, seed: sampleSeed }),
      maxDistance,
    });
    return { images, shuffledControl };
  });

  const samplesFile = 'samples-grid.png';
  await timed('samples', async () => {
    const rows = store.classNames.map((_, label) => {
      const members = split.train.filter((index) => store.labels[index] === label);
      return shuffleInPlace(members, createRng(sampleSeed, 0x9a1d, label)).slice(0, perClass);
    });
    await writeImageGrid({ images: store.images, rows, scale, file: path.join(options.outDir, samplesFile) });
  });

  const report: EdaReport = {
    dataset: {
      spec: options.spec,
      name: store.name,
      synthetic: store.synthetic,
      classNames: store.classNames,
      storeFingerprint: store.fingerprint,
      splitFingerprint: split.fingerprint,
      trainImages: split.train.length,
      testImages: split.test.length,
    },
    tensor,
    pixelRange,
    channels,
    classBalance: balance,
    spatialCorrelation: {
      sampleSize,
      sampleSeed,
      distances: Array.from({ length: maxDistance }, (_, i) => i + 1),
      ...correlation,
    },
    samples: { file: samplesFile, perClass, scale, rowOrder: store.classNames },
    checks: [],
    files: ['eda.md', 'eda.json', samplesFile],
    seconds,
    createdAt: new Date().toISOString(),
  };
  report.checks = assessChecks(report);
  await fs.writeFile(path.join(options.outDir, 'eda.json'), `${JSON.stringify(report, null, 2)}\n`);
  await fs.writeFile(path.join(options.outDir, 'eda.md'), renderEdaMarkdown(report));
  return report;
}

function concat(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function tensorFacts(split: DatasetSplit): EdaReport['tensor'] {
  const { store } = split;
  const image = [IMAGE_HEIGHT, IMAGE_WIDTH, IMAGE_CHANNELS];
  const batch = Math.min(64, split.train.length);
  const pixels = new Float32Array(batch * IMAGE_BYTES);
  fillBatch({ store, indices: split.train, start: 0, count: batch, pixels, labels: new Int32Array(batch) });
  return {
    storage: {
      dtype: 'uint8',
      layout: 'NHWC',
      shared: store.images.buffer instanceof SharedArrayBuffer,
      bytes: store.images.byteLength,
    },
    trainShape: [split.train.length, ...image],
    testShape: [split.test.length, ...image],
    batchShape: [batch, ...image],
    batchDtype: 'float32',
  };
}

/** Runs every image through the same fillBatch/normalisation the trainer uses and folds the output range. */
function normalisedRange(split: DatasetSplit, indices: Int32Array): { min: number; max: number } {
  const pixels = new Float32Array(NORMALISE_BATCH * IMAGE_BYTES);
  const labels = new Int32Array(NORMALISE_BATCH);
  let range = { min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY };
  for (let start = 0; start < indices.length; start += NORMALISE_BATCH) {
    const count = Math.min(NORMALISE_BATCH, indices.length - start);
    fillBatch({ store: split.store, indices, start, count, pixels, labels });
    range = foldRange(range, pixels.subarray(0, count * IMAGE_BYTES));
  }
  return range;
}

function fmt(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || Number.isNaN(value)) return 'n/a';
  // No "-0.000": values that round to zero print as zero.
  return (Math.abs(value) < 0.5 * 10 ** -digits ? 0 : value).toFixed(digits);
}

function assessChecks(report: EdaReport): EdaCheck[] {
  const { tensor, pixelRange, classBalance: balance } = report;
  const within = report.spatialCorrelation.images.withinImage;
  const control = report.spatialCorrelation.shuffledControl.withinImage;
  const neighbour = [within.horizontal[0], within.vertical[0]];
  const controlNeighbour = [control.horizontal[0], control.vertical[0]];
  const imageShape = tensor.trainShape.slice(1).join('×');
  return [
    {
      id: 'shape',
      assumption: 'inputs are 32×32×3 images (uint8 in the store, float32 batches)',
      passed: imageShape === '32×32×3' && tensor.batchDtype === 'float32' && tensor.storage.dtype === 'uint8',
      detail: `train ${tensor.trainShape.join('×')}, test ${tensor.testShape.join('×')}, batch ${tensor.batchShape.join('×')} ${tensor.batchDtype}`,
    },
    {
      id: 'range',
      assumption: 'after normalisation (x/255, nothing else) pixels lie in [0, 1]',
      passed: pixelRange.normalised.min >= 0 && pixelRange.normalised.max <= 1,
      detail: `raw [${pixelRange.raw.min}, ${pixelRange.raw.max}] → normalised [${fmt(pixelRange.normalised.min, 4)}, ${fmt(pixelRange.normalised.max, 4)}]`,
    },
    {
      id: 'balance',
      assumption: `classes are balanced (chi-square test of equal frequencies, p ≥ ${BALANCE_MIN_P})`,
      passed: balance.train.pValue >= BALANCE_MIN_P && balance.test.pValue >= BALANCE_MIN_P,
      detail: `train χ²=${fmt(balance.train.chiSquare, 2)} (df ${balance.train.degreesOfFreedom}) p=${fmt(balance.train.pValue, 4)}; test χ²=${fmt(balance.test.chiSquare, 2)} p=${fmt(balance.test.pValue, 4)}`,
    },
    {
      id: 'spatial-structure',
      assumption: `neighbouring pixels are strongly correlated (within-image r ≥ ${STRUCTURE_MIN_CORRELATION} at distance 1) while a pixel-shuffled control is not (|r| ≤ ${CONTROL_MAX_ABS_CORRELATION})`,
      passed:
        neighbour.every((r) => r !== null && r !== undefined && r >= STRUCTURE_MIN_CORRELATION) &&
        controlNeighbour.every(
          (r) => r !== null && r !== undefined && Math.abs(r) <= CONTROL_MAX_ABS_CORRELATION,
        ),
      detail: `distance 1: horizontal ${fmt(neighbour[0])}, vertical ${fmt(neighbour[1])}; shuffled ${fmt(controlNeighbour[0])}, ${fmt(controlNeighbour[1])}; distance ${report.spatialCorrelation.distances.length}: ${fmt(within.horizontal.at(-1))}, ${fmt(within.vertical.at(-1))}`,
    },
  ];
}

/** Exposed for the CLI summary. */
export function correlationAt(
  curve: SpatialCorrelation['withinImage'],
  distance: number,
): { horizontal: number | null; vertical: number | null } {
  return {
    horizontal: curve.horizontal[distance - 1] ?? null,
    vertical: curve.vertical[distance - 1] ?? null,
  };
}
