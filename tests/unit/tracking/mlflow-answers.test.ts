/**
 * Answers that are not MLflow's (found by the answer fuzz, tests/integration/fuzz/mlflow-answers.fuzz.test.ts):
 * a 200 whose body is not the expected shape is one E_MLFLOW_ANSWER line after the retries, never a
 * TypeError later or a wrong value; a deeply nested error body is described, not a stack overflow; a
 * redirect is a setup error; a bare 404 is not "no such run".
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlflowClient } from '../../../src/tracking/mlflow-client.js';
import { RunIndex } from '../../../src/tracking/run-index.js';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

let server: Server;
let uri = '';
let answer: { status: number; body: string; headers?: Record<string, string> } = { status: 200, body: '{}' };
let requests = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests++;
    req.resume();
    req.on('end', () => {
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const client = () =>
  new MlflowClient({ trackingUri: uri, maxRetries: 2, retryBaseDelayMs: 1, retryMaxDelayMs: 2 });

describe('MLflow answers that are not what MLflow sends', () => {
  it.each([
    ['HTML', '<html><body>Bad Gateway</body></html>', /HTML or XML page/],
    ['JSON cut short', '{"experiment": {"experiment_id": "1"', /cut short or malformed/],
    ['an id of the wrong type', '{"experiment": {"experiment_id": 7}}', /experiment\.experiment_id/],
    ['an empty body', '', /empty body/],
    ['an MLflow error with 200', '{"error_code": "INTERNAL_ERROR", "message": "x"}', /MLflow error/],
    ['a huge id', JSON.stringify({ experiment: { experiment_id: 'x'.repeat(100_000) } }), /experiment_id/],
  ])('%s: one E_MLFLOW_ANSWER line after the retries', async (_, body, problem) => {
    answer = { status: 200, body };
    requests = 0;
    const error = await client()
      .getExperimentIdByName('e')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'UserError', code: 'E_MLFLOW_ANSWER', transient: true });
    expect((error as Error).message).toMatch(problem);
    expect((error as Error).message).not.toContain('\n');
    expect(requests).toBe(3);
  });

  it('reads no JSON answer above maxAnswerBytes: memory stays bounded, the line says why', async () => {
    answer = { status: 200, body: JSON.stringify({ experiment_ids: ['1'], pad: 'x'.repeat(64 * 1024) }) };
    const error = await new MlflowClient({
      trackingUri: uri,
      maxRetries: 0,
      maxAnswerBytes: 4096,
    })
      .listExperimentIds()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'UserError' });
    expect((error as Error).message).toContain('an answer over 4096 bytes, not read');
  });

  it('does not take a page of other fields only for "no results" (found by the fuzz)', async () => {
    answer = { status: 200, body: '{" error_code": "INTERNAL_ERROR", "message": ""}' };
    await expect(client().listExperimentIds()).rejects.toMatchObject({ code: 'E_MLFLOW_ANSWER' });
    answer = { status: 200, body: '{}' };
    expect(await client().listExperimentIds()).toEqual([]);
  });

  it('does not retry a run creation whose answer is not MLflow’s (the run may exist)', async () => {
    answer = { status: 200, body: '{"run": {}}' };
    requests = 0;
    await expect(client().createRun({ experimentId: '1' })).rejects.toMatchObject({
      code: 'E_MLFLOW_ANSWER',
    });
    expect(requests).toBe(1);
  });

  it('describes a deeply nested error body instead of overflowing the stack', async () => {
    answer = { status: 400, body: `${'['.repeat(50_000)}${']'.repeat(50_000)}` };
    await expect(client().getExperimentIdByName('e')).rejects.toMatchObject({ code: 'E_MLFLOW_REQUEST' });
  });

  it('keeps a multi-line server message on one line (found by the fuzz: SQL in a 4xx/5xx message)', async () => {
    answer = {
      status: 400,
      body: JSON.stringify({ error_code: 'RESOURCE_ALREADY_EXISTS', message: 'exists.\n[SQL: INSERT …]\n' }),
    };
    const error = await client()
      .createRun({ experimentId: '1' })
      .catch((e: unknown) => e);
    expect((error as Error).message).toContain('exists. [SQL: INSERT …]');
    expect((error as Error).message).not.toContain('\n');
  });

  it('names a redirect as a setup error with where it points', async () => {
    answer = { status: 302, body: '', headers: { location: 'https://elsewhere.example/' } };
    const error = await client()
      .getExperimentIdByName('e')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_MLFLOW_REDIRECT' });
    expect((error as Error).message).toContain('https://elsewhere.example/');
  });

  it('takes a bare 404 (no MLflow error code) for a failure, not for a missing run', async () => {
    answer = { status: 404, body: '<html>Not Found</html>' };
    const index = new RunIndex({
      client: client(),
      indexDir: mkdtempSync(path.join(os.tmpdir(), 'answers-')),
    });
    await expect(index.findRun('a'.repeat(32))).rejects.toMatchObject({ code: 'E_MLFLOW_REQUEST' });
    answer = { status: 404, body: '{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "no run"}' };
    expect(await index.findRun('a'.repeat(32))).toBeUndefined();
  });

  it('ignores fields MLflow does not send (a newer server’s)', async () => {
    answer = {
      status: 200,
      body: JSON.stringify({
        experiment: { experiment_id: '4', lifecycle_stage: 'active', extra: [[{}]] },
        more: 1,
      }),
    };
    expect(await client().getExperimentIdByName('e')).toBe('4');
  });
});
