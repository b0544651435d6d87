/** Dataset types shared by the loaders, the engine, EDA and serving. */

export const DatasetName = { cifar10: 'cifar10', synthetic: 'synthetic' } as const;
export type DatasetName = (typeof DatasetName)[keyof typeof DatasetName];

/** Which data a trial trains on (the contract is in the domain layer). */
export type { DatasetSpec } from '../core/domain/dataset.js';

/** Image geometry of every dataset seedsweep knows: 32×32 RGB, NHWC. */
export const IMAGE_HEIGHT = 32;
export const IMAGE_WIDTH = 32;
export const IMAGE_CHANNELS = 3;
export const IMAGE_BYTES = IMAGE_HEIGHT * IMAGE_WIDTH * IMAGE_CHANNELS;

/**
 * All images of a dataset held once per process as uint8 NHWC in SharedArrayBuffers, so pool
 * threads read them without copying. Records `[0, trainCount)` are the training split, the rest test.
 */
export interface ImageStore {
  name: DatasetName;
  /** True for generated data; say so wherever results from it appear. */
  synthetic: boolean;
  /** `count × 32 × 32 × 3` bytes, NHWC, backed by a SharedArrayBuffer. */
  images: Uint8Array;
  /** `count` labels 0..9, backed by a SharedArrayBuffer. */
  labels: Uint8Array;
  count: number;
  trainCount: number;
  classNames: string[];
  /** Hex digest identifying the content (e.g. the archive's SHA-256, or generator name + seed + sizes). */
  fingerprint: string;
}

/** A slice of a store: indices into it. Cheap to pass to threads (the store is shared). */
export interface DatasetSplit {
  store: ImageStore;
  /** Indices into `store` of the training images, in a fixed order. */
  train: Int32Array;
  /** Indices into `store` of the test images, in a fixed order. */
  test: Int32Array;
  /** Fingerprint of the store plus the slice parameters: what a trial key hashes. */
  fingerprint: string;
}
