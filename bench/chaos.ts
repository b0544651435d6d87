/**
 * Chaos on the namespace cluster (`npm run chaos`): hard faults against a real multi-host setup made
 * by scripts/cluster.sh (docs/scaling.md, "Trying scale-out locally"), each compared with an
 * undisturbed run of the same spec.
 *
 *   npm run chaos -- [--cases worker,temporal,server,network,mlflow-down,mlflow-errors,disk-full,postgres]
 *                    [--kills 20] [--point-kills checkpoint-rename,log-batch,continue-as-new] [--seed 1]
 *                    [--epochs 5] [--train-size 2000] [--heartbeat 10] [--temporal-down 5]
 *                    [--server-down 10] [--cut 30] [--mlflow-down 60] [--faults 20] [--postgres-down 5]
 *                    [--max-events 150] [--shared-checkpoints] [--mlflow-store postgres|sqlite] [--timeout 900]
 *                    [--help]
 *
 * Brings the cluster up if it is down (with the MLflow fault proxy; `--shared-checkpoints` gives the
 * worker hosts one checkpoint folder; `--mlflow-store` picks MLflow's store, the cluster's default
 * PostgreSQL unless given) and takes it down again at the end (a cluster already up must fit those
 * flags, else one `error[E_CLUSTER_MISFIT]` line and exit 2; its set-up is shared with `npm run
 * bench:load`, bench/cluster/), then runs itself on the cluster's laptop host, from where it submits,
 * follows and reads back. The sweep: sweeps/tests/tiny.yaml
 * (FC vs CNN, seeds 0–2 here, so 6 trials) with more epochs and images so that trials last a few
 * seconds, a short heartbeat timeout, `reuse: false`, enough retries for every fault, and a small
 * history limit (`--max-events`) so that the workflow continues as new several times. Cases, each a
 * sweep of its own name, with every host's checkpoints wiped first so that each trains from scratch:
 *   - undisturbed: the reference; T is its duration.
 *   - worker: `--kills` SIGKILLs of worker processes. Those named by `--point-kills` are made by the
 *     worker itself at an exact instant (SEEDSWEEP_FAULT, src/core/common/fault-points.ts: between a
 *     checkpoint's write and its rename, after an MLflow log batch was accepted and before the journal
 *     marks it sent, while the sweep workflow continues as new), at a seeded hit count, one armed host
 *     at a time per host; the rest at seeded random instants: wait until a worker host (not armed) is
 *     training a trial (Temporal's pending activities, by worker identity), SIGKILL it u seconds later
 *     (u uniform on [0, one undisturbed trial's duration]). Every killed worker is restarted at once.
 *   - temporal: the Temporal server SIGKILLed at a random instant in [0.25 T, 0.6 T], restarted
 *     `--temporal-down` s later on the same SQLite file.
 *   - server: the whole server host at once (Temporal, PostgreSQL, MLflow, the proxy) SIGKILLed,
 *     restarted `--server-down` s later on the same stores.
 *   - network: a worker host holding a trial cut from the network (link down) for `--cut` s: the trial
 *     is retried elsewhere after the heartbeat timeout; the cut worker's late results must not count.
 *   - mlflow-down: MLflow SIGKILLed at [0.1 T, 0.3 T] and restarted `--mlflow-down` s later.
 *   - mlflow-errors: the fault proxy answers 500s (some after MLflow did the work) for `--faults` s,
 *     then 429s with Retry-After for `--faults` s (scripts/fault-proxy.ts).
 *   - disk-full: worker1's checkpoint folder on a full 256 KiB tmpfs: its trials fail with a clear
 *     error (collected from Temporal's pending-activity failures) and are retried on another host.
 *   - postgres: MLflow's PostgreSQL SIGKILLed (postmaster and every backend) at [0.25 T, 0.6 T] and
 *     restarted `--postgres-down` s later (crash recovery from its WAL); MLflow keeps running and
 *     answers 500s meanwhile. Skipped when the cluster's MLflow runs on SQLite.
 * Per case: MLflow trial runs, trials completed, trials whose final metrics (all but timings) equal the
 * undisturbed run's exactly (by trial key, from the same table as `seedsweep export --final`), and the
 * metric points in MLflow (REST runs/search, metrics/get-history): lost = (metric, step) pairs some case
 * logged for a trial that this case lacks; duplicates = extra points at a (metric, step) of a trial.
 * Below the table: what each case did, retried and resumed trials (run tags), activity failures seen,
 * differences. Exits 1 if a case falls short of the undisturbed run; skips (exit 0, one line) where
 * namespaces cannot be made; a bad flag: one `error[E_BAD_ARGUMENT]` line, exit 2.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSweep, withSweepLookup } from '../src/temporal/client/sweep-records.js';
import { openTemporalSession } from '../src/temporal/client/session.js';
import { cancelSweep, getSweepStatus, submitSweep, type SweepStatus } from '../src/temporal/client/sweeps.js';
import { mulberry32 } from '../src/core/common/random.js';
import { fingerprintDataset } from '../src/datasets/plugins.js';
import { buildExportTable, toJsonDocument, type Cell } from '../src/reporting/results/export.js';
import { expandSweep } from '../src/sweep-spec/expand.js';
import { loadSweepSpec } from '../src/sweep-spec/load.js';
import { Outbox } from '../src/tracking/outbox.js';
import { FlagReader, parseFlags, readFlagsOrExit } from './cluster/flags.js';
import { clock, log, onLaptopHost, runBench, runStamp, sleep, withTimeout } from './cluster/harness.js';
import {
  CLUSTER_DIR,
  isReady,
  isRunning,
  lastLogLine,
  latestStartLog,
  recordedPid,
  workerHosts,
} from './cluster/hosts.js';
import {
  CLUSTER_SCRIPT as CLUSTER,
  MLFLOW_STORES,
  ROOT,
  cluster,
  readClusterConfig,
  runOnCluster,
} from './cluster/lifecycle.js';

const SELF = fileURLToPath(import.meta.url);
const SPEC = path.join(ROOT, 'sweeps', 'tests', 'tiny.yaml');
/** Metrics that measure time, not the model: left out of "identical". */
const TIMING = /seconds|per_?second/i;

