/**
 * A sweep of a plain exported training function (`export async function train(params, ctx)`, the form
 * Ray Tune and Optuna take) through the real Temporal and MLflow servers, as a user runs it; and
 * `compare`'s exit status on real reruns: 0 when a deterministic function reproduces, 1 when a
 * nondeterministic one does not.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';
import type { SweepSummary } from '../../../src/temporal/shared/shared.js';
import type { SweepComparison } from '../../../src/reporting/results/compare.js';
import { uniqueName } from './harness.js';
import { cliArgs } from '../../cli-entry.js';

const execFileAsync = promisify(execFile);
const MODULE = path.join(PACKAGE_ROOT, 'tests', 'fixtures', 'trainables', 'plain-functions.ts');
const dir = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-fn-sweep-'));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  TEMPORAL_ADDRESS: inject('temporalAddress'),
  MLFLOW_TRACKING_URI: inject('mlflowUri'),
  SEEDSWEEP_STATE_DIR: path.join(dir, 'state'),
  CI: '1',
};

async function seedsweep(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [...cliArgs(), ...args], {
      cwd: PACKAGE_ROOT,
      env,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A spec running `MODULE#<exportName>` over two learning rates and two seeds, 3 epochs. */
function writeSpec(name: string, exportName: string): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}
trainable: ${MODULE}#${exportName}
train: { epochs: 3 }
variants:
  grid:
    lr: [0.1, 0.5]
seeds: [0, 1]
concurrency: 2
objective: { metric: loss, mode: min }
`,
  );
  return file;
}

/** `seedsweep run <spec> --json --no-reuse` (every sweep trains its own trials): its summary. */
async function runSweep(spec: string): Promise<SweepSummary> {
  const ran = await seedsweep(['run', spec, '--json', '--threads', '2', '--no-reuse']);
  expect(ran.code, ran.stderr).toBe(0);
  return JSON.parse(ran.stdout) as SweepSummary;
}

describe('a sweep of a plain training function', () => {
  it('plans with unchecked parameters, trains through Temporal and MLflow, and reports by group', async () => {
    const spec = writeSpec(uniqueName('fn-train'), 'train');
    const plan = await seedsweep(['plan', spec]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/^trainable: train \(a plain function, .*\): parameters unchecked/m);

    const summary = await runSweep(spec);
    expect(summary).toMatchObject({ status: 'completed', counts: { total: 4, finished: 4, failed: 0 } });
    expect(summary.report?.records).toBe(4);

    const report = await seedsweep(['report', summary.sweepId, '--format', 'json']);
    expect(report.code, report.stderr).toBe(0);
    const doc = JSON.parse(report.stdout) as { groups: { label: string; n: number }[] };
    expect(doc.groups.map((g) => [g.label, g.n]).sort()).toEqual([
      ['lr=0.1', 2],
      ['lr=0.5', 2],
    ]);
    const exported = await seedsweep(['export', summary.sweepId, '--format', 'json', '--final']);
    expect(exported.code, exported.stderr).toBe(0);
    const rows = (JSON.parse(exported.stdout) as { rows: Record<string, unknown>[] }).rows;
    expect(new Set(rows.map((r) => r['model']))).toEqual(new Set(['function:train@0']));
    // The function got the parameters as the spec gave them (lr only) and the context's epochs.
    expect(rows.map((r) => r['paramCount'])).toEqual([1, 1, 1, 1]);
    expect(rows.map((r) => r['epoch'])).toEqual([3, 3, 3, 3]);

    // A deterministic function reproduces: compare exits 0.
    const rerun = await runSweep(writeSpec(uniqueName('fn-train-rerun'), 'train'));
    const same = await seedsweep(['compare', summary.sweepId, rerun.sweepId, '--json']);
    expect(same.code, same.stderr).toBe(0);
    expect(JSON.parse(same.stdout) as SweepComparison).toMatchObject({
      compared: 4,
      identical: 4,
      reproduced: true,
    });
  });

  it('compare exits 1 when equal trial keys gave different results', async () => {
    // `noisy` reports Math.random(): the same trial keys twice, other numbers each time.
    const a = await runSweep(writeSpec(uniqueName('fn-noisy'), 'noisy'));
    const b = await runSweep(writeSpec(uniqueName('fn-noisy-rerun'), 'noisy'));
    const differ = await seedsweep(['compare', a.sweepId, b.sweepId]);
    expect(differ.code, differ.stderr).toBe(1);
    expect(differ.stderr).not.toMatch(/error\[/);
    expect(differ.stdout).toMatch(
      /bit-identical trials \(every metric of every epoch\): 0 of 4 compared, 4 differ/,
    );
  });
});
