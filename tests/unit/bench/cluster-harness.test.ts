/**
 * The cluster benches' shared harness (bench/cluster/): flags that fail with one line, the cluster's
 * config, what the server logs are read for, and CPU by process between two snapshots.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { cpuSecondsOfTree, cpuSpent } from '../../../bench/cluster/cpu.js';
import { FlagError, FlagReader } from '../../../bench/cluster/flags.js';
import { parseClusterConfig } from '../../../bench/cluster/lifecycle.js';
import { mlflowRequests, temporalLimitWarnings } from '../../../bench/cluster/server-logs.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

describe('FlagReader', () => {
  test('reads integers, even integers, lists and integer lists', () => {
    const read = new FlagReader({ a: '3', b: '200,1000', c: 'x, y', d: '' });
    expect(read.int('a', 0)).toBe(3);
    expect(read.ints('b', 2, { even: true })).toEqual([200, 1000]);
    expect(read.list('c', ['x', 'y', 'z'])).toEqual(['x', 'y']);
    expect(read.list('d', ['x'])).toEqual([]);
  });

  test('says what was wrong', () => {
    const read = new FlagReader({ a: '1', b: '200,7', c: 'w', d: '' });
    expect(() => read.int('a', 2)).toThrow(new FlagError("--a must be an integer ≥ 2; got '1'"));
    expect(() => read.ints('b', 2, { even: true })).toThrow(/--b must be an even integer ≥ 2; got '7'/);
    expect(() => read.list('c', ['x', 'y'])).toThrow(/--c takes x, y; got 'w'/);
    expect(() => read.ints('d', 1)).toThrow(/--d needs at least one value/);
  });
});

describe('a bench with a bad flag', () => {
  // Before any cluster work: one line, exit 2, nothing on stdout.
  test.each([
    ['chaos.ts', ['--kills', 'x'], "error[E_BAD_ARGUMENT]: chaos: --kills must be an integer ≥ 0; got 'x'"],
    ['chaos.ts', ['--no-such-flag'], "error[E_BAD_ARGUMENT]: chaos: Unknown option '--no-such-flag'"],
    [
      'load.ts',
      ['--mlflow-store', 'mysql'],
      "error[E_BAD_ARGUMENT]: bench:load: --mlflow-store takes postgres, sqlite, both; got 'mysql'",
    ],
    ['load.ts', ['--trials', '200,301'], 'error[E_BAD_ARGUMENT]: bench:load: --trials must be an even'],
  ])(
    '%s %j',
    (file, args, line) => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', file), ...args], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(line);
      expect(r.stdout).toBe('');
    },
    90_000,
  );
});

test('the cluster config: an older one without STORE is SQLite', () => {
  expect(parseClusterConfig('WORKERS=2\nSHARED=0\nPROXY=1\nSTORE=postgres\n')).toEqual({
    workers: 2,
    sharedCheckpoints: false,
    faultProxy: true,
    store: 'postgres',
  });
  expect(parseClusterConfig('WORKERS=3\nSHARED=1\nPROXY=0\n').store).toBe('sqlite');
});

test("MLflow's access log: requests by endpoint", () => {
  const lines = [
    '10.77.0.11:0 - "POST /api/2.0/mlflow/runs/log-batch HTTP/1.1" 200',
    '10.77.0.11:0 - "POST /api/2.0/mlflow/runs/log-batch HTTP/1.1" 200',
    '10.77.0.12:0 - "GET /api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts/trial.json HTTP/1.1" 200',
    '10.77.0.12:0 - "GET /api/2.0/mlflow/runs/get?run_id=abc HTTP/1.1" 200',
    'INFO: something else',
  ];
  expect(Object.fromEntries(mlflowRequests(lines))).toEqual({
    'POST runs/log-batch': 2,
    'GET mlflow-artifacts/artifacts': 1,
    'GET runs/get': 1,
  });
});

test("the Temporal server's history and payload size warnings, as it words them", () => {
  const lines = [
    '{"level":"warn","msg":"history size exceeds warn limit.","wf-history-event-count":10300}',
    '{"level":"warn","msg":"Blob data size exceeds the warning limit.","wf-size":300000}',
    '{"level":"warn","msg":"mutable state size exceeds warn limit."}',
    '{"level":"warn","msg":"Blob size exceeds limit."}',
    '{"level":"warn","msg":"Slow gRPC call"}',
    '{"level":"warn","msg":"history count is 20"}',
  ];
  expect(temporalLimitWarnings(lines)).toEqual(lines.slice(0, 4));
});

test('CPU by process: what each spent between two snapshots', () => {
  const spent = cpuSpent(
    new Map([
      ['temporal', 10],
      ['worker1', 5],
    ]),
    new Map([
      ['temporal', 12.5],
      ['worker1', 6],
      ['mlflow', 3],
    ]),
  );
  expect(Object.fromEntries(spent)).toEqual({ temporal: 2.5, worker1: 1 });
});

test('CPU of a process counts a live descendant in a session of its own, as PostgreSQL backends are', async () => {
  /** utime + stime of one process alone, seconds. */
  const own = (pid: number) => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  };
  // An idle shell whose child (setsid execs the loop: $! is its pid) spins in a session of its own.
  const parent = spawn('sh', ['-c', 'setsid sh -c "while :; do :; done" & echo $!; wait'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const busy = await new Promise<number>((resolve) =>
    parent.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))),
  );
  try {
    let tree = 0;
    for (let i = 0; i < 100 && tree < 0.3; i++) {
      await new Promise((r) => setTimeout(r, 100));
      tree = cpuSecondsOfTree(parent.pid!);
    }
    expect(tree).toBeGreaterThanOrEqual(0.3);
    expect(own(parent.pid!)).toBeLessThan(0.1);
  } finally {
    process.kill(busy, 'SIGKILL');
    parent.kill('SIGKILL');
  }
}, 30_000);