const CASE_NAMES = [
  'worker',
  'temporal',
  'server',
  'network',
  'mlflow-down',
  'mlflow-errors',
  'disk-full',
  'postgres',
] as const;
/** Fault points a worker can SIGKILL itself at (src/core/common/fault-points.ts). */
const POINTS = ['checkpoint-rename', 'log-batch', 'continue-as-new'] as const;

const flags = parseFlags('chaos', SELF, {
  cases: { type: 'string', default: CASE_NAMES.join(',') },
  kills: { type: 'string', default: '20' },
  'point-kills': { type: 'string', default: POINTS.join(',') },
  seed: { type: 'string', default: '1' },
  epochs: { type: 'string', default: '5' },
  'train-size': { type: 'string', default: '2000' },
  heartbeat: { type: 'string', default: '10' },
  'temporal-down': { type: 'string', default: '5' },
  'server-down': { type: 'string', default: '10' },
  cut: { type: 'string', default: '30' },
  'mlflow-down': { type: 'string', default: '60' },
  faults: { type: 'string', default: '20' },
  'postgres-down': { type: 'string', default: '5' },
  'max-events': { type: 'string', default: '150' },
  'shared-checkpoints': { type: 'boolean', default: false },
  'mlflow-store': { type: 'string' },
  timeout: { type: 'string', default: '900' },
});

const {
  KILLS,
  SEED,
  EPOCHS,
  TRAIN_SIZE,
  HEARTBEAT_S,
  TEMPORAL_DOWN_S,
  SERVER_DOWN_S,
  CUT_S,
  MLFLOW_DOWN_S,
  FAULTS_S,
  POSTGRES_DOWN_S,
  MAX_EVENTS,
  TIMEOUT_S,
  CASES,
  POINT_KILLS,
  STORE,
} = readFlagsOrExit('chaos', () => {
  const read = new FlagReader(flags);
  const kills = read.int('kills', 0);
  return {
    KILLS: kills,
    SEED: read.int('seed', 0),
    EPOCHS: read.int('epochs', 1),
    TRAIN_SIZE: read.int('train-size', 32),
    HEARTBEAT_S: read.int('heartbeat', 2),
    TEMPORAL_DOWN_S: read.int('temporal-down', 0),
    SERVER_DOWN_S: read.int('server-down', 0),
    CUT_S: read.int('cut', 1),
    MLFLOW_DOWN_S: read.int('mlflow-down', 0),
    FAULTS_S: read.int('faults', 1),
    POSTGRES_DOWN_S: read.int('postgres-down', 0),
    MAX_EVENTS: read.int('max-events', 50),
    TIMEOUT_S: read.int('timeout', 30),
    CASES: read.list('cases', CASE_NAMES),
    POINT_KILLS: read.list('point-kills', POINTS).slice(0, kills),
    STORE: flags['mlflow-store'] === undefined ? undefined : read.list('mlflow-store', MLFLOW_STORES)[0],
  };
});

/** Shared by a case's follower and its disturber: the sweep closed; or why following should stop. */
interface CaseState {
  done: boolean;
  giveUp?: string;
}

// ---- outside the cluster: bring it up (with the fault proxy), run on the laptop host, take it down ----

function outer(): Promise<number> {
  return runOnCluster({
    bench: 'chaos',
    self: SELF,
    args: process.argv.slice(2),
    up: [
      '--fault-proxy',
      ...(flags['shared-checkpoints'] ? ['--shared-checkpoints'] : []),
      ...(STORE ? ['--mlflow-store', STORE] : []),
    ],
    misfit: (config) => {
      if (flags['shared-checkpoints'] && !config.sharedCheckpoints)
        return '--shared-checkpoints was given and it keeps checkpoints per host';
      if (STORE && config.store !== STORE)
        return `--mlflow-store ${STORE} was given and its MLflow runs on ${config.store}`;
      return undefined;
    },
  });
}

// ---- on the laptop host ----------------------------------------------------------------------------

const MLFLOW = process.env['MLFLOW_TRACKING_URI'] ?? '';

/** Checkpoints of every host (and the shared folder), so that a case trains from scratch. */
function wipeCheckpoints(): void {
  for (const dir of [
    ...workerHosts().map((w) => path.join(CLUSTER_DIR, w, 'checkpoints')),
    path.join(CLUSTER_DIR, 'shared-checkpoints'),
  ]) {
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir)) rmSync(path.join(dir, entry), { recursive: true, force: true });
  }
}

async function sweepStatus(sweepId: string): Promise<SweepStatus> {
  const session = await withTimeout(openTemporalSession(), 15_000, 'Temporal connection');
  try {
    return await withTimeout(getSweepStatus({ client: session.client, sweepId }), 15_000, 'status');
  } finally {
    await session.close().catch(() => undefined);
  }
}

interface Submitted {
  sweepId: string;
  planned: number;
  submittedAt: number;
}

