/**
 * Generated requests against a live inference server on loopback (issue 20, item 1): random methods,
 * targets, HTTP versions, headers and tokens; bodies that are valid requests, valid requests mutated,
 * random JSON, random bytes, pathological JSON, PNG and JPEG images whole and damaged, and bodies over
 * the limit; framed by Content-Length, chunked, a declared length far over the limit with the body
 * cut short, or framing that lies. Every request goes over its own socket and the answer is parsed
 * strictly (raw-http.ts). The server is the deployable one (the container entry, configured by its
 * environment, token included) in a child process, so that its RSS is its own; requests go in
 * concurrent batches.
 *
 * Property: every request gets a well-formed HTTP/1.1 answer within the deadline (no hang, no
 * connection closed unanswered), its status in the documented set and never 500, errors as JSON
 * `{"error": {"code", "message"}}` whose code carries that status; well-formed requests get the
 * status their token and endpoint call for (200 on /ping, 401 without the token, 413 for a body
 * declared over the limit); /ping answers 200 during and after every batch; the server's RSS stays
 * under a stated bound; the server logs no unexpected error. A second property sends slow requests
 * (trickled or stalled headers and bodies) in concurrent batches: each is answered (408, or 503 past
 * the cap on requests in flight) within the timeout's bound, while /ping keeps answering.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVING_STATUSES, ServingErrorCode } from '../../../src/serving/errors.js';
import { checkFuzz } from '../../fuzz-support.js';
import { trainFitModel } from './fit-models.js';
import { useServingBackend } from './fixtures.js';
import { rawExchange, type RawOutcome, type RawPart } from './raw-http.js';

/**
 * Generated requests in `npm test`; × SEEDSWEEP_FUZZ_SCALE under `npm run fuzz` (25,000, above the
 * issue's 10,000). 10,000 in the suite took over 120 s beside the other files on 2 cores.
 */
const REQUESTS = 2_500;
/** Requests sent at once in one generated case. */
const BATCH = 8;
/** Batches of slow requests, each of SLOW_BATCH requests sent at once. */
const SLOW_BATCHES = 4;
const SLOW_BATCH = 24;
const TOKEN = 'fuzz-0123456789abcdef0123456789abcdef';
/** Small, so that bodies over it are cheap to send; the decode limits are scaled to the model, not to it. */
const MAX_BODY = 64 * 1024;
const TIMEOUT_MS = 500;
/** Above a batch and its pipelined rests, so that the request fuzz sees no 503; the slow batches pass it. */
const MAX_CONCURRENT = 20;
/** Long enough for any answer on a loaded 2-core machine; no answer by then is a hang. */
const DEADLINE_MS = 10_000;
/**
 * Bound on the server's RSS during the request fuzz: its RSS once the model is loaded plus 384 MiB.
 * One run (before JPEG sizes were checked ahead of decoding) reached start + 354 MiB: several damaged
 * JPEGs decoding at once, each up to 32 MB; the bound leaves that much room for what V8 and the
 * allocator keep between collections, and still fails on memory held per request (10,000 of them).
 * At most MAX_CONCURRENT requests are in flight, each body at most 64 KiB and its decoding bounded
 * by the model's signature. Measured: RSS grows by about 55 MiB over 10,000 requests and levels off
 * near 120 MiB over 20,000–30,000, while the heap after a full collection stays within a few MiB of
 * where it started (printed at the end): the growth is freed native memory the allocator keeps, and
 * V8's heap between collections, not memory held per request.
 */
const RSS_GROWTH_BOUND = 384 * 1024 * 1024;
const CHILD = path.join(import.meta.dirname, 'serve-child.ts');
/**
 * Time for each fuzz test, scaled with the count under `npm run fuzz`: ~1.5 ms per request alone, 10×
 * that and more on a machine shared with the rest of the suite; a hang is caught per request anyway.
 */
const FUZZ_TIMEOUT_MS = Math.max(600_000, REQUESTS * Number(process.env['SEEDSWEEP_FUZZ_SCALE'] ?? 1) * 40);

let dir: string;
let child: ChildProcess;
let childLog = '';
let url: string;
let port: number;
/** The grey classifier's input: 6 rows × 5 columns × 1 channel, pixels 0–255. */
let inputName: string;

