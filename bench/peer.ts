/**
 * Peer benchmark (`npm run bench:peer`): seedsweep against Keras on TensorFlow-CPU, on this machine,
 * in one run. The same work everywhere: batch 64, Adam 1e-3, the same number of training images, the
 * same epochs; the figure is the last epoch's training images/s (the first epochs warm up kernels and
 * allocators). Models:
 *   - the study's built-in classifier: `fc`, `cnn3` (CNN 3×3), `cnn5` (CNN 5×5);
 *   - user code (bench/peer-models.ts, `defineModelTrainable` from the package API, loaded by module
 *     reference like any user trainable): `cnn3-user` (the same layers as `cnn3`), `resnet-user` (a
 *     small ResNet: Conv-BN-ReLU, Add, global average pooling), `sepcnn-user` (separable convolutions).
 * Each has a Keras twin of the same layers in scripts/peer_keras.py; the table shows both sides'
 * parameter counts. User models run on the native backend only (the question is the compiled graph).
 *
 *   npm run bench:peer -- [--images 2048] [--epochs 3] [--models fc,cnn3,cnn5,cnn3-user,resnet-user,sepcnn-user]
 *                         [--test-size 256] [--repeat 1] [--json rows.json]
 *
 * `--repeat N` trains every model N times in each configuration, the models interleaved (all once,
 * then all again…), and reports the median: on a machine shared with other work, one sample of a
 * model can land in a busy moment its neighbour missed. Ratios between two models of one
 * configuration are then also given per repetition (min–max), each pair trained seconds apart.
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
 * its best setting, i.e. aggregate images/s ÷ Keras' best images/s (target ≥ 1.2). User models:
 * each native row ÷ its Keras twin at its best setting (target ≥ 1.0), and `cnn3-user` ÷ the built-in
 * `cnn3` of the same configuration in the same run (target 0.95–1.05).
 * Every native row must have trained on the compiled TensorFlow graph (the fit loop's `trainingPath`);
 * if one trained op by op the bench stops with the reason the model compiler gave.
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
const PEER_MODELS = path.join(ROOT, 'bench', 'peer-models.ts');
const SWEEP_TARGET = 1.2;
/** A user model ÷ its Keras twin at its best thread setting. */
const USER_KERAS_TARGET = 1.0;
/** `cnn3-user` ÷ the built-in `cnn3`: user code on the same path as the built-in. */
const USER_BUILTIN_TARGET = [0.95, 1.05] as const;

/** A model of the bench: its peer_keras.py name is the key. */
interface PeerModel {
  label: string;
  /** The built-in classifier's parameters. */
  modelOptions?: Record<string, number | string>;
  /** The export of bench/peer-models.ts (a user trainable). */
  user?: string;
  /** The built-in model a user model is the twin of. */
  twinOf?: string;
}

const MODELS: Record<string, PeerModel> = {
  fc: { label: 'FC', modelOptions: { model: 'fc' } },
  cnn3: { label: 'CNN 3×3', modelOptions: { model: 'cnn', kernel_size: 3 } },
  cnn5: { label: 'CNN 5×5', modelOptions: { model: 'cnn', kernel_size: 5 } },
  'cnn3-user': { label: 'CNN 3×3 user', user: 'cnn3User', twinOf: 'cnn3' },
  'resnet-user': { label: 'ResNet user', user: 'resnetUser' },
  'sepcnn-user': { label: 'SepCNN user', user: 'sepcnnUser' },
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
  /** Times every model is trained, interleaved. */
  repeat: number;
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
  /** Every weight of the model (trainable and not, as Keras' `count_params`). */
  params?: number;
}

/** One repetition's figures of a row. */
interface Sample {
  /** Last epoch's images/s, summed over the trials running at once. */
  imagesPerSecond: number;
  perTrial: number[];
  /**
   * Trials at once, a check on the sum of rates (which overstates when the last epochs do not fully
   * overlap): all trials' last-epoch images over the wall time from the first trial finishing its
   * second-to-last epoch to the last one finishing its last (test-set evaluation included: a bit low).
   */
  windowImagesPerSecond?: number;
}