async function submit(name: string): Promise<Submitted> {
  const spec = await loadSweepSpec(SPEC, {
    overrides: [
      `name=${name}`,
      'seeds=[0, 1, 2]',
      `train.epochs=${EPOCHS}`,
      `dataset.train_size=${TRAIN_SIZE}`,
      'dataset.test_size=200',
      `timeouts.heartbeat_seconds=${HEARTBEAT_S}`,
      // Enough attempts for every fault to hit the same trial; retries start after 1 s.
      `retries.max_attempts=${Math.min(100, KILLS + 10)}`,
      'retries.initial_interval_seconds=1',
      'reuse=false',
    ],
  });
  const fingerprint = await fingerprintDataset(spec.dataset);
  const planned = expandSweep({ spec, datasetFingerprint: fingerprint }).length;
  const session = await openTemporalSession();
  try {
    const { sweepId } = await submitSweep({
      client: session.client,
      spec,
      datasetFingerprint: fingerprint,
      // Continue as new several times per sweep, so that faults can land there too.
      maxHistoryEventsBeforeContinue: MAX_EVENTS,
    });
    return { sweepId, planned, submittedAt: Date.now() };
  } finally {
    await session.close();
  }
}

/**
 * Polls the sweep every 2 s until it closes or `TIMEOUT_S` passes (status errors, e.g. while Temporal
 * is down, are counted and polled through); cancels it on timeout. Returns its last status.
 */
async function follow(
  s: Submitted,
  state: CaseState,
): Promise<{ status: string; seconds: number; errors: number }> {
  const deadline = s.submittedAt + TIMEOUT_S * 1000;
  let errors = 0;
  let lastLine = '';
  let lastPrinted = 0;
  let status = 'UNKNOWN';
  while (Date.now() < deadline) {
    if (state.giveUp) {
      log(`  ${clock()} giving up: ${state.giveUp}`);
      break;
    }
    try {
      const st = await sweepStatus(s.sweepId);
      status = st.status;
      const c = st.progress?.counts;
      const line = c
        ? `${c.finished} finished, ${c.running} running, ${c.pending} pending, ${c.failed} failed`
        : st.status;
      if (line !== lastLine || Date.now() - lastPrinted > 15_000) {
        log(`  ${clock()} ${s.sweepId}: ${st.status}${c ? `: ${line}` : ''}`);
        lastLine = line;
        lastPrinted = Date.now();
      }
      if (st.status !== 'RUNNING') {
        if (st.failure) log(`  failure: ${st.failure}`);
        break;
      }
    } catch (error) {
      errors += 1;
      if (errors === 1 || errors % 10 === 0)
        log(`  ${clock()} status: ${(error as Error).message.split('\n')[0]} (${errors} failed polls)`);
    }
    await sleep(2000);
  }
  state.done = true;
  if (status === 'RUNNING' || status === 'UNKNOWN') {
    log(
      `  ${clock()} ${s.sweepId}: not closed ${state.giveUp ? '(gave up)' : `after ${TIMEOUT_S} s`}; cancelling it`,
    );
    try {
      const session = await withTimeout(openTemporalSession(), 15_000, 'Temporal connection');
      await cancelSweep({ client: session.client, sweepId: s.sweepId }).catch(() => undefined);
      await session.close();
    } catch {
      // Reported as not closed in the table anyway.
    }
    status = `${status} (${state.giveUp ? 'gave up' : 'timed out'})`;
  }
  return { status, seconds: (Date.now() - s.submittedAt) / 1000, errors };
}

/** Final metrics by trial key (the rows of `seedsweep export --final`). */
async function finalMetrics(sweepId: string): Promise<Map<string, Record<string, Cell>>> {
  const rows = await withSweepLookup(async (lookup) => {
    const sweep = await loadSweep(lookup, sweepId);
    const table = buildExportTable({ records: sweep.records, sweepId, final: true });
    return toJsonDocument(table, { sweepId, final: true });
  });
  const metricNames = rows.columns.filter((c) => c.metric && !TIMING.test(c.name)).map((c) => c.name);
  const byKey = new Map<string, Record<string, Cell>>();
  for (const row of rows.rows) {
    const picked: Record<string, Cell> = {};
    for (const name of metricNames) picked[name] = row[name] ?? null;
    byKey.set(String(row['trial_key']), picked);
  }
  return byKey;
}

// ---- MLflow REST --------------------------------------------------------------------------------

async function mlflow<T>(method: 'GET' | 'POST', api: string, body?: unknown): Promise<T> {
  const url = `${MLFLOW}/api/2.0/mlflow/${api}`;
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(url, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(15_000),
      });
      if (!res.ok) throw new Error(`${method} ${api}: HTTP ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    } catch (error) {
      if (attempt >= 3) throw error;
      await sleep(1000);
    }
  }
}

interface RestRun {
  info: { run_id: string; status: string };
  data: { tags?: { key: string; value: string }[]; metrics?: { key: string }[] };
}

/** Every trial run of the sweep, with the points of each of its metrics. */
async function trialRuns(
  sweepName: string,
  sweepId: string,
): Promise<
  {
    trialKey: string;
    status: string;
    /** The run's `seedsweep.attempt` and `seedsweep.resumed_from_epoch` tags (the last attempt's). */
    attempt: number;
    resumedFrom: number;
    points: { key: string; step: number; value: number }[];
  }[]
> {
  const experiment = await mlflow<{ experiment: { experiment_id: string } }>(
    'GET',
    `experiments/get-by-name?experiment_name=${encodeURIComponent(sweepName)}`,
  );
  const runs: RestRun[] = [];
  let pageToken: string | undefined;
  for (let page = 0; page < 50; page++) {
    const res = await mlflow<{ runs?: RestRun[]; next_page_token?: string }>('POST', 'runs/search', {
      experiment_ids: [experiment.experiment.experiment_id],
      filter: `tags.\`seedsweep.sweep_id\` = '${sweepId}' and tags.\`seedsweep.role\` = 'trial'`,
      max_results: 1000,
      ...(pageToken ? { page_token: pageToken } : {}),
    });
    runs.push(...(res.runs ?? []));
    pageToken = res.next_page_token;
    if (!pageToken) break;
  }
  const out = [];
  for (const run of runs) {
    const tag = (key: string) => run.data.tags?.find((t) => t.key === key)?.value;
    const trialKey = tag('seedsweep.trial_key') ?? '?';
    const points: { key: string; step: number; value: number }[] = [];
    for (const { key } of run.data.metrics ?? []) {
      const history = await mlflow<{ metrics?: { key: string; step?: string | number; value: number }[] }>(
        'GET',
        `metrics/get-history?run_id=${run.info.run_id}&metric_key=${encodeURIComponent(key)}&max_results=25000`,
      );
      for (const m of history.metrics ?? []) points.push({ key, step: Number(m.step ?? 0), value: m.value });
    }
    out.push({
      trialKey,
      status: run.info.status,
      attempt: Number(tag('seedsweep.attempt') ?? 1),
      resumedFrom: Number(tag('seedsweep.resumed_from_epoch') ?? 0),
      points,
    });
  }
  return out;
}

