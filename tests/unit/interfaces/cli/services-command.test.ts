/** `seedsweep services`: argument errors, the status and stop texts, and the note `run` ends with. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatBytes, statusText, stopText } from '../../../../src/interfaces/cli/commands/services.js';
import { runCliInProcess } from './run-cli.js';
import { embeddedServersNotice } from '../../../../src/interfaces/cli/output.js';
import type { ServiceStatus } from '../../../../src/services/manage.js';

const cli = (args: string[], stateDir: string) =>
  runCliInProcess(args, { SEEDSWEEP_STATE_DIR: stateDir, TEMPORAL_ADDRESS: '', MLFLOW_TRACKING_URI: '' });

afterEach(() => vi.unstubAllEnvs());

describe('seedsweep services: a user’s mistakes are one line and exit 2', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-svc-'));
  it.each([
    [
      ['services', 'restart'],
      /^error\[E_BAD_ARGUMENT\]: unknown action 'restart' for 'seedsweep services'; expected status, stop, logs\.\n$/,
    ],
    [
      ['services', 'mlflow'],
      /^error\[E_BAD_ARGUMENT\]: 'mlflow' is a service, not an action; write 'seedsweep services status mlflow'/,
    ],
    [
      ['services', 'stop', 'redis'],
      /^error\[E_BAD_ARGUMENT\]: unknown service 'redis'; expected temporal or mlflow\.\n$/,
    ],
    [
      ['services', 'logs', '-n', 'ten'],
      /^error\[E_BAD_ARGUMENT\]: -n\/--lines must be an integer ≥ 1; got 'ten'\.\n$/,
    ],
    [
      ['services', 'status', '-n', '5'],
      /^error\[E_BAD_ARGUMENT\]: -n\/--lines applies to 'seedsweep services logs' only\.\n$/,
    ],
    [
      ['services', 'stop', '--timeout', '-1'],
      /^error\[E_BAD_ARGUMENT\]: --timeout must be a number of seconds/,
    ],
    [
      ['services', 'logs', '--json'],
      /^error\[E_BAD_ARGUMENT\]: --json applies to 'services status' and 'services stop'/,
    ],
    [
      ['services', 'logs', 'temporal'],
      /^error\[E_NO_LOG\]: no server log at .*temporal\.log; seedsweep has not started an embedded temporal server/,
    ],
  ])('%j', async (args, message) => {
    const { code, stderr, stdout } = await cli(args, dir);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stdout).toBe('');
  });

  it('status is the default action; with no records it says so', async () => {
    const { code, stdout } = await cli(['services'], dir);
    expect(code).toBe(0);
    expect(stdout).toBe(
      `no embedded servers recorded in ${dir} (seedsweep starts them on demand when TEMPORAL_ADDRESS / MLFLOW_TRACKING_URI are unset).\n`,
    );
    const json = await cli(['services', 'status', '--json'], dir);
    expect(JSON.parse(json.stdout)).toEqual({ stateDir: dir, services: [] });
  });

  it('logs prints both tails with headers, one without', async () => {
    const state = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-svc-'));
    mkdirSync(path.join(state, 'logs'));
    writeFileSync(path.join(state, 'logs', 'temporal.log'), 'a\nb\nc\n');
    writeFileSync(path.join(state, 'logs', 'mlflow.log'), 'x\ny\n');
    const both = await cli(['services', 'logs', '-n', '2'], state);
    expect(both.stdout).toBe(
      `==> ${state}/logs/temporal.log <==\nb\nc\n\n==> ${state}/logs/mlflow.log <==\nx\ny\n`,
    );
    const one = await cli(['services', 'logs', 'temporal', '-n', '1'], state);
    expect(one.stdout).toBe('c\n');
  });
});

describe('--verbose', () => {
  it('is a global flag, before or after the command, that sets SEEDSWEEP_VERBOSE for the SDK runtime', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-svc-'));
    for (const args of [
      ['--verbose', 'services'],
      ['services', '--verbose'],
    ]) {
      vi.stubEnv('SEEDSWEEP_VERBOSE', '');
      expect((await cli(args, dir)).code).toBe(0);
      expect(process.env['SEEDSWEEP_VERBOSE']).toBe('1');
    }
    vi.stubEnv('SEEDSWEEP_VERBOSE', '');
    await cli(['services'], dir);
    expect(process.env['SEEDSWEEP_VERBOSE']).toBe('');
  });
});

describe('texts', () => {
  const up: ServiceStatus = {
    kind: 'temporal',
    address: '127.0.0.1:7233',
    host: '127.0.0.1',
    port: 7233,
    pid: 4100,
    stateDir: '/s',
    state: 'up',
    answering: true,
    pids: [4100],
    rssBytes: 150 * 1024 * 1024,
    logFile: '/s/logs/temporal.log',
  };
  const mlflow: ServiceStatus = {
    ...up,
    kind: 'mlflow',
    address: 'http://127.0.0.1:5000',
    port: 5000,
    pid: 4200,
    pids: [4200, 4201],
    rssBytes: 484 * 1024 * 1024,
    logFile: '/s/logs/mlflow.log',
  };

  it('status: one aligned row per server, the state dir and the total', () => {
    expect(statusText('/s', [up, mlflow])).toBe(
      [
        'SERVICE   ADDRESS                PID   PROCS  MEMORY   STATE  LOG',
        'temporal  127.0.0.1:7233         4100  1      150 MiB  up     /s/logs/temporal.log',
        'mlflow    http://127.0.0.1:5000  4200  2      484 MiB  up     /s/logs/mlflow.log',
        'state dir: /s',
        "634 MiB in total; stop them with 'seedsweep services stop'.",
        '',
      ].join('\n'),
    );
    const down = statusText('/s', [{ ...mlflow, state: 'down', answering: false, pids: [], rssBytes: 0 }]);
    expect(down).toMatch(/^mlflow\s+http:\/\/127\.0\.0\.1:5000\s+4200\s+0\s+-\s+down\s/m);
    expect(down).toContain(`'down' records are stale`);
  });

  it('stop: what happened to each', () => {
    expect(
      stopText('/s', [
        {
          kind: 'temporal',
          address: '127.0.0.1:7233',
          pid: 1,
          outcome: 'stopped',
          processes: 1,
          forced: false,
          remaining: [],
        },
        {
          kind: 'mlflow',
          address: 'http://127.0.0.1:5000',
          pid: 2,
          outcome: 'not-running',
          processes: 0,
          forced: false,
          remaining: [],
        },
      ]),
    ).toBe(
      'temporal 127.0.0.1:7233 (pid 1): stopped 1 process(es).\nmlflow http://127.0.0.1:5000 (pid 2): was not running; removed its stale record.\n',
    );
    expect(stopText('/s', [])).toBe('no embedded servers recorded in /s; nothing to stop.\n');
  });

  it('formats memory', () => {
    expect(formatBytes(484 * 1024 * 1024)).toBe('484 MiB');
    expect(formatBytes(2.25 * 1024 * 1024 * 1024)).toBe('2.25 GiB');
  });
});

describe('the note run and resume end with', () => {
  it('names the embedded servers used and how to stop them; nothing when none', () => {
    expect(embeddedServersNotice([])).toBeUndefined();
    expect(
      embeddedServersNotice([
        { kind: 'temporal', address: '127.0.0.1:7233', stateDir: '/s', started: true },
        { kind: 'mlflow', address: 'http://127.0.0.1:5000', stateDir: '/s', started: false },
      ]),
    ).toBe(
      "note: the local Temporal dev server (127.0.0.1:7233) and MLflow server (http://127.0.0.1:5000) keep running in the background for the next command; 'seedsweep services' lists them, 'seedsweep services stop' stops them.",
    );
    expect(
      embeddedServersNotice([
        { kind: 'temporal', address: '127.0.0.1:7233', stateDir: '/s', started: false },
      ]),
    ).toMatch(/^note: the local Temporal dev server \(127\.0\.0\.1:7233\) keeps running/);
  });
});
