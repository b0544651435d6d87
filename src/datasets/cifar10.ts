/**
 * CIFAR-10 from the official binary archive: a local archive or extracted folder, the download
 * cache, or a verified download (official URL + MD5, or a mirror + user-given SHA-256).
 * The cache is only ever written by renaming a fully verified folder into place.
 */
import { isProcessAlive } from '../core/common/process.js';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { t as listTar } from 'tar';
import { UserError } from '../core/common/errors.js';
import { cacheDir } from '../core/common/paths.js';
import {
  CIFAR10_FOLDER,
  CIFAR10_META_FILE,
  CIFAR10_TEST_FILE,
  CIFAR10_TRAIN_FILES,
  decodeCifarRecords,
  parseClassNames,
  recordCount,
} from './cifar10-records.js';
import { downloadFile } from './download.js';
import { allocateSharedImages } from './store.js';
import type { ImageStore } from './types.js';

/** The official download address and its published MD5. */
export const CIFAR10_OFFICIAL_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
export const CIFAR10_OFFICIAL_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';

const REQUIRED_FILES = [CIFAR10_META_FILE, ...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE] as const;
const CACHE_SIDECAR = 'seedsweep.json';
const FINGERPRINT_VERSION = 'seedsweep-cifar10-binary-v1';
const FIX_HINT =
  'Pass a local copy with --data-path (dataset.path) — cifar-10-binary.tar.gz or its extracted cifar-10-batches-bin folder — or set SEEDSWEEP_CIFAR10_URL (and SEEDSWEEP_CIFAR10_SHA256) to a reachable mirror.';

/** Options of {@link loadCifar10}. */
export interface LoadCifar10Options {
  /** Local `cifar-10-binary.tar.gz` or extracted `cifar-10-batches-bin` folder; first choice when given. */
  path?: string;
  /** Download address. @default `SEEDSWEEP_CIFAR10_URL`, else the official URL */
  url?: string;
  /** Expected SHA-256 (hex) of the archive, local or downloaded. @default `SEEDSWEEP_CIFAR10_SHA256` */
  sha256?: string;
  /** Cache root. @default `cacheDir()` (`SEEDSWEEP_CACHE_DIR`, XDG cache dir) */
  cacheRoot?: string;
  /** Human progress lines (download progress, decoding). */
  onProgress?: (message: string) => void;
}

/** What identifies loaded CIFAR-10 content without decoding it again. */
export interface Cifar10Summary {
  /** SHA-256 over the class names and the record bytes in store order (same for archive, folder and cache). */
  fingerprint: string;
  trainCount: number;
  testCount: number;
}

/** Resolved sources of one load: what the per-process memo and the sidecars key on. */
export interface Cifar10Source {
  kind: 'path' | 'default';
  /** Absolute local path (kind `path`). */
  path?: string;
  url: string;
  sha256?: string;
  cacheRoot: string;
}

/** Applies defaults and environment overrides; validates the checksum format. */
export function resolveCifar10Source(options: Omit<LoadCifar10Options, 'onProgress'>): Cifar10Source {
  const url = options.url ?? process.env['SEEDSWEEP_CIFAR10_URL'] ?? CIFAR10_OFFICIAL_URL;
  const rawSha = options.sha256 ?? process.env['SEEDSWEEP_CIFAR10_SHA256'];
  let sha256: string | undefined;
  if (rawSha !== undefined && rawSha.trim() !== '') {
    sha256 = rawSha.trim().toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(sha256)) {
      throw new UserError(
        'E_BAD_ARGUMENT',
        `the CIFAR-10 SHA-256 "${rawSha}" (SEEDSWEEP_CIFAR10_SHA256 or the sha256 option) is not 64 hex digits; copy it from the mirror's SHA256SUMS`,
      );
    }
  }
  const cacheRoot = path.resolve(options.cacheRoot ?? cacheDir());
  const source: Cifar10Source = { kind: options.path ? 'path' : 'default', url, cacheRoot };
  if (options.path) source.path = path.resolve(options.path);
  if (sha256) source.sha256 = sha256;
  return source;
}

/** Loads CIFAR-10 into a shared store: `spec.path` first, then the cache, then a verified download. */
export async function loadCifar10(options: LoadCifar10Options): Promise<ImageStore> {
  const source = resolveCifar10Source(options);
  const progress = options.onProgress ?? (() => undefined);
  if (source.kind === 'path' && source.path) {
    const store = await loadFromPath({ localPath: source.path, sha256: source.sha256, progress });
    await writePathSidecar({ source, store }).catch(() => undefined); // an optimisation only
    return store;
  }
  const cached = await loadFromCache({ source, progress });
  if (cached) return cached;
  return downloadIntoCache({ source, progress });
}

