/**
 * Load on the namespace cluster (`npm run bench:load`): many trials and many sweeps against a real
 * multi-host setup made by scripts/cluster.sh (docs/scaling.md, "Trying scale-out locally"), with
 * no-op trainers, so that everything measured is orchestration and tracking.
 *
 *   npm run bench:load -- [--trials 10000[,…]] [--tracking mlflow,none] [--mlflow-store postgres|sqlite|both]
 *                         [--concurrency 0] [--clients 5] [--sweeps-per-client 10] [--trials-per-sweep 20]
 *                         [--parts sweep,clients] [--threads 1] [--timeout 10800] [--help]
 *
 * Brings the cluster up if it is down (2 worker hosts, `seedsweep worker --trainer noop --threads
 * <threads>`, MLflow on `--mlflow-store`: the cluster's default PostgreSQL unless given) and takes it
 * down again at the end; a cluster already up is used as it is, if its workers run the no-op trainer
 * and its MLflow the store asked for (else one `error[E_CLUSTER_MISFIT]` line and exit 2).
 * `--mlflow-store both` runs everything once per store, bringing the cluster up on PostgreSQL, then
 * again on SQLite (so the cluster must be down at the start), and prints one table of per-trial
 * figures with a row per (trials, store, tracking). The cluster's set-up is shared with `npm run
 * chaos` (bench/cluster/). Runs itself on the cluster's laptop host (`scripts/cluster.sh laptop --`),
 * from where it submits, follows and reads back. `SEEDSWEEP_CLUSTER_ID` picks the cluster, as for
 * scripts/cluster.sh. Skips (exit 0, one line) where namespaces cannot be made. Every run uses a fresh
 * `dataset.slice_seed`, so its trial keys are new and nothing is reused from earlier runs.
 *
 * Parts:
 *  - sweep: ONE sweep of `--trials` trials (a list: one after another; grid `model: [fc, cnn]` ×
 *    `--trials`/2 seeds, 1 epoch, and above 20,000 trials a grid `learning_rate` too, as `seeds.count` stops at 10,000; `--concurrency`
 *    trials in flight, default 4 × the worker slots), once per `--tracking`:
 *      mlflow: on the cluster's workers, tracking to the cluster's MLflow as usual;
 *      none:   on one extra worker process per worker host (this script, `--as-worker`, started with
 *              `scripts/cluster.sh on workerN`, same flags, own task queues) whose tracker only appends
 *              finished trials' records to a file on the shared disk (the sweep's own run and stored
 *              report still go to the cluster's MLflow): orchestration alone.
 *    Measured: wall time from submission to the workflow's result; from its history, the start (parent
 *    run, reuse look-up) until the first trial was scheduled and the aggregation; per-trial overhead
 *    (wall × worker slots / trials) and trials/s; the continue-as-new chain (runs; per run, events and
 *    bytes from describe, and its input: spec + carried state); a full `progress` query (what
 *    `seedsweep status` asks) halfway, size and latency; RSS of the worker processes (they host the
 *    workflow) from /proc/<pid>/status every second: before, max and at the end, VmHWM and RssAnon; CPU
 *    seconds per process (Temporal server, MLflow with its uvicorn child, each worker) during the sweep;
 *    MLflow requests per trial by endpoint (the server's access log); workflow tasks per worker; blob
 *    size warnings of the Temporal server; the trial records the tracker holds (MLflow: trial runs,
 *    FINISHED, distinct keys); and, after the end, `seedsweep status` and `seedsweep report` (table and
 *    JSON) run as CLI processes, timed from start to exit. The bench workers log to the cluster's logs/bench-load-workerN.log.
 *  - clients: `--clients` client processes on the laptop host, each submitting `--sweeps-per-client`
 *    sweeps of `--trials-per-sweep` trials (distinct names and seeds, MLflow tracking) at the same instant
 *    (a start barrier), then waiting for their results. Checked per sweep: completed, counts (finished =
 *    planned, nothing failed, cancelled or skipped), report records, and its MLflow trial runs: exactly its
 *    planned trial keys, one run each, FINISHED, tagged with its own sweep id, no other sweep's runs in its
 *    experiment. Measured: time to drain (first submission to last result) and per-sweep latency.
 * Per-trial figures (the sweep part; the table printed last): MLflow requests per trial (its access
 * log); CPU ms per trial of the MLflow server (with its PostgreSQL, in parentheses), of the Temporal
 * server and of the worker processes (those on every worker host together), each from /proc over the
 * sweep (bench/cluster/cpu.ts); wall ms per trial-slot (wall × slots / trials); trials/s over the whole
 * sweep; and below it whether the Temporal server's log has a history-size or payload-size warning
 * from the sweep (bench/cluster/server-logs.ts says which texts are looked for).
 * Prints Markdown tables; exits 1 if a check fails; a bad flag: one `error[E_BAD_ARGUMENT]` line, exit 2.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import protos, { type temporal } from '@temporalio/proto';
import { withResolvedBackend } from '../src/temporal/client/sweep-backend.js';
import { openTemporalSession, type TemporalSession } from '../src/temporal/client/session.js';
import { querySweepProgress, submitSweep } from '../src/temporal/client/sweeps.js';
import { fingerprintDataset } from '../src/datasets/plugins.js';
import type { PlannedTrial, TrialRecord } from '../src/core/domain/trial.js';
import {
  progressQuery,
  PROGRESS_PAGE_SIZE,
  taskQueues,
  type SweepSummary,
  type TaskQueues,
} from '../src/temporal/shared/shared.js';
import { expandSweep } from '../src/sweep-spec/expand.js';
import { parseSweepSpec } from '../src/sweep-spec/load.js';
import type { SweepSpec } from '../src/sweep-spec/schema.js';
import { MlflowClient, type MlflowRun } from '../src/tracking/mlflow-client.js';
import { TAG } from '../src/tracking/run-data.js';
import type { RunStatus, SweepInfo, Tracker } from '../src/tracking/types.js';
import { cpuSnapshot, cpuSpent } from './cluster/cpu.js';
import { FlagError, FlagReader, parseFlags, readFlagsOrExit } from './cluster/flags.js';
import {
  clock,
  log,
  markdown,
  onLaptopHost,
  runBench,
  runStamp,
  sleep,
  withTimeout,
} from './cluster/harness.js';
import { CLUSTER_DIR, readyLine, recordedPid, workerHosts } from './cluster/hosts.js';
import {
  CLUSTER_SCRIPT as CLUSTER,
  MLFLOW_STORES,
  ROOT,
  clusterId,
  clusterIsUp,
  readClusterConfig,
  runOnCluster,
  type MlflowStore,
} from './cluster/lifecycle.js';
import {
  logLines,
  mlflowRequests,
  TEMPORAL_LIMIT_WARNING,
  temporalLimitWarnings,
} from './cluster/server-logs.js';

const SELF = fileURLToPath(import.meta.url);

const flags = parseFlags('bench:load', SELF, {
  trials: { type: 'string', default: '10000' },
  tracking: { type: 'string', default: 'mlflow,none' },
  'mlflow-store': { type: 'string' },
  concurrency: { type: 'string', default: '0' },
  clients: { type: 'string', default: '5' },
  'sweeps-per-client': { type: 'string', default: '10' },
  'trials-per-sweep': { type: 'string', default: '20' },
  parts: { type: 'string', default: 'sweep,clients' },
  threads: { type: 'string', default: '1' },
  timeout: { type: 'string', default: '10800' },
  // Internal: a client process of the clients part, or a worker of the `none` sweep (see the header);
  // the file the run on the laptop host appends its per-trial figures to, for the outer run's table.
  'as-client': { type: 'string' },
  'as-worker': { type: 'boolean', default: false },
  'slice-seed': { type: 'string' },
  stamp: { type: 'string' },
  'queue-prefix': { type: 'string' },
  'tracker-dir': { type: 'string' },
  'figures-file': { type: 'string' },
});

/** Largest `seeds.count` a spec takes. */
const MAX_SEEDS = 10_000;

