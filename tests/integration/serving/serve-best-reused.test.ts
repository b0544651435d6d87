/**
 * A sweep whose every trial was reused from an earlier sweep (reuse by trial key, the default), as a
 * new user meets it: the shipped tiny sweep run twice under two names. `serve --best <second>` serves
 * its best trial (whose model lives on the first sweep's run), and `run`, `status` and `report` of it
 * say which backend trained the trials. Real Temporal and MLflow servers, the CLI as a user runs it.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';
import type { ExportJson } from '../../../src/reporting/results/export.js';
import { cliArgs } from '../../cli-entry.js';

const execFileAsync = promisify(execFile);
const TINY = path.join(PACKAGE_ROOT, 'sweeps', 'tests', 'tiny.yaml');
const work = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-reused-'));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  TEMPORAL_ADDRESS: inject('temporalAddress'),
  MLFLOW_TRACKING_URI: inject('mlflowUri'),
  SEEDSWEEP_STATE_DIR: path.join(work, 'state'),
  SEEDSWEEP_CACHE_DIR: path.join(work, 'cache'),
  CI: '1',
};
// The unit and integration projects train on wasm (vitest.config.ts), so that is what they must say.
const BACKEND_LINE = /^backend: wasm \d+\.\d+\.\d+ \(cpu\), all 2 trials$/m;

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

/** `seedsweep run` of the tiny sweep under `name` on one seed; the sweep id and what it printed. */
async function runTiny(name: string, seed: number): Promise<{ sweepId: string; stdout: string }> {
  const ran = await seedsweep([
    'run',
    TINY,
    '--set',
    `name=${name}`,
    '--set',
    `seeds=[${seed}]`,
    '--threads',
    '2',
  ]);
  expect(ran.code, ran.stderr).toBe(0);
  const sweepId = new RegExp(`^sweep (${name}-\\S+) completed:`, 'm').exec(ran.stdout)?.[1];
  expect(sweepId, ran.stdout).toBeDefined();
  return { sweepId: sweepId!, stdout: ran.stdout };
}

describe('a sweep that reused every trial', () => {
  it('serve --best serves its best trial; run, status and report name the backend', async () => {
    const stem = `reused-${Date.now().toString(36)}`;
    // A seed no other suite uses: the first sweep trains its 2 trials itself.
    const seed = 100_000 + (Date.now() % 100_000);
    const first = await runTiny(`${stem}-a`, seed);
    expect(first.stdout).toMatch(/completed: 2 trained, 0 already done, 0 failed \(of 2\)/);
    expect(first.stdout).toMatch(BACKEND_LINE);
    const second = await runTiny(`${stem}-b`, seed);
    expect(second.stdout).toMatch(/completed: 0 trained, 2 already done, 0 failed \(of 2\)/);
    expect(second.stdout).toMatch(BACKEND_LINE); // the reused trials' backend, from their results

    const status = await seedsweep(['status', second.sweepId]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(BACKEND_LINE);
    const report = await seedsweep(['report', second.sweepId]);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toMatch(/model=cnn/);
    expect(report.stdout).toMatch(BACKEND_LINE);

    // Both trials of the second sweep are records of the first sweep's runs.
    const exported = await seedsweep(['export', second.sweepId, '--format', 'json', '--final']);
    expect(exported.code, exported.stderr).toBe(0);
    const rows = (JSON.parse(exported.stdout) as ExportJson).rows;
    expect(rows.map((r) => r['trial_sweep_id'])).toEqual([first.sweepId, first.sweepId]);
    const firstKeys = rows.map((r) => String(r['trial_key']));

    const server = spawn(process.execPath, [...cliArgs(), 'serve', '--best', second.sweepId, '--port', '0'], {
      cwd: PACKAGE_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    server.stdout.on('data', (d: Buffer) => (output += d.toString()));
    server.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));
    try {
      let url: string | undefined;
      const deadline = Date.now() + 120_000;
      while (url === undefined) {
        url = /listening on (http:\/\/\S+):/.exec(output)?.[1];
        if (server.exitCode !== null || Date.now() > deadline)
          throw new Error(`seedsweep serve --best did not come up:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      // The served trial is one the first sweep trained (its model is on that sweep's run).
      const servedKey = /trial ([0-9a-f]{64}) /.exec(output)?.[1];
      expect(firstKeys, output).toContain(servedKey);
      expect((await fetch(`${url}/ping`)).status).toBe(200);
      const image = Array.from({ length: 32 }, (_, y) =>
        Array.from({ length: 32 }, (_, x) => [(x * 8) % 256, (y * 8) % 256, 128]),
      );
      const answer = await fetch(`${url}/invocations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ instances: [image] }),
      });
      expect(answer.status).toBe(200);
      const body = (await answer.json()) as {
        predictions: { label: string; probabilities: Record<string, number> }[];
      };
      expect(body.predictions).toHaveLength(1);
      const probabilities = Object.values(body.predictions[0]!.probabilities);
      expect(probabilities).toHaveLength(10);
      expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      server.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      if (server.exitCode === null) server.kill('SIGKILL');
    }
  });
});