// ---- the cases ------------------------------------------------------------------------------------

interface CaseResult {
  name: string;
  sweepId: string;
  sweepName: string;
  planned: number;
  status: string;
  seconds: number;
  note: string;
  finals: Map<string, Record<string, Cell>>;
  runs: Awaited<ReturnType<typeof trialRuns>>;
  /** Distinct activity failure messages Temporal reported while the sweep ran. */
  failures: string[];
  /** Trial attempts after the first, seen started: `<activity id>: attempt n on <host>`. */
  retries: string[];
}

type Disturb = (s: Submitted, state: CaseState) => Promise<string>;

interface CaseHooks {
  /** Runs after the checkpoints are wiped and before the submission (arm faults, fill a disk). */
  before?: () => Promise<void>;
  /** Runs after the sweep closed and the disturber returned (undo what `before` did). */
  after?: () => Promise<void>;
}

async function runCase(
  name: string,
  stamp: string,
  disturb: Disturb,
  hooks: CaseHooks = {},
): Promise<CaseResult> {
  const sweepName = `chaos-${name}-${stamp}`;
  wipeCheckpoints();
  for (const w of workerHosts()) if (!isRunning(w)) void restart(w);
  const up = await Promise.all(workerHosts().map((w) => ready(w)));
  if (up.some((u) => !u)) throw new Error(`a worker host is not running; see ${CLUSTER_DIR}/logs`);
  await hooks.before?.();
  log(`case ${name}: sweep ${sweepName}`);
  const s = await submit(sweepName);
  const state: CaseState = { done: false };
  const failures = new Set<string>();
  const retries = new Set<string>();
  const [followed, note] = await Promise.all([
    follow(s, state),
    disturb(s, state),
    watchFailures(s.sweepId, state, failures, retries),
  ]);
  await hooks.after?.();
  await Promise.all(restarts.values());
  await drainOutboxes();
  let finals = new Map<string, Record<string, Cell>>();
  try {
    finals = await finalMetrics(s.sweepId);
  } catch (error) {
    log(`  export: ${(error as Error).message.split('\n')[0]}`);
  }
  const runs = await trialRuns(sweepName, s.sweepId).catch((error: unknown) => {
    log(`  MLflow: ${(error as Error).message.split('\n')[0]}`);
    return [];
  });
  log(`  ${clock()} ${followed.status} after ${followed.seconds.toFixed(1)} s${note ? `; ${note}` : ''}`);
  return {
    name,
    sweepId: s.sweepId,
    sweepName,
    planned: s.planned,
    status: followed.status,
    seconds: followed.seconds,
    note,
    finals,
    runs,
    failures: [...failures],
    retries: [...retries],
  };
}

/**
 * Waits (at most 5 minutes) until no worker host has tracking writes journaled and not yet sent: a
 * host that journaled through an MLflow outage sends them once it is back, and only then is what MLflow
 * holds the whole story.
 */
async function drainOutboxes(): Promise<void> {
  const pending = () =>
    workerHosts().reduce(
      (n, w) => n + new Outbox({ dir: path.join(CLUSTER_DIR, w, 'outbox') }).pendingCount(),
      0,
    );
  const first = pending();
  if (first === 0) return;
  log(
    `  ${clock()} ${first} tracking write(s) still journaled on the worker hosts; waiting for them to be sent`,
  );
  for (let i = 0; i < 300 && pending() > 0; i++) await sleep(1000);
  const left = pending();
  log(`  ${clock()} ${left === 0 ? 'all sent' : `${left} still journaled after 5 minutes`}`);
}

/** Collects the sweep's pending activities' last failure messages every second until it closes. */
async function watchFailures(
  sweepId: string,
  state: CaseState,
  into: Set<string>,
  retries: Set<string>,
): Promise<void> {
  while (!state.done) {
    try {
      const description = await describeSweep(sweepId);
      for (const activity of description.raw.pendingActivities ?? []) {
        const message = activity.lastFailure?.message;
        if (message) into.add(`${activity.activityType?.name ?? 'activity'}: ${message.split('\n')[0]}`);
        // Where a retried trial went: the host of each attempt that started.
        const host = /@(\S+)$/.exec(activity.lastWorkerIdentity ?? '')?.[1];
        if (
          activity.activityType?.name === 'trainTrial' &&
          (activity.attempt ?? 1) > 1 &&
          host &&
          Number(activity.state) === 2
        )
          retries.add(
            `trial ${/^trial-([0-9a-f]{12})/.exec(activity.activityId ?? '')?.[1] ?? activity.activityId}: attempt ${activity.attempt} on ${host.replace(/^s\w?-/, '')}`,
          );
      }
    } catch {
      // Temporal may be down in this case; the follower reports that.
    }
    await sleep(1000);
  }
}

