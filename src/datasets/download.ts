/** Downloads a file over HTTP(S) to a local path, hashing it on the way and reporting progress. */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { UserError } from '../core/common/errors.js';

/** Options of {@link downloadFile}. */
export interface DownloadFileOptions {
  /** http:// or https:// address. */
  url: string;
  /** Where to write; the caller owns it (and removes it on failure). */
  destination: string;
  /** Progress lines for humans, about every 5 % (or every 16 MB without a known size). */
  onProgress?: (message: string) => void;
  /** What to tell the user to do when the download fails. */
  hint: string;
}

/** Digests and size of a finished download. */
export interface DownloadResult {
  bytes: number;
  sha256: string;
  md5: string;
}

const MB = 1024 * 1024;

/** Streams `url` to `destination`; fails with a UserError on HTTP errors, network errors and short bodies. */
export async function downloadFile(options: DownloadFileOptions): Promise<DownloadResult> {
  const { url, destination, onProgress, hint } = options;
  const fail = (what: string, cause?: unknown): UserError =>
    new UserError('E_DATASET_DOWNLOAD', `download of ${url} failed: ${what}. ${hint}`, { cause });
  let response: Response;
  try {
    // identity: a server that marks the .tar.gz as gzip-encoded must not have it decoded on the way.
    response = await fetch(url, { redirect: 'follow', headers: { 'accept-encoding': 'identity' } });
  } catch (error) {
    throw fail(describeNetworkError(error), error);
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw fail(`the server answered HTTP ${response.status} ${response.statusText}`.trim());
  }
  const lengthHeader = response.headers.get('content-length');
  const expectedBytes = lengthHeader === null ? undefined : Number(lengthHeader);
  const sha256 = createHash('sha256');
  const md5 = createHash('md5');
  let received = 0;
  let nextReport = 0;
  const report = (): void => {
    if (!onProgress) return;
    if (expectedBytes) {
      onProgress(
        `downloading ${url}: ${(received / MB).toFixed(1)} of ${(expectedBytes / MB).toFixed(1)} MB (${Math.floor((100 * received) / expectedBytes)} %)`,
      );
    } else {
      onProgress(`downloading ${url}: ${(received / MB).toFixed(1)} MB`);
    }
  };
  const step = expectedBytes ? Math.max(expectedBytes / 20, 1) : 16 * MB;
  try {
    await pipeline(
      Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          sha256.update(chunk);
          md5.update(chunk);
          received += chunk.length;
          if (received >= nextReport) {
            report();
            nextReport = received + step;
          }
          yield chunk;
        }
      },
      createWriteStream(destination),
    );
  } catch (error) {
    throw fail(`the transfer broke off after ${received} bytes (${describeNetworkError(error)})`, error);
  }
  if (expectedBytes !== undefined && received !== expectedBytes) {
    throw fail(
      `received ${received} of the ${expectedBytes} bytes the server announced (truncated transfer)`,
    );
  }
  report();
  return { bytes: received, sha256: sha256.digest('hex'), md5: md5.digest('hex') };
}

/** The most specific message in a fetch error chain (undici wraps the socket error in `cause`). */
function describeNetworkError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  while (current instanceof Error && parts.length < 4) {
    const code = (current as { code?: unknown }).code;
    parts.push(typeof code === 'string' ? `${current.message} [${code}]` : current.message);
    current = current.cause;
  }
  return parts.length > 0 ? parts.join(': ') : String(error);
}
