/**
 * Chaos on the namespace cluster (`npm run chaos`): hard faults against a real multi-host setup made
 * by scripts/cluster.sh (docs/scaling.md, "Trying scale-out locally"), compared with an undisturbed run.
 *
 *   npm run chaos -- [--kills 3] [--seed 1] [--cases worker,temporal] [--epochs 5] [--train-size 2000]
 *                    [--heartbeat 10] [--temporal-down 5] [--timeout 600]
 *
 * Brings the cluster up if it is down (and takes it down again at the end), then runs itself on the
 * cluster's laptop host (`scripts/cluster.sh laptop -- …`), from where it submits, follows and reads
 * back. The sweep: sweeps/tests/tiny.yaml (FC vs CNN, seeds 0–2 here, so 6 trials) with more epochs and
 * images so that trials last a few seconds, a short heartbeat timeout (a dead worker's trial is retried
 * after it), `reuse: false` and enough retries for every kill to hit one trial. Cases, each a sweep of
 * its own name, with every host's checkpoints wiped first so that each trains from scratch:
 *   - undisturbed: the reference; T is its duration.
 *   - worker: `--kills` times, wait until some worker host's process is training a trial of the sweep
 *     (Temporal's pending activities, by worker identity), pick one such host at random (seeded),
 *     SIGKILL its worker process u seconds later (u uniform on [0, one undisturbed trial's duration])
 *     and restart it at once (`scripts/cluster.sh kill|start workerN`); kills stop when the sweep
 *     has finished.
 *   - temporal: the Temporal server is SIGKILLed at a random instant in [0.25 T, 0.6 T] after the
 *     submission and started again `--temporal-down` seconds later (same SQLite file). Workers that
 *     exit meanwhile are reported (and restarted afterwards, for the next run), not restarted during it.
 * Per case: MLflow trial runs, trials completed, trials whose final metrics (all but timings) equal the
 * undisturbed run's exactly (by trial key, from the same table as `seedsweep export --final`), and the
 * metric points in MLflow (REST runs/search, metrics/get-history): lost = (metric, step) pairs some case
 * logged for a trial that this case lacks; duplicates = extra points at a (metric, step) of a trial.
 * Below the table: retried and resumed trials (run tags), trials with more than one run, differences.
 * Exits 1 if a case falls short of the undisturbed run; skips (exit 0, one line) where namespaces
 * cannot be made.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadSweep, withSweepLookup } from '../client/sweep-records.js';
import { openTemporalSession } from '../client/session.js';
import { cancelSweep, getSweepStatus, submitSweep, type SweepStatus } from '../client/sweeps.js';
import { mulberry32 } from '../common/random.js';
import { fingerprintDataset } from '../datasets/plugins.js';
import { buildExportTable, toJsonDocument, type Cell } from '../results/export.js';
import { expandSweep } from '../spec/expand.js';
import { loadSweepSpec } from '../spec/load.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SELF = fileURLToPath(import.meta.url);
const CLUSTER = path.join(ROOT, 'scripts', 'cluster.sh');
const SPEC = path.join(ROOT, 'sweeps', 'tests', 'tiny.yaml');
/** Metrics that measure time, not the model: left out of "identical". */
const TIMING = /seconds|per_?second/i;

const { values: flags } = parseArgs({
  options: {
    kills: { type: 'string', default: '3' },
    seed: { type: 'string', default: '1' },
    cases: { type: 'string', default: 'worker,temporal' },
    epochs: { type: 'string', default: '5' },
    'train-size': { type: 'string', default: '2000' },
    heartbeat: { type: 'string', default: '10' },
    'temporal-down': { type: 'string', default: '5' },
    timeout: { type: 'string', default: '600' },
  },
});

function intFlag(name: keyof typeof flags, min: number): number {
  const raw = flags[name];
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(`chaos: --${name} must be an integer ≥ ${min}; got '${String(raw)}'\n`);
    process.exit(2);
  }
  return n;
}

