/**
 * scripts/cluster.sh runs MLflow on PostgreSQL by default; where PostgreSQL cannot be found, `up` must
 * say so on one line and exit 1 before it makes anything (no namespace, no process). A cluster id of
 * its own (7) keeps it clear of the chaos suite's cluster. Skipped, with the script's one line, where
 * network namespaces cannot be made.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, test } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const CLUSTER = path.join(ROOT, 'scripts', 'cluster.sh');
const ID = '7';
const STATE = path.join(ROOT, '.seedsweep', `cluster-${ID}`);
const hadState = existsSync(STATE);

function cluster(args: string[], env: Record<string, string> = {}) {
  return spawnSync('bash', [CLUSTER, ...args], {
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, SEEDSWEEP_CLUSTER_ID: ID, ...env },
  });
}

const namespaces = () =>
  spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((line) => line.startsWith(`s${ID}-`));

afterAll(() => {
  // Whatever an `up` that should have failed made (the old script started a whole cluster).
  cluster(['down']);
  if (!hadState) rmSync(STATE, { recursive: true, force: true });
});

test('up without PostgreSQL: one line saying what is missing and how to fix it, exit 1, nothing made', (ctx) => {
  const r = cluster(['up', '--workers', '1'], { SEEDSWEEP_PG_BIN: '/nonexistent' });
  if (r.status === 77) {
    ctx.skip(r.stdout.trim());
    return;
  }
  const out = `${r.stdout}${r.stderr}`;
  expect(r.status, out).toBe(1);
  expect(r.stdout, out).toBe('');
  const lines = r.stderr.trim().split('\n');
  expect(lines, out).toHaveLength(1);
  expect(lines[0]).toMatch(/^cluster: SEEDSWEEP_PG_BIN=\/nonexistent does not hold postgres/);
  expect(lines[0]).toMatch(/apt-get install postgresql/);
  expect(lines[0]).toMatch(/--mlflow-store sqlite/);
  expect(namespaces()).toEqual([]);
  expect(cluster(['status']).status).toBe(3);
});

test('up --mlflow-store takes postgres or sqlite only', (ctx) => {
  const r = cluster(['up', '--mlflow-store', 'mysql']);
  if (r.status === 77) {
    ctx.skip(r.stdout.trim());
    return;
  }
  expect(r.status).toBe(1);
  expect(r.stderr.trim()).toBe("cluster: --mlflow-store must be postgres or sqlite; got 'mysql'");
  expect(namespaces()).toEqual([]);
});
