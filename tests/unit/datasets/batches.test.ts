import { describe, expect, it } from 'vitest';
import { fillBatch } from '../../../src/datasets/batches.js';
import { normalizeImages, PREPROCESSING } from '../../../src/datasets/preprocess.js';
import { allocateSharedImages } from '../../../src/datasets/store.js';
import type { ImageStore } from '../../../src/datasets/types.js';

function storeOf(count: number): ImageStore {
  const { images, labels } = allocateSharedImages(count);
  for (let i = 0; i < count; i += 1) {
    labels[i] = (i * 3) % 10;
    for (let b = 0; b < 3072; b += 1) images[i * 3072 + b] = (i * 17 + b) % 256;
  }
  return {
    name: 'synthetic',
    synthetic: true,
    images,
    labels,
    count,
    trainCount: count,
    classNames: [],
    fingerprint: 'x',
  };
}

describe('normalisation', () => {
  it('maps 0..255 to [0, 1] by x/255, exactly as described for the model manifest', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const out = normalizeImages({ bytes });
    expect(out).toBeInstanceOf(Float32Array);
    expect(out[0]).toBe(0);
    expect(out[255]).toBe(1);
    expect(out[51]).toBeCloseTo(0.2, 7);
    for (let i = 0; i < 256; i += 1) expect(out[i]).toBe(Math.fround(i / 255));
    // The manifest's description reproduces the values to float32 precision.
    for (let i = 0; i < 256; i += 1)
      expect(Math.fround(i * PREPROCESSING.scale + PREPROCESSING.offset)).toBeCloseTo(out[i] as number, 7);
    expect(PREPROCESSING).toMatchObject({
      kind: 'scale',
      inputDtype: 'uint8',
      outputDtype: 'float32',
      outputRange: [0, 1],
      imageShape: [32, 32, 3],
    });
  });

  it('writes into a given buffer and refuses one that is too short', () => {
    const out = new Float32Array(4).fill(-1);
    expect(normalizeImages({ bytes: [255, 0, 102], out })).toBe(out);
    expect(Array.from(out)).toEqual([1, 0, Math.fround(0.4), -1]);
    expect(() => normalizeImages({ bytes: [1, 2, 3], out: new Float32Array(2) })).toThrow(RangeError);
  });
});

describe('fillBatch', () => {
  it('gathers rows by index, normalised, with their labels', () => {
    const store = storeOf(6);
    const indices = Int32Array.from([5, 0, 3, 2]);
    const pixels = new Float32Array(3 * 3072).fill(-1);
    const labels = new Int32Array(3).fill(-1);
    fillBatch({ store, indices, start: 1, count: 2, pixels, labels });
    expect(Array.from(labels)).toEqual([0, 9, -1]);
    for (const [row, index] of [
      [0, 0],
      [1, 3],
    ] as const) {
      for (const b of [0, 1, 2, 1000, 3071])
        expect(pixels[row * 3072 + b]).toBe(Math.fround(((index * 17 + b) % 256) / 255));
    }
    expect(pixels[2 * 3072]).toBe(-1);
  });

  it('rejects ranges outside the indices and too-small outputs', () => {
    const store = storeOf(2);
    const indices = Int32Array.from([0, 1]);
    expect(() =>
      fillBatch({
        store,
        indices,
        start: 1,
        count: 2,
        pixels: new Float32Array(2 * 3072),
        labels: new Int32Array(2),
      }),
    ).toThrow(/rows \[1, 3\) outside/);
    expect(() =>
      fillBatch({
        store,
        indices,
        start: 0,
        count: 2,
        pixels: new Float32Array(3072),
        labels: new Int32Array(2),
      }),
    ).toThrow(/pixels holds/);
    expect(() =>
      fillBatch({
        store,
        indices: Int32Array.from([7]),
        start: 0,
        count: 1,
        pixels: new Float32Array(3072),
        labels: new Int32Array(1),
      }),
    ).toThrow(/index 7 outside/);
  });
});
