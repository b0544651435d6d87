/**
 * Peer benchmark (`npm run bench:peer`): seedsweep against Keras on TensorFlow-CPU, on this machine,
 * in one run. The same work everywhere: the study's FC, CNN 3×3 and CNN 5×5, batch 64, Adam 1e-3,
 * the same number of training images, the same epochs; the figure is the last epoch's training
 * images/s (the first epochs warm up kernels and allocators).
 *
 *   npm run bench:peer -- [--images 2048] [--epochs 3] [--models fc,cnn3,cnn5] [--json rows.json]
 *
 * Rows, each configuration in its own child process with its own environment (TF.js backends are
 * per process and thread):
 *   - Keras-TF-CPU at 1 and 2 threads (scripts/peer_keras.py in .venv; random images).
 *   - seedsweep native (`SEEDSWEEP_BACKEND=tensorflow`, one TensorFlow graph run per batch): one trial
 *     with `SEEDSWEEP_TF_THREADS` 1 and 2, trained in the child's main thread as `trainTrial` does;
 *     then two trials at once (seeds 0 and 1) through a two-thread `TrialPool`, the way a worker runs
 *     them (the pool gives each trial's session cores ÷ pool threads threads); aggregate = the sum
 *     of the two trials' last-epoch images/s.
 *   - seedsweep wasm: one trial, and two at once through the pool.
 * seedsweep trains on the built-in synthetic dataset generated at the same size (`--images` training
 * images, `--test-size` test images, evaluated after every epoch but not counted in images/s).
 *
 * Every seedsweep row is compared with Keras at its best thread setting for that model. Sweep
 * throughput: two trials at once against Keras training the same two trials one after the other at
 * its best setting, i.e. aggregate images/s ÷ Keras' best images/s (target ≥ 1.2).
 *
 * If `.venv/bin/python` cannot `import tensorflow, keras`, the pinned versions of
 * scripts/peer-requirements.txt are installed into .venv with pip first (the commands are printed).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { DatasetSpec } from '../src/datasets/types.js';
import type { BackendInfo, EpochMetrics, Trial, TrialResult } from '../src/training/runner/types.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SELF = fileURLToPath(import.meta.url);
const PYTHON = path.join(ROOT, '.venv', 'bin', 'python');
const KERAS_SCRIPT = path.join(ROOT, 'scripts', 'peer_keras.py');
const REQUIREMENTS = path.join(ROOT, 'scripts', 'peer-requirements.txt');
const SWEEP_TARGET = 1.2;

/** The study's models: peer_keras.py names and seedsweep configs. */
const MODELS: Record<string, { label: string; modelOptions: Record<string, number | string> }> = {
  fc: { label: 'FC', modelOptions: { model: 'fc' } },
  cnn3: { label: 'CNN 3×3', modelOptions: { model: 'cnn', kernel_size: 3 } },
  cnn5: { label: 'CNN 5×5', modelOptions: { model: 'cnn', kernel_size: 5 } },
};

/** What a child process trains: every model in turn, `trials` seeds at once. */
interface SeedsweepJob {
  backend: 'tensorflow' | 'wasm';
  /** 1: `trainTrial` in the child's main thread; more: that many trials at once in a TrialPool. */
  trials: number;
  /** `SEEDSWEEP_TF_THREADS` of the child (single trials; the pool sets its threads' own). */
  tfThreads?: number;
  images: number;
  testSize: number;
  epochs: number;
  models: string[];
}

/** One line a child prints per model. */
interface JobLine {
  model: string;
  backend: BackendInfo;
  /** Last-epoch images/s of each trial. */
  perTrial: number[];
  /** Threads of each trial's TensorFlow session (native backend). */
  tfThreads: number;
  /** Why the native backend trained op by op instead of as one graph run per batch, if it did. */
  graphFallback?: string;
  /** Trials at once: see {@link Row.windowImagesPerSecond}. */
  windowImagesPerSecond?: number;
}

