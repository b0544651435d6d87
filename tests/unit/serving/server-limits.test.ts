/**
 * The inference server's defences against hostile clients: the bearer token (and /ping open without
 * it), the body limit answered before the body is read, the request timeout for stalled senders, the
 * cap on requests in flight, decode limits on JSON, and malformed HTTP answered in the JSON error
 * format. Requests that fetch cannot make go over a bare socket (raw-http.ts).
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerTokenChecker, serveTokenFromEnv } from '../../../src/serving/bearer-token.js';
import { runContainer } from '../../../src/serving/container-entry.js';
import { SERVING_STATUSES, ServingErrorCode } from '../../../src/serving/errors.js';
import { startInferenceServer, type InferenceServer } from '../../../src/serving/server.js';
import { trainFitModel } from './fit-models.js';
import { useServingBackend } from './fixtures.js';
import { rawExchange, requestBytes, type RawOutcome, type RawResponse } from './raw-http.js';

const TOKEN = 'test-token-0123456789abcdef';
const MAX_BODY = 4096;
const TIMEOUT_MS = 400;
/** Long enough for any answer on a loaded machine; a hang is a test failure, not a wait. */
const DEADLINE_MS = 10_000;

let dir: string;
let server: InferenceServer;
let port: number;

/** One grey 6×5 image as the JSON /invocations takes. */
const image = Array.from({ length: 6 }, (_, y) => Array.from({ length: 5 }, (_, x) => [(y * 5 + x) * 8]));
const validBody = JSON.stringify({ instances: [image] });
const auth = { authorization: `Bearer ${TOKEN}` };

beforeAll(async () => {
  await useServingBackend();
  dir = await trainFitModel('grey');
  server = await startInferenceServer({
    modelDir: dir,
    port: 0,
    token: TOKEN,
    maxBodyBytes: MAX_BODY,
    requestTimeoutMs: TIMEOUT_MS,
    maxConcurrent: 2,
  });
  port = Number(new URL(server.url).port);
});
afterAll(async () => {
  await server?.close();
  if (dir) await rm(path.dirname(dir), { recursive: true, force: true });
});

function post(body: string, headers: Record<string, string> = auth, url = '/invocations') {
  return fetch(`${server.url}${url}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

async function errorOf(res: Response): Promise<{ code: string; message: string }> {
  expect(res.headers.get('content-type')).toContain('application/json');
  return ((await res.json()) as { error: { code: string; message: string } }).error;
}

/** The response of a raw exchange, which must have been answered. */
function answered(outcome: RawOutcome): RawResponse {
  if (outcome.kind !== 'answered') throw new Error(`expected an answer, got ${JSON.stringify(outcome)}`);
  return outcome.response;
}

function rawError(response: RawResponse): { code: string; message: string } {
  expect(response.headers['content-type']).toContain('application/json');
  const { error } = JSON.parse(response.body.toString('utf8')) as {
    error: { code: string; message: string };
  };
  expect(ServingErrorCode[error.code as keyof typeof ServingErrorCode]).toBe(response.status);
  return error;
}

describe('the bearer token', () => {
  it('lets /ping through without a token, for health checks', async () => {
    expect((await fetch(`${server.url}/ping`)).status).toBe(200);
    expect((await fetch(`${server.url}/ping`, { method: 'HEAD' })).status).toBe(200);
  });

  it('answers every other endpoint without a token with 401 and WWW-Authenticate', async () => {
    for (const res of [
      await post(validBody, {}),
      await fetch(`${server.url}/model`),
      await fetch(`${server.url}/no-such-endpoint`),
    ]) {
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="seedsweep"');
      expect((await errorOf(res)).code).toBe('E_UNAUTHORIZED');
    }
  });

  it('answers a wrong token, a prefix of it, or another scheme with 401', async () => {
    for (const authorization of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${TOKEN}`]) {
      const res = await post(validBody, { authorization });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="seedsweep"/);
      await errorOf(res);
    }
    const wrong = await post(validBody, { authorization: 'Bearer nope' });
    expect(wrong.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('predicts for the right token, the scheme in any case', async () => {
    for (const authorization of [`Bearer ${TOKEN}`, `bearer  ${TOKEN}`]) {
      const res = await post(validBody, { authorization });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { predictions: unknown[] }).predictions).toHaveLength(1);
    }
  });

  it('answers 401 before reading the body', async () => {
    const head = requestBytes('POST', '/invocations', [
      ['Content-Type', 'application/json'],
      ['Content-Length', String(MAX_BODY - 1)],
    ]);
    const response = answered(await rawExchange(port, [head, '{"inst'], { deadlineMs: DEADLINE_MS }));
    expect(response.status).toBe(401);
    expect(response.headers['connection']).toBe('close');
  });

  it('is read from SEEDSWEEP_SERVE_TOKEN, empty meaning none, and refused when a header cannot carry it', () => {
    expect(serveTokenFromEnv({})).toBeUndefined();
    expect(serveTokenFromEnv({ SEEDSWEEP_SERVE_TOKEN: '' })).toBeUndefined();
    expect(serveTokenFromEnv({ SEEDSWEEP_SERVE_TOKEN: 'abc' })).toBe('abc');
    expect(() => serveTokenFromEnv({ SEEDSWEEP_SERVE_TOKEN: 'two words' })).toThrow(
      expect.objectContaining({ code: 'E_BAD_TOKEN' }),
    );
    const check = bearerTokenChecker('abc');
    expect(check(undefined)).toBe('missing');
    expect(check('Bearer abc')).toBe('ok');
    expect(check('Bearer abcd')).toBe('invalid');
    expect(check('Bearer ab')).toBe('invalid');
    expect(check('Bearer')).toBe('missing');
  });

  it('is read by the container entry, which refuses a bad one before starting', async () => {
    const stderr: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (stderr.push(String(chunk)), true)) as typeof write;
    try {
      const code = await runContainer(['serve'], {
        SEEDSWEEP_SERVE_TOKEN: 'has space',
        SEEDSWEEP_MODEL_DIR: dir,
      });
      expect(code).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(stderr.join('')).toContain('E_BAD_TOKEN');
  });
});

