/** The `seedsweep` executable runs the CLI however it is reached: directly or through a bin link (npx). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../../src/core/common/paths.js';

const version = (
  JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

describe('bin/seedsweep.js', () => {
  it('prints the version when run directly', () => {
    const out = execFileSync(
      process.execPath,
      [path.join(PACKAGE_ROOT, 'bin', 'seedsweep.js'), '--version'],
      { encoding: 'utf8' },
    );
    expect(out.trim()).toBe(version);
  });

  it('prints the version when run through a link, as node_modules/.bin/seedsweep is', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-bin-'));
    const link = path.join(dir, 'seedsweep');
    symlinkSync(path.join(PACKAGE_ROOT, 'bin', 'seedsweep.js'), link);
    const out = execFileSync(process.execPath, [link, '--version'], { encoding: 'utf8', cwd: dir });
    expect(out.trim()).toBe(version);
  });

  it('exits 2 with one line for a bad argument', () => {
    let code = 0;
    let stderr = '';
    try {
      execFileSync(
        process.execPath,
        [
          path.join(PACKAGE_ROOT, 'bin', 'seedsweep.js'),
          'train',
          '--model',
          'nope',
          '--dataset',
          'synthetic',
        ],
        { encoding: 'utf8', stdio: 'pipe' },
      );
    } catch (error) {
      code = (error as { status: number }).status;
      stderr = (error as { stderr: string }).stderr;
    }
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /^error\[E_BAD_PARAMS\]: .*model: unknown model "nope"; known models: fc, cnn\.$/m,
    );
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
