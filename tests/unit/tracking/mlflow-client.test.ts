import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { UserError } from '../../../src/core/common/errors.js';
import { findFreePort } from '../../../src/services/local-server.js';
import { MlflowClient } from '../../../src/tracking/mlflow-client.js';
import { MlflowRequestError, MlflowUnavailableError } from '../../../src/tracking/mlflow-errors.js';

/** A tiny scripted HTTP server: each request takes the next answer (the last one repeats). */
interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Never answer (to trigger a client timeout). */
  hang?: boolean;
}
let answers: Answer[] = [];
let seen: { method: string; url: string; authorization: string | undefined; body: string }[] = [];
let server: http.Server;
let uri: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
        body,
      });
      const answer = (answers.length > 1 ? answers.shift() : answers[0]) ?? { status: 200, body: {} };
      if (answer.hang) return;
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(JSON.stringify(answer.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
afterEach(() => {
  answers = [];
  seen = [];
  vi.restoreAllMocks();
});

const fast = { retryBaseDelayMs: 5, retryMaxDelayMs: 20 };
const TOKEN = 'tok-SECRET-123';
const PASSWORD = 'pw-SECRET-456';

describe('MlflowClient retries', () => {
  it('retries 5xx and 429 answers, then succeeds', async () => {
    answers = [
      { status: 503 },
      { status: 429, headers: { 'retry-after': '0' } },
      { status: 500 },
      { status: 200, body: {} },
    ];
    const client = new MlflowClient({ trackingUri: uri, maxRetries: 5, ...fast });
    await client.setTag({ runId: 'r', key: 'k', value: 'v' });
    expect(seen).toHaveLength(4);
    expect(
      seen.every((s) => s.url === '/api/2.0/mlflow/runs/set-tag' && JSON.parse(s.body).key === 'k'),
    ).toBe(true);
  });

  it('gives up after maxRetries with an unavailable error', async () => {
    answers = [{ status: 502, body: { message: 'bad gateway' } }];
    const client = new MlflowClient({ trackingUri: uri, maxRetries: 3, ...fast });
    const error = await client.setTag({ runId: 'r', key: 'k', value: 'v' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlflowUnavailableError);
    expect(seen).toHaveLength(4);
    expect((error as Error).message).toMatch(
      /POST \/api\/2\.0\/mlflow\/runs\/set-tag .*4 attempt\(s\): HTTP 502 bad gateway/,
    );
  });

  it('does not retry a client error, and says what was sent and what the server answered', async () => {
    answers = [
      {
        status: 400,
        body: { error_code: 'INVALID_PARAMETER_VALUE', message: 'Changing param values is not allowed' },
      },
    ];
    const client = new MlflowClient({ trackingUri: uri, token: TOKEN, ...fast });
    const error = await client
      .logBatch({ runId: 'abc', params: [{ key: 'lr', value: '0.1' }] })
      .catch((e: unknown) => e);
    expect(seen).toHaveLength(1);
    expect(error).toBeInstanceOf(MlflowRequestError);
    const message = (error as Error).message;
    expect(message).toContain('POST /api/2.0/mlflow/runs/log-batch');
    expect(message).toContain('HTTP 400 INVALID_PARAMETER_VALUE: Changing param values is not allowed');
    expect(message).toContain('run_id: "abc"');
    expect(message).toContain('params: [1 item]');
  });

  it('retries run creation only when the server surely did not get it; a log batch always (resending it is harmless)', async () => {
    const client = new MlflowClient({ trackingUri: uri, maxRetries: 4, ...fast });
    answers = [{ status: 500 }];
    await expect(client.createRun({ experimentId: '1' })).rejects.toBeInstanceOf(MlflowUnavailableError);
    expect(seen).toHaveLength(1);
    seen = [];
    // A 500 may come after the server stored the points: the same batch again adds nothing there.
    answers = [{ status: 500 }, { status: 200, body: {} }];
    await client.logBatch({ runId: 'r', metrics: [{ key: 'm', value: 1, timestamp: 1, step: 1 }] });
    expect(seen).toHaveLength(2);
    expect(seen[1]!.body).toBe(seen[0]!.body);
    seen = [];
    answers = [{ status: 503 }, { status: 200, body: {} }];
    await client.logBatch({ runId: 'r', metrics: [{ key: 'm', value: 1, timestamp: 1, step: 1 }] });
    expect(seen).toHaveLength(2);
    seen = [];
    answers = [{ status: 500 }, { status: 200, body: {} }];
    await client.logBatch({ runId: 'r', tags: [{ key: 't', value: 'v' }] });
    expect(seen).toHaveLength(2);
  });

  it('retries network errors and timeouts', async () => {
    const closed = await findFreePort();
    const down = new MlflowClient({ trackingUri: `http://127.0.0.1:${closed}`, maxRetries: 2, ...fast });
    const refused = await down.getRun('r').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(MlflowUnavailableError);
    expect((refused as Error).message).toMatch(/3 attempt\(s\): ECONNREFUSED/);

    answers = [{ status: 200, hang: true }];
    const slow = new MlflowClient({ trackingUri: uri, timeoutMs: 100, maxRetries: 1, ...fast });
    const timedOut = await slow.getRun('r').catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(MlflowUnavailableError);
    expect(seen).toHaveLength(2);
  });
});

describe('MlflowClient credentials', () => {
  it('sends a bearer token, or basic auth from options or from the URL', async () => {
    answers = [{ status: 200, body: { experiment: { experiment_id: '3', lifecycle_stage: 'active' } } }];
    await new MlflowClient({ trackingUri: uri, token: TOKEN }).getOrCreateExperiment('e');
    await new MlflowClient({ trackingUri: uri, username: 'ann', password: PASSWORD }).getOrCreateExperiment(
      'e',
    );
    const withUserInfo = new MlflowClient({ trackingUri: uri.replace('http://', `http://bob:${PASSWORD}@`) });
    await withUserInfo.getOrCreateExperiment('e');
    expect(seen.map((s) => s.authorization)).toEqual([
      `Bearer ${TOKEN}`,
      `Basic ${Buffer.from(`ann:${PASSWORD}`).toString('base64')}`,
      `Basic ${Buffer.from(`bob:${PASSWORD}`).toString('base64')}`,
    ]);
    expect(withUserInfo.trackingUri).toBe(uri);
  });

  it('reads MLFLOW_TRACKING_* from the environment', async () => {
    vi.stubEnv('MLFLOW_TRACKING_URI', uri);
    vi.stubEnv('MLFLOW_TRACKING_TOKEN', TOKEN);
    answers = [{ status: 200, body: { experiment: { experiment_id: '3', lifecycle_stage: 'active' } } }];
    await MlflowClient.fromEnv().getOrCreateExperiment('e');
    expect(seen[0]?.authorization).toBe(`Bearer ${TOKEN}`);
    vi.unstubAllEnvs();
  });

  it('never puts secrets in errors or output', async () => {
    const output: string[] = [];
    const capture = (chunk: unknown) => {
      output.push(String(chunk));
      return true;
    };
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    for (const method of ['log', 'warn', 'error', 'info', 'debug'] as const) {
      vi.spyOn(console, method).mockImplementation(
        (...args: unknown[]) => void output.push(args.map(String).join(' ')),
      );
    }
    const errors: unknown[] = [];
    answers = [{ status: 403, body: { error_code: 'PERMISSION_DENIED', message: 'no' } }];
    const withToken = new MlflowClient({
      trackingUri: uri.replace('http://', `http://bob:${PASSWORD}@`),
      token: TOKEN,
      ...fast,
      maxRetries: 1,
    });
    errors.push(await withToken.getOrCreateExperiment('e').catch((e: unknown) => e));
    answers = [{ status: 500, body: { message: 'boom' } }];
    errors.push(await withToken.setTag({ runId: 'r', key: 'k', value: 'v' }).catch((e: unknown) => e));
    const closed = await findFreePort();
    const down = new MlflowClient({
      trackingUri: `http://bob:${PASSWORD}@127.0.0.1:${closed}`,
      password: PASSWORD,
      ...fast,
      maxRetries: 1,
    });
    errors.push(await down.getRun('r').catch((e: unknown) => e));
    expect((errors[0] as MlflowRequestError).code).toBe('E_MLFLOW_AUTH');
    for (const error of errors) {
      const text = `${String(error)} ${(error as Error).stack} ${JSON.stringify(error)} ${String((error as Error).cause)}`;
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(Buffer.from(`bob:${PASSWORD}`).toString('base64'));
    }
    expect(output.join('\n')).not.toContain('SECRET');
  });
});

describe('MlflowClient.checkArtifactProxy', () => {
  const found = (location: string) => ({
    status: 200,
    body: { experiment: { experiment_id: '4', lifecycle_stage: 'active', artifact_location: location } },
  });
  const missing = {
    status: 404,
    body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: "Could not find experiment with name 'tiny'" },
  };

  it('passes an experiment whose artifacts the server proxies, in one request', async () => {
    answers = [found('mlflow-artifacts:/4')];
    const client = new MlflowClient({ trackingUri: uri, ...fast });
    await client.checkArtifactProxy('tiny');
    expect(seen.map((s) => s.url)).toEqual(['/api/2.0/mlflow/experiments/get-by-name?experiment_name=tiny']);
  });

  it('refuses an experiment kept at a local path, naming the server, the location and the fix', async () => {
    answers = [found('/tmp/x/art/4')];
    const client = new MlflowClient({ trackingUri: uri, ...fast });
    const error = (await client.checkArtifactProxy('tiny').catch((e: unknown) => e)) as UserError;
    expect(error).toBeInstanceOf(UserError);
    expect(error.code).toBe('E_MLFLOW_ARTIFACTS_NOT_PROXIED');
    expect(error.message).toContain(
      `tracking server ${uri} keeps the artifacts of experiment 'tiny' at '/tmp/x/art/4'`,
    );
    expect(error.message).toContain('mlflow server --serve-artifacts --artifacts-destination <folder>');
    expect(error.message).toContain('--default-artifact-root');
    // An existing experiment keeps its location even once the server is fixed.
    expect(error.message).toContain('give the sweep a new name');
    expect(seen).toHaveLength(1);
  });

  it("creates a missing experiment as a sweep's start would, then reads where the server put it", async () => {
    answers = [missing, { status: 200, body: { experiment_id: '7' } }, found('file:///srv/mlruns/7')];
    const client = new MlflowClient({ trackingUri: uri, ...fast });
    const error = (await client.checkArtifactProxy('tiny').catch((e: unknown) => e)) as UserError;
    expect(error.code).toBe('E_MLFLOW_ARTIFACTS_NOT_PROXIED');
    expect(error.message).toContain("at 'file:///srv/mlruns/7'");
    expect(error.message).not.toContain('new name');
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET /api/2.0/mlflow/experiments/get-by-name?experiment_name=tiny',
      'POST /api/2.0/mlflow/experiments/create',
      'GET /api/2.0/mlflow/experiments/get?experiment_id=7',
    ]);
    expect(JSON.parse(seen[1]!.body)).toEqual({ name: 'tiny' });

    seen = [];
    answers = [
      missing,
      { status: 200, body: { experiment_id: '8' } },
      found('mlflow-artifacts://mlflow:5000/8'),
    ];
    await client.checkArtifactProxy('tiny');
    expect(seen).toHaveLength(3);
  });
});
