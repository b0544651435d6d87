/**
 * Nothing hangs after an error is printed. `run` used to install the Temporal SDK's runtime before
 * looking for the `temporal` executable: when that failed, the runtime (never given a connection) kept
 * the process alive and took over SIGTERM, so the CLI printed its error and never exited.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../../src/core/common/paths.js';
import { cliArgs } from '../../../cli-entry.js';

function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number) {
  return new Promise<{ status: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [...cliArgs(), ...args], {
      cwd: PACKAGE_ROOT,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stderr });
    });
  });
}

describe('the CLI after an error', () => {
  it('exits 2 when the temporal executable is missing, instead of hanging', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env['TEMPORAL_ADDRESS'];
    env['TEMPORAL_CLI_PATH'] = path.join(os.tmpdir(), 'no-such-dir', 'temporal');
    env['SEEDSWEEP_STATE_DIR'] = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-exit-'));
    const result = await runCli(['run', 'sweeps/quickstart.yaml'], env, 60_000);
    expect(result.stderr).toContain(
      `error[E_EXECUTABLE_MISSING]: $TEMPORAL_CLI_PATH is ${env['TEMPORAL_CLI_PATH']}, which is not an executable file.`,
    );
    expect({ status: result.status, signal: result.signal }).toEqual({ status: 2, signal: null });
  });
});
