/**
 * The examples work as a user runs them: through the public API (`seedsweep`, the built package) and
 * their sweep files. The CIFAR-10 study on the public API reproduces the pre-API engine's per-epoch
 * metrics bit for bit (figures recorded from `seedsweep train` at commit 08cdb6a, wasm backend).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { experimentSpec, loadSweepSpec, runTrial } from '../../../src/interfaces/api/index.js';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';
import { imageClassifier } from '../../../src/models/image-classifier/trainable.js';
import { expandSweep } from '../../../src/sweep-spec/expand.js';
import { braninValue } from '../../../examples/branin/branin.js';
import { braninSearch } from '../../../examples/branin/experiment.js';
import { cifar10Study } from '../../../examples/cifar10-study/experiment.js';

const examples = path.join(PACKAGE_ROOT, 'examples');

/** Epoch metrics without their timings (which differ run to run). */
const withoutTimings = (epochs: readonly Record<string, number>[]) =>
  epochs.map(({ epochSeconds: _s, examplesPerSecond: _e, imagesPerSecond: _i, ...rest }) => rest);
const CIFAR10 = path.resolve(PACKAGE_ROOT, '..', 'shared', 'datasets', 'cifar-10-binary.tar.gz');

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'seedsweep-examples-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('examples/branin (a plain TypeScript trainable)', () => {
  it('reports the Branin value of its point each epoch', async () => {
    const result = await runTrial({
      trainable: path.join(examples, 'branin', 'branin.ts#branin'),
      params: { x1: Math.PI, x2: 2.275 },
      seed: 0,
      train: { epochs: 2 },
    });
    expect(result.epochs.map((m) => m['value'])).toEqual([
      braninValue(Math.PI, 2.275),
      braninValue(Math.PI, 2.275),
    ]);
    expect(result.final['regret']).toBeCloseTo(0, 6);
  });

  it('its sweep file and its experiment load to the same plan', async () => {
    const fromFile = await loadSweepSpec(path.join(examples, 'branin', 'sweep.yaml'));
    const fromApi = await experimentSpec(braninSearch());
    expect(fromFile.trainable?.name).toBe('branin');
    const keys = (spec: typeof fromFile) =>
      expandSweep({ spec, datasetFingerprint: 'none' }).map((t) => t.trialKey);
    expect(keys(fromApi)).toEqual(keys(fromFile));
    expect(keys(fromFile)).toHaveLength(80);
  });
});

describe('examples/mlp-digits (TF.js layers on a dataset plug-in)', () => {
  const dataset = {
    name: 'seven-segment-digits',
    module: path.join(examples, 'mlp-digits', 'digits.ts'),
    export: 'digits',
    options: { train_size: 400, test_size: 100, seed: 0 },
  };
  const trainable = path.join(examples, 'mlp-digits', 'mlp.ts#mlp');
  const params = { hidden: 32, lr: 0.003, batch_size: 32 };

  it('learns, and a trial resumed from its checkpoint ends bit-identical to an uninterrupted one', async () => {
    const full = await runTrial({
      trainable,
      params,
      seed: 1,
      train: { epochs: 3 },
      dataset,
      backend: 'wasm',
    });
    expect(full.final['validationAccuracy']).toBeGreaterThan(0.3); // chance is 0.1
    expect(full.trainingPath).toBe('eager');
    const dir = path.join(tmp, 'mlp');
    await runTrial({
      trainable,
      params,
      seed: 1,
      train: { epochs: 1 },
      dataset,
      checkpointDir: dir,
      backend: 'wasm',
    });
    const resumed = await runTrial({
      trainable,
      params,
      seed: 1,
      train: { epochs: 3 },
      dataset,
      checkpointDir: dir,
      resume: true,
      backend: 'wasm',
    });
    expect(resumed.resumedFromEpoch).toBe(1);
    expect(withoutTimings(resumed.epochs)).toEqual(withoutTimings(full.epochs));
  });

  it('its sweep file loads with the plug-in dataset', async () => {
    const spec = await loadSweepSpec(path.join(examples, 'mlp-digits', 'sweep.yaml'));
    expect(spec.dataset).toMatchObject({
      name: 'seven-segment-digits',
      export: 'digits',
      options: { train_size: 3000 },
    });
    expect(expandSweep({ spec, datasetFingerprint: 'x' })).toHaveLength(12);
  });
});