/**
 * The big sweep's grid: `model: [fc, cnn]`, and above 2 × {@link MAX_SEEDS} trials also `learning_rate`
 * with as many values as it takes; seeds fill the rest.
 */
function bigSweepShape(trials: number): { learningRates: number; seeds: number; text: string } {
  const learningRates = Math.ceil(trials / 2 / MAX_SEEDS);
  const seeds = trials / 2 / learningRates;
  if (!Number.isInteger(seeds))
    throw new FlagError(`--trials ${trials} must be a multiple of ${2 * learningRates}`);
  const lr = learningRates > 1 ? ` × ${learningRates} learning rates` : '';
  return { learningRates, seeds, text: `2 models${lr} × ${seeds} seeds` };
}

const STORE_CHOICES = [...MLFLOW_STORES, 'both'] as const;

const {
  TRIAL_COUNTS,
  CONCURRENCY,
  CLIENTS,
  SWEEPS_PER_CLIENT,
  TRIALS_PER_SWEEP,
  THREADS,
  TIMEOUT_S,
  PARTS,
  TRACKING,
  STORES,
} = readFlagsOrExit('bench:load', () => {
  const read = new FlagReader(flags);
  const trialCounts = read.ints('trials', 2, { even: true });
  for (const n of trialCounts) bigSweepShape(n);
  const store = flags['mlflow-store'] === undefined ? [] : read.list('mlflow-store', STORE_CHOICES);
  if (store.length > 1) throw new FlagError(`--mlflow-store takes one of ${STORE_CHOICES.join(', ')}`);
  return {
    /** `--trials`: the big sweep's sizes, run in this order. */
    TRIAL_COUNTS: trialCounts,
    CONCURRENCY: read.int('concurrency', 0),
    CLIENTS: read.int('clients', 1),
    SWEEPS_PER_CLIENT: read.int('sweeps-per-client', 1),
    TRIALS_PER_SWEEP: read.int('trials-per-sweep', 2, { even: true }),
    THREADS: read.int('threads', 1),
    TIMEOUT_S: read.int('timeout', 30),
    PARTS: read.list('parts', ['sweep', 'clients'] as const),
    TRACKING: read.list('tracking', ['mlflow', 'none'] as const),
    /** The MLflow stores to run on, in turn; empty: the running cluster's, or the cluster's default. */
    STORES: (store[0] === 'both' ? [...MLFLOW_STORES] : store) as MlflowStore[],
  };
});
type Tracking = (typeof TRACKING)[number];

/** The clients' sweeps take seeds from here on: apart from the big sweep's (0 …). */
const CLIENT_SEED_BASE = 1_000_000_000;

const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

// ---- outside the cluster: bring it up (once per MLflow store), run on the laptop host, take it down --

/** Flags of the run on the laptop host: these, but one store and a file for its per-trial figures. */
function laptopArgs(store: MlflowStore | undefined, figuresFile: string): string[] {
  const args: string[] = [];
  const given = process.argv.slice(2);
  for (let i = 0; i < given.length; i++) {
    const arg = given[i]!;
    if (arg === '--mlflow-store' || arg === '--figures-file') i++;
    else if (!arg.startsWith('--mlflow-store=') && !arg.startsWith('--figures-file=')) args.push(arg);
  }
  return [...args, ...(store ? ['--mlflow-store', store] : []), '--figures-file', figuresFile];
}

async function outer(): Promise<number> {
  if (STORES.length > 1 && clusterIsUp())
    throw new FlagError(
      `--mlflow-store both brings cluster ${clusterId()} up once per store, and it is up: take it down (scripts/cluster.sh down) or pick another SEEDSWEEP_CLUSTER_ID`,
    );
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-load-'));
  const figuresFile = path.join(dir, 'figures.jsonl');
  let code = 0;
  try {
    for (const store of STORES.length > 0 ? STORES : [undefined]) {
      const r = await runOnCluster({
        bench: 'bench:load',
        self: SELF,
        args: laptopArgs(store, figuresFile),
        up: [
          '--workers',
          '2',
          ...(store ? ['--mlflow-store', store] : []),
          '--',
          '--trainer',
          'noop',
          '--threads',
          String(THREADS),
        ],
        misfit: (config) => {
          if (store && config.store !== store)
            return `--mlflow-store ${store} was given and its MLflow runs on ${config.store}`;
          if (workerHosts().some((w) => !readyLine(w)?.includes('(noop trainer)')))
            return 'its workers do not all run the no-op trainer';
          return undefined;
        },
      });
      code = Math.max(code, r);
      if (r === 2) return r;
    }
    const figures = readFigures(figuresFile);
    if (figures.length > 0) log(`\n${figuresTable(figures)}`);
    return code;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- on the laptop host: the cluster's processes -----------------------------------------------------

/** The cluster's own worker processes, by host. */
function clusterWorkers(): Map<string, number> {
  const out = new Map<string, number>();
  for (const w of workerHosts()) {
    const pid = recordedPid(w);
    if (pid !== undefined) out.set(w, pid);
  }
  return out;
}

interface Memory {
  /** VmRSS, VmHWM (peak RSS), RssAnon (heap and other anonymous memory), MiB. */
  rss: number;
  hwm: number;
  anon: number;
}

function memoryOf(pid: number): Memory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024, anon: kb('RssAnon') / 1024 };
  } catch {
    return undefined;
  }
}

/** Samples the given processes' memory every second until stopped. */
class MemorySampler {
  readonly before = new Map<string, number>();
  readonly max = new Map<string, number>();
  readonly last = new Map<string, Memory>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pids: Map<string, number>) {}

  start(): void {
    for (const [name, pid] of this.pids) {
      const m = memoryOf(pid);
      if (m) this.before.set(name, m.rss);
    }
    this.sample();
    this.timer = setInterval(() => this.sample(), 1000);
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  private sample(): void {
    for (const [name, pid] of this.pids) {
      const m = memoryOf(pid);
      if (!m) continue;
      this.last.set(name, m);
      this.max.set(name, Math.max(this.max.get(name) ?? 0, m.rss));
    }
  }
}

/** One `seedsweep` command as a user runs it (the compiled CLI when current, else through tsx), timed. */
function timeCli(args: string[]): Promise<{ ms: number; code: number | null; bytes: number; tail: string }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'seedsweep.js'), ...args], {
      cwd: mkdtempSync(path.join(tmpdir(), 'bench-load-cli-')),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let bytes = 0;
    let text = '';
    const take = (d: Buffer) => {
      bytes += d.length;
      text = (text + d.toString()).slice(-2000);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const lines = text.trim().split('\n');
      resolve({ ms: performance.now() - started, code, bytes, tail: lines.at(-1) ?? '' });
    });
  });
}

