/**
 * `run` (CLI and API) refuses a tracking server that does not proxy artifacts before anything is
 * submitted (src/interfaces/setup/tracking-check.ts): it used to train every trial and then repeat the
 * upload's error for 20 minutes. A server it cannot ask, or no MLFLOW_TRACKING_URI, is let through.
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { findFreePort } from '../../../../src/services/local-server.js';
import { checkTrackingServer } from '../../../../src/interfaces/setup/tracking-check.js';
import { runCliInProcess } from '../cli/run-cli.js';

/** An MLflow stand-in whose experiments all keep their artifacts at `location`. */
let location = '/tmp/x/art/1';
let requests: string[] = [];
let server: http.Server;
let uri: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        experiment: { experiment_id: '1', lifecycle_stage: 'active', artifact_location: location },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const stateDir = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-tracking-check-'));
beforeEach(() => {
  location = '/tmp/x/art/1';
  requests = [];
  // Were a run to get past the check, nothing would answer.
  vi.stubEnv('TEMPORAL_ADDRESS', '127.0.0.1:1');
  vi.stubEnv('SEEDSWEEP_STATE_DIR', stateDir);
});
afterEach(() => vi.unstubAllEnvs());
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

describe('the tracking server check before a sweep', () => {
  it('seedsweep run stops with one error line and exit 2, before Temporal, when the server does not proxy artifacts', async () => {
    const result = await runCliInProcess(['run', 'sweeps/tests/tiny.yaml'], { MLFLOW_TRACKING_URI: uri });
    expect(result.code, result.stderr).toBe(2);
    const lines = result.stderr.split('\n').filter((line) => line.startsWith('error'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^error\\[E_MLFLOW_ARTIFACTS_NOT_PROXIED\\]: tracking server ${uri} keeps the artifacts of experiment 'tiny' at '/tmp/x/art/1'`,
      ),
    );
    expect(lines[0]).toContain('--serve-artifacts --artifacts-destination <folder>');
    expect(result.stderr).not.toMatch(/temporal/i);
    expect(requests).toEqual(['GET /api/2.0/mlflow/experiments/get-by-name?experiment_name=tiny']);
  });

  it('runSweep refuses it the same way', async () => {
    vi.stubEnv('MLFLOW_TRACKING_URI', uri);
    const { runSweep } = await import('../../../../src/interfaces/api/sweeps.js');
    await expect(runSweep('sweeps/tests/tiny.yaml', { overrides: ['name=api-tiny'] })).rejects.toMatchObject({
      code: 'E_MLFLOW_ARTIFACTS_NOT_PROXIED',
      message: expect.stringContaining("experiment 'api-tiny' at '/tmp/x/art/1'"),
    });
  });

  it('lets a proxying server through, and asks nothing without MLFLOW_TRACKING_URI', async () => {
    location = 'mlflow-artifacts:/1';
    vi.stubEnv('MLFLOW_TRACKING_URI', uri);
    await checkTrackingServer({ sweepName: 'tiny' });
    expect(requests).toHaveLength(1);
    location = '/tmp/x/art/1';
    vi.stubEnv('MLFLOW_TRACKING_URI', '');
    await checkTrackingServer({ sweepName: 'tiny' });
    expect(requests).toHaveLength(1);
  });

  it('lets the sweep go on when the server cannot be asked (the tracker journals and reports it)', async () => {
    vi.stubEnv('MLFLOW_TRACKING_URI', `http://127.0.0.1:${await findFreePort()}`);
    await expect(checkTrackingServer({ sweepName: 'tiny' })).resolves.toBeUndefined();
  });

  it('still refuses a tracking URI that is not http(s)', async () => {
    vi.stubEnv('MLFLOW_TRACKING_URI', 'file:///tmp/mlruns');
    await expect(checkTrackingServer({ sweepName: 'tiny' })).rejects.toMatchObject({ code: 'E_MLFLOW_URI' });
  });
});
