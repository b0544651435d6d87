/** The download/cache life cycle on a tiny CIFAR-10-layout archive served over loopback HTTP (fast). */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  clearImageStoreCache,
  datasetFingerprint,
  loadImageStore,
  splitFromStore,
} from '../../../src/datasets/index.js';
import { writeTinyArchive } from './tiny-cifar.js';

let root: string;
let server: http.Server;
let url: string;
let sha256: string;
let requests = 0;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'seedsweep-download-'));
  const archive = await fs.readFile(await writeTinyArchive({ root: path.join(root, 'src'), records: 5 }));
  sha256 = createHash('sha256').update(archive).digest('hex');
  server = http.createServer((_req, res) => {
    requests += 1;
    res.writeHead(200, { 'content-length': archive.length });
    res.end(archive);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cifar-10-binary.tar.gz`;
});
afterAll(async () => {
  clearImageStoreCache();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await fs.rm(root, { recursive: true, force: true });
});
beforeEach(() => clearImageStoreCache());

const cachedFolder = (cacheRoot: string): string => path.join(cacheRoot, 'cifar10', 'cifar-10-batches-bin');

describe('CIFAR-10 download cache', () => {
  it('downloads once, then serves later loads and fingerprints from the cache', async () => {
    const cacheRoot = path.join(root, 'c1');
    const before = requests;
    const [a, b] = await Promise.all([
      loadImageStore({ spec: { name: 'cifar10' }, cifar10: { cacheRoot, url, sha256 } }),
      loadImageStore({ spec: { name: 'cifar10', trainSize: 5 }, cifar10: { cacheRoot, url, sha256 } }),
    ]);
    expect(b).toBe(a); // one load per process and source
    expect(requests - before).toBe(1);
    expect(a.count).toBe(30);
    clearImageStoreCache();
    const again = await loadImageStore({ spec: { name: 'cifar10' }, cifar10: { cacheRoot, url, sha256 } });
    expect(requests - before).toBe(1);
    expect(again.fingerprint).toBe(a.fingerprint);
    const spec = { name: 'cifar10' as const, trainSize: 10, testSize: 3, sliceSeed: 1 };
    expect(await datasetFingerprint(spec, { cifar10: { cacheRoot, url, sha256 } })).toBe(
      splitFromStore({ store: again, spec }).fingerprint,
    );
    const sidecar = JSON.parse(
      await fs.readFile(path.join(cachedFolder(cacheRoot), 'seedsweep.json'), 'utf8'),
    ) as { archiveSha256: string; url: string };
    expect(sidecar).toMatchObject({ archiveSha256: sha256, url });
  });

  it('replaces a damaged cache entry by downloading again', async () => {
    const cacheRoot = path.join(root, 'c2');
    const first = await loadImageStore({ spec: { name: 'cifar10' }, cifar10: { cacheRoot, url, sha256 } });
    await fs.truncate(path.join(cachedFolder(cacheRoot), 'data_batch_2.bin'), 100);
    clearImageStoreCache();
    const before = requests;
    const messages: string[] = [];
    const repaired = await loadImageStore({
      spec: { name: 'cifar10' },
      onProgress: (m) => messages.push(m),
      cifar10: { cacheRoot, url, sha256 },
    });
    expect(requests - before).toBe(1);
    expect(
      messages.some((m) => /is damaged .*data_batch_2\.bin has 100 bytes.*downloading again/.test(m)),
    ).toBe(true);
    expect(repaired.fingerprint).toBe(first.fingerprint);
    expect((await fs.stat(path.join(cachedFolder(cacheRoot), 'data_batch_2.bin'))).size).toBe(5 * 3073);
    expect((await fs.readdir(path.join(cacheRoot, 'cifar10'))).sort()).toEqual(['cifar-10-batches-bin']);
  });

  it('does not use a cache entry from another archive when a SHA-256 is requested', async () => {
    const cacheRoot = path.join(root, 'c3');
    await loadImageStore({ spec: { name: 'cifar10' }, cifar10: { cacheRoot, url, sha256 } });
    clearImageStoreCache();
    await expect(
      loadImageStore({ spec: { name: 'cifar10' }, cifar10: { cacheRoot, url, sha256: 'b'.repeat(64) } }),
    ).rejects.toMatchObject({ code: 'E_DATASET_CHECKSUM' });
    // The verified entry survives the failed attempt.
    clearImageStoreCache();
    const before = requests;
    await loadImageStore({ spec: { name: 'cifar10' }, cifar10: { cacheRoot, url, sha256 } });
    expect(requests).toBe(before);
  });

  it('removes temp folders left by a process that died mid-download', async () => {
    const cacheRoot = path.join(root, 'c4');
    const stale = path.join(cacheRoot, 'cifar10', '.partial-999999999-deadbeef');
    await fs.mkdir(stale, { recursive: true });
    await fs.writeFile(path.join(stale, 'cifar-10-binary.tar.gz'), 'half');
    await loadImageStore({ spec: { name: 'cifar10' }, cifar10: { cacheRoot, url, sha256 } });
    expect(await fs.readdir(path.join(cacheRoot, 'cifar10'))).toEqual(['cifar-10-batches-bin']);
  });
});