// ---- the `none` tracking: a stand-in tracker on the shared disk, and its worker processes ------------

/**
 * A tracker that tracks nothing of a trial but what the sweep itself needs back: finished trials'
 * records, appended as JSON lines to one file per sweep name in a folder every host sees (the
 * cluster's hosts share the disk); epoch writes are dropped. The sweep's own run (its start, its
 * stored report, its end) goes to `sweepTracker` when given (the cluster's MLflow), so that
 * `seedsweep report` answers for the sweep as it would for a tracked one: a trial costs MLflow
 * nothing, a sweep a handful of requests.
 */
class SharedFileTracker implements Tracker {
  private readonly trials = new Map<string, PlannedTrial>();

  constructor(
    private readonly dir: string,
    private readonly sweepTracker?: Tracker,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  private nameFile(sweepId: string): string {
    return path.join(this.dir, `${sweepId}.name`);
  }

  private recordsFile(sweepName: string): string {
    return path.join(this.dir, `${sweepName}.jsonl`);
  }

  private read(file: string): TrialRecord[] {
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as TrialRecord);
  }

  async startSweep(sweep: SweepInfo): Promise<void> {
    writeFileSync(this.nameFile(sweep.sweepId), sweep.sweepName);
    await this.sweepTracker?.startSweep(sweep);
  }

  async startTrial(sweepId: string, trial: PlannedTrial): Promise<void> {
    this.trials.set(`${sweepId}/${trial.trialKey}`, trial);
  }

  async logEpoch(): Promise<void> {}

  async finishTrial(
    sweepId: string,
    trialKey: string,
    outcome: { status: RunStatus; result?: TrialRecord['result'] },
  ): Promise<void> {
    const trial = this.trials.get(`${sweepId}/${trialKey}`);
    this.trials.delete(`${sweepId}/${trialKey}`);
    if (outcome.status !== 'FINISHED' || !outcome.result || !trial) return;
    const { modelDir: _localOnly, ...result } = outcome.result;
    const record: TrialRecord = {
      trialKey,
      groupKey: trial.groupKey,
      groupLabel: trial.groupLabel,
      factors: trial.factors,
      seed: trial.seed,
      config: trial.config,
      result,
      runId: `${sweepId}/${trialKey}`,
      sweepId,
    };
    // One append of one line: the hosts' writes do not interleave.
    appendFileSync(
      this.recordsFile(readFileSync(this.nameFile(sweepId), 'utf8')),
      `${JSON.stringify(record)}\n`,
    );
  }

  async finishSweep(...args: Parameters<Tracker['finishSweep']>): Promise<void> {
    await this.sweepTracker?.finishSweep(...args);
  }

  async finishedTrials(filter: { sweepName?: string; sweepId?: string }): Promise<TrialRecord[]> {
    const name =
      filter.sweepName ??
      (filter.sweepId && existsSync(this.nameFile(filter.sweepId))
        ? readFileSync(this.nameFile(filter.sweepId), 'utf8')
        : undefined);
    if (name === undefined) return [];
    const records = this.read(this.recordsFile(name)).filter(
      (r) => filter.sweepId === undefined || r.sweepId === filter.sweepId,
    );
    const unique = new Map<string, TrialRecord>();
    for (const r of records) unique.set(`${r.sweepId ?? ''}/${r.trialKey}`, r);
    return [...unique.values()];
  }

  async finishedTrialsByKeys(trialKeys: string[]): Promise<TrialRecord[]> {
    const wanted = new Set(trialKeys);
    const byKey = new Map<string, TrialRecord>();
    for (const file of readdirSync(this.dir).filter((f) => f.endsWith('.jsonl')))
      for (const r of this.read(path.join(this.dir, file)))
        if (wanted.has(r.trialKey) && !byKey.has(r.trialKey)) byKey.set(r.trialKey, r);
    return [...byKey.values()];
  }

  async downloadTrialModel(): Promise<never> {
    throw new Error('the bench:load stand-in tracker keeps no models');
  }

  async sweepReport(sweepId: string): Promise<unknown> {
    return this.sweepTracker?.sweepReport(sweepId);
  }

  async logStandaloneRun(): Promise<never> {
    throw new Error('the bench:load stand-in tracker keeps no standalone runs');
  }
}

/** A worker process of the `none` sweep, on a worker host: the no-op trainer and the stand-in tracker. */
async function workerProcess(): Promise<number> {
  const dir = flags['tracker-dir'];
  const prefix = flags['queue-prefix'];
  if (!dir || !prefix) throw new Error('--as-worker needs --tracker-dir and --queue-prefix');
  // Loaded here only: the worker's modules (the training pool's among them) are not the bench's.
  const { runWorkerProcess, TrainerKind } = await import('../src/temporal/workers/process.js');
  const { createTracker } = await import('../src/tracking/index.js');
  await runWorkerProcess({
    trainer: TrainerKind.noop,
    threads: THREADS,
    queuePrefix: prefix,
    // The sweep's own run in the cluster's MLflow (the host's MLFLOW_TRACKING_URI), trials on the file.
    tracker: new SharedFileTracker(dir, await createTracker()),
  });
  return 0;
}

interface BenchWorkers {
  pids: Map<string, number>;
  stop(): Promise<void>;
}

/**
 * How long a bench worker may take to start: importing the worker's modules through tsx took over
 * 180 s at a load average of 25 (2026-12-07), and the cluster's own workers get 120 s (240 × 0.5 s).
 */
const WORKER_READY_S = 600;

/** Starts one `--as-worker` process per worker host (`scripts/cluster.sh on workerN`); resolves once all are ready. */
async function startBenchWorkers(prefix: string, trackerDir: string, threads: number): Promise<BenchWorkers> {
  const children = new Map<string, ChildProcess>();
  const ready: Promise<void>[] = [];
  for (const host of workerHosts()) {
    const logFile = path.join(CLUSTER_DIR, 'logs', `bench-load-${host}.log`);
    const child = spawn(
      'bash',
      [
        CLUSTER,
        'on',
        host,
        '--',
        process.execPath,
        '--import',
        'tsx',
        SELF,
        '--as-worker',
        '--queue-prefix',
        prefix,
        '--tracker-dir',
        trackerDir,
        '--threads',
        String(threads),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    children.set(host, child);
    const out = createWriteStream(logFile, { flags: 'a' });
    ready.push(
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(new Error(`bench worker on ${host}: not ready in ${WORKER_READY_S} s; see ${logFile}`)),
          WORKER_READY_S * 1000,
        );
        let text = '';
        child.stderr!.on('data', (chunk: Buffer) => {
          out.write(chunk);
          if (text.length < 100_000) text += chunk.toString();
          if (text.includes(' ready: Temporal')) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`bench worker on ${host} exited with ${code}; see ${logFile}`));
        });
      }),
    );
  }
  const stop = async () => {
    await Promise.all(
      [...children.values()].map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            const kill = setTimeout(() => c.kill('SIGKILL'), 30_000);
            c.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            c.kill('SIGTERM');
          }),
      ),
    );
  };
  try {
    await Promise.all(ready);
  } catch (error) {
    await stop();
    throw error;
  }
  // `cluster.sh on` execs down to node: each child's pid is its worker's.
  return { pids: new Map([...children].map(([host, c]) => [`${host} (bench worker)`, c.pid!])), stop };
}

