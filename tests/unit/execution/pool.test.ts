import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/common/errors.js';
import { InjectedFaultError, TrialStoppedError } from '../../../src/training/runner/errors.js';
import { initBackend, nativeBuildStatus } from '../../../src/training/backends/backend.js';
import { TrialPool } from '../../../src/execution/pool.js';
import { trainTrial } from '../../../src/execution/trainer.js';
import type { DatasetSpec } from '../../../src/datasets/types.js';
import type { EpochMetrics } from '../../../src/training/runner/types.js';
import { makeTrial } from '../training/fixtures.js';

const dataset: DatasetSpec = { name: 'synthetic', trainSize: 60, testSize: 20 };
const trial = (seed: number, epochs = 2) => {
  const t = makeTrial({ seed, model: 'fc', modelOptions: { units1: 16, units2: 8 }, train: { epochs } });
  return { ...t, config: { ...t.config, dataset } };
};
let pool: TrialPool;
let tmp: string;
let loads = 0;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'seedsweep-pool-'));
  const { loadDataset } = await import('../../../src/datasets/plugins.js');
  pool = await TrialPool.create({
    threads: 2,
    // Not the automatic choice (wasm): proves the option reaches the threads.
    backend: 'cpu',
    loadDataset: (spec) => {
      loads += 1;
      return loadDataset(spec);
    },
  });
});
afterAll(async () => {
  await pool.destroy();
  await rm(tmp, { recursive: true, force: true });
});

describe('TrialPool', () => {
  it('runs trials on threads, reports epochs while running, loads each dataset once', async () => {
    expect(pool.threads).toBe(2);
    const seen: EpochMetrics[] = [];
    const [a, b] = await Promise.all([
      pool.run({ trial: trial(1) }, { onEpoch: (m) => seen.push(m) }),
      pool.run({ trial: trial(1) }),
    ]);
    expect(a.epochs.map((m) => m.epoch)).toEqual([1, 2]);
    expect(seen).toEqual(a.epochs);
    expect(a.backend.name).toBe('cpu');
    // Same seed on two threads: identical results (no state leaks between threads or trials).
    expect(b.epochs.map((m) => m.testLoss)).toEqual(a.epochs.map((m) => m.testLoss));
    expect(loads).toBe(1);
  });

  it('gives the same metrics on a thread as in this thread on the same backend', async () => {
    const { loadSplit } = await import('../../../src/datasets/index.js');
    await initBackend({ backend: 'cpu' });
    const here = await trainTrial({ trial: trial(5), dataset: await loadSplit({ spec: dataset }) });
    const there = await pool.run({ trial: trial(5) });
    const stable = (epochs: EpochMetrics[]) =>
      epochs.map((m) => [m.trainLoss, m.trainAccuracy, m.testLoss, m.testAccuracy]);
    expect(stable(there.epochs)).toEqual(stable(here.epochs));
  });

  it('stops at the next epoch boundary on abort, after checkpointing, with TrialStoppedError', async () => {
    const controller = new AbortController();
    const dir = path.join(tmp, 'abort');
    const run = pool.run(
      { trial: trial(2, 50), checkpointDir: dir },
      { onEpoch: () => controller.abort(), signal: controller.signal },
    );
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrialStoppedError);
    const stoppedAt = (error as TrialStoppedError).epoch;
    expect(stoppedAt).toBeLessThan(50);
    const resumed = await pool.run({ trial: trial(2, stoppedAt + 1), checkpointDir: dir, resume: true });
    expect(resumed.resumedFromEpoch).toBe(stoppedAt);
  });

  it('trains nothing when aborted before the trial starts', async () => {
    const seen: EpochMetrics[] = [];
    const error = await pool
      .run({ trial: trial(4) }, { signal: AbortSignal.abort(), onEpoch: (m) => seen.push(m) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrialStoppedError);
    expect((error as TrialStoppedError).epoch).toBe(0);
    expect(seen).toEqual([]);
  });

  it('keeps error classes across the thread boundary', async () => {
    await expect(pool.run({ trial: trial(3), failAtEpoch: 1 })).rejects.toBeInstanceOf(InjectedFaultError);
    const bad = trial(3);
    bad.config.train.batchSize = 0;
    const error = await pool.run({ trial: bad }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect(error).toMatchObject({ code: 'E_BAD_TRAIN_SETTING' });
  });

  it('tells the user once per process which backend automatic selection fell back to, and why', async () => {
    const saved = process.env.SEEDSWEEP_BACKEND;
    delete process.env.SEEDSWEEP_BACKEND; // threads copy the environment when they start
    const notices: string[] = [];
    const auto = await TrialPool.create({ threads: 2, onNotice: (line) => notices.push(line) });
    try {
      if (saved !== undefined) process.env.SEEDSWEEP_BACKEND = saved;
      // Two threads, two trials each: every thread selects on its own.
      const results = await Promise.all([1, 2, 3, 4].map((seed) => auto.run({ trial: trial(seed, 1) })));
      const native = nativeBuildStatus('tensorflow');
      if (native.built) {
        for (const r of results) expect(r.backend.name).toMatch(/^tensorflow(-gpu)?$/);
        expect(notices).toEqual([]);
      } else {
        expect(results.map((r) => r.backend.name)).toEqual(Array(4).fill('wasm'));
        expect(notices).toEqual([
          'seedsweep: training on wasm (@tensorflow/tfjs-node is not built: run `bash scripts/setup.sh` to build the native TensorFlow backend)',
        ]);
      }
    } finally {
      await auto.destroy();
    }
  });
});
