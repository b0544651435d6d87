import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCifarRecords } from '../../../src/datasets/cifar10-records.js';
import {
  clearImageStoreCache,
  datasetFingerprint,
  loadImageStore,
  loadSplit,
} from '../../../src/datasets/index.js';
import { TINY_CLASS_NAMES, tinyBatch, tinyPixel, writeTinyArchive, writeTinyFolder } from './tiny-cifar.js';

let root: string;
let cacheRoot: string;
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'seedsweep-tiny-cifar-'));
  cacheRoot = path.join(root, 'cache');
});
afterAll(async () => {
  clearImageStoreCache();
  await fs.rm(root, { recursive: true, force: true });
});

describe('CIFAR-10 binary records', () => {
  it('decodes labels and converts the CHW planes to interleaved HWC pixels', () => {
    const records = tinyBatch({ file: 2, records: 3 });
    const images = new Uint8Array(5 * 3072);
    const labels = new Uint8Array(5);
    expect(decodeCifarRecords({ records, images, labels, firstImage: 2, source: 'tiny' })).toBe(3);
    expect(Array.from(labels)).toEqual([0, 0, 2, 3, 4]);
    for (const record of [0, 1, 2]) {
      for (const pixel of [0, 1, 31, 32, 33, 1023]) {
        for (const channel of [0, 1, 2]) {
          const hwc = (2 + record) * 3072 + pixel * 3 + channel;
          expect(images[hwc]).toBe(tinyPixel({ file: 2, record, channel, pixel }));
        }
      }
    }
    // Row-major: pixel (y=1, x=0) is plane position 32.
    expect(images[2 * 3072 + 32 * 3]).toBe(records[1 + 32]);
    expect(images.subarray(0, 2 * 3072).every((v) => v === 0)).toBe(true);
  });

  it('rejects a partial record and labels outside 0–9', () => {
    const images = new Uint8Array(2 * 3072);
    const labels = new Uint8Array(2);
    expect(() =>
      decodeCifarRecords({
        records: new Uint8Array(3073 + 10),
        images,
        labels,
        firstImage: 0,
        source: 'short.bin',
      }),
    ).toThrow(/short\.bin has 3083 bytes, not a whole number of 3073-byte/);
    const bad = tinyBatch({ file: 0, records: 2 });
    bad[3073] = 10;
    expect(() =>
      decodeCifarRecords({ records: bad, images, labels, firstImage: 0, source: 'bad.bin' }),
    ).toThrow(/bad\.bin: record 1 has label 10/);
  });
});

describe('loading a CIFAR-10 layout from a local path', () => {
  it('loads an extracted folder and an archive into the same shared NHWC store', async () => {
    const folderRoot = path.join(root, 'folder');
    const folder = await writeTinyFolder({ root: folderRoot, records: 4 });
    const archive = await writeTinyArchive({ root: path.join(root, 'archive'), records: 4 });
    const fromFolder = await loadImageStore({
      spec: { name: 'cifar10', path: folder },
      cifar10: { cacheRoot },
    });
    const fromParent = await loadImageStore({
      spec: { name: 'cifar10', path: folderRoot },
      cifar10: { cacheRoot },
    });
    const fromArchive = await loadImageStore({
      spec: { name: 'cifar10', path: archive },
      cifar10: { cacheRoot },
    });
    for (const store of [fromFolder, fromParent, fromArchive]) {
      expect(store.count).toBe(24);
      expect(store.trainCount).toBe(20);
      expect(store.images.length).toBe(24 * 3072);
      expect(store.images.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(store.labels.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(store.classNames).toEqual(TINY_CLASS_NAMES);
      expect(store.synthetic).toBe(false);
    }
    expect(fromArchive.fingerprint).toBe(fromFolder.fingerprint);
    expect(Buffer.from(fromArchive.images).equals(Buffer.from(fromFolder.images))).toBe(true);
    // Train files in order, then the test file: store image 4*5 + 1 is test record 1 (file index 5).
    expect(fromArchive.labels[21]).toBe((1 + 5) % 10);
    expect(fromArchive.images[21 * 3072 + 10 * 3 + 2]).toBe(
      tinyPixel({ file: 5, record: 1, channel: 2, pixel: 10 }),
    );
    // Same source ⇒ the same store object (held once per process).
    expect(
      await loadImageStore({
        spec: { name: 'cifar10', path: archive, trainSize: 10 },
        cifar10: { cacheRoot },
      }),
    ).toBe(fromArchive);
  });

  it('gives the same fingerprint cheaply (from a sidecar) as a full load', async () => {
    const archive = await writeTinyArchive({ root: path.join(root, 'fp'), records: 10 });
    const spec = { name: 'cifar10' as const, path: archive, trainSize: 20, testSize: 10, sliceSeed: 3 };
    const loaded = await loadSplit({ spec, cifar10: { cacheRoot } });
    expect(await datasetFingerprint(spec, { cifar10: { cacheRoot } })).toBe(loaded.fingerprint);
    clearImageStoreCache();
    expect(await datasetFingerprint({ ...spec, sliceSeed: 4 }, { cifar10: { cacheRoot } })).not.toBe(
      loaded.fingerprint,
    );
  });

  it('names the missing file when the layout is incomplete', async () => {
    const folder = await writeTinyFolder({
      root: path.join(root, 'missing'),
      records: 2,
      omit: 'data_batch_3.bin',
    });
    await expect(
      loadImageStore({ spec: { name: 'cifar10', path: folder }, cifar10: { cacheRoot } }),
    ).rejects.toMatchObject({
      code: 'E_DATASET_CORRUPT',
      message: expect.stringMatching(/lacks data_batch_3\.bin/),
    });
  });

  it('says what to pass when the path does not exist', async () => {
    await expect(
      loadImageStore({
        spec: { name: 'cifar10', path: path.join(root, 'nope.tar.gz') },
        cifar10: { cacheRoot },
      }),
    ).rejects.toMatchObject({
      code: 'E_DATASET_PATH',
      message: expect.stringMatching(/dataset\.path .*nope\.tar\.gz does not exist/),
    });
  });

  it('rejects a file that is not a gzipped tar', async () => {
    const file = path.join(root, 'junk.tar.gz');
    await fs.writeFile(file, 'not an archive');
    await expect(
      loadImageStore({ spec: { name: 'cifar10', path: file }, cifar10: { cacheRoot } }),
    ).rejects.toMatchObject({
      code: 'E_DATASET_CORRUPT',
      message: expect.stringMatching(/junk\.tar\.gz is not a readable cifar-10-binary\.tar\.gz/),
    });
  });

  it('checks a given SHA-256 against a local archive', async () => {
    const archive = await writeTinyArchive({ root: path.join(root, 'sha'), records: 2 });
    await expect(
      loadImageStore({
        spec: { name: 'cifar10', path: archive },
        cifar10: { cacheRoot, sha256: 'a'.repeat(64) },
      }),
    ).rejects.toMatchObject({ code: 'E_DATASET_CHECKSUM' });
    await expect(
      loadImageStore({ spec: { name: 'cifar10', path: archive }, cifar10: { cacheRoot, sha256: 'xyz' } }),
    ).rejects.toMatchObject({ code: 'E_BAD_ARGUMENT' });
  });
});