// ---- specs -------------------------------------------------------------------------------------------

function loadSpec(options: {
  name: string;
  seeds: number;
  seedStart: number;
  sliceSeed: number;
  concurrency: number;
  /** Grid `learning_rate` values (0.001, 0.002, …) when above 1. */
  learningRates?: number;
}): SweepSpec {
  const rates = options.learningRates ?? 1;
  const grid =
    rates > 1
      ? `{ model: [fc, cnn], learning_rate: [${Array.from({ length: rates }, (_, i) => (i + 1) / 1000).join(', ')}] }`
      : '{ model: [fc, cnn] }';
  return parseSweepSpec({
    file: `${options.name}.yaml`,
    text: `
name: ${options.name}
dataset: { name: synthetic, train_size: 200, test_size: 100, slice_seed: ${options.sliceSeed} }
train: { epochs: 1, batch_size: 50 }
variants: { grid: ${grid} }
seeds: { count: ${options.seeds}, start: ${options.seedStart} }
concurrency: ${options.concurrency}
timeouts: { trial_minutes: 30, heartbeat_seconds: 60 }
`,
  });
}

/** The trial keys a sweep of `spec` plans (its backend resolved as submitSweep resolves it). */
async function plannedKeys(spec: SweepSpec): Promise<string[]> {
  const resolved = withResolvedBackend(spec);
  const datasetFingerprint = await fingerprintDataset(resolved.dataset);
  return expandSweep({ spec: resolved, datasetFingerprint }).map((t) => t.trialKey);
}

// ---- Temporal ------------------------------------------------------------------------------------------

interface RunFacts {
  runId: string;
  status: string;
  events: number;
  bytes: number;
  /** Bytes of the run's input payload (spec + carried state). */
  inputBytes: number;
  /** ms from the run's start to its first `trainTrial` scheduled (undefined: none). */
  firstTrialMs?: number;
  /** ms the run's `aggregateSweep` activity took, scheduled to completed (undefined: none). */
  aggregationMs?: number;
  /** Workflow tasks by the identity of the worker that ran them (`<pid>@<host>`). */
  workflowTasks: Map<string, number>;
  /** ms from started to completed of the run's first workflow task (it expands the plan) and of its longest. */
  firstTaskMs?: number;
  longestTaskMs: number;
  /** Failure messages of the run's failed workflow tasks (the first failure of a task is recorded). */
  failedTasks: string[];
}

// @temporalio/proto is CommonJS: its namespaces come through the default export under ESM.
const { EventType } = protos.temporal.api.enums.v1;

function eventMs(event: temporal.api.history.v1.IHistoryEvent): number {
  const t = event.eventTime;
  return t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : 0;
}

/** Every run of a sweep's continue-as-new chain, from its first: describe + the run's history. */
async function runChain(client: Client, sweepId: string, firstRunId: string): Promise<RunFacts[]> {
  const runs: RunFacts[] = [];
  let runId: string | undefined = firstRunId;
  while (runId && runs.length < 10_000) {
    const handle = client.workflow.getHandle(sweepId, runId);
    const description = await handle.describe();
    const history: temporal.api.history.v1.IHistory = await handle.fetchHistory();
    const events: temporal.api.history.v1.IHistoryEvent[] = history.events ?? [];
    const first = events[0];
    const input = first?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
    const facts: RunFacts = {
      runId,
      status: description.status.name,
      events: description.historyLength,
      bytes:
        description.historySize ?? protos.temporal.api.history.v1.History.encode(history).finish().length,
      inputBytes: input?.length ?? 0,
      workflowTasks: new Map(),
      longestTaskMs: 0,
      failedTasks: [],
    };
    const scheduled = new Map<number, { type: string; at: number }>();
    const taskStarts = new Map<number, number>();
    for (const event of events) {
      const task = event.workflowTaskStartedEventAttributes;
      if (task) {
        facts.workflowTasks.set(
          task.identity ?? '?',
          (facts.workflowTasks.get(task.identity ?? '?') ?? 0) + 1,
        );
        taskStarts.set(Number(event.eventId), eventMs(event));
      }
      const completed = event.workflowTaskCompletedEventAttributes;
      const started = completed ? taskStarts.get(Number(completed.startedEventId)) : undefined;
      if (started !== undefined) {
        const ms = eventMs(event) - started;
        facts.firstTaskMs ??= ms;
        facts.longestTaskMs = Math.max(facts.longestTaskMs, ms);
      }
      const failed = event.workflowTaskFailedEventAttributes;
      if (failed)
        facts.failedTasks.push(
          failed.failure?.message ??
            protos.temporal.api.enums.v1.WorkflowTaskFailedCause[failed.cause ?? 0] ??
            String(failed.cause),
        );
      const attrs = event.activityTaskScheduledEventAttributes;
      if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED && attrs) {
        const type = attrs.activityType?.name ?? '';
        scheduled.set(Number(event.eventId), { type, at: eventMs(event) });
        if (type === 'trainTrial' && facts.firstTrialMs === undefined && first)
          facts.firstTrialMs = eventMs(event) - eventMs(first);
      }
      const done = event.activityTaskCompletedEventAttributes;
      if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED && done) {
        const s = scheduled.get(Number(done.scheduledEventId));
        if (s?.type === 'aggregateSweep') facts.aggregationMs = eventMs(event) - s.at;
      }
    }
    runs.push(facts);
    const last: temporal.api.history.v1.IHistoryEvent | undefined = events[events.length - 1];
    runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return runs;
}

// ---- MLflow --------------------------------------------------------------------------------------------

/** The trial runs of a sweep name's experiment (all sweep ids), or [] when it has none. */
async function trialRunsOf(mlflow: MlflowClient, sweepName: string): Promise<MlflowRun[]> {
  const experimentId = await mlflow.getExperimentIdByName(sweepName);
  if (experimentId === undefined) return [];
  return mlflow.searchRuns({
    experimentIds: [experimentId],
    filter: `tags.\`${TAG.role}\` = 'trial'`,
  });
}

// ---- part 1: one big sweep ---------------------------------------------------------------------------

type Row = string[];

