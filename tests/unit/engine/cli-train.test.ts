import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildProgram, main } from '../../../cli/main.js';
import { trialFromFlags, type TrainFlags } from '../../../cli/commands/train.js';
import { PACKAGE_ROOT } from '../../../common/paths.js';

const run = promisify(execFile);

/** Parses `train` arguments with the real parser and returns the plan, without training. */
async function planOf(args: string[]) {
  const program = buildProgram();
  const train = program.commands.find((c: Command) => c.name() === 'train')!;
  let flags: TrainFlags | undefined;
  train.action((f: TrainFlags) => {
    flags = f;
  });
  await program.parseAsync(['node', 'seedsweep', 'train', ...args]);
  return trialFromFlags(flags!);
}

/** Runs the CLI in-process and returns its exit code and what it wrote to stderr/stdout. */
async function cli(args: string[]) {
  const err: string[] = [];
  const out: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation(
    (chunk: string | Uint8Array) => err.push(String(chunk)) > 0,
  );
  vi.spyOn(process.stdout, 'write').mockImplementation(
    (chunk: string | Uint8Array) => out.push(String(chunk)) > 0,
  );
  const code = await main(['node', 'seedsweep', ...args]);
  vi.restoreAllMocks();
  return { code, stderr: err.join(''), stdout: out.join('') };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('seedsweep train: parsing', () => {
  it('fills the study defaults (Adam, 1e-3, batch 64, 10 epochs, cnn 3×3)', async () => {
    const plan = await planOf(['--dataset', 'synthetic']);
    expect(plan.trial).toEqual({
      seed: 0,
      config: {
        model: 'cnn',
        modelOptions: { kernelSize: 3, filters1: 32, filters2: 64, padding: 'valid', denseUnits: 128 },
        train: { epochs: 10, batchSize: 64, optimizer: 'adam', learningRate: 0.001 },
        dataset: { name: 'synthetic' },
      },
    });
    expect(plan.resume).toBe(false);
  });

  it('maps every flag into the trial', async () => {
    const plan = await planOf([
      '--model',
      'cnn',
      '--kernel-size',
      '5',
      '--padding',
      'same',
      '--seed',
      '7',
      '--epochs',
      '2',
      '--batch-size',
      '32',
      '--learning-rate',
      '0.01',
      '--optimizer',
      'sgd',
      '--dataset',
      'synthetic',
      '--train-size',
      '100',
      '--test-size',
      '50',
      '--checkpoint-dir',
      'ck',
      '--resume',
      '--backend',
      'cpu',
    ]);
    expect(plan.trial.seed).toBe(7);
    expect(plan.trial.config.modelOptions).toMatchObject({ kernelSize: 5, padding: 'same' });
    expect(plan.trial.config.train).toEqual({
      epochs: 2,
      batchSize: 32,
      optimizer: 'sgd',
      learningRate: 0.01,
    });
    expect(plan.trial.config.dataset).toEqual({ name: 'synthetic', trainSize: 100, testSize: 50 });
    expect(plan.checkpointDir).toMatch(/\/ck$/);
    expect(plan).toMatchObject({ resume: true, backend: 'cpu' });
  });

  it.each([
    [['--model', 'mlp'], 'E_UNKNOWN_MODEL', "unknown model 'mlp'; known models: fc, cnn"],
    [
      ['--kernel-size', '0', '--dataset', 'synthetic'],
      'E_BAD_MODEL_OPTION',
      "'kernel_size' must be an integer from 1 to 11; got 0",
    ],
    [
      ['--kernel-size', 'three', '--dataset', 'synthetic'],
      'E_BAD_ARGUMENT',
      '--kernel-size must be an integer',
    ],
    [
      ['--epochs', '-1', '--dataset', 'synthetic'],
      'E_BAD_ARGUMENT',
      "--epochs must be an integer ≥ 1; got '-1'",
    ],
    [
      ['--learning-rate', '0', '--dataset', 'synthetic'],
      'E_BAD_ARGUMENT',
      '--learning-rate must be a number > 0',
    ],
    [
      ['--dataset', 'cifar10', '--data-path', '/nonexistent/cifar.tar.gz'],
      'E_DATA_PATH_MISSING',
      '--data-path /nonexistent/cifar.tar.gz does not exist',
    ],
    [
      ['--model', 'fc', '--kernel-size', '3', '--dataset', 'synthetic'],
      'E_BAD_ARGUMENT',
      "--kernel-size does not apply to model 'fc'",
    ],
    [['--resume', '--dataset', 'synthetic'], 'E_BAD_ARGUMENT', '--resume needs --checkpoint-dir'],
  ])('rejects %j with one line and exit 2', async (args, code, message) => {
    const result = await cli(['train', ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error[${code}]:`);
    expect(result.stderr).toContain(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects an unknown optimizer through the parser with exit 2', async () => {
    const result = await cli(['train', '--optimizer', 'lbfgs']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--optimizer.*lbfgs.*invalid/);
  });
});

describe('seedsweep models', () => {
  it('lists the registry with parameter counts and FLOPs as JSON', async () => {
    const result = await cli(['models', '--json']);
    expect(result.code).toBe(0);
    const rows = JSON.parse(result.stdout) as {
      model: string;
      modelOptions: Record<string, unknown>;
      stats: { totalParams: number; flopsPerImage: number };
    }[];
    expect(rows.map((r) => `${r.model}:${r.stats.totalParams}`)).toEqual([
      'fc:1707274',
      'cnn:315722',
      'cnn:259914',
    ]);
    expect(rows[1]!.stats.flopsPerImage).toBe(8_377_600);
  });
});

describe('seedsweep train: a spawned run', () => {
  it('prints one JSON document and gives identical metrics when run twice with the same seed', async () => {
    const args = [
      'tsx',
      'cli/main.ts',
      'train',
      '--model',
      'fc',
      '--units1',
      '16',
      '--units2',
      '8',
      '--seed',
      '7',
      '--epochs',
      '2',
      '--batch-size',
      '16',
      '--dataset',
      'synthetic',
      '--train-size',
      '80',
      '--test-size',
      '40',
      '--backend',
      'wasm',
      '--json',
    ];
    const once = async () =>
      JSON.parse(
        (await run('npx', args, { cwd: PACKAGE_ROOT, env: { ...process.env, CI: '1' } })).stdout,
      ) as Record<string, unknown> & { epochs: Record<string, number>[] };
    const [a, b] = [await once(), await once()];
    const stable = (r: typeof a) =>
      r.epochs.map(({ epochSeconds: _s, imagesPerSecond: _i, ...rest }) => rest);
    expect(stable(a)).toHaveLength(2);
    expect(stable(b)).toEqual(stable(a));
    expect(a).toMatchObject({
      seed: 7,
      backend: { name: 'wasm' },
      resumedFromEpoch: 0,
      config: { model: 'fc', train: { epochs: 2 } },
      modelStats: { totalParams: 3072 * 16 + 16 + (16 * 8 + 8) + (8 * 10 + 10) },
    });
  });
});