interface Row {
  configuration: string;
  runner: 'keras' | 'seedsweep';
  backend: string;
  trials: number;
  threadsPerTrial: number;
  model: string;
  /** Last epoch's images/s, summed over the trials running at once. */
  imagesPerSecond: number;
  perTrial: number[];
  /**
   * Trials at once, a check on the sum of rates (which overstates when the last epochs do not fully
   * overlap): all trials' last-epoch images over the wall time from the first trial finishing its
   * second-to-last epoch to the last one finishing its last (test-set evaluation included: a bit low).
   */
  windowImagesPerSecond?: number;
  /** imagesPerSecond ÷ Keras' best for this model. */
  ratioToKerasBest?: number;
}

function trialFor(name: string, seed: number, job: SeedsweepJob): Trial {
  const variant = MODELS[name];
  if (!variant) throw new Error(`unknown model ${name}; use ${Object.keys(MODELS).join(', ')}`);
  const dataset: DatasetSpec = { name: 'synthetic', trainSize: job.images, testSize: job.testSize };
  return {
    seed,
    config: {
      model: 'image-classifier',
      modelOptions: variant.modelOptions,
      train: { epochs: job.epochs, batchSize: 64, optimizer: 'adam', learningRate: 1e-3 },
      dataset,
    },
  };
}

function lastRate(result: TrialResult<EpochMetrics>): number {
  return result.final['imagesPerSecond'] ?? Number.NaN;
}

/** Child process: trains the job and prints one {@link JobLine} per model on stdout. */
async function runJob(job: SeedsweepJob): Promise<void> {
  const print = (line: JobLine) => process.stdout.write(`${JSON.stringify(line)}\n`);
  if (job.trials === 1) {
    const { initBackend } = await import('../src/training/backends/backend.js');
    const { loadDataset } = await import('../src/datasets/plugins.js');
    const { trainTrial } = await import('../src/execution/trainer.js');
    const { sessionThreads } = await import('../src/training/graph/session-config.js');
    const backend = await initBackend({ backend: job.backend, strict: true });
    for (const name of job.models) {
      const trial = trialFor(name, 0, job);
      const dataset = await loadDataset(trial.config.dataset);
      const result = await trainTrial({
        trial,
        dataset: dataset.value,
        datasetFingerprint: dataset.fingerprint,
      });
      print({
        model: name,
        backend,
        perTrial: [lastRate(result)],
        tfThreads: sessionThreads().intraOpThreads,
        // The fit loop says how it trained: op by op on the native backend is a fallback to report.
        ...(job.backend === 'tensorflow' && result.trainingPath !== 'graph'
          ? { graphFallback: `trained on the ${result.trainingPath ?? 'unknown'} path` }
          : {}),
      });
    }
    return;
  }
  const { TrialPool } = await import('../src/execution/pool.js');
  const pool = await TrialPool.create({ threads: job.trials, backend: job.backend });
  try {
    for (const name of job.models) {
      const trials = Array.from({ length: job.trials }, (_, seed) => trialFor(name, seed, job));
      // Per trial: when its second-to-last epoch ended (the run's start for one epoch), when its last did.
      const started = performance.now();
      const ends = trials.map(() => ({ previous: started, last: started }));
      const results = await Promise.all(
        trials.map((trial, i) =>
          pool.run(
            { trial },
            {
              onEpoch: (m) => {
                const now = performance.now();
                if (m.epoch === job.epochs - 1) ends[i]!.previous = now;
                if (m.epoch === job.epochs) ends[i]!.last = now;
              },
            },
          ),
        ),
      );
      const windowSeconds =
        (Math.max(...ends.map((e) => e.last)) - Math.min(...ends.map((e) => e.previous))) / 1000;
      print({
        model: name,
        backend: results[0]!.backend,
        perTrial: results.map(lastRate),
        tfThreads: pool.tfThreads,
        windowImagesPerSecond: (job.trials * job.images) / windowSeconds,
      });
    }
  } finally {
    await pool.destroy();
  }
}

/** Runs a command, calling `onLine` for every stdout line as it arrives; stderr is shown only on failure. */
function runLines(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  onLine: (line: string) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let pending = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    let failure: unknown;
    const take = (line: string) => {
      if (line === '' || failure !== undefined) return;
      try {
        onLine(line);
      } catch (error) {
        failure = error;
        child.kill();
      }
    };
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        take(line);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      take(pending.trim());
      if (failure !== undefined) reject(failure instanceof Error ? failure : new Error(String(failure)));
      else if (code === 0) resolve();
      else
        reject(
          new Error(
            `${path.basename(command)} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${stderr.trim()}`,
          ),
        );
    });
  });
}