const mib = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '?' : `${n.toFixed(0)} MiB`);
const kib = (n: number) =>
  n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(2)} MiB` : `${(n / 1024).toFixed(0)} KiB`;
const seconds = (ms: number | undefined) => (ms === undefined ? '–' : `${(ms / 1000).toFixed(1)} s`);

interface SweepResult {
  tracking: Tracking;
  /** Label → value, in the table's row order. */
  values: Map<string, string>;
  ok: boolean;
  notes: string[];
  figures?: Figures;
}

/** One sweep's per-trial figures: a row of the table the outer run prints (JSON lines between the two). */
interface Figures {
  trials: number;
  store: MlflowStore;
  tracking: Tracking;
  requestsPerTrial: number;
  /** CPU ms per trial: the MLflow server with its PostgreSQL (and that part alone), Temporal, all workers. */
  mlflowCpuMs?: number;
  postgresCpuMs?: number;
  temporalCpuMs?: number;
  workerCpuMs: number;
  wallMsPerSlot: number;
  trialsPerSecond: number;
  /** Temporal server log lines from the sweep about history or payload size (server-logs.ts). */
  temporalWarnings: number;
  temporalWarningExample?: string;
  /** The sweep's checks passed. */
  ok?: boolean;
}

function readFigures(file: string): Figures[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Figures);
}

const ms = (n: number | undefined) => (n === undefined ? '?' : n < 10 ? n.toFixed(2) : n.toFixed(1));

/** The per-trial figures, a row per (trials, store, tracking), and whether Temporal warned about sizes. */
function figuresTable(rows: Figures[]): string {
  const header = [
    'trials',
    'MLflow store',
    'tracking',
    'MLflow requests / trial',
    'MLflow server CPU ms / trial (PostgreSQL)',
    'Temporal CPU ms / trial',
    'worker CPU ms / trial (all hosts)',
    'wall ms / trial-slot',
    'trials/s',
  ];
  const table = markdown(
    header,
    rows.map((f) => [
      f.trials.toLocaleString('en-US'),
      f.store === 'postgres' ? 'PostgreSQL' : 'SQLite',
      f.tracking === 'mlflow' ? 'MLflow' : 'none (stand-in)',
      f.requestsPerTrial.toFixed(1),
      `${ms(f.mlflowCpuMs)}${f.postgresCpuMs === undefined ? '' : ` (${ms(f.postgresCpuMs)})`}`,
      ms(f.temporalCpuMs),
      ms(f.workerCpuMs),
      ms(f.wallMsPerSlot),
      f.trialsPerSecond.toFixed(1),
    ]),
  );
  const warned = rows.filter((f) => f.temporalWarnings > 0);
  const warnings =
    warned.length === 0
      ? `Temporal server log during these sweeps: no history-size or payload-size warning (looked for ${TEMPORAL_LIMIT_WARNING.source}).`
      : `Temporal server log: history-size/payload-size warnings (${TEMPORAL_LIMIT_WARNING.source}): ${warned
          .map(
            (f) =>
              `${f.trials} trials, ${f.store}, ${f.tracking}: ${f.temporalWarnings}, e.g. ${f.temporalWarningExample}`,
          )
          .join('; ')}`;
  const failed = rows.filter((f) => f.ok === false);
  return [
    `### Per-trial figures: no-op sweeps on ${workerHosts().length || 2} worker hosts (1 epoch)`,
    '',
    table,
    '',
    warnings,
    ...(failed.length > 0
      ? [
          `Checks failed for: ${failed.map((f) => `${f.trials} trials, ${f.store}, ${f.tracking}`).join('; ')} (see above)`,
        ]
      : []),
  ].join('\n');
}

