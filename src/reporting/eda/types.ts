/** The EDA report: every number `seedsweep eda` computes, as written to eda.json. */
import type { PREPROCESSING } from '../../datasets/preprocess.js';
import type { DatasetSpec } from '../../datasets/types.js';
import type { ChannelMoments, ClassBalance, SpatialCorrelation, ValueRange } from './statistics.js';

/** One assumption of the architectures, checked against the data. */
export interface EdaCheck {
  /** Stable identifier: `shape`, `range`, `balance`, `spatial-structure`. */
  id: string;
  /** What is assumed, in words. */
  assumption: string;
  passed: boolean;
  /** The numbers behind the verdict. */
  detail: string;
}

export interface EdaReport {
  dataset: {
    spec: DatasetSpec;
    name: string;
    /** True for generated data: results on it say nothing about CIFAR-10. */
    synthetic: boolean;
    classNames: string[];
    storeFingerprint: string;
    splitFingerprint: string;
    trainImages: number;
    testImages: number;
  };
  tensor: {
    /** How the store holds pixels. */
    storage: { dtype: 'uint8'; layout: 'NHWC'; shared: boolean; bytes: number };
    trainShape: number[];
    testShape: number[];
    /** A batch as the trainer receives it (from fillBatch). */
    batchShape: number[];
    batchDtype: 'float32';
  };
  pixelRange: {
    /** Over all train and test images of the split. */
    raw: ValueRange;
    /** The same images after the training/serving normalisation. */
    normalised: ValueRange;
    preprocessing: typeof PREPROCESSING;
  };
  /** Per-channel moments of the training images, normalised units. */
  channels: ChannelMoments[];
  classBalance: { train: ClassBalance; test: ClassBalance };
  spatialCorrelation: {
    /** Training images the correlations were computed on (seeded random sample). */
    sampleSize: number;
    sampleSeed: number;
    distances: number[];
    images: SpatialCorrelation;
    /** The same images with pixel positions shuffled: the no-spatial-structure control. */
    shuffledControl: SpatialCorrelation;
  };
  samples: { file: string; perClass: number; scale: number; rowOrder: string[] };
  checks: EdaCheck[];
  /** Files written, relative to the output folder. */
  files: string[];
  /** Wall-clock seconds per stage. */
  seconds: Record<string, number>;
  createdAt: string;
}