/**
 * The fingerprint and counts without decoding pixels, from a sidecar written by an earlier load
 * (cache entry, or a local path whose size and modification time are unchanged); undefined if none.
 */
export async function peekCifar10(
  options: Omit<LoadCifar10Options, 'onProgress'>,
): Promise<Cifar10Summary | undefined> {
  const source = resolveCifar10Source(options);
  if (source.kind === 'path' && source.path) {
    const sidecar = await readJson<PathSidecar>(pathSidecarFile(source));
    if (!sidecar || sidecar.path !== source.path || sidecar.sha256 !== (source.sha256 ?? null))
      return undefined;
    const stamp = await statStamp(source.path).catch(() => undefined);
    return stamp === sidecar.stamp ? sidecar.summary : undefined;
  }
  const sidecar = await readJson<CacheSidecar>(path.join(cacheFolder(source), CACHE_SIDECAR));
  if (!sidecar || (source.sha256 && sidecar.archiveSha256 !== source.sha256)) return undefined;
  return sidecar.summary;
}

// ---------------------------------------------------------------------------------------------
// Local sources

async function loadFromPath(options: {
  localPath: string;
  sha256: string | undefined;
  progress: (m: string) => void;
}): Promise<ImageStore> {
  const { localPath, sha256, progress } = options;
  const stat = await fs.stat(localPath).catch(() => undefined);
  if (!stat) {
    throw new UserError(
      'E_DATASET_PATH',
      `dataset.path ${localPath} does not exist; pass the path of cifar-10-binary.tar.gz or of its extracted ${CIFAR10_FOLDER} folder`,
    );
  }
  if (stat.isDirectory()) {
    progress(`reading CIFAR-10 from folder ${localPath}`);
    return storeFromFiles({ files: await readFolder(localPath), source: localPath, progress });
  }
  if (sha256) {
    progress(`verifying SHA-256 of ${localPath}`);
    const actual = await hashFile(localPath, 'sha256');
    if (actual !== sha256) {
      throw new UserError(
        'E_DATASET_CHECKSUM',
        `${localPath} has SHA-256 ${actual}, expected ${sha256} (SEEDSWEEP_CIFAR10_SHA256 or the sha256 option): the archive is corrupt or a different file — get a fresh copy or correct the checksum`,
      );
    }
  }
  progress(`reading CIFAR-10 from archive ${localPath}`);
  return storeFromFiles({ files: await readArchive(localPath), source: localPath, progress });
}

/** Reads the required files of an extracted folder (the folder itself or its `cifar-10-batches-bin`). */
async function readFolder(folder: string): Promise<Map<string, Uint8Array>> {
  const nested = path.join(folder, CIFAR10_FOLDER);
  const root = (await fs.stat(nested).catch(() => undefined))?.isDirectory() ? nested : folder;
  const files = new Map<string, Uint8Array>();
  for (const name of REQUIRED_FILES) {
    const file = path.join(root, name);
    const bytes = await fs.readFile(file).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw new UserError('E_DATASET_PATH', `cannot read ${file}: ${error.message}`, { cause: error });
    });
    if (bytes) files.set(name, bytes);
  }
  return files;
}