/** The latest restart (`scripts/cluster.sh start <proc>`, which returns once it is ready), by process. */
const restarts = new Map<string, Promise<boolean>>();
/** Processes being started right now. */
const starting = new Set<string>();

/** Starts `proc` again; `fault` arms a worker to SIGKILL itself at that point (SEEDSWEEP_FAULT). */
function restart(proc: string, fault?: string): Promise<boolean> {
  const done = new Promise<boolean>((resolve) => {
    const env = { ...process.env };
    delete env['SEEDSWEEP_FAULT'];
    if (fault) env['SEEDSWEEP_FAULT'] = fault;
    starting.add(proc);
    const child = spawn('bash', [CLUSTER, 'start', proc], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => {
      starting.delete(proc);
      log(
        `  ${clock()} ${code === 0 ? out.trim() : `restart of ${proc} failed: ${out.trim()}`}${fault ? ` (armed: ${fault})` : ''}`,
      );
      resolve(code === 0);
    });
  });
  restarts.set(proc, done);
  return done;
}

/** Stops `proc` with SIGTERM (a worker finishes its epoch and leaves) and waits until it is gone. */
async function stopGracefully(proc: string): Promise<void> {
  cluster(['kill', proc, 'TERM']);
  for (let i = 0; i < 120 && isRunning(proc); i++) await sleep(500);
  if (isRunning(proc)) cluster(['kill', proc, 'KILL']);
  for (let i = 0; i < 20 && isRunning(proc); i++) await sleep(500);
}

/** Waits until `proc`'s restart (if any) is over and it runs; false if it could not be restarted. */
async function ready(proc: string): Promise<boolean> {
  if (!(await (restarts.get(proc) ?? Promise.resolve(true)))) return false;
  return isRunning(proc) && isReady(proc);
}

/** Sleeps `ms`, waking early (false) when the sweep is done. */
async function sleepUnlessDone(ms: number, state: CaseState): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (state.done) return false;
    await sleep(Math.min(200, end - Date.now()));
  }
  return !state.done;
}

/** Waits `ms` after `from` (a timestamp), unless the sweep closes first (false). */
const sleepUntil = (from: number, ms: number, state: CaseState) =>
  sleepUnlessDone(from + ms - Date.now(), state);

async function describeSweep(sweepId: string) {
  const session = await withTimeout(openTemporalSession(), 15_000, 'Temporal connection');
  try {
    return await withTimeout(session.client.workflow.getHandle(sweepId).describe(), 15_000, 'describe');
  } finally {
    await session.close().catch(() => undefined);
  }
}

/** The namespace prefix of this cluster (scripts/cluster.sh: ss, or sK for SEEDSWEEP_CLUSTER_ID=K). */
const PREFIX =
  (process.env['SEEDSWEEP_CLUSTER_ID'] ?? '0') === '0' ? 'ss' : `s${process.env['SEEDSWEEP_CLUSTER_ID']}`;

/**
 * Worker hosts whose current worker process is training a trial of the sweep: Temporal's pending
 * `trainTrial` activities in state STARTED, by worker identity (`<pid>@<hostname>`; each worker
 * host's hostname is its namespace's name).
 */
async function busyHosts(sweepId: string): Promise<string[]> {
  const description = await describeSweep(sweepId);
  const hosts = new Set<string>();
  for (const activity of description.raw.pendingActivities ?? []) {
    // 2: PENDING_ACTIVITY_STATE_STARTED
    if (activity.activityType?.name !== 'trainTrial' || Number(activity.state) !== 2) continue;
    const match = new RegExp(`^(\\d+)@${PREFIX}-(worker\\d+)$`).exec(activity.lastWorkerIdentity ?? '');
    if (match?.[1] && match[2] && recordedPid(match[2]) === Number(match[1]) && isRunning(match[2]))
      hosts.add(match[2]);
  }
  return [...hosts].sort();
}

/** Waits for a host training a trial of the sweep, among `allowed`; undefined once the sweep closed. */
async function waitForBusyHost(
  s: Submitted,
  state: CaseState,
  random: () => number,
  allowed: (host: string) => boolean = () => true,
): Promise<string | undefined> {
  while (!state.done) {
    const busy = (await busyHosts(s.sweepId).catch(() => [])).filter(allowed);
    if (busy.length > 0) return busy[Math.floor(random() * busy.length)];
    await sleep(500);
  }
  return undefined;
}

/** True when the latest start of `proc` ended at a fault point (its log says so). */
function diedAtFaultPoint(proc: string): string | undefined {
  return /fault point [^\n]*/.exec(latestStartLog(proc))?.[0];
}

/** About one undisturbed trial's duration: a fault drawn in [0, that] lands inside a trial. */
const trialSeconds = (base: CaseResult) => Math.max(1, (base.seconds * workerHosts().length) / base.planned);

/**
 * `--kills` SIGKILLs: the `--point-kills` ones by armed workers at their fault point (one armed
 * worker per host at a time; the next point is armed when a host restarts after its fault), the rest
 * at random instants on unarmed hosts that are training.
 */