async function bigSweep(
  session: TemporalSession,
  tracking: Tracking,
  trials: number,
  stamp: string,
  sliceSeed: number,
): Promise<SweepResult> {
  const TRIALS = trials;
  const SHAPE = bigSweepShape(trials);
  const notes: string[] = [];
  const values = new Map<string, string>();
  let ok = true;
  let slots: number;
  let queues: TaskQueues | undefined;
  let workers: Map<string, number>;
  let bench: BenchWorkers | undefined;
  let trackerDir: string | undefined;
  if (tracking === 'mlflow') {
    workers = clusterWorkers();
    slots = clusterSlots();
  } else {
    const prefix = `load-${stamp}`;
    queues = taskQueues(prefix);
    trackerDir = path.join(CLUSTER_DIR, 'bench-load-tracker', stamp);
    const perHost = Math.max(1, Math.round(clusterSlots() / workerHosts().length));
    log(`  ${clock()} starting a bench worker (stand-in tracker, ${perHost} thread(s)) on each worker host…`);
    bench = await startBenchWorkers(prefix, trackerDir, perHost);
    workers = bench.pids;
    slots = perHost * workerHosts().length;
  }
  try {
    const concurrency = CONCURRENCY > 0 ? CONCURRENCY : 4 * slots;
    const name = `load-${tracking}-${TRIALS}-${stamp}`;
    const spec = loadSpec({
      name,
      seeds: SHAPE.seeds,
      learningRates: SHAPE.learningRates,
      seedStart: 0,
      sliceSeed,
      concurrency,
    });
    const datasetFingerprint = await fingerprintDataset(spec.dataset);
    log(
      `part sweep (tracking ${tracking}): ${name}: ${TRIALS} no-op trials (${SHAPE.text}, 1 epoch), concurrency ${concurrency}, ${slots} worker slot(s); load average ${loadAverage()}`,
    );
    values.set(
      'worker slots (hosts × threads); concurrency',
      `${slots} (${workerHosts().length} × ${slots / workerHosts().length}); ${concurrency}`,
    );
    const loadBefore = loadAverage();
    const temporalLinesBefore = logLines('temporal').length;
    const mlflowLinesBefore = logLines('mlflow').length;
    const sampler = new MemorySampler(workers);
    sampler.start();
    const cpuBefore = cpuSnapshot(workers);
    const submittedAt = performance.now();
    const { sweepId, runId } = await submitSweep({
      client: session.client,
      spec,
      datasetFingerprint,
      ...(queues ? { taskQueues: queues } : {}),
    });
    const handle = session.client.workflow.getHandle(sweepId);
    let finishedAt: number | undefined;
    let summary: SweepSummary | undefined;
    let failure: string | undefined;
    const result = handle.result().then(
      (value) => {
        summary = value as SweepSummary;
        finishedAt = performance.now();
      },
      (error: unknown) => {
        failure = error instanceof Error ? error.message : String(error);
        finishedAt = performance.now();
      },
    );

    // Follow: a line every 30 s; one progress query (what `seedsweep status` asks: counts and its largest page) past halfway.
    let fullQuery: { bytes: number; ms: number; error?: string } | undefined;
    let lastLine = performance.now();
    const deadline = submittedAt + TIMEOUT_S * 1000;
    while (finishedAt === undefined && performance.now() < deadline) {
      await Promise.race([result, sleep(2000)]);
      if (finishedAt !== undefined) break;
      if (performance.now() - lastLine < 30_000) continue;
      lastLine = performance.now();
      const progress = await querySweepProgress({ client: session.client, sweepId, timeoutMs: 20_000 });
      const c = progress?.counts;
      const elapsed = (performance.now() - submittedAt) / 1000;
      log(
        `  ${clock()} ${elapsed.toFixed(0)} s: ${c ? `${c.finished} finished, ${c.running} running, ${c.pending} pending, ${c.failed} failed; ${progress?.continuedRuns ?? 0} continued` : 'no progress answer'}; load ${loadAverage()}`,
      );
      if (!fullQuery && c && c.finished >= c.total / 2) {
        const t = performance.now();
        try {
          const answer = await withTimeout(
            handle.query(progressQuery, { pageSize: PROGRESS_PAGE_SIZE.max }),
            30_000,
            'progress query',
          );
          fullQuery = { bytes: Buffer.byteLength(JSON.stringify(answer)), ms: performance.now() - t };
        } catch (error) {
          fullQuery = {
            bytes: 0,
            ms: performance.now() - t,
            error: (error as Error).message.split('\n')[0] ?? '',
          };
        }
      }
    }
    sampler.stop();
    const cpuAfter = cpuSnapshot(workers);
    values.set('sweep', sweepId);
    if (finishedAt === undefined) {
      await handle.terminate(`bench:load: not finished after ${TIMEOUT_S} s`).catch(() => undefined);
      notes.push(`${tracking}: the sweep did not finish within ${TIMEOUT_S} s; terminated`);
      values.set('result', `not finished after ${TIMEOUT_S} s (terminated)`);
      return { tracking, values, ok: false, notes };
    }
    const wallMs = finishedAt - submittedAt;
    log(
      `  ${clock()} ${sweepId}: ${summary ? summary.status : `failed: ${failure}`} after ${seconds(wallMs)}`,
    );

    const chain = await runChain(session.client, sweepId, runId).catch((error: unknown) => {
      ok = false;
      notes.push(`${tracking}: reading the sweep's history failed: ${(error as Error).message}`);
      return [] as RunFacts[];
    });
    const firstTrialMs = chain[0]?.firstTrialMs;
    const aggregationMs = chain.at(-1)?.aggregationMs;
    const trialsMs = wallMs - (firstTrialMs ?? 0) - (aggregationMs ?? 0);
    const counts = summary?.counts;
    if (!summary || summary.status !== 'completed' || counts?.finished !== TRIALS) {
      ok = false;
      notes.push(`${tracking}: expected ${TRIALS} finished trials; got ${JSON.stringify(counts ?? failure)}`);
    }
    if (summary?.report?.records !== TRIALS) {
      ok = false;
      notes.push(
        `${tracking}: the report holds ${summary?.report?.records ?? 'no'} records; expected ${TRIALS}`,
      );
    }

    values.set(
      'result',
      summary
        ? `${summary.status}: ${counts?.finished ?? 0} finished, ${counts?.failed ?? 0} failed, ${counts?.skipped ?? 0} skipped; report of ${summary.report?.records ?? 0}`
        : `failed: ${failure}`,
    );
    values.set('wall time (submit → result)', seconds(wallMs));
    values.set('- start (parent run, reuse look-up) → 1st trial scheduled', seconds(firstTrialMs));
    values.set('- trials', seconds(trialsMs));
    values.set('- aggregation (report over all trials)', seconds(aggregationMs));
    values.set('per-trial overhead (wall × slots / trials)', `${((wallMs * slots) / TRIALS).toFixed(1)} ms`);
    values.set(
      'throughput: whole sweep / while trials ran',
      `${((TRIALS * 1000) / wallMs).toFixed(1)} / ${((TRIALS * 1000) / trialsMs).toFixed(1)} trials/s`,
    );
    values.set('continue-as-new chain', `${chain.length} runs`);
    const failedTasks = chain.flatMap((r) => r.failedTasks);
    values.set(
      'workflow task: longest / 1st of a run (plan expansion), max',
      `${seconds(Math.max(0, ...chain.map((r) => r.longestTaskMs)))} / ${seconds(Math.max(0, ...chain.map((r) => r.firstTaskMs ?? 0)))}`,
    );
    values.set('workflow tasks failed', String(failedTasks.length));
    if (failedTasks.length > 0)
      notes.push(`${tracking}: failed workflow tasks: ${[...new Set(failedTasks)].join('; ')}`);
    values.set(
      'max history of one run',
      `${Math.max(0, ...chain.map((r) => r.events))} events, ${kib(Math.max(0, ...chain.map((r) => r.bytes)))}`,
    );
    values.set(
      'history of all runs',
      `${chain.reduce((s, r) => s + r.events, 0)} events, ${kib(chain.reduce((s, r) => s + r.bytes, 0))}`,
    );
    values.set(
      'largest run input (spec + carried state)',
      kib(Math.max(0, ...chain.map((r) => r.inputBytes))),
    );
    values.set(
      'progress query halfway (`seedsweep status`, a page of 200)',
      fullQuery
        ? fullQuery.error
          ? `failed: ${fullQuery.error}`
          : `${kib(fullQuery.bytes)} in ${seconds(fullQuery.ms)}`
        : 'not asked',
    );
    const hosts = [...workers.keys()];
    hosts.forEach((w, i) => {
      const last = sampler.last.get(w);
      values.set(
        `worker host ${i + 1}: RSS before / max / end`,
        `${mib(sampler.before.get(w))} / ${mib(sampler.max.get(w))} / ${mib(last?.rss)}`,
      );
      values.set(`worker host ${i + 1}: VmHWM, RssAnon at end`, `${mib(last?.hwm)}, ${mib(last?.anon)}`);
    });
    const wallS = wallMs / 1000;
    const spent = cpuSpent(cpuBefore, cpuAfter);
    const cpu = (proc: string) => {
      const s = spent.get(proc);
      return s === undefined ? '?' : `${s.toFixed(0)} s (${((100 * s) / wallS).toFixed(0)} %)`;
    };
    values.set(
      'CPU during the sweep (% of one core): Temporal / MLflow',
      `${cpu('temporal')} / ${cpu('mlflow')}`,
    );
    if (spent.has('postgres')) values.set("CPU during the sweep: MLflow's PostgreSQL", cpu('postgres'));
    values.set('CPU during the sweep: worker hosts', hosts.map(cpu).join(' / '));
    values.set('load average (1/5/15 min) before → after', `${loadBefore} → ${loadAverage()}`);
    const requests = mlflowRequests(logLines('mlflow').slice(mlflowLinesBefore));
    const totalRequests = [...requests.values()].reduce((a, b) => a + b, 0);
    values.set(
      'MLflow requests per trial (the most frequent)',
      totalRequests === 0
        ? '0'
        : `${(totalRequests / TRIALS).toFixed(1)} (${[...requests]
            .sort((a, b) => b[1] - a[1])
            .slice(0, 4)
            .map(([endpoint, n]) => `${endpoint} ${(n / TRIALS).toFixed(1)}`)
            .join(', ')})`,
    );
    const tasks = new Map<string, number>();
    for (const run of chain) for (const [id, n] of run.workflowTasks) tasks.set(id, (tasks.get(id) ?? 0) + n);
    notes.push(
      `${tracking}: workflow tasks by worker: ${[...tasks]
        .map(([id, n]) => {
          const host = [...workers].find(([, pid]) => id.startsWith(`${pid}@`))?.[0];
          return `${host ?? id} ${n}`;
        })
        .join(', ')}`,
    );
    const warnings = temporalLimitWarnings(logLines('temporal').slice(temporalLinesBefore));
    if (warnings.length > 0)
      notes.push(
        `${tracking}: the Temporal server logged ${warnings.length} history/payload size warning(s), e.g. ${warnings[0]!.slice(0, 300)}`,
      );
    const perTrialMs = (seconds: number | undefined) =>
      seconds === undefined ? undefined : (seconds * 1000) / TRIALS;
    const workerSeconds = [...workers.keys()].reduce((sum, w) => sum + (spent.get(w) ?? 0), 0);
    const figures: Figures = {
      trials: TRIALS,
      store: readClusterConfig()?.store ?? 'sqlite',
      tracking,
      requestsPerTrial: totalRequests / TRIALS,
      mlflowCpuMs: perTrialMs(
        spent.has('mlflow') ? (spent.get('mlflow') ?? 0) + (spent.get('postgres') ?? 0) : undefined,
      ),
      postgresCpuMs: perTrialMs(spent.get('postgres')),
      temporalCpuMs: perTrialMs(spent.get('temporal')),
      workerCpuMs: (workerSeconds * 1000) / TRIALS,
      wallMsPerSlot: (wallMs * slots) / TRIALS,
      trialsPerSecond: (TRIALS * 1000) / wallMs,
      temporalWarnings: warnings.length,
      temporalWarningExample: warnings[0]?.slice(0, 300),
    };

    if (tracking === 'mlflow') {
      const mlflow = MlflowClient.fromEnv();
      const runs = (await trialRunsOf(mlflow, name)).filter((r) => r.tags[TAG.sweepId] === sweepId);
      const finishedRuns = runs.filter((r) => r.status === 'FINISHED').length;
      const distinctKeys = new Set(runs.map((r) => r.tags[TAG.trialKey])).size;
      values.set(
        'tracked trials',
        `MLflow: ${runs.length} trial runs, ${finishedRuns} FINISHED, ${distinctKeys} keys`,
      );
      if (runs.length !== TRIALS || finishedRuns !== TRIALS || distinctKeys !== TRIALS) ok = false;
    } else {
      const records = await new SharedFileTracker(trackerDir!).finishedTrials({ sweepId });
      values.set('tracked trials', `stand-in file: ${records.length} records (no MLflow)`);
      if (records.length !== TRIALS) ok = false;
    }
    // What a user asks of the finished sweep: its status (counts and the first page) and its report
    // (the one its aggregation stored), each a CLI process from start to exit (issue 18: ≤ 5 s each).
    for (const [what, args] of [
      ['status', ['status', sweepId]],
      ['report', ['report', sweepId]],
      ['report --format json', ['report', sweepId, '--format', 'json']],
    ] as const) {
      const r = await timeCli([...args]);
      values.set(
        `\`seedsweep ${what}\` after the end: wall (CLI start to exit), output`,
        `${seconds(r.ms)}, ${kib(r.bytes)}${r.code === 0 ? '' : `; exit ${r.code}: ${r.tail}`}`,
      );
      if (r.code !== 0) {
        ok = false;
        notes.push(`${tracking}: seedsweep ${what} exited ${r.code}: ${r.tail}`);
      }
    }
    if (fullQuery?.error) notes.push(`${tracking}: progress query failed: ${fullQuery.error}`);
    notes.push(
      `${tracking}: runs (events / bytes / input): ${chain.map((r) => `${r.events} / ${kib(r.bytes)} / ${kib(r.inputBytes)}`).join('; ')}`,
    );
    return { tracking, values, ok, notes, figures: { ...figures, ok } };
  } finally {
    await bench?.stop();
  }
}