/** Reads the required entries of a (gzipped) tar archive into memory, without writing to disk. */
async function readArchive(file: string): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  const wanted = new Set<string>(REQUIRED_FILES);
  try {
    await listTar({
      file,
      strict: true,
      onReadEntry(entry) {
        const name = path.posix.basename(entry.path);
        if (entry.type !== 'File' || !wanted.has(name)) {
          entry.resume();
          return;
        }
        const chunks: Buffer[] = [];
        entry.on('data', (chunk: Buffer) => chunks.push(chunk));
        entry.on('end', () => files.set(name, Buffer.concat(chunks)));
      },
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UserError(
      'E_DATASET_CORRUPT',
      `${file} is not a readable cifar-10-binary.tar.gz (${reason}): the archive is truncated, corrupt or not a gzipped tar — download it again (official: ${CIFAR10_OFFICIAL_URL})`,
      { cause: error },
    );
  }
  return files;
}

/** Validates the files and decodes them into a shared store; the fingerprint hashes names + records. */
function storeFromFiles(options: {
  files: Map<string, Uint8Array>;
  source: string;
  progress: (m: string) => void;
}): ImageStore {
  const { files, source, progress } = options;
  const missing = REQUIRED_FILES.filter((name) => !files.has(name));
  if (missing.length > 0) {
    throw new UserError(
      'E_DATASET_CORRUPT',
      `${source} lacks ${missing.join(', ')}: it is not the CIFAR-10 binary version (expected ${CIFAR10_FOLDER}/ with ${REQUIRED_FILES.join(', ')}); use cifar-10-binary.tar.gz from ${CIFAR10_OFFICIAL_URL}`,
    );
  }
  const get = (name: string): Uint8Array => files.get(name) as Uint8Array;
  const classNames = parseClassNames({
    text: Buffer.from(get(CIFAR10_META_FILE)).toString('utf8'),
    source: `${source}: ${CIFAR10_META_FILE}`,
  });
  const batchFiles = [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE];
  const counts = batchFiles.map((name) =>
    recordCount({ byteLength: get(name).length, source: `${source}: ${name}` }),
  );
  const count = counts.reduce((a, b) => a + b, 0);
  const testCount = counts[counts.length - 1] as number;
  progress(`decoding ${count.toLocaleString('en-US')} CIFAR-10 images`);
  const { images, labels } = allocateSharedImages(count);
  const hash = createHash('sha256').update(`${FINGERPRINT_VERSION}\n${classNames.join('\n')}\n`);
  let first = 0;
  batchFiles.forEach((name, i) => {
    const records = get(name);
    decodeCifarRecords({ records, images, labels, firstImage: first, source: `${source}: ${name}` });
    hash.update(records);
    first += counts[i] as number;
  });
  return {
    name: 'cifar10',
    synthetic: false,
    images,
    labels,
    count,
    trainCount: count - testCount,
    classNames,
    fingerprint: hash.digest('hex'),
  };
}

// ---------------------------------------------------------------------------------------------
// Cache and download

interface CacheSidecar {
  summary: Cifar10Summary;
  archiveSha256: string;
  archiveMd5: string;
  url: string;
  createdAt: string;
}

interface PathSidecar {
  path: string;
  stamp: string;
  sha256: string | null;
  summary: Cifar10Summary;
}

function cacheFolder(source: Cifar10Source): string {
  return path.join(source.cacheRoot, 'cifar10', CIFAR10_FOLDER);
}

async function loadFromCache(options: {
  source: Cifar10Source;
  progress: (m: string) => void;
}): Promise<ImageStore | undefined> {
  const { source, progress } = options;
  const folder = cacheFolder(source);
  const sidecar = await readJson<CacheSidecar>(path.join(folder, CACHE_SIDECAR));
  if (!sidecar) return undefined;
  if (source.sha256 && sidecar.archiveSha256 !== source.sha256) {
    progress(
      `cached CIFAR-10 in ${folder} came from an archive with SHA-256 ${sidecar.archiveSha256}, not the requested ${source.sha256}; downloading`,
    );
    return undefined;
  }
  progress(`reading CIFAR-10 from cache ${folder}`);
  try {
    const store = storeFromFiles({ files: await readFolder(folder), source: folder, progress });
    if (store.fingerprint !== sidecar.summary.fingerprint)
      throw new Error('content differs from what was cached');
    return store;
  } catch (error) {
    progress(
      `cached CIFAR-10 in ${folder} is damaged (${error instanceof Error ? error.message : String(error)}); downloading again`,
    );
    return undefined;
  }
}

async function downloadIntoCache(options: {
  source: Cifar10Source;
  progress: (m: string) => void;
}): Promise<ImageStore> {
  const { source, progress } = options;
  const expectMd5 = source.url === CIFAR10_OFFICIAL_URL ? CIFAR10_OFFICIAL_MD5 : undefined;
  if (!expectMd5 && !source.sha256) {
    throw new UserError(
      'E_DATASET_CHECKSUM_MISSING',
      `CIFAR-10 download address ${source.url} is not the official one, so its checksum is unknown: set SEEDSWEEP_CIFAR10_SHA256 to the archive's SHA-256 (or pass a local copy with --data-path)`,
    );
  }
  const root = path.join(source.cacheRoot, 'cifar10');
  await fs.mkdir(root, { recursive: true });
  await removeStalePartials(root);
  // Everything is written under a private temp folder and renamed into place only when verified.
  const partial = path.join(root, `.partial-${process.pid}-${randomBytes(4).toString('hex')}`);
  await fs.mkdir(partial);
  try {
    const archive = path.join(partial, 'cifar-10-binary.tar.gz');
    const digest = await downloadFile({
      url: source.url,
      destination: archive,
      onProgress: progress,
      hint: `Nothing was cached. ${FIX_HINT}`,
    });
    if (expectMd5 && digest.md5 !== expectMd5) {
      throw new UserError(
        'E_DATASET_CHECKSUM',
        `the archive downloaded from ${source.url} has MD5 ${digest.md5}, the official release has ${expectMd5}: the download is corrupt or the server sent another file; nothing was cached — retry, or ${FIX_HINT}`,
      );
    }
    if (source.sha256 && digest.sha256 !== source.sha256) {
      throw new UserError(
        'E_DATASET_CHECKSUM',
        `the archive downloaded from ${source.url} has SHA-256 ${digest.sha256}, expected ${source.sha256} (SEEDSWEEP_CIFAR10_SHA256 or the sha256 option): the download is corrupt or the address serves another file; nothing was cached — retry, or check the address and checksum`,
      );
    }
    progress('checksum verified; extracting');
    const files = await readArchive(archive);
    const store = storeFromFiles({ files, source: `${source.url} (downloaded)`, progress });
    const staged = path.join(partial, CIFAR10_FOLDER);
    await fs.mkdir(staged);
    for (const [name, bytes] of files) await fs.writeFile(path.join(staged, name), bytes);
    const sidecar: CacheSidecar = {
      summary: {
        fingerprint: store.fingerprint,
        trainCount: store.trainCount,
        testCount: store.count - store.trainCount,
      },
      archiveSha256: digest.sha256,
      archiveMd5: digest.md5,
      url: source.url,
      createdAt: new Date().toISOString(),
    };
    await fs.writeFile(path.join(staged, CACHE_SIDECAR), `${JSON.stringify(sidecar, null, 2)}\n`);
    await fs.rm(archive);
    await installCacheFolder({ staged, target: cacheFolder(source) });
    progress(`cached CIFAR-10 in ${cacheFolder(source)}`);
    return store;
  } finally {
    await fs.rm(partial, { recursive: true, force: true });
    // Leave no empty folder behind after a failed first download (rmdir refuses non-empty ones).
    await fs.rmdir(root).catch(() => undefined);
  }
}

/** Renames the verified folder into place, replacing a damaged or different entry. */
async function installCacheFolder(options: { staged: string; target: string }): Promise<void> {
  const { staged, target } = options;
  const old = `${target}.old-${process.pid}-${randomBytes(4).toString('hex')}`;
  const hadOld = await fs.rename(target, old).then(
    () => true,
    () => false,
  );
  try {
    await fs.rename(staged, target);
  } catch (error) {
    // Another process installed the same folder meanwhile: keep theirs.
    if (
      (error as NodeJS.ErrnoException).code !== 'ENOTEMPTY' &&
      (error as NodeJS.ErrnoException).code !== 'EEXIST'
    )
      throw error;
  }
  if (hadOld) await fs.rm(old, { recursive: true, force: true });
}

/** Removes temp folders left by processes that died mid-download. */
async function removeStalePartials(root: string): Promise<void> {
  for (const entry of await fs.readdir(root)) {
    const match = /^\.partial-(\d+)-/.exec(entry) ?? /\.old-(\d+)-/.exec(entry);
    if (!match) continue;
    const pid = Number(match[1]);
    if (pid !== process.pid && !isProcessAlive(pid))
      await fs.rm(path.join(root, entry), { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Sidecars for local paths: make datasetFingerprint cheap on the next call.

function pathSidecarFile(source: Cifar10Source): string {
  const key = createHash('sha256')
    .update(source.path ?? '')
    .digest('hex')
    .slice(0, 32);
  return path.join(source.cacheRoot, 'cifar10', 'fingerprints', `${key}.json`);
}

async function writePathSidecar(options: { source: Cifar10Source; store: ImageStore }): Promise<void> {
  const { source, store } = options;
  if (!source.path) return;
  const sidecar: PathSidecar = {
    path: source.path,
    stamp: await statStamp(source.path),
    sha256: source.sha256 ?? null,
    summary: {
      fingerprint: store.fingerprint,
      trainCount: store.trainCount,
      testCount: store.count - store.trainCount,
    },
  };
  const file = pathSidecarFile(source);
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(temp, JSON.stringify(sidecar));
  await fs.rename(temp, file);
}

/** Size and modification time of a file, or of the required files of a folder. */
async function statStamp(localPath: string): Promise<string> {
  const stat = await fs.stat(localPath);
  if (!stat.isDirectory()) return `${stat.size}:${stat.mtimeMs}`;
  const nested = path.join(localPath, CIFAR10_FOLDER);
  const root = (await fs.stat(nested).catch(() => undefined))?.isDirectory() ? nested : localPath;
  const parts: string[] = [];
  for (const name of REQUIRED_FILES) {
    const s = await fs.stat(path.join(root, name)).catch(() => undefined);
    parts.push(s ? `${name}:${s.size}:${s.mtimeMs}` : `${name}:missing`);
  }
  return parts.join('|');
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

async function hashFile(file: string, algorithm: 'sha256' | 'md5'): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