beforeAll(async () => {
  await useServingBackend();
  makeJpegs();
  dir = await trainFitModel('grey');
  child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', CHILD], {
    env: {
      ...process.env,
      SEEDSWEEP_MODEL_DIR: dir,
      SEEDSWEEP_HOST: '127.0.0.1',
      PORT: '0',
      SEEDSWEEP_SERVE_TOKEN: TOKEN,
      SEEDSWEEP_MAX_BODY_BYTES: String(MAX_BODY),
      SEEDSWEEP_REQUEST_TIMEOUT_MS: String(TIMEOUT_MS),
      SEEDSWEEP_MAX_CONCURRENT: String(MAX_CONCURRENT),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      childLog += chunk.toString();
      const match = /serving on (http:\/\/\S+)/.exec(childLog);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the server exited (${code}):\n${childLog}`)));
  });
  port = Number(new URL(url).port);
  const model = (await (
    await fetch(`${url}/model`, { headers: { authorization: `Bearer ${TOKEN}` } })
  ).json()) as { inputs: { name: string }[] };
  inputName = model.inputs[0]!.name;
});
afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM'); // the container entry closes the server and exits 0
    await exited;
  }
  if (dir) await rm(path.dirname(dir), { recursive: true, force: true });
});

// ---- what a request is ------------------------------------------------------------------------

type Framing =
  | { kind: 'length' }
  | { kind: 'chunked'; size: number; badSize: boolean }
  /** Content-Length over the limit, only the first bytes sent: the 413 must come before the rest. */
  | { kind: 'declared'; length: number }
  | { kind: 'none' }
  /** Content-Length short of the body: the rest reads as a second, pipelined request. */
  | { kind: 'short'; by: number }
  | { kind: 'invalid'; value: string };

type Auth = 'valid' | 'none' | 'wrong' | 'basic' | 'garbage';

interface FuzzRequest {
  method: string;
  target: string;
  version: string;
  host: boolean;
  auth: Auth;
  contentType: string | undefined;
  accept: string | undefined;
  /** Further headers; `safe` when each is a valid, harmless header. */
  extra: { headers: [string, string][]; safe: boolean };
  body: { kind: string; bytes: Uint8Array };
  framing: Framing;
  /** Write the bytes in this many pieces. */
  pieces: number;
}

const STANDARD_METHODS = ['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'];
const SAFE_TARGETS = ['/invocations', '/ping', '/model', '/invocations?x=1', '/ping?y', '/', '/predict'];

const methodArb = fc.oneof(
  { arbitrary: fc.constant('POST'), weight: 12 },
  { arbitrary: fc.constantFrom(...STANDARD_METHODS), weight: 5 },
  {
    arbitrary: fc.constantFrom('TRACE', 'CONNECT', 'PROPFIND', 'SEARCH', 'QUERY', 'LINK', 'post', 'PRI'),
    weight: 1,
  },
  { arbitrary: fc.stringMatching(/^[A-Z]{1,12}$/), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary-ascii', minLength: 0, maxLength: 12 }), weight: 1 },
);

const targetArb = fc.oneof(
  { arbitrary: fc.constant('/invocations'), weight: 14 },
  { arbitrary: fc.constantFrom('/ping', '/model'), weight: 3 },
  { arbitrary: fc.constantFrom(...SAFE_TARGETS), weight: 2 },
  {
    arbitrary: fc.constantFrom(
      '/invocations/',
      '//invocations',
      '/INVOCATIONS',
      '/ping/..',
      '/%2e%2e/ping',
      '/../../etc/passwd',
      '*',
      'http://127.0.0.1/ping',
      'http://evil.example/invocations',
      '/invocations#x',
      '/%zz',
      '/%00',
      '/invocations?%',
      '',
    ),
    weight: 2,
  },
  { arbitrary: fc.webPath(), weight: 1 },
  {
    arbitrary: fc.uint8Array({ maxLength: 40 }).map((bytes) => `/${Buffer.from(bytes).toString('latin1')}`),
    weight: 1,
  },
  { arbitrary: fc.integer({ min: 1, max: 20_000 }).map((n) => `/${'a'.repeat(n)}`), weight: 1 },
);

const versionArb = fc.oneof(
  { arbitrary: fc.constant('HTTP/1.1'), weight: 30 },
  {
    arbitrary: fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/0.9', 'HTTP/1.1 x', 'http/1.1', 'HTTP/9.9', ''),
    weight: 1,
  },
);

const authArb = fc.oneof(
  { arbitrary: fc.constant<Auth>('valid'), weight: 16 },
  { arbitrary: fc.constantFrom<Auth>('none', 'wrong', 'basic', 'garbage'), weight: 4 },
);

const SAFE_CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'image/png',
  'image/jpeg',
  'image/jpg',
  'application/x-image',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/x-www-form-urlencoded',
  'image/gif',
  '',
];

const contentTypeArb = fc.oneof(
  { arbitrary: fc.constantFrom(...SAFE_CONTENT_TYPES), weight: 8 },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 1 },
);

const acceptArb = fc.option(
  fc.constantFrom(
    'application/json',
    '*/*',
    'text/csv',
    'application/*',
    'image/png',
    'text/html, */*;q=0.1',
    '',
  ),
  { freq: 3 },
);

const headerNameArb = fc.constantFrom(
  'X-Request-Id',
  'User-Agent',
  'Accept-Encoding',
  'Cookie',
  'X-Forwarded-For',
  'Content-Encoding',
  'Cache-Control',
  'Origin',
  'X-Amzn-SageMaker-Custom-Attributes',
);
const safeHeaderArb = fc.tuple(
  fc.oneof(headerNameArb, fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,20}$/)),
  fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,60}[\x21-\x7e])?$/),
);
const unsafeHeaderArb: fc.Arbitrary<[string, string]> = fc.oneof(
  fc.tuple(
    fc.string({ unit: 'binary-ascii', maxLength: 20 }),
    fc.string({ unit: 'binary-ascii', maxLength: 60 }),
  ),
  fc.tuple(
    fc.constant('X-Big'),
    fc.integer({ min: 1, max: 20_000 }).map((n) => 'b'.repeat(n)),
  ),
  fc.tuple(fc.constant('Expect'), fc.constantFrom('100-continue', 'magic', '')),
  fc.tuple(fc.constant('Connection'), fc.constantFrom('Upgrade', 'close', 'keep-alive', 'x')),
  fc.tuple(fc.constant('Upgrade'), fc.constantFrom('websocket', 'h2c')),
  fc.tuple(fc.constant('Transfer-Encoding'), fc.constantFrom('gzip', 'identity', 'chunked, gzip')),
  fc.tuple(fc.constant('Content-Length'), fc.constantFrom('0', '5', '-1')),
  fc.tuple(fc.constant('Host'), fc.constant('second.example')),
);
const extraArb = fc.oneof(
  {
    arbitrary: fc.array(safeHeaderArb, { maxLength: 4 }).map((headers) => ({ headers, safe: true })),
    weight: 8,
  },
  {
    arbitrary: fc
      .tuple(
        fc.array(safeHeaderArb, { maxLength: 2 }),
        fc.array(unsafeHeaderArb, { minLength: 1, maxLength: 3 }),
      )
      .map(([a, b]) => ({ headers: [...a, ...b], safe: false })),
    weight: 2,
  },
);

// ---- bodies -----------------------------------------------------------------------------------

const text = (s: string) => new TextEncoder().encode(s);
const pixelArb = fc.integer({ min: 0, max: 255 });
/** One valid example: 6 rows of 5 pixels of one channel. */
const imageArb = fc.array(
  fc.array(
    pixelArb.map((p) => [p]),
    { minLength: 5, maxLength: 5 },
  ),
  {
    minLength: 6,
    maxLength: 6,
  },
);
/** A valid request in any of the accepted JSON forms (the input name is the served model's). */
const validJsonArb = fc
  .tuple(fc.array(imageArb, { minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: 5 }))
  .map(([images, form]): unknown => {
    switch (form) {
      case 0:
        return { instances: images };
      case 1:
        return { instances: images[0] };
      case 2:
        return images;
      case 3:
        return { inputs: images };
      case 4:
        return { inputs: { [inputName]: images } };
      default:
        return { instances: images.map((image) => ({ [inputName]: image })) };
    }
  });

/** Replaces, removes or wraps one value somewhere in `value`, chosen by `steps`. */
function mutate(value: unknown, steps: number[], replacement: unknown, how: number): unknown {
  if (steps.length === 0 || typeof value !== 'object' || value === null) {
    return how === 0 ? replacement : how === 1 ? [value] : how === 2 ? undefined : replacement;
  }
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...value };
  const keys = Object.keys(copy);
  if (keys.length === 0) return replacement;
  const key = keys[steps[0]! % keys.length]!;
  const next = mutate((copy as Record<string, unknown>)[key], steps.slice(1), replacement, how);
  if (next === undefined) {
    if (Array.isArray(copy)) copy.splice(Number(key), 1);
    else delete copy[key];
  } else (copy as Record<string, unknown>)[key] = next;
  return copy;
}
const mutatedJsonArb = fc
  .tuple(
    validJsonArb,
    fc.array(fc.nat(), { maxLength: 6 }),
    fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom(256, -1, 1.5, 1e308, -0, '12', null, true, [], {}, [[[]]], 2 ** 31),
    ),
    fc.nat({ max: 3 }),
  )
  .map(([valid, steps, replacement, how]) => mutate(valid, steps, replacement, how) ?? null);

/** Edits the bytes of a valid body: flips, inserts, deletes, truncates. */
const byteEditsArb = (bytes: Uint8Array) =>
  fc
    .array(fc.tuple(fc.nat({ max: 3 }), fc.nat(), fc.integer({ min: 0, max: 255 })), {
      minLength: 1,
      maxLength: 4,
    })
    .map((edits) => {
      let out = Uint8Array.from(bytes);
      for (const [kind, at, byte] of edits) {
        if (out.length === 0) break;
        const i = at % out.length;
        if (kind === 0) out[i] = out[i]! ^ (1 << (byte % 8));
        else if (kind === 1) out = Uint8Array.from([...out.subarray(0, i), byte, ...out.subarray(i)]);
        else if (kind === 2) out = Uint8Array.from([...out.subarray(0, i), ...out.subarray(i + 1)]);
        else out = out.subarray(0, i);
      }
      return out;
    });

function pngOf(width: number, height: number, pixels: number[], colorType: 0 | 2 | 6): Uint8Array {
  const png = new PNG({ width, height });
  for (let p = 0; p < width * height; p++) {
    const v = pixels[p % pixels.length]!;
    png.data[p * 4] = v;
    png.data[p * 4 + 1] = colorType === 0 ? v : 255 - v;
    png.data[p * 4 + 2] = v;
    png.data[p * 4 + 3] = 255;
  }
  return PNG.sync.write(png, { colorType });
}
const sizeArb = fc.oneof(
  { arbitrary: fc.constant([5, 6] as const), weight: 4 },
  { arbitrary: fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 })), weight: 1 },
);
const pngArb = fc
  .tuple(sizeArb, fc.array(pixelArb, { minLength: 1, maxLength: 30 }), fc.constantFrom<0 | 2 | 6>(0, 0, 2, 6))
  .map(([[w, h], pixels, colorType]) => pngOf(w, h, pixels, colorType));
/**
 * JPEG files made once: jpeg-js builds its tables on every encode (tens of ms each), too slow to do
 * per request; the damaged ones vary them byte by byte.
 */
const jpegs: Uint8Array[] = [];
function makeJpegs(): void {
  for (const [w, h, quality, grey] of [
    [5, 6, 90, true],
    [5, 6, 50, true],
    [5, 6, 10, true],
    [5, 6, 75, false],
    [4, 4, 75, true],
    [12, 9, 75, false],
  ] as const) {
    const data = Buffer.alloc(w * h * 4, 255);
    for (let p = 0; p < w * h; p++) {
      data[p * 4] = (p * 37) % 256;
      data[p * 4 + 1] = grey ? data[p * 4]! : (p * 91) % 256;
      data[p * 4 + 2] = data[p * 4]!;
    }
    jpegs.push(Uint8Array.from(jpeg.encode({ width: w, height: h, data }, quality).data));
  }
}
const jpegArb = fc.nat({ max: 5 }).map((i) => jpegs[i]!);
/** A PNG whose header claims another size (up to 2^32 − 1 per side) than its data holds. */
const lyingPngArb = fc
  .tuple(pngArb, fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff }))
  .map(([png, w, h]) => {
    const out = Buffer.from(png);
    out.writeUInt32BE(w, 16);
    out.writeUInt32BE(h, 20);
    return Uint8Array.from(out);
  });

const pathologicalJsonArb = fc.oneof(
  fc.integer({ min: 1, max: MAX_BODY }).map((n) => '['.repeat(n)),
  fc.integer({ min: 1, max: MAX_BODY / 2 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
  fc.integer({ min: 1, max: Math.floor(MAX_BODY / 3) }).map((n) => `[${'[],'.repeat(n)}[]]`),
  fc.integer({ min: 1, max: MAX_BODY / 2 }).map((n) => `{"instances":[${'0,'.repeat(n)}0]}`),
  fc
    .integer({ min: 1, max: MAX_BODY / 8 })
    .map((n) => `{${Array.from({ length: n }, (_, i) => `"k${i}":0`).join(',')}}`),
  fc.constantFrom(
    '1e999',
    '-1e999',
    '"\\ud800"',
    '{"__proto__":{"instances":1}}',
    '{"instances":[1e400]}',
    'null',
  ),
  fc.integer({ min: 1, max: MAX_BODY - 10 }).map((n) => JSON.stringify('x'.repeat(n))),
);

const bodyArb: fc.Arbitrary<{ kind: string; bytes: Uint8Array }> = fc.oneof(
  { arbitrary: validJsonArb.map((v) => ({ kind: 'valid-json', bytes: text(JSON.stringify(v)) })), weight: 4 },
  {
    arbitrary: mutatedJsonArb.map((v) => ({ kind: 'mutated-json', bytes: text(JSON.stringify(v)) })),
    weight: 6,
  },
  {
    arbitrary: validJsonArb
      .chain((v) => byteEditsArb(text(JSON.stringify(v))))
      .map((bytes) => ({ kind: 'edited-json', bytes })),
    weight: 3,
  },
  {
    arbitrary: fc
      .jsonValue({ maxDepth: 4 })
      .map((v) => ({ kind: 'random-json', bytes: text(JSON.stringify(v)) })),
    weight: 2,
  },
  { arbitrary: pathologicalJsonArb.map((s) => ({ kind: 'pathological-json', bytes: text(s) })), weight: 2 },
  {
    arbitrary: fc.uint8Array({ maxLength: 4096 }).map((bytes) => ({ kind: 'random-bytes', bytes })),
    weight: 2,
  },
  { arbitrary: pngArb.map((bytes) => ({ kind: 'png', bytes })), weight: 2 },
  { arbitrary: pngArb.chain(byteEditsArb).map((bytes) => ({ kind: 'damaged-png', bytes })), weight: 2 },
  { arbitrary: lyingPngArb.map((bytes) => ({ kind: 'lying-png', bytes })), weight: 1 },
  { arbitrary: jpegArb.map((bytes) => ({ kind: 'jpeg', bytes })), weight: 1 },
  { arbitrary: jpegArb.chain(byteEditsArb).map((bytes) => ({ kind: 'damaged-jpeg', bytes })), weight: 2 },
  {
    arbitrary: fc
      .integer({ min: MAX_BODY + 1, max: MAX_BODY + 4096 })
      .map((n) => ({ kind: 'over-limit', bytes: new Uint8Array(n).fill(0x20) })),
    weight: 1,
  },
  { arbitrary: fc.constant({ kind: 'empty', bytes: new Uint8Array(0) }), weight: 1 },
);

/** The content type that goes with a body, most of the time. */
function matchingType(kind: string): string {
  if (kind.includes('png')) return 'image/png';
  if (kind.includes('jpeg')) return 'image/jpeg';
  return 'application/json';
}

const framingArb: fc.Arbitrary<Framing> = fc.oneof(
  { arbitrary: fc.constant<Framing>({ kind: 'length' }), weight: 24 },
  {
    arbitrary: fc
      .record({
        kind: fc.constant('chunked' as const),
        size: fc.integer({ min: 1, max: 9000 }),
        badSize: fc.boolean(),
      })
      .map((f) => ({ ...f, badSize: f.badSize && f.size % 4 === 0 })),
    weight: 3,
  },
  {
    arbitrary: fc
      .oneof(fc.integer({ min: MAX_BODY + 1, max: 2 ** 40 }), fc.constant(MAX_BODY + 1))
      .map((length) => ({ kind: 'declared' as const, length })),
    weight: 2,
  },
  { arbitrary: fc.constant<Framing>({ kind: 'none' }), weight: 1 },
  { arbitrary: fc.integer({ min: 1, max: 50 }).map((by) => ({ kind: 'short' as const, by })), weight: 1 },
  {
    arbitrary: fc
      .constantFrom('-1', 'abc', '1 2', '0x10', '', '1e3', '99999999999999999999999', '+5')
      .map((value) => ({ kind: 'invalid' as const, value })),
    weight: 1,
  },
);

const requestArb: fc.Arbitrary<FuzzRequest> = fc
  .record({
    method: methodArb,
    target: targetArb,
    version: versionArb,
    host: fc.oneof(
      { arbitrary: fc.constant(true), weight: 30 },
      { arbitrary: fc.constant(false), weight: 1 },
    ),
    auth: authArb,
    typeChoice: fc.oneof(
      { arbitrary: fc.constant<'match'>('match'), weight: 4 },
      { arbitrary: contentTypeArb, weight: 1 },
    ),
    accept: acceptArb,
    extra: extraArb,
    body: bodyArb,
    framing: framingArb,
    pieces: fc.oneof(
      { arbitrary: fc.constant(1), weight: 6 },
      { arbitrary: fc.integer({ min: 2, max: 5 }), weight: 1 },
    ),
  })
  .map(({ typeChoice, accept, ...r }) => ({
    ...r,
    contentType:
      typeChoice === 'match' ? matchingType(r.body.kind) : typeChoice === '' ? undefined : typeChoice,
    accept: accept ?? undefined,
  }));

// ---- sending ----------------------------------------------------------------------------------

function authHeader(auth: Auth): string | undefined {
  switch (auth) {
    case 'valid':
      return `Bearer ${TOKEN}`;
    case 'none':
      return undefined;
    case 'wrong':
      return `Bearer ${TOKEN.slice(0, -1)}0`;
    case 'basic':
      return `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}`;
    default:
      return 'Bearer';
  }
}

/** The request's bytes in `pieces` writes. */
function encode(request: FuzzRequest): RawPart[] {
  const { body, framing } = request;
  const headers: [string, string][] = [];
  if (request.host) headers.push(['Host', '127.0.0.1']);
  const authorization = authHeader(request.auth);
  if (authorization !== undefined) headers.push(['Authorization', authorization]);
  if (request.contentType !== undefined) headers.push(['Content-Type', request.contentType]);
  if (request.accept !== undefined) headers.push(['Accept', request.accept]);
  headers.push(...request.extra.headers);
  let payload: Uint8Array = body.bytes;
  switch (framing.kind) {
    case 'length':
      headers.push(['Content-Length', String(body.bytes.length)]);
      break;
    case 'chunked': {
      headers.push(['Transfer-Encoding', 'chunked']);
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < body.bytes.length; at += framing.size) {
        const chunk = body.bytes.subarray(at, at + framing.size);
        chunks.push(
          text(`${framing.badSize && at === 0 ? 'zz' : chunk.length.toString(16)}\r\n`),
          chunk,
          text('\r\n'),
        );
      }
      chunks.push(text('0\r\n\r\n'));
      payload = Buffer.concat(chunks);
      break;
    }
    case 'declared':
      headers.push(['Content-Length', String(framing.length)]);
      payload = body.bytes.subarray(0, 1000);
      break;
    case 'none':
      break;
    case 'short':
      headers.push(['Content-Length', String(Math.max(0, body.bytes.length - framing.by))]);
      break;
    case 'invalid':
      headers.push(['Content-Length', framing.value]);
  }
  const head = Buffer.from(
    `${request.method} ${request.target} ${request.version}\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`,
    'latin1',
  );
  const bytes = Buffer.concat([head, payload]);
  const parts: RawPart[] = [];
  const step = Math.ceil(bytes.length / request.pieces);
  for (let at = 0; at < bytes.length; at += step) parts.push(bytes.subarray(at, at + step), { pauseMs: 0 });
  return parts;
}

/** Whether the request is valid HTTP/1.1 to the server's eyes, so that its status can be predicted. */
function wellFormed(request: FuzzRequest): boolean {
  return (
    STANDARD_METHODS.includes(request.method) &&
    SAFE_TARGETS.includes(request.target) &&
    request.version === 'HTTP/1.1' &&
    request.host &&
    request.extra.safe &&
    (request.contentType === undefined || SAFE_CONTENT_TYPES.includes(request.contentType)) &&
    (request.framing.kind === 'length' ||
      request.framing.kind === 'declared' ||
      (request.framing.kind === 'chunked' && !request.framing.badSize))
  );
}

/** The statuses a well-formed request may get, where its token and endpoint decide them. */
function predictedStatuses(request: FuzzRequest): number[] | undefined {
  if (!wellFormed(request)) return undefined;
  const pathOnly = request.target.split('?')[0];
  const over =
    request.framing.kind === 'declared' ||
    (request.framing.kind === 'chunked' && request.body.bytes.length > MAX_BODY) ||
    request.body.bytes.length > MAX_BODY;
  // /ping needs no token; its body, if any, is still held to the limit.
  if (pathOnly === '/ping')
    return request.method === 'GET' || request.method === 'HEAD' ? [200] : over ? [405, 413] : [405];
  if (request.auth !== 'valid') return [401];
  if (request.method === 'POST' && pathOnly === '/invocations' && over) return [413];
  return undefined;
}

// ---- checking ---------------------------------------------------------------------------------

const tally = {
  requests: 0,
  ok: 0,
  clearErrors: 0,
  byStatus: new Map<string, number>(),
  rssStart: 0,
  rssMax: 0,
};

/** One line on a request, for failure messages (the whole request is in the counterexample). */
function summary(request: FuzzRequest): string {
  return `${JSON.stringify(request.method)} ${JSON.stringify(request.target.slice(0, 60))} ${request.version}, auth ${request.auth}, ${request.body.kind} body of ${request.body.bytes.length} bytes, framing ${JSON.stringify(request.framing)}, ${request.pieces} pieces`;
}

/** Throws unless `outcome` is a well-formed answer of the documented kind for `request`. */
function checkAnswer(request: FuzzRequest, outcome: RawOutcome): void {
  if (outcome.kind === 'hang')
    throw new Error(`no whole answer within ${DEADLINE_MS} ms (hang); got ${JSON.stringify(outcome.got)}`);
  if (outcome.kind === 'closed') throw new Error('the connection closed unanswered (lost)');
  if (outcome.kind === 'malformed')
    throw new Error(`malformed answer: ${outcome.why}; got ${JSON.stringify(outcome.got)}`);
  const { status, headers, body } = outcome.response;
  if (!SERVING_STATUSES.includes(status)) throw new Error(`status ${status} is not in the documented set`);
  const predicted = predictedStatuses(request);
  if (predicted !== undefined && !predicted.includes(status))
    throw new Error(`status ${status}, expected ${predicted.join(' or ')}`);
  if (status === 401 && !/^Bearer realm="seedsweep"/.test(headers['www-authenticate'] ?? ''))
    throw new Error('401 without WWW-Authenticate: Bearer');
  if (status === 503 && headers['retry-after'] === undefined) throw new Error('503 without Retry-After');
  tally.byStatus.set(String(status), (tally.byStatus.get(String(status)) ?? 0) + 1);
  if (request.method === 'HEAD' && body.length === 0)
    return (status === 200 ? tally.ok++ : tally.clearErrors++, undefined);
  if (!/^application\/json/.test(headers['content-type'] ?? ''))
    throw new Error(`content type ${headers['content-type']}`);
  const parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  if (status === 200) {
    const fine =
      Array.isArray(parsed['predictions']) ||
      parsed['status'] === 'healthy' ||
      Array.isArray(parsed['inputs']);
    if (!fine) throw new Error(`200 with an unexpected body ${body.toString('utf8').slice(0, 200)}`);
    tally.ok += 1;
    return;
  }
  const error = parsed['error'] as { code?: unknown; message?: unknown } | undefined;
  if (typeof error?.code !== 'string' || typeof error.message !== 'string')
    throw new Error(`error body without code and message: ${body.toString('utf8').slice(0, 200)}`);
  if (ServingErrorCode[error.code as keyof typeof ServingErrorCode] !== status)
    throw new Error(`code ${error.code} answered with ${status}`);
  if (error.message.length < 10 || /\n\s+at /.test(error.message))
    throw new Error(`message is empty or a stack trace: ${error.message}`);
  tally.byStatus.set(`${status} ${error.code}`, (tally.byStatus.get(`${status} ${error.code}`) ?? 0) + 1);
  tally.clearErrors += 1;
}

async function pingOk(): Promise<void> {
  const res = await fetch(`${url}/ping`);
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`/ping answered ${res.status}`);
}

/** CPU seconds the server has used, from /proc (Linux; clock ticks of 1/100 s). */
function serverCpuSeconds(): number {
  const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The server's resident set, from /proc (Linux). */
function serverRss(): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

function sampleRss(): void {
  const rss = serverRss();
  tally.rssMax = Math.max(tally.rssMax, rss);
  if (rss > tally.rssStart + RSS_GROWTH_BOUND)
    throw new Error(
      `the server's RSS ${mib(rss)} MiB is over the bound (${mib(tally.rssStart)} MiB at start + ${mib(RSS_GROWTH_BOUND)} MiB)`,
    );
}