/** `import tensorflow, keras` in .venv, installing the pinned requirements first if it fails. */
function ensureKeras(): void {
  const check = () =>
    existsSync(PYTHON) &&
    spawnSync(PYTHON, ['-c', 'import tensorflow, keras'], {
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
      stdio: 'ignore',
    }).status === 0;
  if (check()) return;
  const run = (command: string, args: string[]) => {
    process.stderr.write(`bench:peer: ${[command, ...args].join(' ')}\n`);
    // pip's output goes to stderr too: stdout carries only the table.
    const result = spawnSync(command, args, { cwd: ROOT, stdio: ['ignore', process.stderr, process.stderr] });
    if (result.status !== 0) throw new Error(`bench:peer: '${[command, ...args].join(' ')}' failed`);
  };
  process.stderr.write(
    `bench:peer: ${PYTHON} cannot import tensorflow and keras; installing ${path.relative(ROOT, REQUIREMENTS)}\n`,
  );
  if (!existsSync(PYTHON)) run('python3', ['-m', 'venv', path.join(ROOT, '.venv')]);
  run(PYTHON, ['-m', 'pip', 'install', '-r', REQUIREMENTS]);
  if (!check()) throw new Error(`bench:peer: ${PYTHON} still cannot import tensorflow and keras`);
}