function workerCase(base: CaseResult, random: () => number) {
  const pending: string[] = [...POINT_KILLS];
  const armed = new Map<string, string>();
  /** Kills made so far, over every round: `<host>` (random) or `<host> at <point@n>`. */
  const made: string[] = [];
  let randomMade = 0;
  const randomKills = KILLS - POINT_KILLS.length;
  const arm = (host: string): string | undefined => {
    const point = pending.shift();
    if (!point) return undefined;
    // Seeded hit counts: a few checkpoints or batches in; the first continue-as-new (a short sweep
    // may not reach a second).
    const hit = point === 'continue-as-new' ? 1 : 1 + Math.floor(random() * 4);
    const fault = `${point}@${hit}`;
    armed.set(host, fault);
    return fault;
  };
  const hooks: CaseHooks = {
    before: async () => {
      for (const host of workerHosts()) {
        if (pending.length === 0) break;
        const fault = arm(host);
        await stopGracefully(host);
        await restart(host, fault);
      }
    },
    after: async () => {
      // Points not reached this round: disarm (restart plainly), to be armed again next round.
      for (const [host, fault] of armed) {
        pending.unshift(fault.replace(/@\d+$/, ''));
        armed.delete(host);
        await stopGracefully(host);
        await restart(host);
      }
    },
  };
  const disturb: Disturb = async (s, state) => {
    const before = made.length;
    const watchArmed = async () => {
      while (!state.done) {
        for (const [host, fault] of armed) {
          if (isRunning(host) || starting.has(host)) continue;
          const line = diedAtFaultPoint(host);
          armed.delete(host);
          made.push(`${host} at ${fault}`);
          log(`  ${clock()} ${host} killed itself: ${line ?? `(exited; armed with ${fault})`}`);
          void restart(host, arm(host));
        }
        await sleep(300);
      }
    };
    const randomLoop = async () => {
      while (randomMade < randomKills && !state.done) {
        const host = await waitForBusyHost(s, state, random, (h) => !armed.has(h));
        if (!host) break;
        const delay = random() * trialSeconds(base);
        if (!(await sleepUnlessDone(delay * 1000, state))) break;
        if (armed.has(host)) continue;
        const r = cluster(['kill', host, 'KILL']);
        randomMade++;
        made.push(host);
        log(
          `  ${clock()} kill ${randomMade}/${randomKills}: ${host}, ${delay.toFixed(1)} s after it was seen training: ${r.out}`,
        );
        void restart(host);
        // The next kill waits for a trial running on a live worker.
        await sleep(500);
      }
    };
    await Promise.all([watchArmed(), randomLoop()]);
    return `${made.length - before} kill(s) this round: ${made.slice(before).join(', ') || 'none'}`;
  };
  return {
    disturb,
    hooks,
    /** True once every kill was made. */
    done: () => made.length >= KILLS,
    summary: () => {
      const notReached = [...armed.values(), ...pending];
      return `${made.length} of ${KILLS} kills made: ${made.join(', ') || 'none'}${notReached.length ? `; fault points not reached: ${notReached.join(', ')}` : ''}`;
    },
  };
}

/**
 * Kills `procs` (server processes) at a random instant in [from, to] × T and starts them again
 * `downSeconds` later, in order; worker processes that exit meanwhile are reported, then restarted.
 */
function killServer(
  base: CaseResult,
  random: () => number,
  procs: string[],
  downSeconds: number,
  window: [number, number],
): Disturb {
  return async (s, state) => {
    const at = (window[0] + random() * (window[1] - window[0])) * base.seconds;
    if (!(await sleepUntil(s.submittedAt, at * 1000, state))) return 'the sweep finished before the kill';
    for (const proc of procs) {
      const r = cluster(['kill', proc, 'KILL']);
      log(`  ${clock()} ${at.toFixed(1)} s after submission: ${r.out}`);
    }
    await sleep(downSeconds * 1000);
    for (const proc of procs) await restart(proc);
    const dead = await reportDeadWorkers(state);
    return `${procs.join(' + ')} killed at ${at.toFixed(1)} s, down ${downSeconds} s; ${dead.length ? `worker process(es) that exited: ${dead.join(', ')}` : 'every worker process stayed up'}`;
  };
}

/** Until the sweep closes: notes worker processes that exited (gives up if all did for 30 s); restarts them afterwards. */
async function reportDeadWorkers(state: CaseState): Promise<string[]> {
  const dead: string[] = [];
  let allDeadSince: number | undefined;
  while (!state.done) {
    for (const w of workerHosts()) if (!isRunning(w) && !starting.has(w) && !dead.includes(w)) dead.push(w);
    if (dead.length === workerHosts().length) {
      allDeadSince ??= Date.now();
      if (Date.now() - allDeadSince > 30_000) state.giveUp = 'every worker process has exited for 30 s';
    }
    await sleep(1000);
  }
  for (const w of dead) {
    log(`  ${clock()} ${w} exited during the case; last log line: ${lastLogLine(w)}`);
    void restart(w);
  }
  return dead;
}

/** A worker host holding a trial loses its link for `CUT_S` seconds. */
function cutNetwork(base: CaseResult, random: () => number): Disturb {
  return async (s, state) => {
    const host = await waitForBusyHost(s, state, random);
    if (!host) return 'no trial was seen running';
    const delay = random() * trialSeconds(base) * 0.5;
    if (!(await sleepUnlessDone(delay * 1000, state))) return 'the sweep finished before the cut';
    log(
      `  ${clock()} ${cluster(['link', host, 'down']).out} (${delay.toFixed(1)} s after it was seen training)`,
    );
    const cutAt = Date.now();
    // Held even if the sweep closes: the stale worker's late results come after the link returns.
    await sleep(CUT_S * 1000);
    log(`  ${clock()} ${cluster(['link', host, 'up']).out}`);
    const elsewhere = await busyHosts(s.sweepId).catch(() => []);
    const dead = await reportDeadWorkers(state);
    return `${host} cut for ${CUT_S} s at ${((cutAt - s.submittedAt) / 1000).toFixed(1)} s (training then: ${elsewhere.join(', ') || 'none'}); ${dead.length ? `worker process(es) that exited: ${dead.join(', ')}` : 'its worker process stayed up'}`;
  };
}