/** The server's heap and RSS after a full collection (see serve-child.ts). */
async function afterGc(): Promise<{ heapUsed: number; rss: number; external: number }> {
  const seen = childLog.length;
  child.kill('SIGUSR2');
  for (let i = 0; i < 500; i++) {
    const match = /memory after gc: heapUsed (\d+) rss (\d+) external (\d+)/.exec(childLog.slice(seen));
    if (match) return { heapUsed: Number(match[1]), rss: Number(match[2]), external: Number(match[3]) };
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the server did not report its memory after gc');
}

function checkLog(): void {
  if (/unexpected|E_INTERNAL/.test(childLog)) throw new Error(`the server logged:\n${childLog}`);
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

describe('the inference server under generated requests', () => {
  it(
    `answers ${REQUESTS} generated requests well-formed, in the documented statuses, /ping always open, RSS bounded`,
    async () => {
      await pingOk();
      const gcStart = await afterGc();
      tally.rssStart = serverRss();
      const cpuStart = { server: serverCpuSeconds(), here: process.cpuUsage(), wall: performance.now() };
      const property = fc.asyncProperty(
        fc.array(requestArb, { minLength: BATCH, maxLength: BATCH }),
        async (batch) => {
          const outcomes = await Promise.all([
            ...batch.map((request) =>
              rawExchange(port, encode(request), {
                deadlineMs: DEADLINE_MS,
                head: request.method === 'HEAD',
              }),
            ),
            pingOk().then(() => undefined),
          ]);
          tally.requests += batch.length;
          batch.forEach((request, i) => {
            try {
              checkAnswer(request, outcomes[i]!);
            } catch (error) {
              throw new Error(`request ${i} of the batch (${summary(request)}): ${(error as Error).message}`);
            }
          });
          await pingOk();
          sampleRss();
          checkLog();
        },
      );
      const runs = await checkFuzz('serving-requests', property, REQUESTS / BATCH);
      // No slot of the cap on requests in flight was lost: a full set of requests at once all succeed.
      const valid = JSON.stringify({
        instances: [Array.from({ length: 6 }, () => Array.from({ length: 5 }, () => [9]))],
      });
      const statuses = await Promise.all(
        Array.from({ length: MAX_CONCURRENT }, () =>
          fetch(`${url}/invocations`, {
            method: 'POST',
            body: valid,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
          }).then(async (res) => (await res.arrayBuffer(), res.status)),
        ),
      );
      expect(statuses).toEqual(Array.from({ length: MAX_CONCURRENT }, () => 200));
      const gcEnd = await afterGc();
      const retained = `after a full collection the server holds ${mib(gcEnd.heapUsed)} MiB of heap (${mib(gcStart.heapUsed)} MiB before the fuzz) and ${mib(gcEnd.external)} MiB outside it (${mib(gcStart.external)} MiB before), RSS ${mib(gcEnd.rss)} MiB`;
      const here = process.cpuUsage(cpuStart.here);
      const cpu = `${((performance.now() - cpuStart.wall) / 1000).toFixed(1)} s wall, CPU ${(serverCpuSeconds() - cpuStart.server).toFixed(1)} s in the server and ${((here.user + here.system) / 1e6).toFixed(1)} s generating, sending and checking`;
      const byStatus = [...tally.byStatus]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, n]) => `${k}: ${n}`);
      console.log(
        `fuzz serving-requests: ${runs * BATCH} generated requests in ${runs} batches of ${BATCH} ` +
          `(${tally.requests} sent with replays and shrinking): ${tally.ok} answered 200, ${tally.clearErrors} clear errors, ` +
          `0 crashes, 0 hangs, 0 lost; server RSS ${mib(tally.rssStart)} MiB at start, ${mib(tally.rssMax)} MiB at most ` +
          `(bound ${mib(tally.rssStart + RSS_GROWTH_BOUND)} MiB); ${retained}; ${cpu}\n  ${byStatus.join('\n  ')}`,
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    `answers slow requests in batches of ${SLOW_BATCH} with 408 or 503 within the timeout's bound, /ping open meanwhile`,
    async () => {
      const slowArb = fc.record({
        kind: fc.constantFrom(
          'stalled-headers',
          'stalled-body',
          'trickled-headers',
          'trickled-body',
          'idle',
          'slow-in-time',
        ),
        cut: fc.nat(),
        pauseMs: fc.integer({ min: 20, max: 150 }),
      });
      const valid = text(
        JSON.stringify({
          instances: [Array.from({ length: 6 }, () => Array.from({ length: 5 }, () => [7]))],
        }),
      );
      const head = text(
        `POST /invocations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${valid.length}\r\n\r\n`,
      );
      const whole = Buffer.concat([head, valid]);
      const slowParts = ({
        kind,
        cut,
        pauseMs,
      }: {
        kind: string;
        cut: number;
        pauseMs: number;
      }): RawPart[] => {
        const trickle = (bytes: Uint8Array, pause: number) =>
          [...bytes].flatMap((b) => [Uint8Array.of(b), { pauseMs: pause }]);
        switch (kind) {
          case 'stalled-headers':
            return [head.subarray(0, 1 + (cut % (head.length - 4)))];
          case 'stalled-body':
            return [head, valid.subarray(0, cut % valid.length)];
          case 'trickled-headers':
            return trickle(head, pauseMs);
          case 'trickled-body':
            return [head, ...trickle(valid, pauseMs)];
          case 'idle':
            return [];
          default: // the whole request in a few pieces, well within the timeout
            return [
              whole.subarray(0, 40),
              { pauseMs: 20 },
              whole.subarray(40, 100),
              { pauseMs: 20 },
              whole.subarray(100),
            ];
        }
      };
      // Headers get the timeout plus Node's check interval; bodies the timeout; a margin for a loaded machine.
      const bound = TIMEOUT_MS * 2 + 3_000;
      let slow = 0;
      const property = fc.asyncProperty(
        fc.array(slowArb, { minLength: SLOW_BATCH, maxLength: SLOW_BATCH }),
        async (batch) => {
          const pending = batch.map((request) =>
            rawExchange(port, slowParts(request), { deadlineMs: bound }).then((outcome) => ({
              request,
              outcome,
            })),
          );
          await new Promise((r) => setTimeout(r, TIMEOUT_MS / 2));
          await pingOk();
          for (const { request, outcome } of await Promise.all(pending)) {
            slow += 1;
            if (outcome.kind !== 'answered') throw new Error(`${request.kind}: ${JSON.stringify(outcome)}`);
            const { status, body } = outcome.response;
            const allowed = request.kind === 'slow-in-time' ? [200, 503] : [408, 503];
            if (!allowed.includes(status))
              throw new Error(`${request.kind}: status ${status} ${body.toString('utf8')}`);
            if (status !== 200) {
              const { error } = JSON.parse(body.toString('utf8')) as { error: { code: string } };
              if (ServingErrorCode[error.code as keyof typeof ServingErrorCode] !== status)
                throw new Error(`${request.kind}: ${status} with code ${error.code}`);
            }
          }
          await pingOk();
        },
      );
      const runs = await checkFuzz('serving-slow-requests', property, SLOW_BATCHES);
      checkLog();
      console.log(
        `fuzz serving-slow-requests: ${runs} batches, ${slow} slow requests, every one answered within ${bound} ms`,
      );
    },
    FUZZ_TIMEOUT_MS,
  );
});