function cpuModel(): string {
  try {
    const name = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1];
    if (name) return name.trim();
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

function packageVersion(name: string): string {
  try {
    const manifest = path.join(ROOT, 'node_modules', ...name.split('/'), 'package.json');
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

function formatTable(header: string[], body: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

async function main(values: {
  images: string;
  epochs: string;
  models: string;
  'test-size': string;
  json?: string;
}) {
  const images = Number(values.images);
  const epochs = Number(values.epochs);
  const testSize = Number(values['test-size']);
  for (const [flag, n] of [
    ['--images', images],
    ['--epochs', epochs],
    ['--test-size', testSize],
  ] as const) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be an integer ≥ 1`);
  }
  const models = values.models.split(',').map((m) => m.trim());
  for (const m of models)
    if (!MODELS[m]) throw new Error(`unknown model ${m}; use ${Object.keys(MODELS).join(', ')}`);
  const started = Date.now();
  const loadAtStart = os.loadavg()[0]!;
  ensureKeras();

  const rows: Row[] = [];
  let tfVersion: string | undefined;
  let kerasVersion: string | undefined;
  let nativeTfVersion: string | undefined;
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
  const progress = (row: Row) =>
    process.stderr.write(
      `  [${elapsed()}] ${row.configuration}, ${MODELS[row.model]!.label}: ${row.imagesPerSecond.toFixed(0)} images/s` +
        (row.trials > 1
          ? ` (${row.perTrial.map((r) => r.toFixed(0)).join(' + ')}; last-epoch window ${row.windowImagesPerSecond?.toFixed(0)})`
          : '') +
        '\n',
    );

  // Keras-TF-CPU, 1 and 2 threads.
  for (const threads of [1, 2]) {
    const configuration = `Keras-TF-CPU, 1 trial × ${threads} thread${threads > 1 ? 's' : ''}`;
    process.stderr.write(`bench:peer: ${configuration}\n`);
    const args = [KERAS_SCRIPT, '--threads', String(threads), '--images', String(images)];
    args.push('--epochs', String(epochs), '--models', models.join(','));
    await runLines(PYTHON, args, { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' }, (line) => {
      const r = JSON.parse(line) as {
        model: string;
        imagesPerSecond: number;
        tensorflow: string;
        keras: string;
      };
      tfVersion = r.tensorflow;
      kerasVersion = r.keras;
      const row: Row = {
        configuration,
        runner: 'keras',
        backend: 'keras-tf-cpu',
        trials: 1,
        threadsPerTrial: threads,
        model: r.model,
        imagesPerSecond: r.imagesPerSecond,
        perTrial: [r.imagesPerSecond],
      };
      rows.push(row);
      progress(row);
    });
  }

  // seedsweep, one child process per configuration.
  const common = { images, testSize, epochs, models };
  const threadsLabel = (t: number) => `${t} thread${t > 1 ? 's' : ''}`;
  const jobs: { title: string; name: (tfThreads: number) => string; job: SeedsweepJob }[] = [
    ...[1, 2].map((t) => ({
      title: `seedsweep native (graph), 1 trial × ${threadsLabel(t)}`,
      name: () => `seedsweep native (graph), 1 trial × ${threadsLabel(t)}`,
      job: { backend: 'tensorflow' as const, trials: 1, tfThreads: t, ...common },
    })),
    {
      title: 'seedsweep native (graph), 2 trials at once (TrialPool)',
      // The pool sizes each trial's session: cores ÷ pool threads (1 on a 2-core machine).
      name: (t) => `seedsweep native (graph), 2 trials at once × ${threadsLabel(t)}`,
      job: { backend: 'tensorflow', trials: 2, ...common },
    },
    {
      title: 'seedsweep wasm, 1 trial',
      name: () => 'seedsweep wasm, 1 trial × 1 thread',
      job: { backend: 'wasm', trials: 1, ...common },
    },
    {
      title: 'seedsweep wasm, 2 trials at once (TrialPool)',
      name: () => 'seedsweep wasm, 2 trials at once × 1 thread',
      job: { backend: 'wasm', trials: 2, ...common },
    },
  ];
  for (const { title, name, job } of jobs) {
    process.stderr.write(`bench:peer: ${title}\n`);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      SEEDSWEEP_BACKEND: job.backend,
      TF_CPP_MIN_LOG_LEVEL: '2',
    };
    delete env['SEEDSWEEP_GRAPH']; // native rows train as one graph run per batch
    delete env['SEEDSWEEP_TF_THREADS'];
    if (job.tfThreads !== undefined) env['SEEDSWEEP_TF_THREADS'] = String(job.tfThreads);
    const args = [...process.execArgv, SELF, '--job', JSON.stringify(job)];
    await runLines(process.execPath, args, env, (line) => {
      const r = JSON.parse(line) as JobLine;
      if (r.graphFallback !== undefined)
        throw new Error(`bench:peer: ${r.model} trained op by op on the native backend: ${r.graphFallback}`);
      if (r.backend.name === 'tensorflow') nativeTfVersion = r.backend.tfVersion;
      const row: Row = {
        configuration: name(r.tfThreads),
        runner: 'seedsweep',
        backend: r.backend.name,
        trials: job.trials,
        threadsPerTrial: job.backend === 'wasm' ? 1 : r.tfThreads,
        model: r.model,
        imagesPerSecond: r.perTrial.reduce((s, x) => s + x, 0),
        perTrial: r.perTrial,
        ...(r.windowImagesPerSecond !== undefined ? { windowImagesPerSecond: r.windowImagesPerSecond } : {}),
      };
      rows.push(row);
      progress(row);
    });
  }

  // Ratios to Keras at its best thread setting, per model.
  const kerasBest = new Map<string, Row>();
  for (const r of rows) {
    const best = kerasBest.get(r.model);
    if (r.runner === 'keras' && (!best || r.imagesPerSecond > best.imagesPerSecond))
      kerasBest.set(r.model, r);
  }
  for (const r of rows) r.ratioToKerasBest = r.imagesPerSecond / kerasBest.get(r.model)!.imagesPerSecond;
  const sweep = models.map((model) => {
    const keras = kerasBest.get(model)!;
    const pair = rows.find((r) => r.model === model && r.backend === 'tensorflow' && r.trials === 2)!;
    const ratio = pair.imagesPerSecond / keras.imagesPerSecond;
    return {
      model,
      kerasBestThreads: keras.threadsPerTrial,
      kerasImagesPerSecond: keras.imagesPerSecond,
      seedsweepTwoAtOnceImagesPerSecond: pair.imagesPerSecond,
      ratio,
      windowImagesPerSecond: pair.windowImagesPerSecond ?? Number.NaN,
      windowRatio: (pair.windowImagesPerSecond ?? Number.NaN) / keras.imagesPerSecond,
      target: SWEEP_TARGET,
      meetsTarget: ratio >= SWEEP_TARGET,
    };
  });

  const machine = {
    cpu: cpuModel(),
    cores: os.availableParallelism(),
    node: process.version,
    tensorflowPython: tfVersion ?? 'unknown',
    keras: kerasVersion ?? 'unknown',
    tensorflowNative: nativeTfVersion ?? 'unknown',
    tfjsNode: packageVersion('@tensorflow/tfjs-node'),
    tfjsBackendWasm: packageVersion('@tensorflow/tfjs-backend-wasm'),
    loadAverageAtStart: loadAtStart,
    loadAverageAtEnd: os.loadavg()[0]!,
  };
  const settings = { images, testSize, epochs, batchSize: 64, optimizer: 'adam', learningRate: 1e-3, models };

  console.log(`Machine: ${machine.cpu}, ${machine.cores} cores; Node ${machine.node}`);
  console.log(
    `TensorFlow ${machine.tensorflowPython} + Keras ${machine.keras} (PyPI, .venv); seedsweep native: TensorFlow ${machine.tensorflowNative} via @tensorflow/tfjs-node ${machine.tfjsNode}; wasm: @tensorflow/tfjs-backend-wasm ${machine.tfjsBackendWasm}`,
  );
  console.log(
    `Load average (1 min): ${machine.loadAverageAtStart.toFixed(2)} at start, ${machine.loadAverageAtEnd.toFixed(2)} at end (other processes share these cores if it exceeds the bench's own threads)`,
  );
  console.log(
    `\nWork: ${images} training images (seedsweep: synthetic dataset, ${testSize} test images evaluated per epoch, not timed; Keras: random), batch 64, Adam 1e-3; figure = last of ${epochs} epochs' training images/s; trials at once: sum of their rates. ×Keras = ÷ Keras at its best thread setting for the model.\n`,
  );
  const configurations = [...new Set(rows.map((r) => r.configuration))];
  const header = ['configuration', ...models.flatMap((m) => [`${MODELS[m]!.label} img/s`, '×Keras'])];
  const body = configurations.map((c) => [
    c,
    ...models.flatMap((m) => {
      const r = rows.find((x) => x.configuration === c && x.model === m);
      return r ? [r.imagesPerSecond.toFixed(0), r.ratioToKerasBest!.toFixed(2)] : ['—', '—'];
    }),
  ]);
  console.log(formatTable(header, body));
  console.log(
    `\nSweep throughput: seedsweep native, 2 trials at once vs Keras training the same 2 trials one after the other at its best setting (target ≥ ${SWEEP_TARGET})\n`,
  );
  console.log(
    formatTable(
      [
        'model',
        'Keras best (threads)',
        'seedsweep 2 at once',
        'ratio',
        'target',
        'window img/s',
        'window ratio',
      ],
      sweep.map((s) => [
        MODELS[s.model]!.label,
        `${s.kerasImagesPerSecond.toFixed(0)} (${s.kerasBestThreads})`,
        s.seedsweepTwoAtOnceImagesPerSecond.toFixed(0),
        s.ratio.toFixed(2),
        s.meetsTarget ? 'met' : 'NOT met',
        s.windowImagesPerSecond.toFixed(0),
        s.windowRatio.toFixed(2),
      ]),
    ),
  );
  console.log(
    `\nseedsweep 2 at once = sum of the two trials' last-epoch rates. Window = a check on it: both trials' last-epoch images over the wall time from the first to finish its second-to-last epoch to the last to finish its last (includes one test-set evaluation: slightly low).`,
  );
  console.log(`\nWall time ${elapsed()}.`);
  if (values.json) {
    writeFileSync(values.json, `${JSON.stringify({ machine, settings, rows, sweep }, null, 2)}\n`);
    process.stderr.write(`bench:peer: rows written to ${values.json}\n`);
  }
}

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '2048' },
    epochs: { type: 'string', default: '3' },
    models: { type: 'string', default: 'fc,cnn3,cnn5' },
    'test-size': { type: 'string', default: '256' },
    json: { type: 'string' },
    /** Internal: run one seedsweep configuration (a JSON {@link SeedsweepJob}) in this child process. */
    job: { type: 'string' },
  },
});
if (values.job !== undefined) await runJob(JSON.parse(values.job) as SeedsweepJob);
else await main(values);
