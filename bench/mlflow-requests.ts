/**
 * MLflow server CPU per request of a trial's write path (`npx tsx bench/mlflow-requests.ts`), and what
 * in a request's shape drives it: how many metrics, params and tags a `log-batch` carries, how many
 * tags a `create-run` carries, how long the `seedsweep.record` tag is.
 *
 *   npx tsx bench/mlflow-requests.ts [--requests 300] [--rounds 5] [--epochs 3] [--only create,batch] [--json out.json]
 *
 * Starts a fresh local MLflow (`src/services/mlflow-server.ts`: SQLite store, proxied artifacts, one
 * uvicorn worker) in a temporary folder. A real MlflowTracker logs one trial of the study's image
 * classifier shape (`--epochs` epochs of 6 metrics, logged at its end) through a recording proxy: the
 * bodies of its `runs/create`, `runs/log-batch` and `runs/update` are what every case below replays.
 * Each case sends `--requests` requests one after another, each to a run of its own made beforehand
 * (untimed) so that no request repeats rows (the trial's log-batch and update-run go to the runs its
 * create-run case made, in the trial's order); the server's CPU is read from /proc over its whole
 * process tree (bench/cluster/cpu.ts) before and after. /proc counts in 10 ms ticks: a round of 60
 * requests is good to ~0.2 ms per request. On a machine shared with other work the server's CPU time
 * per request grows with the load (caches, hyper-threads): compare cases of one run, not runs.
 *
 * Cases: the trial's own three requests; `PUT trial.json` (its record as the artifact: what the write
 * path sent before the record's tag became its only copy); `log-batch` split into its parts (metrics
 * only, params only, tags only, the record tag alone, everything but the record tag); `log-batch` of
 * 10 / 100 / 300 metrics, of 1 / 10 / 50 params, of 1 / 10 / 50 tags; `create-run` with no tags and
 * with 50. The idle server's CPU over the same time is printed too.
 *
 * Every round (`--rounds`) measures every case with `--requests`/rounds requests, so that a drift (the
 * machine's load, the store's growth) shows as a spread between rounds rather than as a difference
 * between cases; the table gives each case's median round and the range.
 *
 * Options: --requests N per case (default 300) · --rounds (default 5) · --epochs of the trial (default
 * 3; the image classifier's record passes the 8,000-character tag limit near 45) · --only a list of
 * case-name prefixes · --json a file for the figures.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { findFreePort } from '../src/services/local-server.js';
import { startMlflowServer } from '../src/services/mlflow-server.js';
import type { EpochMetrics, PlannedTrial, TrialResult } from '../src/core/domain/trial.js';
import { fromJson, toJson } from '../src/tracking/json-numbers.js';
import { MlflowClient } from '../src/tracking/mlflow-client.js';
import { MlflowTracker } from '../src/tracking/mlflow-tracker.js';
import { TAG } from '../src/tracking/run-data.js';
import { cpuSecondsOfTree } from './cluster/cpu.js';
import { FlagError, exitOnFlagError, parseFlags } from './cluster/flags.js';

const BENCH = 'bench/mlflow-requests';

interface Recorded {
  method: string;
  path: string;
  body: string;
}

type Json = Record<string, unknown>;
interface KeyValue {
  key: string;
  value: string;
}
interface Metric {
  key: string;
  value: number | string;
  timestamp: number;
  step: number;
}

interface TargetRun {
  runId: string;
  artifactRoot: string;
}

/** One case: how to make the request for run `i` (whose id and artifact path are given). */
interface Case {
  name: string;
  /** What the case's requests carry, for the table. */
  shape: string;
  /** The request for one run. */
  send: (run: TargetRun, i: number) => { method: string; path: string; body: string };
  /**
   * The runs the requests go to: made beforehand, untimed, with the trial's create-run tags (`trial`)
   * or none (`bare`); `made` for create-run cases (they make their own); `previous` for the runs the
   * case before wrote to (a trial's requests follow one another on the same runs).
   */
  runs: 'trial' | 'bare' | 'made' | 'previous';
}

