/**
 * Acceptance tests on the real archive in /work/shared/datasets (or `sharedDatasetsDir()`): load by
 * path, download over loopback HTTP into a temp cache (verified by SHA-256), reload from the cache,
 * and the failure modes (flipped byte, truncation, missing checksum, HTTP error) leave no cache files.
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedDatasetsDir } from '../../../src/core/common/paths.js';
import {
  clearImageStoreCache,
  datasetFingerprint,
  loadImageStore,
  splitFromStore,
} from '../../../src/datasets/index.js';

const archivePath = path.join(sharedDatasetsDir(), 'cifar-10-binary.tar.gz');
const sumsPath = path.join(sharedDatasetsDir(), 'SHA256SUMS');
const present = await fs.access(archivePath).then(
  () => true,
  () => false,
);
if (!present)
  console.warn(`SKIPPED full CIFAR-10 tests: ${archivePath} is absent (see /work/shared/datasets/README.md)`);

/** Every regular file below `dir` (empty folders do not count as cached content). */
async function filesBelow(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

describe.runIf(present)('CIFAR-10 from the shared archive', () => {
  let archive: Buffer;
  let sha256: string;
  let server: http.Server;
  let base: string;
  let tmp: string;
  const requests: string[] = [];
  let pathFingerprint = '';

  beforeAll(async () => {
    archive = await fs.readFile(archivePath);
    const line = (await fs.readFile(sumsPath, 'utf8'))
      .split('\n')
      .find((l) => l.trim().endsWith(' cifar-10-binary.tar.gz'));
    sha256 = (line ?? '').split(/\s+/)[0] ?? '';
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'seedsweep-cifar-'));
    // Routes: /good (the file), /flipped (one byte changed), /short (announces the full length, sends half), /missing (404).
    const flipped = Buffer.from(archive);
    flipped[Math.floor(flipped.length / 2)] = (flipped[Math.floor(flipped.length / 2)] as number) ^ 0xff;
    server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      const name = path.basename(path.dirname(req.url ?? ''));
      if (name === 'good' || name === 'flipped') {
        res.writeHead(200, { 'content-length': archive.length, 'content-type': 'application/gzip' });
        res.end(name === 'good' ? archive : flipped);
      } else if (name === 'short') {
        res.writeHead(200, { 'content-length': archive.length });
        res.write(archive.subarray(0, archive.length >> 1), () => res.destroy());
      } else {
        res.writeHead(404);
        res.end('not found');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    clearImageStoreCache();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('loads 50,000 + 10,000 images by path, HWC in shared memory, balanced test set', async () => {
    const progress: string[] = [];
    const store = await loadImageStore({
      spec: { name: 'cifar10', path: archivePath },
      onProgress: (m) => progress.push(m),
      cifar10: { cacheRoot: path.join(tmp, 'by-path-cache') },
    });
    expect(store.count).toBe(60_000);
    expect(store.trainCount).toBe(50_000);
    expect(store.images.length).toBe(60_000 * 3072);
    expect(store.images.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(store.classNames).toEqual([
      'airplane',
      'automobile',
      'bird',
      'cat',
      'deer',
      'dog',
      'frog',
      'horse',
      'ship',
      'truck',
    ]);
    const testCounts = new Array<number>(10).fill(0);
    for (let i = store.trainCount; i < store.count; i += 1)
      testCounts[store.labels[i] as number] = (testCounts[store.labels[i] as number] as number) + 1;
    expect(testCounts).toEqual(new Array<number>(10).fill(1000));
    pathFingerprint = store.fingerprint;
    expect(progress.some((m) => m.includes('decoding 60,000'))).toBe(true);
    const split = splitFromStore({ store, spec: { name: 'cifar10', trainSize: 5000, testSize: 1000 } });
    expect(
      await datasetFingerprint(
        { name: 'cifar10', path: archivePath, trainSize: 5000, testSize: 1000 },
        { cifar10: { cacheRoot: path.join(tmp, 'by-path-cache') } },
      ),
    ).toBe(split.fingerprint);
  });

  it('downloads over HTTP into the cache (SHA-256 from the environment), then loads from the cache', async () => {
    const cacheRoot = path.join(tmp, 'cache');
    const saved = { ...process.env };
    process.env['SEEDSWEEP_CACHE_DIR'] = cacheRoot;
    process.env['SEEDSWEEP_CIFAR10_URL'] = `${base}/good/cifar-10-binary.tar.gz`;
    process.env['SEEDSWEEP_CIFAR10_SHA256'] = sha256;
    try {
      clearImageStoreCache();
      const progress: string[] = [];
      const downloaded = await loadImageStore({
        spec: { name: 'cifar10' },
        onProgress: (m) => progress.push(m),
      });
      expect(progress.some((m) => /downloading .*\(100 %\)/.test(m))).toBe(true);
      expect(downloaded.count).toBe(60_000);
      const cached = (await filesBelow(cacheRoot)).map((f) => path.relative(cacheRoot, f)).sort();
      expect(cached).toEqual(
        [
          'batches.meta.txt',
          'data_batch_1.bin',
          'data_batch_2.bin',
          'data_batch_3.bin',
          'data_batch_4.bin',
          'data_batch_5.bin',
          'seedsweep.json',
          'test_batch.bin',
        ].map((f) => path.join('cifar10', 'cifar-10-batches-bin', f)),
      );
      expect(downloaded.fingerprint).toBe(pathFingerprint);

      clearImageStoreCache();
      const before = requests.length;
      const fromCache = await loadImageStore({ spec: { name: 'cifar10' } });
      expect(requests.length).toBe(before);
      expect(fromCache.fingerprint).toBe(downloaded.fingerprint);
      expect(Buffer.from(fromCache.images).equals(Buffer.from(downloaded.images))).toBe(true);
      expect(await datasetFingerprint({ name: 'cifar10', trainSize: 100 })).toBe(
        splitFromStore({ store: fromCache, spec: { name: 'cifar10', trainSize: 100 } }).fingerprint,
      );
    } finally {
      process.env = saved;
    }
  });

  it('rejects a download with a flipped byte by its checksum and caches nothing', async () => {
    const cacheRoot = path.join(tmp, 'flipped-cache');
    await expect(
      loadImageStore({
        spec: { name: 'cifar10' },
        cifar10: { cacheRoot, url: `${base}/flipped/cifar-10-binary.tar.gz`, sha256 },
      }),
    ).rejects.toMatchObject({
      code: 'E_DATASET_CHECKSUM',
      message: expect.stringMatching(
        new RegExp(
          `downloaded from ${base}/flipped/.* has SHA-256 [0-9a-f]{64}, expected ${sha256}.*nothing was cached`,
        ),
      ),
    });
    expect(await filesBelow(cacheRoot)).toEqual([]);
    expect(await fs.readdir(cacheRoot)).toEqual([]);
  });

  it('reports a transfer cut short and caches nothing', async () => {
    const cacheRoot = path.join(tmp, 'short-cache');
    await expect(
      loadImageStore({
        spec: { name: 'cifar10' },
        cifar10: { cacheRoot, url: `${base}/short/cifar-10-binary.tar.gz`, sha256 },
      }),
    ).rejects.toMatchObject({
      code: 'E_DATASET_DOWNLOAD',
      message: expect.stringMatching(
        /download of http:\/\/127\.0\.0\.1:\d+\/short\/cifar-10-binary\.tar\.gz failed: .*(broke off|truncated).*Nothing was cached/,
      ),
    });
    expect(await filesBelow(cacheRoot)).toEqual([]);
  });

  it('reports a truncated local archive as truncated or corrupt', async () => {
    const truncated = path.join(tmp, 'truncated.tar.gz');
    await fs.writeFile(truncated, archive.subarray(0, 40_000_000));
    const cacheRoot = path.join(tmp, 'truncated-cache');
    await expect(
      loadImageStore({ spec: { name: 'cifar10', path: truncated }, cifar10: { cacheRoot } }),
    ).rejects.toMatchObject({
      code: 'E_DATASET_CORRUPT',
      message: expect.stringMatching(
        /truncated\.tar\.gz is not a readable cifar-10-binary\.tar\.gz \(.*unexpected end of file.*\): the archive is truncated, corrupt/,
      ),
    });
    expect(await filesBelow(cacheRoot)).toEqual([]);
  });

  it('refuses an unofficial address without a checksum, and explains HTTP errors', async () => {
    const cacheRoot = path.join(tmp, 'misc-cache');
    const saved = process.env['SEEDSWEEP_CIFAR10_SHA256'];
    delete process.env['SEEDSWEEP_CIFAR10_SHA256'];
    try {
      await expect(
        loadImageStore({ spec: { name: 'cifar10' }, cifar10: { cacheRoot, url: `${base}/good/x.tar.gz` } }),
      ).rejects.toMatchObject({
        code: 'E_DATASET_CHECKSUM_MISSING',
        message: expect.stringMatching(/set SEEDSWEEP_CIFAR10_SHA256/),
      });
    } finally {
      if (saved !== undefined) process.env['SEEDSWEEP_CIFAR10_SHA256'] = saved;
    }
    await expect(
      loadImageStore({
        spec: { name: 'cifar10' },
        cifar10: { cacheRoot, url: `${base}/missing/x.tar.gz`, sha256 },
      }),
    ).rejects.toMatchObject({
      code: 'E_DATASET_DOWNLOAD',
      message: expect.stringMatching(/HTTP 404.*--data-path/),
    });
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(
      loadImageStore({
        spec: { name: 'cifar10' },
        cifar10: { cacheRoot, url: `http://127.0.0.1:${port}/x.tar.gz`, sha256 },
      }),
    ).rejects.toMatchObject({
      code: 'E_DATASET_DOWNLOAD',
      message: expect.stringMatching(/ECONNREFUSED/),
    });
    expect(await filesBelow(cacheRoot)).toEqual([]);
  });
});
