/**
 * The namespace cluster's life around a bench (scripts/cluster.sh, docs/scaling.md "Trying scale-out
 * locally"): bring it up if it is down, run the bench again on its laptop host, take it down at the end
 * if this run brought it up. A cluster already up is used as it is when it fits the run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLUSTER_SCRIPT = path.join(ROOT, 'scripts', 'cluster.sh');

export const MLFLOW_STORES = ['postgres', 'sqlite'] as const;
export type MlflowStore = (typeof MLFLOW_STORES)[number];

/** What `scripts/cluster.sh up` wrote to the cluster's config file. */
export interface ClusterConfig {
  workers: number;
  sharedCheckpoints: boolean;
  faultProxy: boolean;
  /** A config without STORE is an older one, from before PostgreSQL: SQLite. */
  store: MlflowStore;
}

/** The cluster's id (SEEDSWEEP_CLUSTER_ID, as for scripts/cluster.sh). */
export const clusterId = () => process.env['SEEDSWEEP_CLUSTER_ID'] ?? '0';

/** The cluster's state folder: given on its hosts, else as scripts/cluster.sh names it. */
export function clusterDir(): string {
  const given = process.env['SEEDSWEEP_CLUSTER_DIR'];
  if (given) return given;
  const id = clusterId();
  return path.join(ROOT, '.seedsweep', id === '0' ? 'cluster' : `cluster-${id}`);
}

export function parseClusterConfig(text: string): ClusterConfig {
  const field = (name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(text)?.[1];
  return {
    workers: Number(field('WORKERS') ?? '0'),
    sharedCheckpoints: field('SHARED') === '1',
    faultProxy: field('PROXY') === '1',
    store: field('STORE') === 'postgres' ? 'postgres' : 'sqlite',
  };
}

export function readClusterConfig(dir = clusterDir()): ClusterConfig | undefined {
  const file = path.join(dir, 'config');
  return existsSync(file) ? parseClusterConfig(readFileSync(file, 'utf8')) : undefined;
}

/** Runs `scripts/cluster.sh <args>` (at most 5 minutes); its exit code and output. */
export function cluster(args: string[]): { status: number; out: string } {
  const r = spawnSync('bash', [CLUSTER_SCRIPT, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { status: r.status ?? 1, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}

/** Exit code of `scripts/cluster.sh status` when the cluster is down; of `up` where it cannot be made. */
const DOWN = 3;
const SKIPPED = 77;
/** Exit code of `up` (and of the bench) when another checkout's cluster holds this id's names. */
export const CLUSTER_IN_USE = 75;

export interface ClusterRun {
  /** The bench's name in its lines, e.g. `chaos`. */
  bench: string;
  /** The bench's file, run again on the laptop host. */
  self: string;
  /** Its flags there. */
  args: string[];
  /** `scripts/cluster.sh up` flags, used when the cluster is down. */
  up: string[];
  /** Why a cluster that is already up does not fit this run and what to do; undefined when it fits. */
  misfit?: (config: ClusterConfig, status: string) => string | undefined;
}

/**
 * Brings the cluster up if it is down, runs `self` on the laptop host and takes the cluster down again
 * if it brought it up. Returns the bench's exit code: 0 with one line where namespaces cannot be made,
 * 2 with one `error[E_CLUSTER_MISFIT]` line when a running cluster does not fit, 75 when another
 * checkout's cluster holds this id.
 */
export async function runOnCluster(run: ClusterRun): Promise<number> {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const status = cluster(['status']);
  let started = false;
  if (status.status === DOWN) {
    log(`${run.bench}: starting cluster ${clusterId()} (scripts/cluster.sh up ${run.up.join(' ')})…`);
    const up = cluster(['up', ...run.up]);
    if (up.status === SKIPPED) {
      log(up.out.split('\n')[0] ?? `${run.bench}: skipped`);
      return 0;
    }
    if (up.status === CLUSTER_IN_USE) {
      log(`${run.bench}: cluster ${clusterId()} is taken: ${up.out}`);
      return CLUSTER_IN_USE;
    }
    if (up.status !== 0) {
      log(`${run.bench}: scripts/cluster.sh up failed: ${up.out}`);
      return 1;
    }
    log(up.out.split('\n')[0] ?? '');
    started = true;
  } else if (status.status !== 0) {
    log(`${run.bench}: cluster ${clusterId()} is up but not healthy:\n${status.out}`);
    return 1;
  } else {
    const config = readClusterConfig();
    const misfit = config ? run.misfit?.(config, status.out) : 'its config file is missing';
    if (misfit) {
      process.stderr.write(
        `error[E_CLUSTER_MISFIT]: ${run.bench}: cluster ${clusterId()} is up but ${misfit}: take it down (scripts/cluster.sh down) or pick another SEEDSWEEP_CLUSTER_ID\n`,
      );
      return 2;
    }
  }
  try {
    const child = spawn(
      'bash',
      [CLUSTER_SCRIPT, 'laptop', '--', process.execPath, '--import', 'tsx', run.self, ...run.args],
      { stdio: 'inherit' },
    );
    return await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  } finally {
    if (started) log(cluster(['down']).out);
  }
}

/** True when the cluster is up (whatever its health). */
export const clusterIsUp = () => cluster(['status']).status !== DOWN;