/** The fault proxy answers 500s for `FAULTS_S`, then 429s for `FAULTS_S`, from 0.1 T on. */
function mlflowErrors(base: CaseResult): Disturb {
  return async (s, state) => {
    await sleepUntil(s.submittedAt, 0.1 * base.seconds * 1000, state);
    const modes: string[] = [];
    for (const mode of ['500', '429']) {
      log(`  ${clock()} ${cluster(['faults', mode]).out}`);
      modes.push(mode);
      await sleep(FAULTS_S * 1000);
    }
    log(`  ${clock()} ${cluster(['faults', 'pass']).out}`);
    return `the proxy answered ${modes.join(', then ')} for ${FAULTS_S} s each; proxy counts: ${lastLogLine('proxy').replace(/^.*fault-proxy \(\w+\): /, '')}`;
  };
}

/**
 * worker1's checkpoint folder on a full 256 KiB tmpfs for the whole case. Mounted inside the worker's
 * own mount namespace (`ip netns exec` gives each process one, and mounts made on the laptop do not
 * reach it), with nsenter.
 */
function diskFull(): { disturb: Disturb; hooks: CaseHooks } {
  const dir = path.join(CLUSTER_DIR, 'worker1', 'checkpoints');
  let pid: number | undefined;
  let logStart = 0;
  const inWorker = (script: string) =>
    spawnSync('nsenter', ['-t', String(pid), '-m', '--', 'sh', '-c', script], { encoding: 'utf8' });
  return {
    hooks: {
      before: async () => {
        pid = recordedPid('worker1');
        const r = inWorker(
          `mkdir -p '${dir}' && mount -t tmpfs -o size=256k seedsweep-chaos-full '${dir}' && ` +
            `(dd if=/dev/zero of='${dir}/filler' bs=64k count=16 2>/dev/null; true) && df -k '${dir}' | tail -n 1`,
        );
        if (r.status !== 0)
          throw new Error(`cannot mount a full tmpfs on ${dir} for worker1: ${r.stderr.trim()}`);
        log(`  worker1's ${path.relative(ROOT, dir)}: ${r.stdout.trim().replace(/\s+/g, ' ')}`);
        logStart = statSync(path.join(CLUSTER_DIR, 'logs', 'worker1.log')).size;
      },
      after: async () => {
        if (pid !== undefined && recordedPid('worker1') === pid) inWorker(`umount '${dir}'`);
        pid = undefined;
      },
    },
    disturb: async (_s, state) => {
      while (!state.done) await sleep(500);
      const text = readFileSync(path.join(CLUSTER_DIR, 'logs', 'worker1.log'), 'utf8').slice(logStart);
      const lines = text.split('\n').filter((l) => /ENOSPC|no space left/i.test(l));
      return `worker1's checkpoint disk full (256 KiB tmpfs, filled); its log has ${lines.length} line(s) about it${lines[0] ? `, e.g. "${lines[0].trim().slice(0, 200)}"` : ''}`;
    },
  };
}

// ---- the table ------------------------------------------------------------------------------------

const pointId = (p: { key: string; step: number }) => `${p.key}@${p.step}`;

function sameCell(a: Cell | undefined, b: Cell | undefined): boolean {
  return a === b || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));
}

