/**
 * The chaos suite's shortened form (bench/chaos.ts; `npm run chaos` runs the whole one): a real
 * namespace cluster (scripts/cluster.sh, needs root) with two worker hosts, the sweep run once
 * undisturbed and then under worker kills (two at exact fault points, one at a random instant), a
 * Temporal restart, a worker host cut from the network and MLflow answering 500s and 429s. Every case
 * must end identical to the undisturbed run with no metric point lost or duplicated. MLflow runs on
 * PostgreSQL (the cluster's default); its restart case (`--cases postgres`) is left to the full suite:
 * it added 37 s to a 404 s run of this form, and to the hosts it looks like the 500s of mlflow-errors.
 * Skipped, with the script's one line, where network namespaces cannot be made.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * Why the cluster cannot run MLflow on PostgreSQL here, or undefined when it can: then the suite runs on
 * SQLite and says so, rather than fail on the machine's set-up (a checkout under a folder the postgres
 * user cannot enter, no PostgreSQL installed). scripts/cluster.sh checks the same before `up`.
 */
function postgresUnusable(): string | undefined {
  const debian = '/usr/lib/postgresql';
  const installed =
    process.env['SEEDSWEEP_PG_BIN'] !== undefined ||
    (existsSync(debian) &&
      readdirSync(debian).some((v) => existsSync(path.join(debian, v, 'bin', 'postgres'))));
  if (!installed) return 'PostgreSQL is not installed';
  if (spawnSync('id', ['-u', 'postgres']).status !== 0) return "there is no system user 'postgres'";
  const enter = spawnSync('setpriv', [
    '--reuid=postgres',
    '--regid=postgres',
    '--init-groups',
    '--',
    'test',
    '-x',
    ROOT,
  ]);
  if (enter.status !== 0) return `user postgres cannot enter ${ROOT}`;
  return undefined;
}

/** scripts/cluster.sh's exit code when another checkout's cluster holds an id (bench/cluster/lifecycle.ts). */
const CLUSTER_IN_USE = 75;
/** Cluster ids to try, in order: another checkout on this machine (a CI run beside a developer's) may
 * hold one. 7 is cluster-postgres.test.ts's. */
const CLUSTER_IDS = ['0', '1', '2', '3', '4', '5', '6', '8', '9'];

function runChaosOnce(args: string[], id: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'bench', 'chaos.ts'), ...args],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, SEEDSWEEP_CLUSTER_ID: id },
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

/** The suite on the first cluster id no other checkout holds. */
async function runChaos(args: string[]): Promise<{ code: number | null; out: string }> {
  let taken = '';
  for (const id of CLUSTER_IDS) {
    const r = await runChaosOnce(args, id);
    if (r.code !== CLUSTER_IN_USE) return { code: r.code, out: `${taken}${r.out}` };
    taken += r.out;
  }
  return { code: CLUSTER_IN_USE, out: `${taken}chaos: every cluster id is taken` };
}

test('shortened chaos suite: every case identical to the undisturbed run, 0 lost, 0 duplicated', async (ctx) => {
  const noPostgres = postgresUnusable();
  if (noPostgres) console.log(`chaos: MLflow on SQLite for this run: ${noPostgres}`);
  const { code, out } = await runChaos([
    ...(noPostgres ? ['--mlflow-store', 'sqlite'] : []),
    '--cases',
    'worker,temporal,network,mlflow-errors',
    '--kills',
    '3',
    '--point-kills',
    'checkpoint-rename,log-batch',
    '--epochs',
    '3',
    '--train-size',
    '1000',
    '--cut',
    '20',
    '--faults',
    '8',
    '--timeout',
    '400',
  ]);
  const skipped = /^(?:cluster|chaos): skipped: .*$/m.exec(out);
  if (skipped && code === 0) {
    ctx.skip(skipped[0]);
    return;
  }
  expect(code, out).toBe(0);
  const names = ['undisturbed', 'worker', 'temporal', 'network', 'mlflow-errors'];
  const rows = out
    .split('\n')
    .map((line) => line.split('|').map((cell) => cell.trim()))
    .filter(
      (cells) => cells.length === 6 && names.includes((cells[0] ?? '').replace(/ \(\d+ sweeps\)$/, '')),
    );
  expect(
    rows.map((r) => (r[0] ?? '').replace(/ \(\d+ sweeps\)$/, '')),
    out,
  ).toEqual(names);
  for (const [name, runs, completed, identical, lost, duplicates] of rows) {
    // n sweeps of 6 trials: one MLflow run per trial, every trial completed, all as undisturbed.
    const planned = Number(/\/(\d+)$/.exec(completed ?? '')?.[1]);
    expect(planned % 6, `${name}\n${out}`).toBe(0);
    expect({ name, runs, completed, lost, duplicates }, out).toEqual({
      name,
      runs: String(planned),
      completed: `${planned}/${planned}`,
      lost: '0',
      duplicates: '0',
    });
    if (name !== 'undisturbed') expect(identical, `${name}\n${out}`).toBe(`${planned}/${planned}`);
  }
  // The worker case made its kills, the point kills among them.
  const kills = /in all: 3 of 3 kills made: (.*)$/m.exec(out)?.[1] ?? '';
  expect(kills, out).toMatch(/at checkpoint-rename@\d/);
  expect(kills, out).toMatch(/at log-batch@\d/);
});