describe('early answers', () => {
  it('reach a client that is still sending its body (the server lingers instead of resetting)', async () => {
    const body = Buffer.alloc(200_000, 0x20);
    const inPieces = (bytes: Buffer) =>
      [0, 1, 2, 3, 4].flatMap((i) => [bytes.subarray(i * 40_040, (i + 1) * 40_040), { pauseMs: 0 }]);
    const requests = [
      Buffer.concat([Buffer.from('HEAD  HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n'), body]),
      Buffer.concat([requestBytes('POST', '/invocations', [['Content-Length', '200000']]), body]),
      Buffer.concat([
        requestBytes('POST', '/invocations', [
          ['Authorization', `Bearer ${TOKEN}`],
          ['Content-Type', 'application/json'],
          ['Content-Length', '200000'],
        ]),
        body,
      ]),
    ];
    const outcomes = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        rawExchange(port, inPieces(requests[i % 3]!), { deadlineMs: DEADLINE_MS, head: i % 3 === 0 }),
      ),
    );
    // The cap on requests in flight (2) may turn some of the authorised ones away first.
    const answers = outcomes.map((o) => (o.kind === 'answered' ? o.response.status : o.kind));
    expect(answers).toEqual(
      answers.map((status, i) => (i % 3 === 2 && status === 503 ? 503 : [400, 401, 413][i % 3])),
    );
  });
});

describe('the body limit', () => {
  it('answers 413 from Content-Length while the body is still being sent', async () => {
    const head = requestBytes('POST', '/invocations', [
      ['Authorization', `Bearer ${TOKEN}`],
      ['Content-Type', 'application/json'],
      ['Content-Length', String(MAX_BODY * 100)],
    ]);
    // Part of the body, then nothing: the connection stays open, so only an early answer arrives.
    const response = answered(
      await rawExchange(port, [head, '{"instances": ['.padEnd(1000, ' ')], { deadlineMs: DEADLINE_MS }),
    );
    expect(response.status).toBe(413);
    expect(rawError(response).code).toBe('E_BODY_TOO_LARGE');
    expect(response.headers['connection']).toBe('close');
  });

  it('answers 413 as soon as a chunked body passes the limit', async () => {
    const head = requestBytes('POST', '/invocations', [
      ['Authorization', `Bearer ${TOKEN}`],
      ['Content-Type', 'application/json'],
      ['Transfer-Encoding', 'chunked'],
    ]);
    const chunk = `1000\r\n${' '.repeat(0x1000)}\r\n`;
    const response = answered(
      await rawExchange(port, [head, chunk, chunk], { deadlineMs: DEADLINE_MS }), // no last chunk
    );
    expect(response.status).toBe(413);
    expect(rawError(response).code).toBe('E_BODY_TOO_LARGE');
  });
});

describe('the request timeout', () => {
  it('answers a body that stalls with 408 and keeps answering /ping meanwhile', async () => {
    const head = requestBytes('POST', '/invocations', [
      ['Authorization', `Bearer ${TOKEN}`],
      ['Content-Type', 'application/json'],
      ['Content-Length', '100'],
    ]);
    const stalled = rawExchange(port, [head, '{"instances"'], { deadlineMs: DEADLINE_MS });
    expect((await fetch(`${server.url}/ping`)).status).toBe(200);
    const response = answered(await stalled);
    expect(response.status).toBe(408);
    expect(rawError(response).code).toBe('E_REQUEST_TIMEOUT');
  });

  it('answers headers that stall, and a body trickled too slowly, with 408', async () => {
    const slowHeaders = rawExchange(port, ['POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Ty'], {
      deadlineMs: DEADLINE_MS,
    });
    const head = requestBytes('POST', '/invocations', [
      ['Authorization', `Bearer ${TOKEN}`],
      ['Content-Type', 'application/json'],
      ['Content-Length', String(validBody.length)],
    ]);
    const trickle = [...validBody.slice(0, 12)].flatMap((c) => [c, { pauseMs: TIMEOUT_MS / 4 }]);
    const slowBody = rawExchange(port, [head, ...trickle], { deadlineMs: DEADLINE_MS });
    for (const outcome of [await slowHeaders, await slowBody]) {
      const response = answered(outcome);
      expect(response.status).toBe(408);
      expect(rawError(response).code).toBe('E_REQUEST_TIMEOUT');
    }
  });
});