/** A model in a configuration: its figures are the medians of its samples (one per `--repeat`). */
interface Row extends Sample {
  configuration: string;
  runner: 'keras' | 'seedsweep';
  backend: string;
  trials: number;
  threadsPerTrial: number;
  model: string;
  /** Every repetition, in the order they ran. */
  samples: Sample[];
  /** imagesPerSecond ÷ Keras' best for this model. */
  ratioToKerasBest?: number;
  /** Every weight of the model as this runner built it. */
  params?: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Adds a repetition to its row (created by the first), whose figures become the samples' medians. */
function addSample(rows: Row[], identity: Omit<Row, keyof Sample | 'samples'>, sample: Sample): void {
  let row = rows.find((r) => r.configuration === identity.configuration && r.model === identity.model);
  if (!row) {
    row = { ...identity, samples: [], imagesPerSecond: Number.NaN, perTrial: [] };
    rows.push(row);
  }
  const samples = [...row.samples, sample];
  const windows = samples.flatMap((s) =>
    s.windowImagesPerSecond === undefined ? [] : [s.windowImagesPerSecond],
  );
  Object.assign(row, {
    samples,
    imagesPerSecond: median(samples.map((s) => s.imagesPerSecond)),
    perTrial: sample.perTrial.map((_, i) => median(samples.map((s) => s.perTrial[i]!))),
    ...(windows.length > 0 ? { windowImagesPerSecond: median(windows) } : {}),
  });
}

function trialFor(name: string, seed: number, job: SeedsweepJob): Trial {
  const variant = MODELS[name];
  if (!variant) throw new Error(`unknown model ${name}; use ${Object.keys(MODELS).join(', ')}`);
  const dataset: DatasetSpec = { name: 'synthetic', trainSize: job.images, testSize: job.testSize };
  if (variant.user) {
    // As `runTrial` and a spec name a user trainable: by module and export.
    return {
      seed,
      config: {
        model: variant.user,
        modelOptions: { lr: 1e-3, batch_size: 64 },
        train: { epochs: job.epochs },
        dataset,
        trainable: { module: PEER_MODELS, export: variant.user },
      },
    };
  }
  return {
    seed,
    config: {
      model: 'image-classifier',
      modelOptions: variant.modelOptions!,
      train: { epochs: job.epochs, batchSize: 64, optimizer: 'adam', learningRate: 1e-3 },
      dataset,
    },
  };
}

function lastRate(result: TrialResult<EpochMetrics>): number {
  return result.final['imagesPerSecond'] ?? Number.NaN;
}

/** Every weight of the trained model, as Keras' `count_params` counts them. */
function paramsOf(result: TrialResult<EpochMetrics>): number | undefined {
  const stats = result.modelStats;
  return stats ? stats.totalParams + (stats.nonTrainableParams ?? 0) : undefined;
}

/** What a native trial that trained op by op reports (the bench refuses such rows). */
function graphFallbackOf(backend: string, result: TrialResult<EpochMetrics>): string | undefined {
  return backend === 'tensorflow' && result.trainingPath !== 'graph'
    ? `trained on the ${result.trainingPath ?? 'unknown'} path`
    : undefined;
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
    for (const name of Array.from({ length: job.repeat }, () => job.models).flat()) {
      const trial = trialFor(name, 0, job);
      const dataset = await loadDataset(trial.config.dataset);
      const result = await trainTrial({
        trial,
        dataset: dataset.value,
        datasetFingerprint: dataset.fingerprint,
      });
      const fallback = graphFallbackOf(job.backend, result);
      const params = paramsOf(result);
      print({
        model: name,
        backend,
        perTrial: [lastRate(result)],
        tfThreads: sessionThreads().intraOpThreads,
        // The fit loop says how it trained: op by op on the native backend is a fallback to report.
        ...(fallback !== undefined ? { graphFallback: fallback } : {}),
        ...(params !== undefined ? { params } : {}),
      });
    }
    return;
  }
  const { TrialPool } = await import('../src/execution/pool.js');
  const pool = await TrialPool.create({ threads: job.trials, backend: job.backend });
  try {
    for (const name of Array.from({ length: job.repeat }, () => job.models).flat()) {
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
      const fallback = results
        .map((result) => graphFallbackOf(job.backend, result))
        .find((f) => f !== undefined);
      const params = paramsOf(results[0]!);
      print({
        model: name,
        backend: results[0]!.backend,
        perTrial: results.map(lastRate),
        tfThreads: pool.tfThreads,
        windowImagesPerSecond: (job.trials * job.images) / windowSeconds,
        ...(fallback !== undefined ? { graphFallback: fallback } : {}),
        ...(params !== undefined ? { params } : {}),
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
      if (failure !== undefined) {
        // The model compiler's reason for training op by op is a notice on the child's stderr.
        const notices = stderr.split('\n').filter((l) => l.includes('training op by op'));
        const error = failure instanceof Error ? failure : new Error(String(failure));
        if (notices.length > 0) error.message += `\n${[...new Set(notices)].join('\n')}`;
        reject(error);
      } else if (code === 0) resolve();
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

/** Columns aligned: the first `leftColumns` to the left (names), the others to the right (figures). */
function formatTable(header: string[], body: string[][], leftColumns = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < leftColumns ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

async function main(values: {
  images: string;
  epochs: string;
  models: string;
  'test-size': string;
  repeat: string;
  json?: string;
}) {
  const images = Number(values.images);
  const epochs = Number(values.epochs);
  const testSize = Number(values['test-size']);
  const repeat = Number(values.repeat);
  for (const [flag, n] of [
    ['--images', images],
    ['--epochs', epochs],
    ['--test-size', testSize],
    ['--repeat', repeat],
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
  const progress = (configuration: string, model: string, sample: Sample) =>
    process.stderr.write(
      `  [${elapsed()}] ${configuration}, ${MODELS[model]!.label}: ${sample.imagesPerSecond.toFixed(0)} images/s` +
        (sample.perTrial.length > 1
          ? ` (${sample.perTrial.map((r) => r.toFixed(0)).join(' + ')}; last-epoch window ${sample.windowImagesPerSecond?.toFixed(0)})`
          : '') +
        '\n',
    );

  // Keras-TF-CPU, 1 and 2 threads.
  for (const threads of [1, 2]) {
    const configuration = `Keras-TF-CPU, 1 trial × ${threads} thread${threads > 1 ? 's' : ''}`;
    process.stderr.write(`bench:peer: ${configuration}\n`);
    const args = [KERAS_SCRIPT, '--threads', String(threads), '--images', String(images)];
    args.push('--epochs', String(epochs), '--models', models.join(','), '--repeat', String(repeat));
    await runLines(PYTHON, args, { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' }, (line) => {
      const r = JSON.parse(line) as {
        model: string;
        imagesPerSecond: number;
        params: number;
        tensorflow: string;
        keras: string;
      };
      tfVersion = r.tensorflow;
      kerasVersion = r.keras;
      const sample = { imagesPerSecond: r.imagesPerSecond, perTrial: [r.imagesPerSecond] };
      addSample(
        rows,
        {
          configuration,
          runner: 'keras',
          backend: 'keras-tf-cpu',
          trials: 1,
          threadsPerTrial: threads,
          model: r.model,
          params: r.params,
        },
        sample,
      );
      progress(configuration, r.model, sample);
    });
  }

  // seedsweep, one child process per configuration; user models on the native backend only.
  const common = { images, testSize, epochs, models, repeat };
  const builtInModels = models.filter((m) => !MODELS[m]!.user);
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
      job: { backend: 'wasm', trials: 1, ...common, models: builtInModels },
    },
    {
      title: 'seedsweep wasm, 2 trials at once (TrialPool)',
      name: () => 'seedsweep wasm, 2 trials at once × 1 thread',
      job: { backend: 'wasm', trials: 2, ...common, models: builtInModels },
    },
  ];
  for (const { title, name, job } of jobs) {
    if (job.models.length === 0) continue;
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
      const sample: Sample = {
        imagesPerSecond: r.perTrial.reduce((s, x) => s + x, 0),
        perTrial: r.perTrial,
        ...(r.windowImagesPerSecond !== undefined ? { windowImagesPerSecond: r.windowImagesPerSecond } : {}),
      };
      addSample(
        rows,
        {
          configuration: name(r.tfThreads),
          runner: 'seedsweep',
          backend: r.backend.name,
          trials: job.trials,
          threadsPerTrial: job.backend === 'wasm' ? 1 : r.tfThreads,
          model: r.model,
          ...(r.params !== undefined ? { params: r.params } : {}),
        },
        sample,
      );
      progress(name(r.tfThreads), r.model, sample);
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

  // Parameter counts of both runners (every seedsweep row of a model built the same model).
  const parameters = models.map((model) => {
    const count = (runner: Row['runner']) => {
      const counts = new Set(
        rows.filter((r) => r.model === model && r.runner === runner).map((r) => r.params),
      );
      return counts.size === 1 ? [...counts][0] : undefined;
    };
    const seedsweep = count('seedsweep');
    const keras = count('keras');
    return { model, seedsweep, keras, equal: seedsweep !== undefined && seedsweep === keras };
  });

  // User models: each native row against its Keras twin's best and, for a twin of a built-in model,
  // against the built-in's row of the same configuration.
  const userModels = rows
    .filter((r) => MODELS[r.model]!.user !== undefined && r.runner === 'seedsweep')
    .map((r) => {
      const builtIn = MODELS[r.model]!.twinOf;
      const builtInRow = rows.find((x) => x.model === builtIn && x.configuration === r.configuration);
      const ratioToBuiltIn = builtInRow ? r.imagesPerSecond / builtInRow.imagesPerSecond : undefined;
      // Repetition k of both trained seconds apart: their ratios show how much the load moved.
      const pairedRatios =
        builtInRow && builtInRow.samples.length === r.samples.length && r.samples.length > 1
          ? r.samples.map((s, k) => s.imagesPerSecond / builtInRow.samples[k]!.imagesPerSecond)
          : undefined;
      return {
        model: r.model,
        configuration: r.configuration,
        imagesPerSecond: r.imagesPerSecond,
        trainingPath: 'graph' as const, // checked as each row arrived
        kerasBestImagesPerSecond: kerasBest.get(r.model)!.imagesPerSecond,
        kerasBestThreads: kerasBest.get(r.model)!.threadsPerTrial,
        ratioToKerasBest: r.ratioToKerasBest!,
        meetsKerasTarget: r.ratioToKerasBest! >= USER_KERAS_TARGET,
        ...(builtInRow && ratioToBuiltIn !== undefined
          ? {
              builtIn: builtInRow.model,
              builtInImagesPerSecond: builtInRow.imagesPerSecond,
              ratioToBuiltIn,
              ...(pairedRatios ? { pairedRatios } : {}),
              meetsBuiltInTarget:
                ratioToBuiltIn >= USER_BUILTIN_TARGET[0] && ratioToBuiltIn <= USER_BUILTIN_TARGET[1],
            }
          : {}),
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
  const settings = {
    images,
    testSize,
    epochs,
    repeat,
    batchSize: 64,
    optimizer: 'adam',
    learningRate: 1e-3,
    models,
  };

  console.log(`Machine: ${machine.cpu}, ${machine.cores} cores; Node ${machine.node}`);
  console.log(
    `TensorFlow ${machine.tensorflowPython} + Keras ${machine.keras} (PyPI, .venv); seedsweep native: TensorFlow ${machine.tensorflowNative} via @tensorflow/tfjs-node ${machine.tfjsNode}; wasm: @tensorflow/tfjs-backend-wasm ${machine.tfjsBackendWasm}`,
  );
  console.log(
    `Load average (1 min): ${machine.loadAverageAtStart.toFixed(2)} at start, ${machine.loadAverageAtEnd.toFixed(2)} at end (other processes share these cores if it exceeds the bench's own threads)`,
  );
  console.log(
    `\nWork: ${images} training images (seedsweep: synthetic dataset, ${testSize} test images evaluated per epoch, not timed; Keras: random), batch 64, Adam 1e-3; figure = last of ${epochs} epochs' training images/s${repeat > 1 ? `, median of ${repeat} repetitions (models interleaved; ×built-in also gives the min–max of the ${repeat} paired ratios)` : ''}; trials at once: sum of their rates. ×Keras = ÷ Keras at its best thread setting for the model.\n`,
  );
  // One table per kind of model (columns of six models would not fit a terminal).
  const groups = [
    { title: 'Built-in image classifier', models: models.filter((m) => !MODELS[m]!.user) },
    {
      title: 'User code (bench/peer-models.ts, defineModelTrainable)',
      models: models.filter((m) => MODELS[m]!.user),
    },
  ].filter((g) => g.models.length > 0);
  for (const group of groups) {
    const groupRows = rows.filter((r) => group.models.includes(r.model));
    const configurations = [...new Set(groupRows.map((r) => r.configuration))];
    const header = [group.title, ...group.models.flatMap((m) => [`${MODELS[m]!.label} img/s`, '×Keras'])];
    const body = configurations.map((c) => [
      c,
      ...group.models.flatMap((m) => {
        const r = groupRows.find((x) => x.configuration === c && x.model === m);
        return r ? [r.imagesPerSecond.toFixed(0), r.ratioToKerasBest!.toFixed(2)] : ['—', '—'];
      }),
    ]);
    console.log(`${formatTable(header, body)}\n`);
  }
  const count = (n: number | undefined) => (n === undefined ? '—' : n.toLocaleString('en-US'));
  console.log("Parameters (every weight, as Keras counts them: batch norm's moving statistics included)\n");
  console.log(
    formatTable(
      ['model', 'seedsweep', 'Keras', 'equal'],
      parameters.map((p) => [
        MODELS[p.model]!.label,
        count(p.seedsweep),
        count(p.keras),
        p.equal ? 'yes' : 'NO',
      ]),
    ),
  );
  if (userModels.length > 0) {
    console.log(
      `\nUser models on the native backend, all trained on the compiled TensorFlow graph: ×Keras = ÷ the Keras twin at its best thread setting (target ≥ ${USER_KERAS_TARGET.toFixed(1)}); ×built-in = ÷ the built-in model of the same layers, same configuration, same run (target ${USER_BUILTIN_TARGET.join('–')})\n`,
    );
    console.log(
      formatTable(
        [
          'model',
          'configuration',
          'img/s',
          'Keras best (threads)',
          '×Keras',
          'target',
          'built-in img/s',
          '×built-in',
          'target',
        ],
        userModels.map((u) => [
          MODELS[u.model]!.label,
          u.configuration,
          u.imagesPerSecond.toFixed(0),
          `${u.kerasBestImagesPerSecond.toFixed(0)} (${u.kerasBestThreads})`,
          u.ratioToKerasBest.toFixed(2),
          u.meetsKerasTarget ? 'met' : 'NOT met',
          u.builtInImagesPerSecond?.toFixed(0) ?? '—',
          u.ratioToBuiltIn === undefined
            ? '—'
            : u.ratioToBuiltIn.toFixed(2) +
              (u.pairedRatios
                ? ` (${Math.min(...u.pairedRatios).toFixed(2)}–${Math.max(...u.pairedRatios).toFixed(2)})`
                : ''),
          u.meetsBuiltInTarget === undefined ? '—' : u.meetsBuiltInTarget ? 'met' : 'NOT met',
        ]),
        2,
      ),
    );
  }
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
    writeFileSync(
      values.json,
      `${JSON.stringify({ machine, settings, rows, sweep, parameters, userModels }, null, 2)}\n`,
    );
    process.stderr.write(`bench:peer: rows written to ${values.json}\n`);
  }
}

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '2048' },
    epochs: { type: 'string', default: '3' },
    models: { type: 'string', default: Object.keys(MODELS).join(',') },
    'test-size': { type: 'string', default: '256' },
    repeat: { type: 'string', default: '1' },
    json: { type: 'string' },
    /** Internal: run one seedsweep configuration (a JSON {@link SeedsweepJob}) in this child process. */
    job: { type: 'string' },
  },
});
if (values.job !== undefined) await runJob(JSON.parse(values.job) as SeedsweepJob);
else await main(values);
