import { describe, expect, it } from 'vitest';
import { datasetFingerprint, loadImageStore, loadSplit } from '../../../src/datasets/index.js';
import { generateSyntheticStore, SYNTHETIC_CLASS_NAMES } from '../../../src/datasets/synthetic.js';

describe('synthetic dataset', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = generateSyntheticStore({ seed: 1, trainSize: 200, testSize: 50 });
    const b = generateSyntheticStore({ seed: 1, trainSize: 200, testSize: 50 });
    const c = generateSyntheticStore({ seed: 2, trainSize: 200, testSize: 50 });
    expect(Buffer.from(a.images).equals(Buffer.from(b.images))).toBe(true);
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(Buffer.from(a.images).equals(Buffer.from(c.images))).toBe(false);
    expect(c.fingerprint).not.toBe(a.fingerprint);
  });

  it('keeps each image when only the set sizes change (images depend on seed, split and index)', () => {
    const small = generateSyntheticStore({ seed: 4, trainSize: 30, testSize: 10 });
    const large = generateSyntheticStore({ seed: 4, trainSize: 60, testSize: 20 });
    expect(
      Buffer.from(large.images.subarray(0, 30 * 3072)).equals(
        Buffer.from(small.images.subarray(0, 30 * 3072)),
      ),
    ).toBe(true);
    expect(
      Buffer.from(large.images.subarray(60 * 3072, 70 * 3072)).equals(
        Buffer.from(small.images.subarray(30 * 3072, 40 * 3072)),
      ),
    ).toBe(true);
  });

  it('has 10 balanced, clearly synthetic classes of 32×32×3 shared-memory images', () => {
    const store = generateSyntheticStore({ seed: 0, trainSize: 1005, testSize: 100 });
    expect(store.synthetic).toBe(true);
    expect(store.classNames).toEqual([...SYNTHETIC_CLASS_NAMES]);
    expect(store.classNames.every((name) => name.startsWith('synthetic-'))).toBe(true);
    expect(store.images.length).toBe(1105 * 3072);
    expect(store.images.buffer).toBeInstanceOf(SharedArrayBuffer);
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < store.trainCount; i += 1)
      counts[store.labels[i] as number] = (counts[store.labels[i] as number] as number) + 1;
    expect(counts).toEqual([101, 101, 101, 101, 101, 100, 100, 100, 100, 100]);
  });

  it('puts the class in the spatial arrangement, not in the mean colour', () => {
    // Mean brightness per class should overlap strongly: colours are random per image.
    const store = generateSyntheticStore({ seed: 0, trainSize: 2000, testSize: 0 });
    const means = Array.from({ length: 10 }, () => [] as number[]);
    for (let i = 0; i < store.count; i += 1) {
      let s = 0;
      for (let b = i * 3072; b < (i + 1) * 3072; b += 1) s += store.images[b] as number;
      means[store.labels[i] as number]?.push(s / 3072);
    }
    const classMeans = means.map((m) => m.reduce((a, b) => a + b, 0) / m.length);
    expect(Math.max(...classMeans) - Math.min(...classMeans)).toBeLessThan(25);
    // Within one image the pattern varies: no image is (nearly) a single colour.
    for (let i = 0; i < 50; i += 1) {
      const image = store.images.subarray(i * 3072, (i + 1) * 3072);
      expect(Math.max(...image) - Math.min(...image)).toBeGreaterThan(60);
    }
  });

  it('takes sizes and seed from the spec (defaults 5,000/1,000, seed = sliceSeed) and fingerprints without generating', async () => {
    const spec = { name: 'synthetic' as const, trainSize: 300, testSize: 100, sliceSeed: 9 };
    const split = await loadSplit({ spec });
    expect(split.train.length).toBe(300);
    expect(split.test.length).toBe(100);
    expect(split.store.fingerprint).toBe(
      generateSyntheticStore({ seed: 9, trainSize: 300, testSize: 100 }).fingerprint,
    );
    expect(await datasetFingerprint(spec)).toBe(split.fingerprint);
    expect(await datasetFingerprint({ ...spec, sliceSeed: 10 })).not.toBe(split.fingerprint);
    const defaults = await loadImageStore({ spec: { name: 'synthetic' } });
    expect([defaults.trainCount, defaults.count - defaults.trainCount]).toEqual([5000, 1000]);
    expect(await datasetFingerprint({ name: 'synthetic' })).toBe(
      (await loadSplit({ spec: { name: 'synthetic' } })).fingerprint,
    );
  });

  it('refuses sizes it cannot generate', async () => {
    await expect(
      loadImageStore({ spec: { name: 'synthetic', trainSize: 10_000_000 } }),
    ).rejects.toMatchObject({
      code: 'E_DATASET_SIZE',
      message: expect.stringMatching(/dataset\.trainSize 10000000/),
    });
    await expect(loadImageStore({ spec: { name: 'synthetic', testSize: -5 } })).rejects.toMatchObject({
      code: 'E_DATASET_SIZE',
    });
  });
});
