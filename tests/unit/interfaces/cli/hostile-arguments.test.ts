/**
 * What the command-line fuzz (tests/unit/fuzz/cli-args.fuzz.test.ts) found, kept as plain cases: each
 * command line ends in one `error[CODE]: …` line and exit 2, before any server is asked, where it used
 * to print "unexpected error" with a stack, reach a file system call with a NUL byte, or quietly take
 * `--limit x` as 50.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { edaPlanFromFlags, type EdaFlags } from '../../../../src/interfaces/cli/commands/eda.js';
import { planTrain, type TrainFlags } from '../../../../src/interfaces/cli/commands/train.js';
import { clipLines, MAX_ERROR_LINE } from '../../../../src/interfaces/cli/main.js';
import { runCliInProcess } from './run-cli.js';

const cli = (args: string[]) => runCliInProcess(args);

/** The one error line of a failed command, checked to be the only one. */
function errorLine(result: { code: number; stderr: string }): string {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stderr).not.toMatch(/unexpected error|\n\s+at /);
  const lines = result.stderr.split('\n').filter((line) => /^error(\[[A-Z0-9_]+\])?: /.test(line));
  expect(lines, result.stderr).toHaveLength(1);
  return lines[0]!;
}

const stateDir = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-hostile-args-'));

beforeEach(() => {
  // Were a command to get as far as a server, nothing would answer.
  vi.stubEnv('TEMPORAL_ADDRESS', '127.0.0.1:1');
  vi.stubEnv('MLFLOW_TRACKING_URI', 'http://127.0.0.1:1');
  vi.stubEnv('MLFLOW_HTTP_REQUEST_MAX_RETRIES', '0');
  vi.stubEnv('SEEDSWEEP_STATE_DIR', stateDir);
});
afterEach(() => vi.unstubAllEnvs());
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

describe('hostile command-line arguments', () => {
  it.skipIf(process.platform !== 'linux')(
    'a spec file the system cannot read is E_SPEC_UNREADABLE naming the spec, not a stack trace',
    async () => {
      expect(errorLine(await cli(['plan', '/proc/self/mem']))).toMatch(
        /^error\[E_SPEC_UNREADABLE\]: cannot read sweep spec \/proc\/self\/mem: the system reported an I\/O error \(EIO\)/,
      );
    },
  );

  it.each([['models'], ['train']])(
    '%s --trainable with a file URL the system cannot open is E_BAD_MODULE_REF',
    async (command) => {
      expect(errorLine(await cli([command, '--trainable', 'file://remote-host/m.ts#x']))).toMatch(
        /^error\[E_BAD_MODULE_REF\]: --trainable "file:\/\/remote-host\/m\.ts#x" is not a module reference/,
      );
    },
  );

  it('train --dataset-module with such a URL is E_BAD_MODULE_REF too', async () => {
    expect(errorLine(await cli(['train', '--dataset-module', 'file:///a%2Fb.ts#x']))).toMatch(
      /^error\[E_BAD_MODULE_REF\]: --dataset-module /,
    );
  });

  it('package --run with a run id no MLflow makes is refused before any lookup (it was ENAMETOOLONG)', async () => {
    const line = errorLine(await cli(['package', '--run', 'a'.repeat(100_000), '--out', 'bundle']));
    expect(line).toMatch(/^error\[E_BAD_ARGUMENT\]: --run "a+"… is not an MLflow run id/);
    expect(errorLine(await cli(['package', '--run', '../x', '--out', 'bundle']))).toMatch(/E_BAD_ARGUMENT/);
  });

  it.each([
    [['package', '--model-dir', 'a\u0000b', '--out', 'bundle'], /^error\[E_BAD_ARGUMENT\]: --model-dir /],
    [['serve', '--model-dir', 'a\u0000b'], /^error\[E_BAD_ARGUMENT\]: --model-dir /],
    [
      ['serve', '--run', 'a'.repeat(100_000)],
      /^error\[E_BAD_ARGUMENT\]: --run "a+"… is not an MLflow run id/,
    ],
    [['serve', '--best', 'a\u0001b'], /^error\[E_BAD_SWEEP_ID\]: --best /],
    [['package', '--model-dir', 'm', '--out', ''], /^error\[E_BAD_ARGUMENT\]: --out "" is empty/],
    [['package', '--best', 'a\u0001b', '--out', 'bundle'], /^error\[E_BAD_SWEEP_ID\]: --best /],
    [['export', 'x', '--out', ''], /^error\[E_BAD_ARGUMENT\]: --out "" is empty/],
    [['report', '../../x', '--format', 'html'], /^error\[E_UNSAFE_NAME\]: sweep id "..\/..\/x"/],
    [['report', 'x', '--out', 'a\u0000b'], /^error\[E_BAD_ARGUMENT\]: --out /],
    [['plan', 'quickstart', '--data-path', 'a\u0000b'], /^error\[E_BAD_ARGUMENT\]: --data-path /],
    [['run', 'quickstart', '--data-path', ''], /^error\[E_BAD_ARGUMENT\]: --data-path "" is empty/],
    [['list', '--limit', 'x'], /^error\[E_BAD_ARGUMENT\]: --limit must be a whole number ≥ 1; got 'x'/],
    [['list', '--limit', '-5'], /^error\[E_BAD_ARGUMENT\]: --limit must be a whole number ≥ 1; got '-5'/],
  ])('%j is one clear line, before any server is asked', async (args, expected) => {
    expect(errorLine(await cli(args))).toMatch(expected);
  });

  it('cuts an echoed 100,000-character argument to one readable line, saying how long it was', async () => {
    const huge = 'x'.repeat(100_000);
    for (const args of [['report', 'x', '--format', huge], [`--${huge}`]]) {
      const line = errorLine(await cli(args));
      expect(line.length).toBeLessThan(MAX_ERROR_LINE + 30);
      expect(line).toMatch(/… \(\d{6} characters\)$/);
    }
    expect(clipLines('short\nlines')).toBe('short\nlines');
  });

  it('train refuses an empty or NUL folder while planning, not in the middle of training', async () => {
    const flags: TrainFlags = { param: [], seed: '0', epochs: '1', datasetOption: [], dataset: 'none' };
    await expect(planTrain({ ...flags, checkpointDir: 'a\u0000b' })).rejects.toMatchObject({
      code: 'E_BAD_ARGUMENT',
      message: expect.stringMatching(/^--checkpoint-dir /),
    });
    await expect(planTrain({ ...flags, modelDir: '' })).rejects.toMatchObject({
      code: 'E_BAD_ARGUMENT',
      message: expect.stringMatching(/^--model-dir "" is empty/),
    });
  });

  it('eda refuses a NUL --out or --data-path while planning', () => {
    const flags: EdaFlags = { dataset: 'cifar10', track: false };
    expect(() => edaPlanFromFlags({ ...flags, out: 'a\u0000b' })).toThrow(/^--out /);
    expect(() => edaPlanFromFlags({ ...flags, dataPath: 'a\u0000b' })).toThrow(/^--data-path /);
  });
});
