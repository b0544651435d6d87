/**
 * `seedsweep export` and `seedsweep compare` as a user runs them, against the test Temporal server and
 * the real MLflow server: trials are written through the tracker API, then the CLI reads them back
 * (Temporal does not know these sweep ids, so they are found in the tracker by id or name).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../../src/core/common/paths.js';
import type { PlannedTrial, TrialRecord } from '../../../../src/core/domain/trial.js';
import type { SweepComparison } from '../../../../src/reporting/results/compare.js';
import type { ExportJson } from '../../../../src/reporting/results/export.js';
import { createTracker } from '../../../../src/tracking/index.js';
import { cnnRecord, record } from '../../../unit/reporting/results/fixtures.js';
import { cliArgs } from '../../../cli-entry.js';

const run = promisify(execFile);
const unique = (prefix: string) =>
  `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
const stateDir = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-results-it-'));

function cliEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    MLFLOW_TRACKING_URI: inject('mlflowUri'),
    SEEDSWEEP_STATE_DIR: stateDir,
    CI: '1',
  };
}

async function seedsweep(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...cliArgs(), ...args], {
      cwd: PACKAGE_ROOT,
      env: cliEnv(),
      maxBuffer: 16 * 1024 * 1024,
    });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

/** Writes `records` as finished trials of a sweep through the tracker, as workers do. */
async function writeSweep(sweepId: string, sweepName: string, records: TrialRecord[]): Promise<void> {
  const previous = process.env['MLFLOW_TRACKING_URI'];
  process.env['MLFLOW_TRACKING_URI'] = inject('mlflowUri');
  try {
    const tracker = await createTracker({ stateDir });
    await tracker.startSweep({ sweepId, sweepName });
    for (const r of records) {
      const { result, runId: _runId, sweepId: _sweepId, ...trial } = r;
      const planned: PlannedTrial = { ...trial, queue: 'cpu' };
      await tracker.startTrial(sweepId, planned);
      for (const epoch of result.epochs) await tracker.logEpoch(sweepId, r.trialKey, epoch);
      await tracker.finishTrial(sweepId, r.trialKey, { status: 'FINISHED', result });
    }
  } finally {
    if (previous === undefined) delete process.env['MLFLOW_TRACKING_URI'];
    else process.env['MLFLOW_TRACKING_URI'] = previous;
  }
}

const name = unique('repro');
const sweepA = `${name}-a`;
const sweepB = `${name}-b`;
const recordsA = [3, 5].flatMap((k) => [0, 1].map((seed) => cnnRecord({ kernelSize: k, seed })));
// The rerun: one trial's last bits differ, and it ran one more seed.
const recordsB = [
  ...[3, 5].flatMap((k) =>
    [0, 1].map((seed) =>
      cnnRecord({ kernelSize: k, seed, offset: k === 5 && seed === 1 ? 1e-6 : 0, backend: 'cpu' }),
    ),
  ),
  cnnRecord({ kernelSize: 3, seed: 2, backend: 'cpu' }),
];
const sweepOther = `${name}-other`;
const recordsOther = [0, 1].map((seed) =>
  record({
    trialKey: `${name}-u${seed}`,
    groupKey: 'gu',
    groupLabel: 'lr=0.1',
    factors: { lr: 0.1 },
    seed,
    modelOptions: { lr: 0.1 },
    epochs: [{ epoch: 1, loss: 1 - seed / 10, value: seed }],
  }),
);

