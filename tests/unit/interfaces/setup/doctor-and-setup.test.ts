/**
 * `seedsweep doctor` and `seedsweep setup` when things are missing: doctor names what and the command
 * that fixes it and exits 1; setup prints one line for the failed step (what, its log, what to do) and
 * exits 1 only because the servers could not be installed. Both run in this process, on an empty cache.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../../src/interfaces/cli/main.js';
import { runDoctor } from '../../../../src/interfaces/setup/doctor.js';

const saved = { ...process.env };
let output: string[];

beforeEach(() => {
  process.env['SEEDSWEEP_CACHE_DIR'] = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-empty-cache-'));
  process.env['SEEDSWEEP_STATE_DIR'] = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-state-'));
  process.env['TEMPORAL_CLI_PATH'] = '/nowhere/temporal';
  process.env['MLFLOW_CLI_PATH'] = '/nowhere/mlflow';
  delete process.env['TEMPORAL_ADDRESS'];
  delete process.env['MLFLOW_TRACKING_URI'];
  output = [];
  const capture = (chunk: string | Uint8Array) => {
    output.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
});

afterEach(() => {
  vi.restoreAllMocks();
  process.env = { ...saved };
});

describe('seedsweep doctor', () => {
  it('says which server executable is missing, what fixes it, and exits 1', async () => {
    expect(await main(['node', 'seedsweep', 'doctor'])).toBe(1);
    const text = output.join('');
    expect(text).toContain(
      'MISSING temporal           $TEMPORAL_CLI_PATH=/nowhere/temporal is not an executable file',
    );
    expect(text).toMatch(/MISSING mlflow .* → run: bash scripts\/setup\.sh/);
    expect(text).toContain('not ready: run bash scripts/setup.sh');
  });

  it('needs no server executable when both servers are given by address', async () => {
    process.env['TEMPORAL_ADDRESS'] = '127.0.0.1:1';
    process.env['MLFLOW_TRACKING_URI'] = 'http://127.0.0.1:1';
    const report = await runDoctor();
    expect(report.ok).toBe(true);
    expect(report.checks.find((c) => c.name === 'temporal')).toMatchObject({
      ok: true,
      required: false,
      detail: 'not installed; not needed: TEMPORAL_ADDRESS=127.0.0.1:1',
    });
    expect(await main(['node', 'seedsweep', 'doctor', '--json'])).toBe(0);
    expect(JSON.parse(output.join('')).ok).toBe(true);
  });
});

describe('seedsweep setup', () => {
  it('reports the failed server step with its log and what to do, and exits 1', async () => {
    process.env['PYTHON'] = '/nowhere/python3';
    expect(await main(['node', 'seedsweep', 'setup', '--no-native'])).toBe(1);
    const text = output.join('');
    const cache = process.env['SEEDSWEEP_CACHE_DIR']!;
    expect(text).toContain(
      `FAILED temporal and mlflow: no usable Python (/nowhere/python3): /nowhere/python3 could not start: spawn /nowhere/python3 ENOENT (log: ${path.join(cache, 'logs', 'temporal-and-mlflow.log')}); install Python >= 3.10`,
    );
    expect(text).toContain('native TensorFlow backend skipped');
    expect(text).toContain('seedsweep is not ready: the embedded servers could not be installed');
  });
});
