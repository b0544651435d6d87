/** Where the embedded servers' executables are looked for, and what is said when none is found. */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';
import {
  executableCandidates,
  findExecutable,
  requireExecutable,
} from '../../../src/services/local-server.js';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe('executable lookup', () => {
  it('looks in the repository .venv, then the per-user cache venv, then PATH', () => {
    const cache = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-cache-'));
    process.env['SEEDSWEEP_CACHE_DIR'] = cache;
    process.env['PATH'] = ['/opt/a', '/opt/b'].join(path.delimiter);
    delete process.env['TEMPORAL_CLI_PATH'];
    expect(executableCandidates('temporal', 'TEMPORAL_CLI_PATH')).toEqual([
      path.join(PACKAGE_ROOT, '.venv', 'bin', 'temporal'),
      path.join(cache, 'venv', 'bin', 'temporal'),
      '/opt/a/temporal',
      '/opt/b/temporal',
    ]);
  });

  it('finds it in the cache venv when the repository has none', () => {
    const cache = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-cache-'));
    process.env['SEEDSWEEP_CACHE_DIR'] = cache;
    mkdirSync(path.join(cache, 'venv', 'bin'), { recursive: true });
    const exe = path.join(cache, 'venv', 'bin', 'seedsweep-test-tool');
    writeFileSync(exe, '#!/bin/sh\n');
    chmodSync(exe, 0o755);
    expect(findExecutable('seedsweep-test-tool')).toBe(exe);
  });

  it('uses only the environment override when set, and says so when it is wrong', () => {
    process.env['MLFLOW_CLI_PATH'] = '/nowhere/mlflow';
    expect(executableCandidates('mlflow', 'MLFLOW_CLI_PATH')).toEqual(['/nowhere/mlflow']);
    expect(() => requireExecutable('mlflow', 'MLFLOW_CLI_PATH', 'install it')).toThrow(
      /\$MLFLOW_CLI_PATH is \/nowhere\/mlflow, which is not an executable file/,
    );
  });

  it('names the setup command and every place looked in when nothing is found', () => {
    process.env['SEEDSWEEP_CACHE_DIR'] = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-cache-'));
    process.env['PATH'] = '/opt/none';
    expect(() => requireExecutable('seedsweep-missing-tool', 'SEEDSWEEP_MISSING_TOOL', 'Run `x`.')).toThrow(
      /'seedsweep-missing-tool' was not found in .*\.venv\/bin, .*\/venv\/bin or PATH\. Run `x`\./,
    );
  });
});
