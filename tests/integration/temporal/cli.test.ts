/**
 * The sweep commands end to end, as a user runs them: `seedsweep run` (attached, with its in-process
 * worker), `status`, `list`, `run --detach` + `cancel` + `resume`, against the test Temporal server and
 * the real MLflow server.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';
import type { SweepStatus, SweepListEntry } from '../../../src/temporal/client/sweeps.js';
import type { SweepSummary } from '../../../src/temporal/shared/shared.js';
import { uniqueName } from './harness.js';
import { cliArgs } from '../../cli-entry.js';

const run = promisify(execFile);

function cliEnv(stateDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    MLFLOW_TRACKING_URI: inject('mlflowUri'),
    SEEDSWEEP_STATE_DIR: stateDir,
    CI: '1',
  };
}

async function seedsweep(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...cliArgs(), ...args], {
      cwd: PACKAGE_ROOT,
      env,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

function writeSpec(dir: string, name: string, epochs: number, seeds: number[]): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}
dataset: { name: synthetic, train_size: 200, test_size: 100 }
train: { epochs: ${epochs}, batch_size: 50 }
variants:
  grid:
    model: [fc, cnn]
seeds: [${seeds.join(', ')}]
concurrency: 2
# Each test trains its own trials: the shared MLflow server holds other tests' results for equal keys.
reuse: false
comparisons:
  - { a: { model: cnn }, b: { model: fc } }
`,
  );
  return file;
}

describe('seedsweep run / status / list / cancel / resume', () => {
  it('runs a sweep attached, prints the summary and report; status and list find it; a second run trains nothing', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-cli-'));
    const env = cliEnv(dir);
    const name = uniqueName('cli');
    const spec = writeSpec(dir, name, 2, [0, 1]);

    const first = await seedsweep(['run', spec, '--json', '--threads', '2'], env);
    expect(first.stderr).not.toMatch(/unexpected error/);
    expect(first.code, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout) as SweepSummary;
    expect(summary.status).toBe('completed');
    expect(summary.counts).toMatchObject({ total: 4, finished: 4, failed: 0 });
    expect(summary.report?.records).toBe(4);
    expect(summary.report?.files.some((f) => f.endsWith('.html'))).toBe(true);
    for (const file of summary.report?.files ?? []) expect(existsSync(file)).toBe(true);
    // --json also carries the cost: the estimate made at submission (null when none) and the comparison.
    const cost = summary as SweepSummary & { costEstimate: unknown; costComparison?: { trained: number } };
    expect(cost).toHaveProperty('costEstimate');
    expect(cost.costComparison?.trained).toBe(4);

    const status = JSON.parse(
      (await seedsweep(['status', summary.sweepId, '--json'], env)).stdout,
    ) as SweepStatus;
    expect(status).toMatchObject({ sweepId: summary.sweepId, sweepName: name, status: 'COMPLETED' });
    expect(status.summary?.counts.finished).toBe(4);

    const list = JSON.parse(
      (await seedsweep(['list', '--name', name, '--json'], env)).stdout,
    ) as SweepListEntry[];
    expect(list.map((s) => s.sweepId)).toEqual([summary.sweepId]);

    // report reads the finished trials back from the real MLflow server.
    const reportJson = await seedsweep(['report', summary.sweepId, '--format', 'json'], env);
    expect(reportJson.code, reportJson.stderr).toBe(0);
    const report = JSON.parse(reportJson.stdout) as { groups: { n: number }[]; comparisons: unknown[] };
    expect(report.groups.map((g) => g.n)).toEqual([2, 2]);
    expect(report.comparisons).toHaveLength(1);
    const table = await seedsweep(['report', summary.sweepId], env);
    expect(table.stdout).toMatch(/model=cnn/);
    expect(table.stdout).toMatch(/model=fc/);
    const html = await seedsweep(
      ['report', summary.sweepId, '--format', 'html', '--out', path.join(dir, 'html')],
      env,
    );
    expect(html.code, html.stderr).toBe(0);
    expect(existsSync(path.join(dir, 'html', 'report.html'))).toBe(true);
    const missing = await seedsweep(['report', 'no-such-sweep'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/E_SWEEP_NOT_FOUND/);

    const again = await seedsweep(['run', spec, '--threads', '2'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/0 trained, 4 already done, 0 failed \(of 4\)/);
    expect(again.stdout).toMatch(/report: /);
  });

  it('a detached sweep whose workers are gone: status says so, cancel is accepted, resume replaces the stuck run under the same id', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-cli-'));
    const env = cliEnv(dir);
    const spec = writeSpec(dir, uniqueName('cli-cancel'), 2, [0, 1, 2]);

    const submitted = await seedsweep(['run', spec, '--detach', '--json'], env);
    expect(submitted.code, submitted.stderr).toBe(0);
    const { sweepId, trials } = JSON.parse(submitted.stdout) as { sweepId: string; trials: number };
    expect(trials).toBe(6);
    // No worker runs: nothing trains; status says so.
    const waiting = await seedsweep(['status', sweepId], env);
    expect(waiting.stdout).toMatch(/RUNNING/);

    const cancelled = await seedsweep(['cancel', sweepId], env);
    expect(cancelled.code).toBe(0);
    // The cancel is handled once a worker picks up the workflow: resume replaces the stuck run.
    const resumed = await seedsweep(['resume', sweepId, '--json', '--threads', '2'], env);
    expect(resumed.stderr).not.toMatch(/unexpected error/);
    expect(resumed.code, resumed.stderr).toBe(0);
    const summary = JSON.parse(resumed.stdout) as SweepSummary;
    expect(summary.sweepId).toBe(sweepId);
    expect(summary.status).toBe('completed');
    expect(summary.counts).toMatchObject({ total: 6, finished: 6 });
    // The cost over the sweep's runs (the stuck one and this one), against the first run's estimate.
    expect(summary).toMatchObject({ costComparison: { trained: 6 } });

    const unknown = await seedsweep(['status', 'no-such-sweep'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/error\[E_SWEEP_NOT_FOUND\]/);
  });
});