describe('seedsweep export / compare against the real tracker', () => {
  beforeAll(async () => {
    await writeSweep(sweepA, name, recordsA);
    await writeSweep(sweepB, `${name}-rerun`, recordsB);
    await writeSweep(sweepOther, `${name}-user`, recordsOther);
  });

  it('exports a sweep to Parquet and reads the same values back', async () => {
    const out = path.join(stateDir, 'a.parquet');
    const result = await seedsweep(['export', sweepA, '--format', 'parquet', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(out);
    const rows = (await parquetReadObjects({ file: await asyncBufferFromFile(out) })) as Record<
      string,
      unknown
    >[];
    expect(rows).toHaveLength(4 * 3);
    expect(rows.map((r) => `${String(r['trial_key'])}@${String(r['epoch'])}`)).toEqual(
      ['t-k3-s0', 't-k3-s1', 't-k5-s0', 't-k5-s1'].flatMap((k) => [1, 2, 3].map((e) => `${k}@${e}`)),
    );
    for (const row of rows) {
      const source = recordsA.find((r) => r.trialKey === row['trial_key'])!;
      const epoch = source.result.epochs[Number(row['epoch']) - 1]!;
      expect(row).toMatchObject({
        sweep_id: sweepA,
        trial_sweep_id: sweepA,
        group_label: source.groupLabel,
        'factor.kernel_size': BigInt(source.factors['kernel_size'] as number),
        model: 'cnn',
        'param.padding': 'valid',
        dataset: 'synthetic',
        backend: 'wasm',
      });
      expect(typeof row['run_id']).toBe('string');
      for (const metric of [
        'trainLoss',
        'trainAccuracy',
        'testLoss',
        'testAccuracy',
        'epochSeconds',
        'imagesPerSecond',
      ])
        expect(row[metric]).toBe(epoch[metric]);
    }
  });

  it('exports final metrics as CSV by sweep name, and any trainable metric names as JSON', async () => {
    const csv = await seedsweep(['export', `${name}-rerun`, '--final']);
    expect(csv.code, csv.stderr).toBe(0);
    const rows = parse(csv.stdout, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r['trial_key'], r['epoch'], r['backend']])).toEqual([
      ['t-k3-s0', '3', 'cpu'],
      ['t-k3-s1', '3', 'cpu'],
      ['t-k3-s2', '3', 'cpu'],
      ['t-k5-s0', '3', 'cpu'],
      ['t-k5-s1', '3', 'cpu'],
    ]);
    expect(Number(rows[4]!['testAccuracy'])).toBe(recordsB[3]!.result.final['testAccuracy']);

    const json = await seedsweep(['export', sweepOther, '--format', 'json']);
    expect(json.code, json.stderr).toBe(0);
    const doc = JSON.parse(json.stdout) as ExportJson;
    expect(doc.columns.filter((c) => c.metric).map((c) => c.name)).toEqual(['loss', 'value']);
    expect(doc.rows.map((r) => [r['seed'], r['loss'], r['value'], r['factor.lr']])).toEqual([
      [0, 1, 0, 0.1],
      [1, 0.9, 1, 0.1],
    ]);
  });

  it('compares a sweep with its rerun: matched, only-in-B, bit-identical counts, |Δ| and per-group paired differences; exits 1 as one trial differs', async () => {
    const result = await seedsweep(['compare', sweepA, sweepB, '--json']);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toBe('');
    const c = JSON.parse(result.stdout) as SweepComparison;
    expect(c).toMatchObject({
      matched: 4,
      compared: 4,
      sameRun: 0,
      identical: 3,
      reproduced: false,
      metric: 'testAccuracy',
      onlyInA: [],
    });
    expect(c.onlyInB.map((r) => r.trialKey)).toEqual(['t-k3-s2']);
    const acc = c.perMetric.find((m) => m.metric === 'testAccuracy')!;
    expect(acc.maxAbsFinalDiff).toBeCloseTo(1e-6, 12);
    expect(acc.maxAbsEpochDiff).toBeCloseTo(1e-6, 12);
    expect(c.groups.map((g) => [g.groupLabel, g.nA, g.nB, g.sharedSeeds])).toEqual([
      ['kernel_size=3', 2, 3, [0, 1]],
      ['kernel_size=5', 2, 2, [0, 1]],
    ]);
    expect(c.groups[0]!.ci95).toEqual([0, 0]);

    const text = await seedsweep(['compare', sweepA, `${name}-rerun`]);
    expect(text.code, text.stderr).toBe(1);
    expect(text.stdout).toMatch(/matched trial keys: 4 {3}only in A: 0 {3}only in B: 1/);
    expect(text.stdout).toMatch(/3 of 4 compared, 1 differ/);
  });

  it('fails with one line and exit 2 for an unknown sweep or sweeps with no trial key in common', async () => {
    const unknown = await seedsweep(['export', unique('nope')]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error\[E_SWEEP_NOT_FOUND\]: no sweep with id or name /);
    const disjoint = await seedsweep(['compare', sweepA, sweepOther]);
    expect(disjoint.code).toBe(2);
    expect(disjoint.stderr).toMatch(
      /error\[E_COMPARE_NO_MATCH\]: no trial keys in common: the sweeps ran different configs, seeds or data/,
    );
  });
});

describe('seedsweep compare on two real runs of the same trials', () => {
  it('finds every trial bit-identical when the same spec reruns under another sweep name (sweeps found through Temporal)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-results-run-'));
    const ids: string[] = [];
    for (const sweepName of [unique('determinism'), unique('determinism-rerun')]) {
      const spec = path.join(dir, `${sweepName}.yaml`);
      writeFileSync(
        spec,
        `name: ${sweepName}
dataset: { name: synthetic, train_size: 200, test_size: 100 }
train: { epochs: 2, batch_size: 50 }
variants:
  grid:
    model: [fc]
seeds: [0, 1]
concurrency: 2
`,
      );
      // --no-reuse: the rerun must train again (by default it would reuse the first sweep's finished trials).
      const ran = await seedsweep(['run', spec, '--json', '--threads', '2', '--no-reuse']);
      expect(ran.code, ran.stderr).toBe(0);
      ids.push((JSON.parse(ran.stdout) as { sweepId: string }).sweepId);
    }
    const [a, b] = ids as [string, string];
    const compared = await seedsweep(['compare', a, b, '--json']);
    expect(compared.code, compared.stderr).toBe(0); // every trial reproduced
    const c = JSON.parse(compared.stdout) as SweepComparison;
    expect(c).toMatchObject({
      matched: 2,
      compared: 2,
      identical: 2,
      reproduced: true,
      onlyInA: [],
      onlyInB: [],
      metric: 'testAccuracy',
    });
    expect(c.perMetric.find((m) => m.metric === 'testAccuracy')).toMatchObject({
      maxAbsFinalDiff: 0,
      maxAbsEpochDiff: 0,
    });

    const csv = await seedsweep(['export', a]);
    expect(csv.code, csv.stderr).toBe(0);
    const rows = parse(csv.stdout, { columns: true }) as Record<string, string>[];
    // `model` is the trainable's name; the built-in's architecture is one of its parameters.
    expect(rows.map((r) => [r['sweep_id'], r['seed'], r['epoch'], r['model'], r['param.model']])).toEqual([
      [a, '0', '1', 'image-classifier', 'fc'],
      [a, '0', '2', 'image-classifier', 'fc'],
      [a, '1', '1', 'image-classifier', 'fc'],
      [a, '1', '2', 'image-classifier', 'fc'],
    ]);
    expect(Number(rows[3]!['testAccuracy'])).toBeGreaterThan(0);
  });
});