const KILLS = intFlag('kills', 0);
const SEED = intFlag('seed', 0);
const EPOCHS = intFlag('epochs', 1);
const TRAIN_SIZE = intFlag('train-size', 32);
const HEARTBEAT_S = intFlag('heartbeat', 2);
const TEMPORAL_DOWN_S = intFlag('temporal-down', 0);
const TIMEOUT_S = intFlag('timeout', 30);
const CASES = (flags.cases ?? '')
  .split(',')
  .map((c) => c.trim())
  .filter((c) => c.length > 0);
for (const c of CASES) {
  if (c !== 'worker' && c !== 'temporal') {
    process.stderr.write(`chaos: --cases takes worker and/or temporal; got '${c}'\n`);
    process.exit(2);
  }
}

/** Shared by a case's follower and its disturber: the sweep closed; or why following should stop. */
interface CaseState {
  done: boolean;
  giveUp?: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const log = (line: string) => process.stdout.write(`${line}\n`);
const clock = () => new Date().toISOString().slice(11, 19);

function cluster(args: string[]): { status: number; out: string } {
  const r = spawnSync('bash', [CLUSTER, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { status: r.status ?? 1, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}

// ---- outside the cluster: bring it up, run on the laptop host, take it down ------------------------

async function outer(): Promise<number> {
  const status = cluster(['status']);
  let started = false;
  if (status.status === 3) {
    log('chaos: starting the cluster (scripts/cluster.sh up)…');
    const up = cluster(['up']);
    if (up.status === 77) {
      log(up.out.split('\n')[0] ?? 'chaos: skipped');
      return 0;
    }
    if (up.status !== 0) {
      log(`chaos: scripts/cluster.sh up failed: ${up.out}`);
      return 1;
    }
    log(up.out.split('\n')[0] ?? '');
    started = true;
  } else if (status.status !== 0) {
    log(`chaos: the cluster is up but not healthy:\n${status.out}`);
    return 1;
  }
  try {
    const child = spawn(
      'bash',
      [CLUSTER, 'laptop', '--', process.execPath, '--import', 'tsx', SELF, ...process.argv.slice(2)],
      { stdio: 'inherit' },
    );
    return await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  } finally {
    if (started) log(cluster(['down']).out);
  }
}

// ---- on the laptop host ----------------------------------------------------------------------------

const CLUSTER_DIR = process.env['SEEDSWEEP_CLUSTER_DIR'] ?? path.join(ROOT, '.seedsweep', 'cluster');
const MLFLOW = process.env['MLFLOW_TRACKING_URI'] ?? '';

function workerHosts(): string[] {
  const config = readFileSync(path.join(CLUSTER_DIR, 'config'), 'utf8');
  const n = Number(/^WORKERS=(\d+)$/m.exec(config)?.[1] ?? '0');
  return Array.from({ length: n }, (_, i) => `worker${i + 1}`);
}

/** True once the process's latest start logged its ready line. */
function isReady(proc: string): boolean {
  const file = path.join(CLUSTER_DIR, 'logs', `${proc}.log`);
  if (!existsSync(file)) return false;
  const text = readFileSync(file, 'utf8');
  const last = text.slice(text.lastIndexOf('\n=== ') + 1);
  return last.includes(' ready: Temporal');
}

/** True while the process recorded for `proc` is alive (a zombie is not). */
function isRunning(proc: string): boolean {
  const file = path.join(CLUSTER_DIR, 'pids', `${proc}.pid`);
  if (!existsSync(file)) return false;
  const [pid] = readFileSync(file, 'utf8').trim().split(' ');
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

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

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
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
      // Enough attempts for every kill to hit the same trial; retries start after 1 s.
      `retries.max_attempts=${Math.min(100, KILLS + 3)}`,
      'retries.initial_interval_seconds=1',
      'reuse=false',
    ],
  });
  const fingerprint = await fingerprintDataset(spec.dataset);
  const planned = expandSweep({ spec, datasetFingerprint: fingerprint }).length;
  const session = await openTemporalSession();
  try {
    const { sweepId } = await submitSweep({ client: session.client, spec, datasetFingerprint: fingerprint });
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
}

async function runCase(
  name: string,
  stamp: string,
  disturb: (s: Submitted, state: CaseState) => Promise<string>,
): Promise<CaseResult> {
  const sweepName = `chaos-${name}-${stamp}`;
  wipeCheckpoints();
  for (const w of workerHosts()) if (!isRunning(w)) void restart(w);
  const up = await Promise.all(workerHosts().map((w) => ready(w)));
  if (up.some((u) => !u)) throw new Error(`a worker host is not running; see ${CLUSTER_DIR}/logs`);
  log(`case ${name}: sweep ${sweepName}`);
  const s = await submit(sweepName);
  const state = { done: false };
  const [followed, note] = await Promise.all([follow(s, state), disturb(s, state)]);
  await Promise.all(restarts.values());
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
  };
}

/** Restarts in flight (`scripts/cluster.sh start <proc>`, which returns once it is ready), by process. */
const restarts = new Map<string, Promise<boolean>>();

function restart(proc: string): Promise<boolean> {
  const done = new Promise<boolean>((resolve) => {
    const child = spawn('bash', [CLUSTER, 'start', proc], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => {
      log(`  ${clock()} ${code === 0 ? out.trim() : `restart of ${proc} failed: ${out.trim()}`}`);
      resolve(code === 0);
    });
  });
  restarts.set(proc, done);
  return done;
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

/** The worker process recorded for `proc` (its pid), if any. */
function recordedPid(proc: string): number | undefined {
  const file = path.join(CLUSTER_DIR, 'pids', `${proc}.pid`);
  if (!existsSync(file)) return undefined;
  return Number(readFileSync(file, 'utf8').trim().split(' ')[0]);
}

/**
 * Worker hosts whose current worker process is training a trial of the sweep: Temporal's pending
 * `trainTrial` activities in state STARTED, by worker identity (`<pid>@<hostname>`; each worker
 * host's hostname is its namespace's name).
 */
async function busyHosts(sweepId: string): Promise<string[]> {
  const session = await withTimeout(openTemporalSession(), 15_000, 'Temporal connection');
  try {
    const description = await withTimeout(
      session.client.workflow.getHandle(sweepId).describe(),
      15_000,
      'describe',
    );
    const hosts = new Set<string>();
    for (const activity of description.raw.pendingActivities ?? []) {
      // 2: PENDING_ACTIVITY_STATE_STARTED
      if (activity.activityType?.name !== 'trainTrial' || Number(activity.state) !== 2) continue;
      const match = /^(\d+)@ss-(worker\d+)$/.exec(activity.lastWorkerIdentity ?? '');
      if (match?.[1] && match[2] && recordedPid(match[2]) === Number(match[1]) && isRunning(match[2]))
        hosts.add(match[2]);
    }
    return [...hosts].sort();
  } finally {
    await session.close().catch(() => undefined);
  }
}

function killWorkers(baseSeconds: number, planned: number, random: () => number) {
  return async (s: Submitted, state: CaseState): Promise<string> => {
    const made: string[] = [];
    // About one undisturbed trial's duration: each kill lands somewhere in a running trial.
    const trialSeconds = Math.max(1, (baseSeconds * workerHosts().length) / planned);
    for (let k = 0; k < KILLS && !state.done; k++) {
      let busy: string[] = [];
      while (!state.done && busy.length === 0) {
        busy = await busyHosts(s.sweepId).catch(() => []);
        if (busy.length === 0) await sleep(500);
      }
      if (state.done) break;
      const host = busy[Math.floor(random() * busy.length)] ?? 'worker1';
      const delay = random() * trialSeconds;
      if (!(await sleepUnlessDone(delay * 1000, state))) break;
      const r = cluster(['kill', host, 'KILL']);
      log(
        `  ${clock()} kill ${k + 1}/${KILLS}: ${host}, ${delay.toFixed(1)} s after it was seen training: ${r.out}`,
      );
      made.push(host);
      void restart(host);
      // The next kill waits for a trial running on a live worker.
      await sleep(500);
    }
    return `${made.length} of ${KILLS} kills made (${made.join(', ') || 'none'})`;
  };
}

function killTemporal(baseSeconds: number, random: () => number) {
  return async (s: Submitted, state: CaseState): Promise<string> => {
    const at = (0.25 + random() * 0.35) * baseSeconds;
    const wait = s.submittedAt + at * 1000 - Date.now();
    if (!(await sleepUnlessDone(wait, state))) return 'the sweep finished before the kill';
    const r = cluster(['kill', 'temporal', 'KILL']);
    log(`  ${clock()} ${at.toFixed(1)} s after submission: ${r.out}`);
    await sleep(TEMPORAL_DOWN_S * 1000);
    await restart('temporal');
    // Workers that did not survive the outage are reported, then restarted for the next case.
    const dead: string[] = [];
    let allDeadSince: number | undefined;
    while (!state.done) {
      for (const w of workerHosts()) if (!isRunning(w) && !dead.includes(w)) dead.push(w);
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
    return `Temporal killed at ${at.toFixed(1)} s, down ${TEMPORAL_DOWN_S} s; ${dead.length ? `worker process(es) that exited: ${dead.join(', ')}` : 'every worker process stayed up'}`;
  };
}

function lastLogLine(proc: string): string {
  const text = readFileSync(path.join(CLUSTER_DIR, 'logs', `${proc}.log`), 'utf8').trimEnd();
  return text.slice(text.lastIndexOf('\n') + 1).slice(0, 300);
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
    for (const key of keys) {
      const own = c.runs.filter((r) => r.trialKey === key);
      if (own.length > 1)
        details.push(
          `  ${c.name}: trial ${key.slice(0, 12)} has ${own.length} MLflow runs: ${own.map((r) => `${r.status} attempt ${r.attempt}, ${r.points.length} points`).join('; ')}`,
        );
    }
    const statuses = [...new Set(c.runs.map((r) => r.status))].join('/');
    rows.push([
      c.name,
      `${c.runs.length}${keys.size !== c.runs.length ? ` (${keys.size} trials)` : ''}${statuses && statuses !== 'FINISHED' ? ` ${statuses}` : ''}`,
      `${c.finals.size}/${c.planned}`,
      c === base ? '(reference)' : `${identical}/${base.finals.size}`,
      String(lost),
      String(duplicates),
    ]);
    const full = c.finals.size === c.planned && c.runs.length === c.planned && lost === 0 && duplicates === 0;
    if (!full || (c !== base && identical !== base.finals.size)) ok = false;
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
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, '')
    .toLowerCase();
  const random = mulberry32(SEED);
  log(
    `chaos on ${workerHosts().length} worker host(s), seed ${SEED}: tiny sweep, 6 trials × ${EPOCHS} epochs of ${TRAIN_SIZE} images, heartbeat ${HEARTBEAT_S} s`,
  );
  const results: CaseResult[] = [];
  const base = await runCase('undisturbed', stamp, async () => '');
  results.push(base);
  for (const name of CASES) {
    const disturb =
      name === 'worker'
        ? killWorkers(base.seconds, base.planned, random)
        : killTemporal(base.seconds, random);
    results.push(await runCase(name, stamp, disturb));
  }
  const { text, ok } = table(results);
  log(`\n${text}`);
  return ok ? 0 : 1;
}

process.exitCode =
  process.env['SEEDSWEEP_CLUSTER_HOST'] === 'laptop'
    ? await inner().catch((error: unknown) => {
        log(`chaos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        return 1;
      })
    : await outer();