interface Figure {
  case: string;
  shape: string;
  requests: number;
  /** Server CPU per request, ms (user + system over the server's process tree); the median of the rounds. */
  serverCpuMs: number;
  /** The lowest and highest round. */
  serverCpuRangeMs?: [number, number];
  /** Wall time per request as the client saw it, ms. */
  wallMs: number;
  /** Mean request body, bytes. */
  bodyBytes: number;
}

const API = '/api/2.0/mlflow';
const ARTIFACTS = '/api/2.0/mlflow-artifacts/artifacts';

async function main(): Promise<void> {
  const flags = parseFlags(BENCH, import.meta.filename, {
    requests: { type: 'string', default: '300' },
    epochs: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '5' },
    only: { type: 'string' },
    json: { type: 'string' },
  });
  const requests = positiveInteger('--requests', flags.requests);
  const epochs = positiveInteger('--epochs', flags.epochs);
  const rounds = positiveInteger('--rounds', flags.rounds);
  const only = flags.only?.split(',').filter(Boolean);

  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-mlflow-requests-'));
  const port = await findFreePort();
  const server = await startMlflowServer({
    port,
    dataDir,
    logFile: path.join(dataDir, 'server.log'),
    detached: false,
  });
  const uri = `http://127.0.0.1:${port}`;
  try {
    const trial = await recordTrial(uri, dataDir, epochs);
    const experimentId = (JSON.parse(trial.create.body) as { experiment_id: string }).experiment_id;
    process.stdout.write(
      `MLflow at ${uri}, server pid ${server.pid}; one trial of ${epochs} epochs sent ` +
        `${trial.all.map((r) => r.path.split('/').slice(-2).join('/')).join(', ')}\n`,
    );
    const all = casesOf(trial, experimentId);
    // A case on the previous case's runs needs that one too (walked backwards along the chain).
    const wanted = all.map((c) => !only || only.some((prefix) => c.name.startsWith(prefix)));
    for (let i = all.length - 2; i >= 0; i--)
      if (wanted[i + 1] && all[i + 1]!.runs === 'previous') wanted[i] = true;
    const cases = all.filter((_, i) => wanted[i]);
    const trialTags = (JSON.parse(trial.create.body) as { tags: KeyValue[] }).tags;
    // Warm-up: the first requests of a fresh server pay for imports and caches.
    await measure(uri, server.pid, all[0]!, 50, { experimentId, trialTags, previous: [] });
    const idle = await idleCpuMsPerSecond(server.pid);
    // Every round measures every case: a drift (the machine's load, the store's growth) shows as spread
    // between rounds instead of as a difference between cases.
    const perRound = Math.ceil(requests / rounds);
    const rows = new Map<string, Figure[]>();
    for (let round = 1; round <= rounds; round++) {
      let previous: TargetRun[] = [];
      for (const c of cases) {
        const { figure, runs } = await measure(uri, server.pid, c, perRound, {
          experimentId,
          trialTags,
          previous,
        });
        previous = runs;
        rows.set(c.name, [...(rows.get(c.name) ?? []), figure]);
      }
      process.stdout.write(`  round ${round}/${rounds} done (${perRound} requests per case)\n`);
    }
    const figures = cases.map((c) => summary(rows.get(c.name)!));
    printTable(figures, { requests: perRound * rounds, rounds, epochs, idle, recordInArtifact: !!trial.put });
    if (flags.json)
      writeFileSync(
        flags.json,
        JSON.stringify({ requests: perRound * rounds, rounds, epochs, idle, figures }, null, 2),
      );
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function positiveInteger(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    exitOnFlagError(BENCH, new FlagError(`${flag} wants a whole number ≥ 1, not ${value}`));
  return n;
}

// ---- one trial through a real tracker, recorded ---------------------------------------------------

interface RecordedTrial {
  all: Recorded[];
  create: Recorded;
  logBatch: Recorded;
  update: Recorded;
  /** Its `trial.json`, sent only when its record is too long for a tag. */
  put?: Recorded;
}

/** Logs one trial of the image classifier's shape through a recording proxy: its requests' bodies. */
async function recordTrial(uri: string, dataDir: string, epochs: number): Promise<RecordedTrial> {
  const recorded: Recorded[] = [];
  const proxy = await recordingProxy(uri, recorded);
  try {
    const tracker = new MlflowTracker({
      client: new MlflowClient({ trackingUri: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` }),
      outboxDir: path.join(dataDir, 'outbox'),
      warn: () => undefined,
    });
    const sweepId = 'bench-sweep';
    await tracker.startSweep({
      sweepId,
      sweepName: 'bench-mlflow-requests',
      datasetFingerprint: 'f'.repeat(64),
    });
    const from = recorded.length;
    const planned = plannedTrial(epochs);
    await tracker.startTrial(sweepId, planned, { [TAG.attempt]: '1' }, { firstStart: true });
    await tracker.finishTrial(sweepId, planned.trialKey, {
      status: 'FINISHED',
      result: trialResult(epochs),
      attempt: 1,
      trial: planned,
    });
    const all = recorded.slice(from);
    const find = (suffix: string) => {
      const found = all.find((r) => r.path.endsWith(suffix));
      if (!found) throw new Error(`the trial sent no ${suffix}: ${all.map((r) => r.path).join(', ')}`);
      return found;
    };
    return {
      all,
      ...(all.some((r) => r.method === 'PUT') ? { put: all.find((r) => r.method === 'PUT')! } : {}),
      create: find('runs/create'),
      logBatch: find('runs/log-batch'),
      update: find('runs/update'),
    };
  } finally {
    await new Promise((resolve) => proxy.close(resolve));
  }
}

/** An HTTP proxy to `target` that keeps each request's method, path and body. */
async function recordingProxy(target: string, into: Recorded[]): Promise<Server> {
  const to = new URL(target);
  const proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      into.push({
        method: req.method ?? 'GET',
        path: (req.url ?? '').split('?')[0]!,
        body: body.toString('utf8'),
      });
      const forward = httpRequest(
        { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => res.destroy());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return proxy;
}

function plannedTrial(epochs: number): PlannedTrial {
  return {
    trialKey: 'a'.repeat(64),
    groupKey: 'b'.repeat(64),
    groupLabel: 'model=cnn kernel_size=3',
    factors: { model: 'cnn', kernel_size: 3 },
    seed: 1,
    queue: 'cpu',
    config: {
      model: 'cnn',
      modelOptions: { kernelSize: 3, filters1: 32, filters2: 64, padding: 'valid', denseUnits: 128 },
      train: { epochs, batchSize: 64, optimizer: 'adam', learningRate: 0.001 },
      dataset: { name: 'mnist', trainSize: 60000, testSize: 10000, sliceSeed: 0 },
    },
  };
}

/** Metrics as the image classifier reports them: full-precision floats. */
function trialResult(epochs: number): TrialResult {
  const all: EpochMetrics[] = Array.from({ length: epochs }, (_, i) => ({
    epoch: i + 1,
    trainLoss: 2 / (i + 2) + Math.PI / 1e4,
    trainAccuracy: 1 - 1 / (i + 3) - Math.E / 1e5,
    testLoss: 2.2 / (i + 2) + Math.SQRT2 / 1e4,
    testAccuracy: 1 - 1.1 / (i + 3) - Math.LN2 / 1e5,
    epochSeconds: 12.345678901 + i / 7,
    imagesPerSecond: 4860.123456789 - i / 3,
  }));
  return {
    epochs: all,
    final: all[all.length - 1]!,
    modelStats: { totalParams: 225034, convParams: 18816, denseParams: 206218, flopsPerImage: 11370240 },
    backend: { name: 'tfjs-node', version: '4.22.0', tfVersion: '2.21.0', device: 'cpu' },
    resumedFromEpoch: 0,
  };
}

// ---- the cases ----------------------------------------------------------------------------------

function casesOf(trial: RecordedTrial, experimentId: string): Case[] {
  const create = JSON.parse(trial.create.body) as Json & { tags: KeyValue[] };
  const batch = JSON.parse(trial.logBatch.body) as {
    metrics: Metric[];
    params: KeyValue[];
    tags: KeyValue[];
  };
  const update = JSON.parse(trial.update.body) as Json;
  const record = batch.tags.find((t) => t.key === TAG.record)?.value ?? '';
  const otherTags = batch.tags.filter((t) => t.key !== TAG.record);
  const post = (endpoint: string, body: Json) => ({
    method: 'POST',
    path: `${API}/${endpoint}`,
    body: JSON.stringify(body),
  });
  const logBatch =
    (parts: Partial<typeof batch>): Case['send'] =>
    (run) =>
      post('runs/log-batch', { run_id: run.runId, metrics: [], params: [], tags: [], ...parts });
  const createRun =
    (tags: KeyValue[]): Case['send'] =>
    (_run, i) =>
      post('runs/create', {
        ...create,
        experiment_id: experimentId,
        run_name: `bench ${i}`,
        start_time: Date.now(),
        tags,
      });
  const keyValues = (n: number, prefix: string) =>
    Array.from({ length: n }, (_, i) => ({ key: `${prefix}.${i}`, value: `value of ${prefix} ${i}` }));
  const metrics = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      key: `metric_${i % 10}`,
      value: 1 / (i + 3),
      timestamp: 1_800_000_000_000,
      step: Math.floor(i / 10),
    }));
  const counts = `${batch.metrics.length} metrics, ${batch.params.length} params, ${batch.tags.length} tags`;
  const only = (keys: string[]) => (t: KeyValue) => keys.includes(t.key);
  const recordDuplicates = [
    TAG.backend,
    TAG.backendVersion,
    TAG.tfVersion,
    TAG.device,
    TAG.resumedFromEpoch,
    TAG.trainingPath,
  ] as string[];
  return [
    // A trial's own requests, in order, on the same runs.
    {
      name: 'create-run (trial)',
      shape: `${create.tags.length} tags`,
      send: createRun(create.tags),
      runs: 'made',
    },
    {
      name: 'log-batch (trial end)',
      shape: `${counts}; record tag ${record.length} chars`,
      send: logBatch(batch),
      runs: 'previous',
    },
    {
      name: 'update-run (trial end)',
      shape: 'status, end time',
      send: (run) => post('runs/update', { ...update, run_id: run.runId }),
      runs: 'previous',
    },
    {
      // Sent before the record's tag became its only copy; now only for a record too long for a tag.
      name: 'PUT trial.json (before)',
      shape: trial.put ? 'the record, indented (still sent: too long for a tag)' : 'the record, indented',
      send: (run) => ({
        method: 'PUT',
        path: `${ARTIFACTS}/${run.artifactRoot}/trial.json`,
        body: trial.put?.body ?? toJson(fromJson<unknown>(record), 2),
      }),
      runs: 'previous',
    },
    // Does the run's size matter (the server loads the run's tags, params and latest metrics)?
    {
      name: 'update-run on a bare run',
      shape: 'status, end time; run without tags',
      send: (run) => post('runs/update', { ...update, run_id: run.runId }),
      runs: 'bare',
    },
    {
      name: 'log-batch (trial end) on a bare run',
      shape: `${counts}; run without tags`,
      send: logBatch(batch),
      runs: 'bare',
    },
    // The trial's log-batch in parts.
    {
      name: 'batch: metrics only',
      shape: `${batch.metrics.length} metrics`,
      send: logBatch({ metrics: batch.metrics }),
      runs: 'trial',
    },
    {
      name: 'batch: params only',
      shape: `${batch.params.length} params`,
      send: logBatch({ params: batch.params }),
      runs: 'trial',
    },
    {
      name: 'batch: tags only',
      shape: `${batch.tags.length} tags`,
      send: logBatch({ tags: batch.tags }),
      runs: 'trial',
    },
    {
      name: 'batch: record tag only',
      shape: `1 tag of ${record.length} chars`,
      send: logBatch({ tags: batch.tags.filter(only([TAG.record])) }),
      runs: 'trial',
    },
    {
      name: 'batch: all but the record tag',
      shape: `${batch.metrics.length} metrics, ${batch.params.length} params, ${otherTags.length} tags`,
      send: logBatch({ ...batch, tags: otherTags }),
      runs: 'trial',
    },
    {
      name: 'batch: no tags the record repeats',
      shape: `${batch.metrics.length} metrics, ${batch.params.length} params, ${batch.tags.filter((t) => !recordDuplicates.includes(t.key)).length} tags`,
      send: logBatch({ ...batch, tags: batch.tags.filter((t) => !recordDuplicates.includes(t.key)) }),
      runs: 'trial',
    },
    // The end's tags sent with the create instead (possible only when a trial's start and end go out
    // together): what the create gains and the log-batch saves.
    {
      name: 'create-run: trial + end tags',
      shape: `${create.tags.length + batch.tags.length} tags`,
      send: createRun([...create.tags, ...batch.tags]),
      runs: 'made',
    },
    {
      name: 'batch: metrics and params',
      shape: `${batch.metrics.length} metrics, ${batch.params.length} params`,
      send: logBatch({ metrics: batch.metrics, params: batch.params }),
      runs: 'trial',
    },
    // How each kind of item scales.
    ...[10, 100, 300].map((n): Case => ({
      name: `batch: ${n} metrics`,
      shape: `${n} metrics (10 keys)`,
      send: logBatch({ metrics: metrics(n) }),
      runs: 'trial',
    })),
    ...[1, 10, 50].map((n): Case => ({
      name: `batch: ${n} params`,
      shape: `${n} params`,
      send: logBatch({ params: keyValues(n, 'param') }),
      runs: 'trial',
    })),
    ...[1, 10, 50].map((n): Case => ({
      name: `batch: ${n} tags`,
      shape: `${n} short tags`,
      send: logBatch({ tags: keyValues(n, 'tag') }),
      runs: 'trial',
    })),
    { name: 'create-run: no tags', shape: '0 tags', send: createRun([]), runs: 'made' },
    {
      name: 'create-run: 50 tags',
      shape: '50 short tags',
      send: createRun(keyValues(50, 'tag')),
      runs: 'made',
    },
  ];
}

// ---- measuring ----------------------------------------------------------------------------------

async function send(uri: string, r: { method: string; path: string; body: string }): Promise<Json> {
  const res = await fetch(`${uri}${r.path}`, {
    method: r.method,
    headers: { 'content-type': r.method === 'PUT' ? 'application/octet-stream' : 'application/json' },
    body: r.body,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${r.method} ${r.path}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return text.startsWith('{') ? (JSON.parse(text) as Json) : {};
}

/** The run a `runs/create` answer describes. */
function targetOf(answer: Json): TargetRun {
  const info = (answer as { run: { info: { run_id: string; artifact_uri: string } } }).run.info;
  return { runId: info.run_id, artifactRoot: info.artifact_uri.replace(/^mlflow-artifacts:\//, '') };
}

/** Runs to write to, made (untimed) with the given tags. */
async function makeRuns(
  uri: string,
  experimentId: string,
  n: number,
  tags: KeyValue[],
): Promise<TargetRun[]> {
  const runs: TargetRun[] = [];
  for (let i = 0; i < n; i++) {
    const answer = await send(uri, {
      method: 'POST',
      path: `${API}/runs/create`,
      body: JSON.stringify({
        experiment_id: experimentId,
        run_name: `target ${i}`,
        start_time: Date.now(),
        tags,
      }),
    });
    runs.push(targetOf(answer));
  }
  return runs;
}

async function measure(
  uri: string,
  pid: number,
  c: Case,
  n: number,
  context: { experimentId: string; trialTags: KeyValue[]; previous: TargetRun[] },
): Promise<{ figure: Figure; runs: TargetRun[] }> {
  let runs: TargetRun[];
  if (c.runs === 'made') runs = Array.from({ length: n }, () => ({ runId: '', artifactRoot: '' }));
  else if (c.runs === 'previous' && context.previous.length >= n) runs = context.previous.slice(0, n);
  else runs = await makeRuns(uri, context.experimentId, n, c.runs === 'bare' ? [] : context.trialTags);
  const bodies = runs.map((run, i) => c.send(run, i));
  // Let the untimed set-up's work settle before the first reading.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const cpuBefore = cpuSecondsOfTree(pid);
  const started = performance.now();
  const answers: Json[] = [];
  for (const body of bodies) answers.push(await send(uri, body));
  const wall = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 100));
  const cpu = cpuSecondsOfTree(pid) - cpuBefore;
  return {
    figure: {
      case: c.name,
      shape: c.shape,
      requests: n,
      serverCpuMs: (cpu * 1000) / n,
      wallMs: wall / n,
      bodyBytes: Math.round(bodies.reduce((sum, b) => sum + Buffer.byteLength(b.body), 0) / n),
    },
    runs: c.runs === 'made' ? answers.map(targetOf) : runs,
  };
}

/** The idle server's CPU, ms per second (over 3 s). */
async function idleCpuMsPerSecond(pid: number): Promise<number> {
  const before = cpuSecondsOfTree(pid);
  await new Promise((resolve) => setTimeout(resolve, 3000));
  return ((cpuSecondsOfTree(pid) - before) * 1000) / 3;
}

/** One figure of a case's rounds: medians, and the CPU's range over the rounds. */
function summary(rounds: Figure[]): Figure {
  const cpu = rounds.map((f) => f.serverCpuMs);
  return {
    case: rounds[0]!.case,
    shape: rounds[0]!.shape,
    requests: rounds.reduce((sum, f) => sum + f.requests, 0),
    serverCpuMs: median(cpu),
    serverCpuRangeMs: [Math.min(...cpu), Math.max(...cpu)],
    wallMs: median(rounds.map((f) => f.wallMs)),
    bodyBytes: rounds[0]!.bodyBytes,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function printTable(
  figures: Figure[],
  context: { requests: number; rounds: number; epochs: number; idle: number; recordInArtifact: boolean },
): void {
  const row = (cells: string[]) => `| ${cells.join(' | ')} |\n`;
  let out =
    `\nMLflow server CPU per request (${context.requests} requests per case in ${context.rounds} rounds: median ` +
    `[lowest–highest round]; trial of ${context.epochs} epochs; idle server ${context.idle.toFixed(2)} ms CPU/s)\n\n`;
  out += row(['case', 'shape', 'server CPU ms / request', 'wall ms / request', 'body bytes']);
  out += row(['---', '---', '---:', '---:', '---:']);
  for (const f of figures) {
    const range = f.serverCpuRangeMs ? ` [${f.serverCpuRangeMs.map((v) => v.toFixed(1)).join('–')}]` : '';
    out += row([
      f.case,
      f.shape,
      `${f.serverCpuMs.toFixed(2)}${range}`,
      f.wallMs.toFixed(1),
      String(f.bodyBytes),
    ]);
  }
  const of = (name: string) => figures.find((f) => f.case === name)?.serverCpuMs;
  const [create, batch, update, put] = [
    'create-run (trial)',
    'log-batch (trial end)',
    'update-run (trial end)',
    'PUT trial.json (before)',
  ].map(of);
  if (create !== undefined && batch !== undefined && update !== undefined) {
    const three = create + batch + update;
    if (context.recordInArtifact && put !== undefined)
      out += `\nper trial (its record too long for a tag): create + log-batch + PUT trial.json + update = ${(three + put).toFixed(2)} ms\n`;
    else {
      out += `\nper trial: create + log-batch + update = ${three.toFixed(2)} ms`;
      if (put !== undefined) out += `; with PUT trial.json (before) ${(three + put).toFixed(2)} ms`;
      out += '\n';
    }
  }
  process.stdout.write(out);
}

await main();
