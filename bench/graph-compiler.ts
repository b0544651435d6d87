/**
 * The model compiler (engine/graph/compile-model.ts) against the hand-written classifier graph
 * (engine/graph/graph-trainer.ts) on the study CNN (conv32-pool-conv64-pool-dense128-dense10 softmax,
 * 3×3 valid): batch 64, Adam 1e-3, 2,048 random 32×32×3 images, 3 epochs, last-epoch images/s.
 *
 * Both sessions live in the same process and take turns batch by batch (hand-written, compiled,
 * hand-written, …), each step timed on its own: on a shared machine both meet the same load, so
 * the ratio stays meaningful when absolute rates do not. Reported per implementation, over the last
 * epoch: images per second of its own steps (wall clock), of its median step, and per second of
 * process CPU time (all threads; time the process spends descheduled does not count).
 *
 *   npx tsx bench/graph-compiler.ts [--threads 1,2] [--epochs 3] [--images 2048]
 */
import { parseArgs } from 'node:util';
import * as tf from '../engine/tfjs.js';
import { BackendName, initBackend } from '../engine/backend.js';
import { compileGraphPath } from '../engine/graph/compile-model.js';
import { GraphTrainer } from '../engine/graph/graph-trainer.js';
import { OptimizerName } from '../engine/types.js';

const { values } = parseArgs({
  options: {
    threads: { type: 'string', default: '1,2' },
    epochs: { type: 'string', default: '3' },
    images: { type: 'string', default: '2048' },
  },
});
const EPOCHS = Number(values.epochs);
const IMAGES = Number(values.images);
const BATCH = 64;
const SHAPE = [32, 32, 3];
const PIXELS = 32 * 32 * 3;

function random(length: number, seed: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  });
}

const pixels = random(IMAGES * PIXELS, 1);
const labels = Int32Array.from(random(IMAGES, 2), (v) => Math.floor(v * 10));

/** The study's CNN 3×3 (engine/models.ts builds the same), Glorot-initialised from fixed seeds. */
function studyCnn(): tf.LayersModel {
  const init = (seed: number) => ({
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
    biasInitializer: 'zeros' as const,
  });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: SHAPE, filters: 32, kernelSize: 3, activation: 'relu', ...init(1) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu', ...init(2) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: 'relu', ...init(3) }),
      tf.layers.dense({ units: 10, activation: 'softmax', ...init(4) }),
    ],
  });
}

/** One training step on images [start, start + count); returns the batch's summed loss. */
type Step = (start: number, count: number, epoch: number, index: number) => number;

function handWritten(threads: number): { step: Step; close(): void } {
  const model = studyCnn();
  const trainer = GraphTrainer.create({
    model,
    optimizer: OptimizerName.adam,
    learningRate: 1e-3,
    threads: { intraOpThreads: threads, interOpThreads: threads },
  });
  if (!(trainer instanceof GraphTrainer)) throw new Error(trainer.reason);
  return {
    step: (start, count) =>
      trainer.step(pixels.subarray(start * PIXELS), labels.subarray(start), count, SHAPE).lossSum,
    close: () => {
      trainer.close();
      model.dispose();
    },
  };
}

function compiled(threads: number): { step: Step; close(): void } {
  const model = studyCnn();
  const path = compileGraphPath({
    model,
    loss: { name: 'sparseCategoricalCrossentropy' },
    metrics: ['accuracy'],
    optimizer: { name: 'adam', learningRate: 1e-3 },
    seed: 3,
    threads: { intraOpThreads: threads, interOpThreads: threads },
  });
  if ('reason' in path) throw new Error(path.reason);
  return {
    step: (start, count, epoch, step) =>
      path.trainBatch({
        inputs: [pixels.subarray(start * PIXELS)],
        targets: [labels.subarray(start)],
        count,
        epoch,
        step,
      }).lossSum,
    close: () => {
      path.dispose();
      model.dispose();
    },
  };
}

interface Tally {
  seconds: number;
  cpuSeconds: number;
  steps: number[];
  loss: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

await initBackend({ backend: BackendName.tensorflow });
const version = (tf.backend() as { binding?: { TF_Version?: string } }).binding?.TF_Version;
console.log(`TensorFlow ${version}; ${IMAGES} images, batch ${BATCH}, ${EPOCHS} epochs; steps interleaved`);
for (const threads of values.threads.split(',').map(Number)) {
  const runs = { 'hand-written': handWritten(threads), compiled: compiled(threads) };
  try {
    let tallies: Record<string, Tally> = {};
    for (let epoch = 1; epoch <= EPOCHS; epoch++) {
      tallies = Object.fromEntries(
        Object.keys(runs).map((k) => [k, { seconds: 0, cpuSeconds: 0, steps: [], loss: 0 }]),
      );
      for (let index = 0, start = 0; start < IMAGES; index++, start += BATCH) {
        const count = Math.min(BATCH, IMAGES - start);
        // Alternate which goes first, so neither always follows the other.
        const order =
          index % 2 === 0 ? (['hand-written', 'compiled'] as const) : (['compiled', 'hand-written'] as const);
        for (const name of order) {
          const began = process.hrtime.bigint();
          const cpu = process.cpuUsage();
          const loss = runs[name].step(start, count, epoch, index);
          const used = process.cpuUsage(cpu);
          const seconds = Number(process.hrtime.bigint() - began) / 1e9;
          const tally = tallies[name]!;
          tally.seconds += seconds;
          tally.cpuSeconds += (used.user + used.system) / 1e6;
          tally.loss += loss;
          if (count === BATCH) tally.steps.push(seconds);
        }
      }
    }
    const rates = (t: Tally) => ({
      wall: IMAGES / t.seconds,
      median: BATCH / median(t.steps),
      cpu: IMAGES / t.cpuSeconds,
    });
    for (const [name, t] of Object.entries(tallies)) {
      const r = rates(t);
      console.log(
        `  ${threads} thread(s) ${name.padEnd(12)}: ${r.wall.toFixed(0)} img/s, median step ${r.median.toFixed(0)} img/s, ${r.cpu.toFixed(0)} img/CPU-s, loss ${(t.loss / IMAGES).toFixed(4)}`,
      );
    }
    const [hand, comp] = [rates(tallies['hand-written']!), rates(tallies['compiled']!)];
    console.log(
      `${threads} thread(s): compiled / hand-written = ${(comp.wall / hand.wall).toFixed(3)} (wall), ${(comp.median / hand.median).toFixed(3)} (median step), ${(comp.cpu / hand.cpu).toFixed(3)} (CPU time)`,
    );
  } finally {
    for (const run of Object.values(runs)) run.close();
  }
}