function table(cases: CaseResult[]): { text: string; ok: boolean } {
  const base = cases[0];
  if (!base) return { text: '', ok: false };
  // Reference points per trial: every (metric, step) any case logged for it.
  const reference = new Map<string, Set<string>>();
  for (const c of cases)
    for (const run of c.runs) {
      const set = reference.get(run.trialKey) ?? new Set<string>();
      for (const p of run.points) set.add(pointId(p));
      reference.set(run.trialKey, set);
    }
  const header = ['case', 'runs', 'completed', 'identical to undisturbed', 'points lost', 'duplicates'];
  const rows: string[][] = [];
  const byName = new Map<
    string,
    {
      sweeps: number;
      runs: number;
      trials: number;
      statuses: Set<string>;
      unclosed: string[];
      completed: number;
      planned: number;
      identical: number;
      reference: number;
      lost: number;
      duplicates: number;
    }
  >();
  let ok = true;
  const details: string[] = [];
  for (const c of cases) {
    const counts = new Map<string, number>();
    for (const run of c.runs)
      for (const p of run.points) {
        const id = `${run.trialKey}/${pointId(p)}`;
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
    let lost = 0;
    for (const [key, set] of reference) for (const id of set) if (!counts.has(`${key}/${id}`)) lost++;
    let duplicates = 0;
    for (const n of counts.values()) duplicates += n - 1;
    let identical = 0;
    for (const [key, metrics] of base.finals) {
      const other = c.finals.get(key);
      if (!other) continue;
      const same = Object.keys(metrics).every((m) => sameCell(metrics[m], other[m]));
      if (same) identical++;
      else if (c !== base)
        details.push(
          `  ${c.name}: trial ${key.slice(0, 12)} differs: ${Object.keys(metrics)
            .filter((m) => !sameCell(metrics[m], other[m]))
            .map((m) => `${m} ${String(metrics[m])} vs ${String(other[m])}`)
            .join(', ')}`,
        );
    }
    const keys = new Set(c.runs.map((r) => r.trialKey));
    const retried = new Set(c.runs.filter((r) => r.attempt > 1).map((r) => r.trialKey));
    const resumed = new Set(c.runs.filter((r) => r.resumedFrom > 0).map((r) => r.trialKey));
    if (c.runs.length > 0)
      details.push(
        `  ${c.name}: ${retried.size} trial(s) retried (attempts up to ${Math.max(...c.runs.map((r) => r.attempt))}), ${resumed.size} resumed from a checkpoint; ${c.seconds.toFixed(1)} s`,
      );
    if (c.retries.length > 0)
      details.push(`  ${c.name}: retried attempts seen running: ${c.retries.join('; ')}`);
    if (c.failures.length > 0)
      details.push(
        `  ${c.name}: ${c.failures.length} distinct activity failure(s) seen, e.g. ${c.failures
          .slice(0, 3)
          .map((f) => `"${f.slice(0, 240)}"`)
          .join('; ')}`,
      );
    for (const key of keys) {
      const own = c.runs.filter((r) => r.trialKey === key);
      if (own.length > 1)
        details.push(
          `  ${c.name}: trial ${key.slice(0, 12)} has ${own.length} MLflow runs: ${own.map((r) => `${r.status} attempt ${r.attempt}, ${r.points.length} points`).join('; ')}`,
        );
    }
    const full =
      c.status === 'COMPLETED' &&
      c.finals.size === c.planned &&
      c.runs.length === c.planned &&
      lost === 0 &&
      duplicates === 0;
    if (!full || (c !== base && identical !== base.finals.size)) ok = false;
    // Rows by case name: the worker case's rounds add up into one.
    const row = byName.get(c.name) ?? {
      sweeps: 0,
      runs: 0,
      trials: 0,
      statuses: new Set<string>(),
      unclosed: [] as string[],
      completed: 0,
      planned: 0,
      identical: 0,
      reference: 0,
      lost: 0,
      duplicates: 0,
    };
    row.sweeps++;
    row.runs += c.runs.length;
    row.trials += keys.size;
    for (const r of c.runs) row.statuses.add(r.status);
    if (c.status !== 'COMPLETED') row.unclosed.push(c.status);
    row.completed += c.finals.size;
    row.planned += c.planned;
    row.identical += identical;
    row.reference += base.finals.size;
    row.lost += lost;
    row.duplicates += duplicates;
    byName.set(c.name, row);
  }
  for (const [name, r] of byName) {
    const statuses = [...r.statuses].join('/');
    rows.push([
      r.sweeps > 1 ? `${name} (${r.sweeps} sweeps)` : name,
      `${r.runs}${r.trials !== r.runs ? ` (${r.trials} trials)` : ''}${statuses && statuses !== 'FINISHED' ? ` ${statuses}` : ''}`,
      `${r.completed}/${r.planned}${r.unclosed.length ? ` (sweep ${r.unclosed.join(', ')})` : ''}`,
      name === base.name ? '(reference)' : `${r.identical}/${r.reference}`,
      String(r.lost),
      String(r.duplicates),
    ]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ');
  const text = [
    line(header),
    widths.map((w) => '-'.repeat(w)).join('-|-'),
    ...rows.map(line),
    ...cases.filter((c) => c.note).map((c) => `${c.name}: ${c.note}`),
    ...details,
  ].join('\n');
  return { text, ok };
}

async function inner(): Promise<number> {
  const stamp = runStamp();
  const random = mulberry32(SEED);
  log(
    `chaos on ${workerHosts().length} worker host(s), seed ${SEED}: tiny sweep, 6 trials × ${EPOCHS} epochs of ${TRAIN_SIZE} images, heartbeat ${HEARTBEAT_S} s`,
  );
  const results: CaseResult[] = [];
  const base = await runCase('undisturbed', stamp, async () => '');
  results.push(base);
  const config = readClusterConfig(CLUSTER_DIR);
  const proxy = config?.faultProxy ?? false;
  const postgres = config?.store === 'postgres';
  for (const name of CASES) {
    let plan: { disturb: Disturb; hooks?: CaseHooks };
    switch (name) {
      case 'worker': {
        // Rounds (each a sweep of its own, checked on its own) until every kill was made: one short
        // sweep ends before twenty kills.
        const worker = workerCase(base, random);
        for (let round = 1; round <= Math.max(1, KILLS) && !worker.done(); round++) {
          const result = await runCase('worker', `${stamp}-r${round}`, worker.disturb, worker.hooks);
          results.push(result);
        }
        const last = results[results.length - 1];
        if (last) last.note = `${last.note}; in all: ${worker.summary()}`;
        continue;
      }
      case 'temporal':
        plan = { disturb: killServer(base, random, ['temporal'], TEMPORAL_DOWN_S, [0.25, 0.6]) };
        break;
      case 'server':
        plan = {
          disturb: killServer(
            base,
            random,
            // Killed and restarted in this order: MLflow's database before MLflow.
            ['temporal', ...(postgres ? ['postgres'] : []), 'mlflow', ...(proxy ? ['proxy'] : [])],
            SERVER_DOWN_S,
            [0.25, 0.6],
          ),
        };
        break;
      case 'network':
        plan = { disturb: cutNetwork(base, random) };
        break;
      case 'mlflow-down':
        plan = { disturb: killServer(base, random, ['mlflow'], MLFLOW_DOWN_S, [0.1, 0.3]) };
        break;
      case 'mlflow-errors':
        if (!proxy) {
          log(
            'case mlflow-errors: skipped: the cluster runs no fault proxy (bring it up with --fault-proxy)',
          );
          continue;
        }
        plan = { disturb: mlflowErrors(base) };
        break;
      case 'disk-full':
        plan = diskFull();
        break;
      case 'postgres':
        if (!postgres) {
          log(
            "case postgres: skipped: the cluster's MLflow runs on SQLite (bring it up with --mlflow-store postgres)",
          );
          continue;
        }
        plan = { disturb: killServer(base, random, ['postgres'], POSTGRES_DOWN_S, [0.25, 0.6]) };
        break;
    }
    results.push(await runCase(name, stamp, plan.disturb, plan.hooks));
  }
  const { text, ok } = table(results);
  log(`\n${text}`);
  return ok ? 0 : 1;
}

await runBench('chaos', onLaptopHost() ? inner : outer);
