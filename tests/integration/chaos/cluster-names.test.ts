/**
 * Namespace names are machine-wide, a cluster's state folder is per checkout. What a killed cluster
 * left behind (no process runs in it) is deleted by the next `up`, with one line; names a running
 * cluster of another checkout holds make `up` exit 75 without touching them. (A CI run beside a
 * developer's run once failed on "namespace ss-server exists but .seedsweep/cluster/made does not list
 * it".) A cluster id of its own (6); skipped, with the script's one line, where namespaces cannot be made.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, test } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const ID = '6';
const STATE = path.join(ROOT, '.seedsweep', `cluster-${ID}`);
const hadState = existsSync(STATE);
const IN_USE = 75;

function cluster(root: string, args: string[]) {
  return spawnSync('bash', [path.join(root, 'scripts', 'cluster.sh'), ...args], {
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, SEEDSWEEP_CLUSTER_ID: ID },
  });
}

/** A second checkout: the script and its servers, nothing else (its `up` must stop before it starts any). */
function otherCheckout(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'seedsweep-checkout-'));
  mkdirSync(path.join(dir, 'scripts'));
  for (const file of ['cluster.sh', 'cluster-postgres.sh'])
    copyFileSync(path.join(ROOT, 'scripts', file), path.join(dir, 'scripts', file));
  symlinkSync(path.join(ROOT, '.venv'), path.join(dir, '.venv'));
  return dir;
}

const other = otherCheckout();
afterAll(() => {
  cluster(ROOT, ['down']);
  cluster(other, ['down']);
  spawnSync('ip', ['netns', 'del', `s${ID}-worker5`]);
  if (!hadState) rmSync(STATE, { recursive: true, force: true });
  rmSync(other, { recursive: true, force: true });
});

test('up deletes what a killed cluster left; a running one of another checkout makes up exit 75', (ctx) => {
  const probe = spawnSync('ip', ['netns', 'add', `s${ID}-worker5`]);
  if (probe.status !== 0) {
    const r = cluster(ROOT, ['up', '--workers', '1', '--mlflow-store', 'sqlite']);
    ctx.skip(`${r.stdout}${r.stderr}`.trim().split('\n')[0]);
    return;
  }
  const up = cluster(ROOT, ['up', '--workers', '1', '--mlflow-store', 'sqlite']);
  const out = `${up.stdout}${up.stderr}`;
  expect(up.status, out).toBe(0);
  expect(up.stderr, out).toContain(
    `cluster: deleting what a cluster that no longer runs left behind: s${ID}-worker5`,
  );
  expect(existsSync(`/run/netns/s${ID}-worker5`)).toBe(false);

  const taken = cluster(other, ['up', '--workers', '1', '--mlflow-store', 'sqlite']);
  expect(taken.status, `${taken.stdout}${taken.stderr}`).toBe(IN_USE);
  expect(taken.stderr).toMatch(
    new RegExp(
      `^cluster: cluster ${ID} \\(s${ID}-…\\) runs from ${STATE} \\(pids [0-9 ]+\\): pick another SEEDSWEEP_CLUSTER_ID`,
    ),
  );
  // Its down leaves the running cluster alone.
  expect(cluster(other, ['down']).status).toBe(0);
  expect(cluster(ROOT, ['status']).status, cluster(ROOT, ['status']).stdout).toBe(0);
}, 300_000);
