/**
 * Per-kernel timings on the wasm backend: the built-in gradient kernels against seedsweep's
 * (`src/training/backends/wasm-kernels`), on the shapes the study's models produce at batch 64.
 *
 *   npx tsx bench/kernels.ts [--reps 10]
 *
 * Prints wall-clock ms (median over reps) and process CPU ms per call (mean): on a shared machine the
 * CPU time is the steadier figure, since the backend runs on one thread.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import type { NamedAttrMap } from '@tensorflow/tfjs';
import { initBackend } from '../src/training/backends/backend.js';
import { installWasmKernels, WasmKernelSet } from '../src/training/backends/wasm-kernels/index.js';

interface Case {
  label: string;
  kernel: string;
  inputs: Record<string, number[]>;
  attrs: NamedAttrMap;
  /** FLOPs of one call, when it is a product (for GFLOP/s). */
  flops?: number;
}

const conv = (
  kernel: string,
  label: string,
  x: number[],
  f: number[],
  attrs: NamedAttrMap,
  flops: number,
): Case => ({
  label,
  kernel,
  inputs: kernel === 'Conv2DBackpropFilter' ? { x, dy: f } : { dy: x, filter: f },
  attrs: { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', ...attrs },
  flops,
});

const CASES: Case[] = [
  conv(
    'Conv2DBackpropFilter',
    'cnn conv1 3×3 dW',
    [64, 32, 32, 3],
    [64, 30, 30, 32],
    { filterShape: [3, 3, 3, 32] },
    2 * 64 * 900 * 27 * 32,
  ),
  conv(
    'Conv2DBackpropFilter',
    'cnn conv2 3×3 dW',
    [64, 15, 15, 32],
    [64, 13, 13, 64],
    { filterShape: [3, 3, 32, 64] },
    2 * 64 * 169 * 288 * 64,
  ),
  conv(
    'Conv2DBackpropFilter',
    'cnn5 conv2 5×5 dW',
    [64, 14, 14, 32],
    [64, 10, 10, 64],
    { filterShape: [5, 5, 32, 64] },
    2 * 64 * 100 * 800 * 64,
  ),
  conv(
    'Conv2DBackpropInput',
    'cnn conv2 3×3 dx',
    [64, 13, 13, 64],
    [3, 3, 32, 64],
    { inputShape: [64, 15, 15, 32] },
    2 * 64 * 169 * 288 * 64,
  ),
  conv(
    'Conv2DBackpropInput',
    'cnn5 conv2 5×5 dx',
    [64, 10, 10, 64],
    [5, 5, 32, 64],
    { inputShape: [64, 14, 14, 32] },
    2 * 64 * 100 * 800 * 64,
  ),
  {
    label: 'cnn pool1 2×2 grad',
    kernel: 'MaxPoolGrad',
    inputs: { dy: [64, 15, 15, 32], input: [64, 30, 30, 32], output: [64, 15, 15, 32] },
    attrs: { filterSize: [2, 2], strides: [2, 2], pad: 'valid' },
  },
  {
    label: 'cnn pool2 2×2 grad',
    kernel: 'MaxPoolGrad',
    inputs: { dy: [64, 6, 6, 64], input: [64, 13, 13, 64], output: [64, 6, 6, 64] },
    attrs: { filterSize: [2, 2], strides: [2, 2], pad: 'valid' },
  },
  {
    label: 'cnn dense1 dW (tA)',
    kernel: 'BatchMatMul',
    inputs: { a: [64, 2304], b: [64, 128] },
    attrs: { transposeA: true, transposeB: false },
    flops: 2 * 64 * 2304 * 128,
  },
  {
    label: 'cnn dense1 dx (tB)',
    kernel: 'BatchMatMul',
    inputs: { a: [64, 128], b: [2304, 128] },
    attrs: { transposeA: false, transposeB: true },
    flops: 2 * 64 * 2304 * 128,
  },
  {
    label: 'fc dense1 dW (tA)',
    kernel: 'BatchMatMul',
    inputs: { a: [64, 3072], b: [64, 512] },
    attrs: { transposeA: true, transposeB: false },
    flops: 2 * 64 * 3072 * 512,
  },
  {
    label: 'fc dense2 dx (tB)',
    kernel: 'BatchMatMul',
    inputs: { a: [64, 256], b: [512, 256] },
    attrs: { transposeA: false, transposeB: true },
    flops: 2 * 64 * 512 * 256,
  },
  {
    label: 'cnn conv1 bias grad',
    kernel: 'Sum',
    inputs: { x: [64, 30, 30, 32] },
    attrs: { axis: [0, 1, 2], keepDims: false },
  },
  {
    label: 'cnn conv2 bias grad',
    kernel: 'Sum',
    inputs: { x: [64, 13, 13, 64] },
    attrs: { axis: [0, 1, 2], keepDims: false },
  },
];

interface Timing {
  wallMs: number;
  cpuMs: number;
}

function time(c: Case, inputs: Record<string, tf.Tensor>, reps: number): Timing {
  const run = () => tf.tidy(() => tf.engine().runKernel(c.kernel, inputs, c.attrs) as tf.Tensor).dispose();
  run(); // Warm-up: operator creation, heap growth.
  const walls: number[] = [];
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    run();
    walls.push(performance.now() - start);
  }
  const cpu = process.cpuUsage(cpuStart);
  walls.sort((a, b) => a - b);
  return {
    wallMs: walls[Math.floor(walls.length / 2)] as number,
    cpuMs: (cpu.user + cpu.system) / 1000 / reps,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { reps: { type: 'string', default: '10' } } });
  const reps = Number(values.reps);
  await initBackend({ backend: 'wasm' });
  const header = [
    'case',
    'kernel',
    'built-in ms',
    'seedsweep ms',
    'built-in CPU ms',
    'seedsweep CPU ms',
    'speed-up (CPU)',
    'GFLOP/s',
  ];
  const rows: string[][] = [];
  for (const c of CASES) {
    const inputs: Record<string, tf.Tensor> = {};
    for (const [name, shape] of Object.entries(c.inputs))
      inputs[name] = tf.randomUniform(shape, -1, 1, 'float32', 7);
    const result: Partial<Record<WasmKernelSet, Timing>> = {};
    for (const kernels of [WasmKernelSet.builtin, WasmKernelSet.seedsweep]) {
      installWasmKernels({ kernels });
      // The wasm backend has no built-in Conv2DBackpropFilter: both sets run seedsweep's.
      result[kernels] = time(c, inputs, reps);
    }
    tf.dispose(Object.values(inputs));
    const builtin = result.builtin as Timing;
    const ours = result.seedsweep as Timing;
    const missing = c.kernel === 'Conv2DBackpropFilter';
    rows.push([
      c.label,
      c.kernel,
      missing ? 'missing' : builtin.wallMs.toFixed(2),
      ours.wallMs.toFixed(2),
      missing ? 'missing' : builtin.cpuMs.toFixed(2),
      ours.cpuMs.toFixed(2),
      missing ? '-' : `${(builtin.cpuMs / ours.cpuMs).toFixed(1)}×`,
      c.flops === undefined ? '-' : (c.flops / ours.cpuMs / 1e6).toFixed(1),
    ]);
    console.error(`${c.label}: done`);
  }
  installWasmKernels({ kernels: WasmKernelSet.seedsweep });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (r: string[]) =>
    r.map((v, i) => (i < 2 ? v.padEnd(widths[i] as number) : v.padStart(widths[i] as number))).join('  ');
  console.log(`\nwasm backend, one thread, ${reps} reps per kernel (wall: median; CPU: mean per call)`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

await main();
