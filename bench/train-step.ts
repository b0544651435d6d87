/**
 * Training throughput of the study's two models on the chosen TF.js backend, with the wasm
 * backend's built-in gradient kernels and with seedsweep's (`src/training/backends/wasm-kernels`).
 *
 *   npx tsx bench/train-step.ts [--steps 20] [--warmup 3] [--models cnn,fc] [--kernels builtin,seedsweep]
 *                               [--backend wasm] [--step engine,keras]
 *
 * Random data, batch 64, Adam. Step `engine` is the fit loop's eager step (src/training/fit/eager-path.ts:
 * cross-entropy, `tf.variableGrads`, seedsweep's fused Adam, fed host arrays as an epoch feeds it);
 * `keras` is `model.trainOnBatch` with `tf.train.adam`
 * (the engine's step before the fused optimisers). The same work per step as a real epoch minus
 * data loading. One thread. GFLOP/s counts training as 3 × forward FLOPs (conv and dense layers).
 * Wall-clock figures are noisy on a shared machine; the `CPU` columns divide by the process's CPU
 * time instead (the backend computes on one thread), which stays close to the idle-machine figure.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { BackendName, initBackend } from '../src/training/backends/backend.js';
import { createEagerPath } from '../src/training/fit/eager-path.js';
import { completeOptimizerSpec } from '../src/training/optimizers/from-spec.js';
import { WasmKernelSet } from '../src/training/backends/wasm-kernels/index.js';

const BATCH = 64;
const INPUT_SHAPE: [number, number, number] = [32, 32, 3];

/** The study's models, exactly as DESIGN.md states them (Keras defaults). */
const MODELS: Record<string, () => tf.LayersModel> = {
  cnn: () =>
    tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: INPUT_SHAPE, filters: 32, kernelSize: 3, activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 128, activation: 'relu' }),
        tf.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    }),
  cnn5: () =>
    tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: INPUT_SHAPE, filters: 32, kernelSize: 5, activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.conv2d({ filters: 64, kernelSize: 5, activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 128, activation: 'relu' }),
        tf.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    }),
  fc: () =>
    tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: INPUT_SHAPE }),
        tf.layers.dense({ units: 512, activation: 'relu' }),
        tf.layers.dense({ units: 256, activation: 'relu' }),
        tf.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    }),
};

/** Forward FLOPs per image of the conv and dense layers (2 per multiply-add). */
function forwardFlops(model: tf.LayersModel): number {
  let flops = 0;
  for (const layer of model.layers) {
    const kernel = layer.getWeights()[0];
    if (kernel === undefined) continue;
    const out = layer.outputShape as number[];
    if (layer.getClassName() === 'Conv2D') {
      const [kh, kw, ci, co] = kernel.shape as [number, number, number, number];
      flops += 2 * (out[1] as number) * (out[2] as number) * kh * kw * ci * co;
    } else if (layer.getClassName() === 'Dense') {
      flops += 2 * kernel.size;
    }
  }
  return flops;
}

interface Row {
  model: string;
  backend: string;
  kernels: string;
  step: string;
  imagesPerSecond: number;
  msPerStep: number;
  gflops: number;
  /** Images per second of process CPU time. */
  cpuImagesPerSecond: number;
  cpuMsPerStep: number;
}

/** A function that runs one training step on the fixed batch. */
function stepper(
  kind: string,
  model: tf.LayersModel,
  x: tf.Tensor4D,
  labels: tf.Tensor1D,
): () => Promise<void> {
  if (kind === 'keras') {
    model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
    const y = tf.oneHot(labels, 10);
    return async () => {
      await model.trainOnBatch(x, y);
    };
  }
  if (kind !== 'engine') throw new Error(`unknown step ${kind}; use engine or keras`);
  const path = createEagerPath({
    model,
    loss: { name: 'sparseCategoricalCrossentropy' },
    metrics: ['accuracy'],
    optimizer: completeOptimizerSpec({ name: 'adam', learningRate: 1e-3 }),
    seed: 0,
  });
  const batch = {
    inputs: [x.dataSync() as Float32Array],
    targets: [labels.dataSync() as Int32Array],
    count: BATCH,
    epoch: 1,
    step: 0,
  };
  return () => {
    path.trainBatch(batch); // reads the loss and accuracy sums, as an epoch does once per batch
    return Promise.resolve();
  };
}

