/**
 * Datasets: load a store once per process (CIFAR-10 or synthetic), cut seeded stratified
 * slices of it, and fingerprint the result for trial keys.
 */
import { UserError } from '../core/common/errors.js';
import { loadCifar10, peekCifar10, resolveCifar10Source, type Cifar10Summary } from './cifar10.js';
import { splitFingerprint, stratifiedSlice } from './slices.js';
import {
  SYNTHETIC_DEFAULT_TEST_SIZE,
  SYNTHETIC_DEFAULT_TRAIN_SIZE,
  SYNTHETIC_MAX_SIZE,
  generateSyntheticStore,
  syntheticFingerprint,
} from './synthetic.js';
import { DatasetName, type DatasetSplit, type DatasetSpec, type ImageStore } from './types.js';

export { fillBatch } from './batches.js';
export { normalizeImages, PREPROCESSING } from './preprocess.js';
export { CIFAR10_OFFICIAL_MD5, CIFAR10_OFFICIAL_URL } from './cifar10.js';
export { SYNTHETIC_CLASS_NAMES } from './synthetic.js';

/** Where CIFAR-10 comes from when `spec.path` is not given; defaults come from the environment. */
export interface Cifar10SourceOverrides {
  /** Download address. @default `SEEDSWEEP_CIFAR10_URL`, else the official URL */
  url?: string;
  /** Expected SHA-256 (hex) of the archive. @default `SEEDSWEEP_CIFAR10_SHA256` */
  sha256?: string;
  /** Cache root. @default `cacheDir()` */
  cacheRoot?: string;
}

/** Options of {@link loadImageStore}. */
export interface LoadImageStoreOptions {
  /** The dataset; for synthetic data the sizes and `sliceSeed` choose what is generated. */
  spec: DatasetSpec;
  /** Human progress lines (download progress, decoding). */
  onProgress?: (message: string) => void;
  /** CIFAR-10 source overrides (tests, mirrors). */
  cifar10?: Cifar10SourceOverrides;
}

const stores = new Map<string, Promise<ImageStore>>();

/** Throws a UserError naming the field if the spec is malformed (sizes are checked against the data later). */
export function validateDatasetSpec(spec: DatasetSpec): void {
  const known = Object.values(DatasetName) as string[];
  if (typeof spec !== 'object' || spec === null)
    throw new UserError(
      'E_DATASET_SPEC',
      `dataset must be an object such as { name: 'cifar10' }, got ${JSON.stringify(spec)}`,
    );
  if (!known.includes(spec.name)) {
    throw new UserError(
      'E_DATASET_UNKNOWN',
      `dataset.name "${String(spec.name)}" is not a known dataset; use one of: ${known.join(', ')}`,
    );
  }
  for (const field of ['trainSize', 'testSize'] as const) {
    const value = spec[field];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new UserError(
        'E_DATASET_SIZE',
        `dataset.${field} must be a positive whole number of images, got ${JSON.stringify(value)}; omit it to use the whole split`,
      );
    }
    if (spec.name === 'synthetic' && value > SYNTHETIC_MAX_SIZE) {
      throw new UserError(
        'E_DATASET_SIZE',
        `dataset.${field} ${value} is larger than the synthetic generator allows (${SYNTHETIC_MAX_SIZE}); use a smaller size`,
      );
    }
  }
  if (spec.sliceSeed !== undefined && (!Number.isSafeInteger(spec.sliceSeed) || spec.sliceSeed < 0)) {
    throw new UserError(
      'E_DATASET_SPEC',
      `dataset.sliceSeed must be a non-negative whole number, got ${JSON.stringify(spec.sliceSeed)}`,
    );
  }
  if (spec.path !== undefined) {
    if (spec.name !== 'cifar10')
      throw new UserError(
        'E_DATASET_SPEC',
        `dataset.path is only used by cifar10, not by ${spec.name}; remove it`,
      );
    if (typeof spec.path !== 'string' || spec.path.trim() === '') {
      throw new UserError(
        'E_DATASET_SPEC',
        `dataset.path must be the path of cifar-10-binary.tar.gz or of its extracted folder, got ${JSON.stringify(spec.path)}`,
      );
    }
  }
}

/** Synthetic generation parameters from a spec: sizes default to 5,000/1,000, seed to `sliceSeed ?? 0`. */
function syntheticParams(spec: DatasetSpec): { seed: number; trainSize: number; testSize: number } {
  return {
    seed: spec.sliceSeed ?? 0,
    trainSize: spec.trainSize ?? SYNTHETIC_DEFAULT_TRAIN_SIZE,
    testSize: spec.testSize ?? SYNTHETIC_DEFAULT_TEST_SIZE,
  };
}

/**
 * Loads (once per process and source) the whole dataset into shared memory. CIFAR-10: `spec.path`,
 * else the cache, else a verified download. Synthetic: generated from the spec's sizes and seed.
 */