/** Training slots of the cluster's own workers (their ready lines). */
function clusterSlots(): number {
  return workerHosts().reduce(
    (n, w) => n + Number(/; (\d+) training thread/.exec(readyLine(w) ?? '')?.[1] ?? 0),
    0,
  );
}

// ---- part 2: concurrent clients ------------------------------------------------------------------------

interface ClientSweep {
  name: string;
  sweepId: string;
  planned: number;
  submittedAt: number;
  finishedAt: number;
  status: string;
  counts?: SweepSummary['counts'];
  records?: number;
  error?: string;
}

function clientSpec(client: number, sweep: number, name: string, sliceSeed: number): SweepSpec {
  const seeds = TRIALS_PER_SWEEP / 2;
  return loadSpec({
    name,
    seeds,
    // Disjoint seeds per sweep: every sweep has its own trial keys, so none reuses another's.
    seedStart: CLIENT_SEED_BASE + (client * SWEEPS_PER_CLIENT + sweep) * seeds,
    sliceSeed,
    concurrency: 2,
  });
}

/** One client process: submits its sweeps when told `go` on stdin, then waits for them all. */
async function clientProcess(index: number): Promise<number> {
  const stamp = flags.stamp ?? 'x';
  const sliceSeed = Number(flags['slice-seed'] ?? '0');
  const specs = Array.from({ length: SWEEPS_PER_CLIENT }, (_, j) =>
    clientSpec(index, j, `load-c${index}-s${j}-${stamp}`, sliceSeed),
  );
  const fingerprint = await fingerprintDataset(specs[0]!.dataset);
  const session = await openTemporalSession();
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => {
    createInterface({ input: process.stdin }).on('line', (line) => {
      if (line.trim() === 'go') resolve();
    });
  });
  try {
    const out = await Promise.all(
      specs.map(async (spec): Promise<ClientSweep> => {
        const submittedAt = Date.now();
        const { sweepId } = await submitSweep({
          client: session.client,
          spec,
          datasetFingerprint: fingerprint,
        });
        const base = { name: spec.name, sweepId, planned: TRIALS_PER_SWEEP, submittedAt };
        try {
          const summary = (await session.client.workflow.getHandle(sweepId).result()) as SweepSummary;
          return {
            ...base,
            finishedAt: Date.now(),
            status: summary.status,
            counts: summary.counts,
            ...(summary.report ? { records: summary.report.records } : {}),
          };
        } catch (error) {
          return { ...base, finishedAt: Date.now(), status: 'failed', error: (error as Error).message };
        }
      }),
    );
    process.stdout.write(`result ${JSON.stringify(out)}\n`);
    return 0;
  } finally {
    await session.close();
  }
}