describe('examples/fit-callback (a model.fit loop joined by sweepCallback)', () => {
  const dataset = {
    name: 'seven-segment-digits',
    module: path.join(examples, 'mlp-digits', 'digits.ts'),
    export: 'digits',
    options: { train_size: 400, test_size: 100, seed: 0 },
  };
  const trainable = path.join(examples, 'fit-callback', 'fit.ts#fitDigits');
  const params = { hidden: 32, dropout: 0.2, lr: 0.003 };

  it('reports fit’s logs, and a trial resumed from its checkpoint ends bit-identical to an uninterrupted one', async () => {
    const run = (epochs: number, checkpoint?: { dir: string; resume: boolean }) =>
      runTrial({
        trainable,
        params,
        seed: 2,
        train: { epochs },
        dataset,
        backend: 'wasm',
        ...(checkpoint ? { checkpointDir: checkpoint.dir, resume: checkpoint.resume } : {}),
      });
    const full = await run(3);
    expect(Object.keys(full.final).sort()).toEqual([
      'acc',
      'epoch',
      'epochSeconds',
      'loss',
      'val_acc',
      'val_loss',
    ]);
    expect(full.final['val_acc']).toBeGreaterThan(0.3); // chance is 0.1
    const dir = path.join(tmp, 'fit-callback');
    await run(1, { dir, resume: false });
    const resumed = await run(3, { dir, resume: true });
    expect(resumed.resumedFromEpoch).toBe(1);
    expect(withoutTimings(resumed.epochs)).toEqual(withoutTimings(full.epochs));
  });

  it('its sweep file loads: 4 variants × 3 seeds', async () => {
    const spec = await loadSweepSpec(path.join(examples, 'fit-callback', 'sweep.yaml'));
    expect(spec.trainable?.name).toBe('fitDigits');
    expect(expandSweep({ spec, datasetFingerprint: 'x' })).toHaveLength(12);
  });
});

describe.runIf(existsSync(CIFAR10))('examples/cifar10-study (the study on the public API)', () => {
  const settings = { epochs: 2, batchSize: 64, optimizer: 'adam' as const, learningRate: 0.001 };
  const data = { name: 'cifar10', path: CIFAR10, trainSize: 512, testSize: 256 };
  // [trainLoss, trainAccuracy, testLoss, testAccuracy] per epoch, seed 1.
  const PINNED: Record<string, [number, number, number, number][]> = {
    fc: [
      [2.8864367604255676, 0.1171875, 2.4029462337493896, 0.140625],
      [2.3130258321762085, 0.142578125, 2.218937635421753, 0.203125],
    ],
    cnn5: [
      [2.3146513402462006, 0.08984375, 2.2832324504852295, 0.109375],
      [2.262749969959259, 0.1796875, 2.2363295555114746, 0.18359375],
    ],
  };

  it.each([
    ['fc', { model: 'fc' }],
    ['cnn5', { model: 'cnn', kernel_size: 5 }],
  ] as const)('%s gives the engine’s pinned per-epoch metrics', async (name, params) => {
    const result = await runTrial({
      trainable: imageClassifier,
      params,
      seed: 1,
      train: settings,
      dataset: data,
      backend: 'wasm',
    });
    expect(
      result.epochs.map((m) => [m['trainLoss'], m['trainAccuracy'], m['testLoss'], m['testAccuracy']]),
    ).toEqual(PINNED[name]);
  });

  it('the experiment expands to the study’s 15 trials, 3 groups', async () => {
    const spec = await experimentSpec(cifar10Study({ dataPath: CIFAR10 }));
    const trials = expandSweep({ spec, datasetFingerprint: 'x' });
    expect(trials).toHaveLength(15);
    expect(new Set(trials.map((t) => t.groupLabel))).toEqual(
      new Set(['model=fc', 'model=cnn kernel_size=3', 'model=cnn kernel_size=5']),
    );
  });
});