export async function loadImageStore(options: LoadImageStoreOptions): Promise<ImageStore> {
  const { spec, onProgress } = options;
  validateDatasetSpec(spec);
  let key: string;
  let load: () => Promise<ImageStore>;
  if (spec.name === 'synthetic') {
    const params = syntheticParams(spec);
    key = `synthetic:${params.seed}:${params.trainSize}:${params.testSize}`;
    load = () => Promise.resolve(generateSyntheticStore(params));
  } else {
    const overrides = options.cifar10 ?? {};
    const cifarOptions = { ...overrides, ...(spec.path ? { path: spec.path } : {}) };
    key = `cifar10:${JSON.stringify(resolveCifar10Source(cifarOptions))}`;
    load = () => loadCifar10({ ...cifarOptions, ...(onProgress ? { onProgress } : {}) });
  }
  let pending = stores.get(key);
  if (!pending) {
    pending = load();
    stores.set(key, pending);
    // A failed load is not remembered: the user may fix the file and retry in the same process.
    pending.catch(() => stores.delete(key));
  }
  return pending;
}

/** Options of {@link splitFromStore}. */
export interface SplitFromStoreOptions {
  /** A store loaded for `spec` (or for the same source). */
  store: ImageStore;
  /** Slice sizes and seed; omitted sizes mean the whole split. */
  spec: DatasetSpec;
}

/** Cuts the seeded stratified train/test slices; a UserError if a size exceeds its split. */
export function splitFromStore(options: SplitFromStoreOptions): DatasetSplit {
  const { store, spec } = options;
  validateDatasetSpec(spec);
  const testCount = store.count - store.trainCount;
  const { trainSize, testSize } = resolveSizes({ spec, trainCount: store.trainCount, testCount });
  const sliceSeed = spec.sliceSeed ?? 0;
  return {
    store,
    train: stratifiedSlice({
      labels: store.labels,
      begin: 0,
      end: store.trainCount,
      size: trainSize,
      seed: sliceSeed,
      stream: 'train',
    }),
    test: stratifiedSlice({
      labels: store.labels,
      begin: store.trainCount,
      end: store.count,
      size: testSize,
      seed: sliceSeed,
      stream: 'test',
    }),
    fingerprint: splitFingerprint({ store, trainSize, testSize, sliceSeed }),
  };
}

function resolveSizes(options: { spec: DatasetSpec; trainCount: number; testCount: number }): {
  trainSize: number;
  testSize: number;
} {
  const { spec, trainCount, testCount } = options;
  const check = (field: 'trainSize' | 'testSize', available: number, split: string): number => {
    const value = spec[field] ?? available;
    if (value > available) {
      throw new UserError(
        'E_DATASET_SIZE',
        `dataset.${field} ${value} is larger than the ${spec.name} ${split} split (${available.toLocaleString('en-US')} images); use at most ${available} or omit it for the whole split`,
      );
    }
    return value;
  };
  return {
    trainSize: check('trainSize', trainCount, 'training'),
    testSize: check('testSize', testCount, 'test'),
  };
}

/** Options of {@link loadSplit}. */
export type LoadSplitOptions = LoadImageStoreOptions;

/** Loads the store (cached per process) and cuts the spec's slices. */
export async function loadSplit(options: LoadSplitOptions): Promise<DatasetSplit> {
  const store = await loadImageStore(options);
  return splitFromStore({ store, spec: options.spec });
}

/**
 * The split fingerprint, equal to `(await loadSplit({ spec })).fingerprint`, without decoding pixels
 * when possible: synthetic data is fingerprinted from its parameters, CIFAR-10 from the sidecar an
 * earlier load left in the cache (otherwise it loads the store once).
 */
export async function datasetFingerprint(
  spec: DatasetSpec,
  options: { cifar10?: Cifar10SourceOverrides } = {},
): Promise<string> {
  validateDatasetSpec(spec);
  const sliceSeed = spec.sliceSeed ?? 0;
  if (spec.name === 'synthetic') {
    const params = syntheticParams(spec);
    const store = {
      fingerprint: syntheticFingerprint(params),
      count: params.trainSize + params.testSize,
      trainCount: params.trainSize,
    };
    return splitFingerprint({ store, trainSize: params.trainSize, testSize: params.testSize, sliceSeed });
  }
  const cifarOptions = { ...(options.cifar10 ?? {}), ...(spec.path ? { path: spec.path } : {}) };
  const summary: Cifar10Summary | undefined = await peekCifar10(cifarOptions);
  if (!summary)
    return (await loadSplit({ spec, ...(options.cifar10 ? { cifar10: options.cifar10 } : {}) })).fingerprint;
  const { trainSize, testSize } = resolveSizes({
    spec,
    trainCount: summary.trainCount,
    testCount: summary.testCount,
  });
  const store = {
    fingerprint: summary.fingerprint,
    count: summary.trainCount + summary.testCount,
    trainCount: summary.trainCount,
  };
  return splitFingerprint({ store, trainSize, testSize, sliceSeed });
}

/** Forgets the per-process stores (tests; frees memory once no split references them). */
export function clearImageStoreCache(): void {
  stores.clear();
}
