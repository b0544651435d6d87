/**
 * Training throughput of the engine through the real pool: images/s, GFLOP/s (training ≈ 3 × forward
 * FLOPs) and the fraction of this machine's FP32 peak, for each model at 1 and 2 threads; with
 * `--cifar10 <archive>` it trains on CIFAR-10 slices and reports the peak RSS of the process (the
 * pool's threads included) with the whole dataset loaded.
 *
 *   npm run bench:train -- [--cifar10 /work/shared/datasets/cifar-10-binary.tar.gz] [--train-size 1024]
 *                          [--epochs 2] [--models fc,cnn3,cnn5] [--threads 1,2] [--backend wasm]
 *
 * Numbers are the last epoch's (the first warms up kernels); concurrent trials' rates are summed.
 * `CPU images/s` divides the images of epochs 2..N (all trials) by the process CPU time spent from
 * the moment every trial finished epoch 1 to the end (pool threads included, evaluation included):
 * on a shared machine it stays near the idle-machine rate when wall-clock rates do not. Each
 * thread keeps one core busy, so it is the rate per thread (T threads on T idle cores: T times it).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { DatasetSpec } from '../src/datasets/types.js';
import { TrialPool } from '../src/execution/pool.js';
import type { Trial } from '../src/training/runner/types.js';

/** The study's models: configs of the built-in image classifier. */
const MODELS: Record<string, { model: string; modelOptions: Record<string, number | string> }> = {
  fc: { model: 'image-classifier', modelOptions: { model: 'fc' } },
  cnn3: { model: 'image-classifier', modelOptions: { model: 'cnn', kernel_size: 3 } },
  cnn5: { model: 'image-classifier', modelOptions: { model: 'cnn', kernel_size: 5 } },
};
/**
 * FP32 FLOP per cycle per core on this machine kind: AVX2 + FMA, no AVX-512 (/proc/cpuinfo flags), two
 * 256-bit FMA units, each 8 lanes × 2 FLOP (multiply and add) = 32. At 2.0–2.6 GHz: 64–83 GFLOP/s per core.
 */
const NATIVE_FLOP_PER_CYCLE = 32;
/** wasm SIMD has 4 lanes: half the native width. */
const WASM_FLOP_PER_CYCLE = NATIVE_FLOP_PER_CYCLE / 2;

function clockGHz(): number {
  try {
    const mhz = /cpu MHz\s*:\s*([\d.]+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1];
    if (mhz) return Number(mhz) / 1000;
  } catch {
    // not Linux: fall through
  }
  return (os.cpus()[0]?.speed ?? 0) / 1000;
}

const { values } = parseArgs({
  options: {
    cifar10: { type: 'string' },
    'train-size': { type: 'string', default: '1024' },
    'test-size': { type: 'string', default: '256' },
    epochs: { type: 'string', default: '2' },
    models: { type: 'string', default: 'fc,cnn3,cnn5' },
    threads: { type: 'string', default: '1,2' },
    backend: { type: 'string', default: 'wasm' },
    'batch-size': { type: 'string', default: '64' },
  },
});

const cores = os.availableParallelism();
const ghz = clockGHz();
/** Peaks of the cores a row's trials can use (one thread keeps one core busy), in GFLOP/s. */
const nativePeak = (threads: number) => Math.min(threads, cores) * NATIVE_FLOP_PER_CYCLE * ghz;
const wasmPeak = (threads: number) => Math.min(threads, cores) * WASM_FLOP_PER_CYCLE * ghz;
const dataset: DatasetSpec = values.cifar10
  ? {
      name: 'cifar10',
      path: values.cifar10,
      trainSize: Number(values['train-size']),
      testSize: Number(values['test-size']),
    }
  : { name: 'synthetic', trainSize: Number(values['train-size']), testSize: Number(values['test-size']) };
const epochs = Number(values.epochs);
const threadCounts = values.threads.split(',').map(Number);