describe('the cap on requests in flight', () => {
  it('answers past the cap with 503 and Retry-After, keeps /ping open, and frees the slots', async () => {
    const head = requestBytes('POST', '/invocations', [
      ['Authorization', `Bearer ${TOKEN}`],
      ['Content-Type', 'application/json'],
      ['Content-Length', '100'],
    ]);
    const stalled = [1, 2].map(() => rawExchange(port, [head, '{'], { deadlineMs: DEADLINE_MS }));
    while (server.inFlight() < 2) await new Promise((r) => setTimeout(r, 10));
    const busy = await post(validBody);
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('1');
    expect((await errorOf(busy)).code).toBe('E_OVERLOADED');
    expect((await fetch(`${server.url}/ping`)).status).toBe(200);
    for (const outcome of await Promise.all(stalled)) expect(answered(outcome).status).toBe(408);
    while (server.inFlight() > 0) await new Promise((r) => setTimeout(r, 10));
    expect((await post(validBody)).status).toBe(200);
  });
});

describe('decode limits on JSON bodies', () => {
  it('refuses nesting deeper than any request of the model, unparsed', async () => {
    const res = await post(`${'['.repeat(1000)}${']'.repeat(1000)}`);
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe('E_JSON_TOO_DEEP');
  });

  it('refuses a body of arrays that hold no values', async () => {
    const empty = await post(`[${'[],'.repeat(1000)}[]]`);
    expect(empty.status).toBe(400);
    expect((await errorOf(empty)).code).toBe('E_BAD_SHAPE');
  });
});

describe('malformed HTTP', () => {
  const cases: { name: string; bytes: string; status: number; code: string }[] = [
    { name: 'a garbage request line', bytes: 'HELLO\r\n\r\n', status: 400, code: 'E_BAD_REQUEST' },
    {
      name: 'an unknown method',
      bytes: 'FETCH /ping HTTP/1.1\r\nHost: x\r\n\r\n',
      status: 400,
      code: 'E_BAD_REQUEST',
    },
    {
      name: 'a control character in a header',
      bytes: 'GET /model HTTP/1.1\r\nHost: x\r\nX-A: b\x01c\r\n\r\n',
      status: 400,
      code: 'E_BAD_REQUEST',
    },
    {
      name: 'Content-Length with Transfer-Encoding',
      bytes:
        'POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      status: 400,
      code: 'E_BAD_REQUEST',
    },
    {
      name: 'headers over 16 KiB',
      bytes: `GET /ping HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`,
      status: 431,
      code: 'E_HEADERS_TOO_LARGE',
    },
    {
      name: 'no Host header',
      bytes: 'GET /ping HTTP/1.1\r\n\r\n',
      status: 400,
      code: 'E_BAD_REQUEST',
    },
    {
      name: 'an Expect other than 100-continue',
      bytes: `POST /invocations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nExpect: magic\r\nContent-Length: 0\r\n\r\n`,
      status: 417,
      code: 'E_EXPECTATION_FAILED',
    },
    {
      name: 'CONNECT',
      bytes: 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n',
      status: 405,
      code: 'E_METHOD_NOT_ALLOWED',
    },
  ];
  it.each(cases)('answers $name with $status $code in JSON', async ({ bytes, status, code }) => {
    const response = answered(await rawExchange(port, [bytes], { deadlineMs: DEADLINE_MS }));
    expect(response.status).toBe(status);
    expect(rawError(response).code).toBe(code);
    expect((await fetch(`${server.url}/ping`)).status).toBe(200);
  });

  it('documents every status it answers with', () => {
    expect(SERVING_STATUSES).toEqual([200, 400, 401, 404, 405, 406, 408, 413, 415, 417, 431, 503]);
  });
});

describe('binding', () => {
  it('warns when listening beyond loopback without a token', async () => {
    const lines: string[] = [];
    const open = await startInferenceServer({
      modelDir: dir,
      host: '0.0.0.0',
      port: 0,
      log: (l) => lines.push(l),
    });
    await open.close();
    expect(lines.join('\n')).toContain('without a token');
    const local = await startInferenceServer({ modelDir: dir, port: 0, log: (l) => lines.push(l) });
    expect(new URL(local.url).hostname).toBe('127.0.0.1');
    await local.close();
  });
});