async function concurrentClients(
  stamp: string,
  sliceSeed: number,
): Promise<{ rows: Row[]; ok: boolean; notes: string[] }> {
  const total = CLIENTS * SWEEPS_PER_CLIENT;
  log(
    `part clients: ${CLIENTS} client processes × ${SWEEPS_PER_CLIENT} sweeps × ${TRIALS_PER_SWEEP} trials = ${total} sweeps, ${total * TRIALS_PER_SWEEP} trials; load average ${loadAverage()}`,
  );
  const loadBefore = loadAverage();
  const notes: string[] = [];
  const children: ChildProcess[] = [];
  const ready: Promise<void>[] = [];
  const results: Promise<ClientSweep[]>[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        SELF,
        '--as-client',
        String(i),
        '--sweeps-per-client',
        String(SWEEPS_PER_CLIENT),
        '--trials-per-sweep',
        String(TRIALS_PER_SWEEP),
        '--stamp',
        stamp,
        '--slice-seed',
        String(sliceSeed),
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    children.push(child);
    const lines = createInterface({ input: child.stdout! });
    let onReady: () => void = () => undefined;
    ready.push(new Promise<void>((resolve) => (onReady = resolve)));
    results.push(
      new Promise<ClientSweep[]>((resolve, reject) => {
        lines.on('line', (line) => {
          if (line === 'ready') onReady();
          else if (line.startsWith('result '))
            resolve(JSON.parse(line.slice('result '.length)) as ClientSweep[]);
        });
        child.once('exit', (code) => reject(new Error(`client ${i} exited with ${code} before its result`)));
      }),
    );
  }
  const timeout = setTimeout(() => {
    for (const c of children) c.kill('SIGTERM');
  }, TIMEOUT_S * 1000);
  let sweeps: ClientSweep[];
  try {
    await Promise.all(ready);
    log(`  ${clock()} all ${CLIENTS} clients connected; go`);
    for (const c of children) c.stdin!.write('go\n');
    sweeps = (await Promise.all(results)).flat();
  } finally {
    clearTimeout(timeout);
    for (const c of children) c.stdin?.end();
  }
  const firstSubmit = Math.min(...sweeps.map((s) => s.submittedAt));
  const lastSubmit = Math.max(...sweeps.map((s) => s.submittedAt));
  const lastResult = Math.max(...sweeps.map((s) => s.finishedAt));
  log(`  ${clock()} all ${sweeps.length} sweeps answered after ${seconds(lastResult - firstSubmit)}`);

  // Each sweep's own trials, and only those: counts, and its MLflow runs against its planned keys.
  const mlflow = MlflowClient.fromEnv();
  let clean = 0;
  let runsSeen = 0;
  for (const s of sweeps) {
    const problems: string[] = [];
    if (s.status !== 'completed') problems.push(`status ${s.status}${s.error ? `: ${s.error}` : ''}`);
    const c = s.counts;
    if (!c || c.finished !== s.planned || c.failed + c.cancelled + c.skipped + c.earlyStopped !== 0)
      problems.push(`counts ${JSON.stringify(c)}`);
    if (s.records !== s.planned) problems.push(`report records ${s.records}`);
    const [, client, sweep] = /^load-c(\d+)-s(\d+)-/.exec(s.name) ?? [];
    const keys = new Set(await plannedKeys(clientSpec(Number(client), Number(sweep), s.name, sliceSeed)));
    const runs = await trialRunsOf(mlflow, s.name);
    runsSeen += runs.length;
    const foreign = runs.filter((r) => r.tags[TAG.sweepId] !== s.sweepId);
    const own = runs.filter((r) => r.tags[TAG.sweepId] === s.sweepId);
    const ownKeys = own.map((r) => r.tags[TAG.trialKey] ?? '');
    if (foreign.length > 0) problems.push(`${foreign.length} trial run(s) of other sweeps in its experiment`);
    if (own.length !== s.planned) problems.push(`${own.length} trial runs`);
    if (new Set(ownKeys).size !== own.length) problems.push('duplicate trial runs');
    if (ownKeys.some((k) => !keys.has(k)) || keys.size !== s.planned) problems.push('trial keys not its own');
    if (own.some((r) => r.status !== 'FINISHED')) problems.push('runs not FINISHED');
    if (problems.length === 0) clean++;
    else notes.push(`${s.sweepId}: ${problems.join('; ')}`);
  }
  const latencies = sweeps.map((s) => s.finishedAt - s.submittedAt).sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  const drainMs = lastResult - firstSubmit;
  const rows: Row[] = [
    [
      'clients × sweeps × trials',
      `${CLIENTS} processes × ${SWEEPS_PER_CLIENT} sweeps × ${TRIALS_PER_SWEEP} trials (2 models × ${TRIALS_PER_SWEEP / 2} seeds, concurrency 2 each; MLflow tracking)`,
    ],
    ['submissions (first → last accepted)', seconds(lastSubmit - firstSubmit)],
    ['completed', `${sweeps.filter((s) => s.status === 'completed').length}/${total}`],
    ['failed trials', String(sweeps.reduce((n, s) => n + (s.counts?.failed ?? 0), 0))],
    [
      'sweeps holding exactly their own trials (counts, report, MLflow runs, keys, sweep ids)',
      `${clean}/${total} (${runsSeen} trial runs checked)`,
    ],
    ['time to drain (first submission → last result)', seconds(drainMs)],
    [
      'per-sweep latency: min / median / p90 / max',
      `${seconds(latencies[0])} / ${seconds(pct(0.5))} / ${seconds(pct(0.9))} / ${seconds(latencies.at(-1))}`,
    ],
    ['throughput', `${((total * TRIALS_PER_SWEEP * 1000) / drainMs).toFixed(1)} trials/s`],
    ['load average (1/5/15 min) before → after', `${loadBefore} → ${loadAverage()}`],
  ];
  return { rows, ok: clean === total, notes };
}

// ---- the tables -----------------------------------------------------------------------------------------

async function inner(): Promise<number> {
  const hosts = workerHosts();
  const lines = hosts.map((w) => readyLine(w));
  if (lines.some((l) => !l?.includes('(noop trainer)'))) {
    log(
      `bench:load: the cluster's workers do not all run the no-op trainer (${lines.map((l) => l ?? 'not ready').join(' | ')}); take it down (scripts/cluster.sh down) or pick another SEEDSWEEP_CLUSTER_ID`,
    );
    return 1;
  }
  const stamp = runStamp();
  // A fresh slice seed per run (and per sweep variant): new dataset fingerprint, so new trial keys.
  const sliceSeed = Math.floor(Date.now() / 1000);
  const session = await openTemporalSession();
  const out: string[] = [];
  let ok = true;
  try {
    const figures: Figures[] = [];
    let variant = 0;
    for (const trials of PARTS.includes('sweep') ? TRIAL_COUNTS : []) {
      const results: SweepResult[] = [];
      for (const tracking of TRACKING) {
        // A sweep that cannot be run or measured (a bench worker that does not start) leaves the
        // others' figures standing: it becomes a failed check with its reason.
        const r = await bigSweep(session, tracking, trials, stamp, sliceSeed + 1 + variant++).catch(
          (error: unknown): SweepResult => ({
            tracking,
            values: new Map([['result', 'not run: see below']]),
            ok: false,
            notes: [`${tracking}: ${error instanceof Error ? error.message : String(error)}`],
          }),
        );
        ok &&= r.ok;
        results.push(r);
        if (r.figures) figures.push(r.figures);
      }
      const labels = [...new Set(results.flatMap((r) => [...r.values.keys()]))];
      const header = [
        'measurement',
        ...results.map((r) => (r.tracking === 'mlflow' ? 'MLflow tracking' : 'no tracking (stand-in)')),
      ];
      out.push(
        `### ${trials}-trial no-op sweep on ${hosts.length} worker hosts (1 epoch), MLflow on ${readClusterConfig()?.store === 'postgres' ? 'PostgreSQL' : 'SQLite'}`,
        '',
        markdown(
          header,
          labels.map((label) => [label, ...results.map((r) => r.values.get(label) ?? '')]),
        ),
        '',
        ...results.flatMap((r) => r.notes),
        '',
      );
    }
    // The outer run prints the figures of every store together; run directly here, this run does.
    const figuresFile = flags['figures-file'];
    if (figuresFile) appendFileSync(figuresFile, figures.map((f) => `${JSON.stringify(f)}\n`).join(''));
    else if (figures.length > 0) out.push(figuresTable(figures), '');
    if (PARTS.includes('clients')) {
      const r = await concurrentClients(stamp, sliceSeed);
      ok &&= r.ok;
      out.push(
        `### ${CLIENTS * SWEEPS_PER_CLIENT} sweeps from ${CLIENTS} concurrent clients`,
        '',
        markdown(['measurement', 'value'], r.rows),
        '',
        ...r.notes,
        '',
      );
    }
  } finally {
    await session.close();
  }
  log(`\n${out.join('\n')}`);
  return ok ? 0 : 1;
}

const fail = (what: string) => (error: unknown) => {
  process.stderr.write(
    `${what}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  return 1;
};

if (flags['as-worker']) {
  process.exitCode = await workerProcess().catch(fail('bench:load worker'));
} else if (flags['as-client'] !== undefined) {
  process.exitCode = await clientProcess(Number(flags['as-client'])).catch(fail('bench:load client'));
} else {
  await runBench('bench:load', onLaptopHost() ? inner : outer);
}