interface Row {
  model: string;
  backend: string;
  threads: number;
  imagesPerSecond: number;
  gflops: number;
  cpuImagesPerSecond: number;
}
const rows: Row[] = [];
const started = Date.now();
for (const threads of threadCounts) {
  const pool = await TrialPool.create({ threads, backend: values.backend });
  try {
    for (const name of values.models.split(',')) {
      const variant = MODELS[name];
      if (!variant) throw new Error(`unknown model variant ${name}; use ${Object.keys(MODELS).join(', ')}`);
      const trials: Trial[] = Array.from({ length: threads }, (_, seed) => ({
        seed,
        config: {
          ...variant,
          train: { epochs, batchSize: Number(values['batch-size']), optimizer: 'adam', learningRate: 1e-3 },
          dataset,
        },
      }));
      // Process CPU time from the moment every trial has finished its first (warm-up) epoch.
      let warmedUp = 0;
      let cpuAtWarm: NodeJS.CpuUsage | undefined;
      const onEpoch = (metrics: { epoch: number }) => {
        if (metrics.epoch === 1 && ++warmedUp === threads) cpuAtWarm = process.cpuUsage();
      };
      const results = await Promise.all(trials.map((trial) => pool.run({ trial }, { onEpoch })));
      const cpu = cpuAtWarm ? process.cpuUsage(cpuAtWarm) : undefined;
      const cpuSeconds = cpu ? (cpu.user + cpu.system) / 1e6 : Number.NaN;
      const cpuImagesPerSecond = (threads * Number(values['train-size']) * (epochs - 1)) / cpuSeconds;
      const imagesPerSecond = results.reduce((s, r) => s + (r.final.imagesPerSecond ?? Number.NaN), 0);
      const flops = results[0]!.modelStats?.flopsPerImage ?? Number.NaN;
      rows.push({
        model: name,
        backend: results[0]!.backend.name,
        threads,
        imagesPerSecond,
        gflops: (imagesPerSecond * 3 * flops) / 1e9,
        cpuImagesPerSecond,
      });
      process.stderr.write(
        `  ${name} × ${threads} thread(s): ${imagesPerSecond.toFixed(0)} images/s, ${cpuImagesPerSecond.toFixed(0)} per CPU second\n`,
      );
    }
  } finally {
    await pool.destroy();
  }
}

const header = [
  'model',
  'backend',
  'threads',
  'images/s',
  'GFLOP/s',
  '% FP32 peak',
  '% wasm-SIMD peak',
  'CPU images/s',
];
const body = rows.map((r) => [
  r.model,
  r.backend,
  String(r.threads),
  r.imagesPerSecond.toFixed(0),
  r.gflops.toFixed(2),
  ((100 * r.gflops) / nativePeak(r.threads)).toFixed(1),
  ((100 * r.gflops) / wasmPeak(r.threads)).toFixed(1),
  r.cpuImagesPerSecond.toFixed(0),
]);
const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
const line = (cells: string[]) =>
  cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
console.log(
  `\nTraining throughput (${dataset.name}${dataset.name === 'synthetic' ? ', generated data' : ''}, ${dataset.trainSize} train images, batch ${values['batch-size']}, Adam; last of ${epochs} epochs)`,
);
console.log(
  `Machine: ${cores} cores × ${ghz.toFixed(2)} GHz; FP32 peak per core ${nativePeak(1).toFixed(0)} GFLOP/s (AVX2 + FMA: 2 units × 8 lanes × 2 = 32 FLOP/cycle), wasm SIMD ${wasmPeak(1).toFixed(0)} GFLOP/s (4 lanes); % of the peak of the cores a row uses (min(threads, cores))`,
);
console.log('Training FLOPs per image = 3 × forward FLOPs (forward, input gradient, weight gradient).\n');
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const b of body) console.log(line(b));
const rssMiB = process.resourceUsage().maxRSS / 1024;
console.log(
  `\nPeak RSS of this process (all pools and their threads${values.cifar10 ? ', CIFAR-10 loaded once' : ''}): ${rssMiB.toFixed(0)} MiB; wall time ${((Date.now() - started) / 1000).toFixed(0)} s`,
);