async function measure(
  name: string,
  kind: string,
  steps: number,
  warmup: number,
): Promise<Omit<Row, 'backend' | 'kernels'>> {
  const build = MODELS[name];
  if (build === undefined) throw new Error(`unknown model ${name}; known: ${Object.keys(MODELS).join(', ')}`);
  const model = build();
  const x = tf.randomUniform([BATCH, ...INPUT_SHAPE], 0, 1, 'float32', 1) as tf.Tensor4D;
  const labels = tf.randomUniform([BATCH], 0, 10, 'int32', 2) as tf.Tensor1D;
  const step = stepper(kind, model, x, labels);
  for (let i = 0; i < warmup; i++) await step();
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < steps; i++) await step();
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const flops = forwardFlops(model);
  tf.dispose([x, labels]);
  model.dispose();
  const imagesPerSecond = (steps * BATCH) / seconds;
  const cpuImagesPerSecond = (steps * BATCH) / cpuSeconds;
  return {
    model: name,
    step: kind,
    imagesPerSecond,
    msPerStep: (seconds * 1000) / steps,
    gflops: (3 * flops * imagesPerSecond) / 1e9,
    cpuImagesPerSecond,
    cpuMsPerStep: (cpuSeconds * 1000) / steps,
  };
}

function printTable(rows: Row[]): void {
  const header = [
    'model',
    'backend',
    'kernels',
    'step',
    'images/s',
    'ms/step',
    'GFLOP/s',
    'CPU images/s',
    'CPU ms/step',
  ];
  const cells = rows.map((r) => [
    r.model,
    r.backend,
    r.kernels,
    r.step,
    r.imagesPerSecond.toFixed(0),
    r.msPerStep.toFixed(1),
    r.gflops.toFixed(2),
    r.cpuImagesPerSecond.toFixed(0),
    r.cpuMsPerStep.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (c: string[]) =>
    c.map((v, i) => (i < 4 ? v.padEnd(widths[i] as number) : v.padStart(widths[i] as number))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of cells) console.log(line(c));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      steps: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '3' },
      models: { type: 'string', default: 'cnn,fc' },
      kernels: { type: 'string', default: 'builtin,seedsweep' },
      backend: { type: 'string', default: BackendName.wasm },
      step: { type: 'string', default: 'engine' },
    },
  });
  const steps = Number(values.steps);
  const warmup = Number(values.warmup);
  const rows: Row[] = [];
  const kernelSets = values.backend === BackendName.wasm ? values.kernels.split(',') : ['-'];
  for (const kernels of kernelSets) {
    const wasmKernels = kernels === '-' ? undefined : (kernels as WasmKernelSet);
    if (wasmKernels !== undefined && !Object.values(WasmKernelSet).includes(wasmKernels))
      throw new Error(`unknown kernel set ${kernels}`);
    const backend = await initBackend({
      backend: values.backend as BackendName,
      ...(wasmKernels ? { wasmKernels } : {}),
    });
    for (const kind of values.step.split(',')) {
      for (const model of values.models.split(',')) {
        const row = {
          ...(await measure(model, kind, steps, warmup)),
          backend: `${backend.name} ${backend.version}`,
          kernels,
        };
        rows.push(row);
        console.error(
          `${row.model} ${row.kernels} ${row.step}: ${row.imagesPerSecond.toFixed(0)} images/s (${row.cpuImagesPerSecond.toFixed(0)} per CPU second)`,
        );
      }
    }
  }
  console.log(`\nbatch ${BATCH}, Adam, ${steps} steps after ${warmup} warm-up, one thread`);
  printTable(rows);
}

await main();
