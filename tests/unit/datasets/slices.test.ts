import { describe, expect, it } from 'vitest';
import { datasetFingerprint, loadSplit, splitFromStore } from '../../../src/datasets/index.js';
import { stratifiedSlice } from '../../../src/datasets/slices.js';
import { allocateSharedImages } from '../../../src/datasets/store.js';
import type { ImageStore } from '../../../src/datasets/types.js';

/** A label-only store: train labels with the given per-class counts, then `testPerClass` per class. */
function labelStore(trainPerClass: number[], testPerClass: number): ImageStore {
  const trainCount = trainPerClass.reduce((a, b) => a + b, 0);
  const count = trainCount + testPerClass * 10;
  const { images, labels } = allocateSharedImages(count);
  let i = 0;
  // Interleave classes so that class members are spread over the store.
  const remaining = [...trainPerClass];
  while (i < trainCount) {
    for (let c = 0; c < 10; c += 1) {
      if ((remaining[c] as number) > 0) {
        labels[i++] = c;
        remaining[c] = (remaining[c] as number) - 1;
      }
    }
  }
  for (let k = 0; k < testPerClass * 10; k += 1) labels[trainCount + k] = k % 10;
  return {
    name: 'cifar10',
    synthetic: false,
    images,
    labels,
    count,
    trainCount,
    classNames: Array.from({ length: 10 }, (_, c) => `c${c}`),
    fingerprint: 'f'.repeat(64),
  };
}

function countClasses(store: ImageStore, indices: Int32Array): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const i of indices)
    counts[store.labels[i] as number] = (counts[store.labels[i] as number] as number) + 1;
  return counts;
}

describe('stratified slices', () => {
  const store = labelStore(new Array<number>(10).fill(500), 100);

  it('takes equal numbers per class from a balanced split, without duplicates, inside the split', () => {
    const split = splitFromStore({
      store,
      spec: { name: 'cifar10', trainSize: 1000, testSize: 200, sliceSeed: 7 },
    });
    expect(countClasses(store, split.train)).toEqual(new Array<number>(10).fill(100));
    expect(countClasses(store, split.test)).toEqual(new Array<number>(10).fill(20));
    expect(new Set(split.train).size).toBe(1000);
    expect(split.train.every((i) => i >= 0 && i < store.trainCount)).toBe(true);
    expect(split.test.every((i) => i >= store.trainCount && i < store.count)).toBe(true);
    expect(Array.from(split.train)).toEqual(Array.from(split.train).sort((a, b) => a - b));
  });

  it('is stable for a seed, differs between seeds, and nests smaller slices in larger ones', () => {
    const spec = { name: 'cifar10' as const, trainSize: 1000, testSize: 200, sliceSeed: 7 };
    const a = splitFromStore({ store, spec });
    const b = splitFromStore({ store, spec });
    const other = splitFromStore({ store, spec: { ...spec, sliceSeed: 8 } });
    expect(Array.from(a.train)).toEqual(Array.from(b.train));
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(Array.from(other.train)).not.toEqual(Array.from(a.train));
    expect(other.fingerprint).not.toBe(a.fingerprint);
    const bigger = new Set(splitFromStore({ store, spec: { ...spec, trainSize: 2000 } }).train);
    expect(Array.from(a.train).every((i) => bigger.has(i))).toBe(true);
  });

  it('keeps class proportions of an unbalanced split (largest remainder) and hits the exact size', () => {
    const unbalanced = labelStore([300, 100, 100, 100, 100, 100, 100, 50, 25, 25], 10);
    // Quotas 30.3, 10.1 ×6, 5.05, 2.525, 2.525: floors sum to 99, the two largest remainders (.525) get one more.
    const slice = stratifiedSlice({
      labels: unbalanced.labels,
      begin: 0,
      end: unbalanced.trainCount,
      size: 101,
      seed: 1,
      stream: 'train',
    });
    expect(slice.length).toBe(101);
    expect(countClasses(unbalanced, slice)).toEqual([30, 10, 10, 10, 10, 10, 10, 5, 3, 3]);
  });

  it('uses the whole split when sizes are omitted, and fingerprints it like the explicit sizes', () => {
    const whole = splitFromStore({ store, spec: { name: 'cifar10' } });
    expect(whole.train.length).toBe(5000);
    expect(whole.test.length).toBe(1000);
    expect(whole.fingerprint).toBe(
      splitFromStore({ store, spec: { name: 'cifar10', trainSize: 5000, testSize: 1000, sliceSeed: 3 } })
        .fingerprint,
    );
  });

  it('names the field when a size is larger than its split or not positive', () => {
    expect(() => splitFromStore({ store, spec: { name: 'cifar10', trainSize: 5001 } })).toThrow(
      /dataset\.trainSize 5001 is larger than the cifar10 training split \(5,000 images\); use at most 5000/,
    );
    expect(() => splitFromStore({ store, spec: { name: 'cifar10', testSize: 1001 } })).toThrow(
      /dataset\.testSize 1001 .*test split/,
    );
    expect(() => splitFromStore({ store, spec: { name: 'cifar10', trainSize: 0 } })).toThrow(
      /dataset\.trainSize must be a positive whole number/,
    );
    expect(() => splitFromStore({ store, spec: { name: 'cifar10', testSize: 2.5 } })).toThrow(
      /dataset\.testSize must be a positive whole number/,
    );
  });
});

describe('spec validation', () => {
  it('answers an unknown dataset with the known names', async () => {
    await expect(loadSplit({ spec: { name: 'mnist' as never } })).rejects.toMatchObject({
      code: 'E_DATASET_UNKNOWN',
      message: expect.stringMatching(/dataset\.name "mnist" .*cifar10, synthetic/),
    });
  });
  it('rejects a path for synthetic data and a negative slice seed', async () => {
    await expect(datasetFingerprint({ name: 'synthetic', path: '/x' })).rejects.toThrow(
      /dataset\.path is only used by cifar10/,
    );
    await expect(datasetFingerprint({ name: 'synthetic', sliceSeed: -1 })).rejects.toThrow(
      /dataset\.sliceSeed must be a non-negative/,
    );
  });
});
