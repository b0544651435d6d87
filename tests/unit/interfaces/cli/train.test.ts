import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildProgram, main } from '../../../../src/interfaces/cli/main.js';
import { planTrain, type TrainFlags } from '../../../../src/interfaces/cli/commands/train.js';
import { PACKAGE_ROOT } from '../../../../src/core/common/paths.js';
import { cliArgs } from '../../../cli-entry.js';

const run = promisify(execFile);

/** Parses `train` arguments with the real parser and returns the plan, without training. */
async function planOf(args: string[]) {
  const program = buildProgram();
  const train = program.commands.find((c: Command) => c.name() === 'train')!;
  let flags: TrainFlags | undefined;
  let leftover: string[] = [];
  train.action(function (this: Command, f: TrainFlags) {
    flags = f;
    leftover = this.args;
  });
  await program.parseAsync(['node', 'seedsweep', 'train', ...args]);
  return planTrain(flags!, leftover);
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
  it('fills the study defaults (the built-in image classifier, Adam, 1e-3, batch 64, 10 epochs)', async () => {
    const plan = await planOf(['--dataset', 'synthetic']);
    expect(plan.trial).toEqual({
      seed: 0,
      config: {
        model: 'image-classifier',
        modelOptions: {},
        train: { epochs: 10, batchSize: 64, optimizer: 'adam', learningRate: 0.001 },
        dataset: { name: 'synthetic' },
      },
    });
    expect(plan.resume).toBe(false);
  });

  it('--param and --name value are the same parameter, with the spec names', async () => {
    const a = await planOf([
      '--dataset',
      'synthetic',
      '--model',
      'cnn',
      '--kernel-size',
      '5',
      '--padding=same',
    ]);
    const b = await planOf([
      '--dataset',
      'synthetic',
      '--param',
      'model=cnn',
      '--param',
      'kernel_size=5',
      '--param',
      'padding=same',
    ]);
    expect(a.trial.config.modelOptions).toEqual({ model: 'cnn', kernel_size: 5, padding: 'same' });
    expect(b.trial).toEqual(a.trial);
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
    expect(plan.trial.config.modelOptions).toEqual({ model: 'cnn', kernel_size: 5, padding: 'same' });
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
    [['--model', 'mlp'], 'E_BAD_PARAMS', 'model: unknown model "mlp"; known models: fc, cnn'],
    [
      ['--kernel-size', '0', '--dataset', 'synthetic'],
      'E_BAD_PARAMS',
      'kernel_size: expected an integer from 1 to 11; got 0',
    ],
    [
      ['--kernel-size', 'three', '--dataset', 'synthetic'],
      'E_BAD_PARAMS',
      'kernel_size: expected an integer from 1 to 11; got "three"',
    ],
    [
      ['--epoch', '3', '--dataset', 'synthetic'],
      'E_BAD_ARGUMENT',
      "--epoch is not a parameter of trainable 'image-classifier' (did you mean '--epochs'?)",
    ],
    [['--kernel-size', '--dataset', 'synthetic'], 'E_BAD_ARGUMENT', '--kernel-size needs a value'],
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
      'E_BAD_PARAMS',
      "'kernel_size' is a parameter of model cnn, not of fc (fc takes units1, units2)",
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

  it('trains a trainable named by --trainable, with its own parameters and no dataset by default', async () => {
    const ref = `${path.join(PACKAGE_ROOT, 'tests', 'fixtures', 'trainables', 'plain-functions.ts')}#trainDefined`;
    const plan = await planOf(['--trainable', ref, '--lr', '0.25', '--epochs', '2']);
    expect(plan.trial.config).toEqual({
      model: 'train@0',
      modelOptions: { lr: 0.25 },
      train: { epochs: 2 },
      dataset: { name: 'none' },
      trainable: { module: ref.split('#')[0], export: 'trainDefined' },
    });
    await expect(planOf(['--trainable', ref, '--lr', '2'])).rejects.toMatchObject({
      code: 'E_BAD_PARAMS',
      message: expect.stringContaining('lr:'),
    });
    await expect(planOf(['--trainable', ref, '--kernel-size', '3'])).rejects.toMatchObject({
      code: 'E_BAD_ARGUMENT',
      message: expect.stringContaining("--kernel-size is not a parameter of trainable 'train'"),
    });
  });

  it('rejects an unknown optimizer through the parser with exit 2', async () => {
    const result = await cli(['train', '--optimizer', 'lbfgs']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--optimizer.*lbfgs.*invalid/);
  });
});

describe('seedsweep models', () => {
  it("lists the built-in's parameters per model, with parameter counts and FLOPs, as JSON", async () => {
    const result = await cli(['models', '--json']);
    expect(result.code).toBe(0);
    const rows = JSON.parse(result.stdout) as {
      when: Record<string, unknown>;
      parameters: { name: string; default: unknown; allowed: string }[];
      stats: { totalParams: number; flopsPerImage: number };
    }[];
    expect(rows.map((r) => `${String(r.when['model'])}:${r.stats.totalParams}`)).toEqual([
      'fc:1707274',
      'cnn:315722',
    ]);
    expect(rows[1]!.stats.flopsPerImage).toBe(8_377_600);
    expect(rows[1]!.parameters.find((p) => p.name === 'kernel_size')).toMatchObject({
      default: 3,
      allowed: 'integer 1–11',
    });
  });

  it('computes the stats at the parameters given (--kernel-size 5: the cnn only)', async () => {
    const result = await cli(['models', '--kernel-size', '5', '--json']);
    expect(result.code).toBe(0);
    const rows = JSON.parse(result.stdout) as { stats: { totalParams: number } }[];
    expect(rows.map((r) => r.stats.totalParams)).toEqual([259_914]);
  });

  it("lists a trainable's parameters from its schema (--trainable)", async () => {
    const ref = `${path.join(PACKAGE_ROOT, 'tests', 'fixtures', 'trainables', 'plain-functions.ts')}#trainDefined`;
    const result = await cli(['models', '--trainable', ref, '--json']);
    expect(result.code).toBe(0);
    const rows = JSON.parse(result.stdout) as { trainable: string; parameters: unknown[]; stats?: unknown }[];
    expect(rows).toEqual([
      {
        trainable: 'train@0',
        when: {},
        parameters: [
          { name: 'lr', allowed: 'number > 0, ≤ 1' },
          { name: 'start', default: 0, allowed: 'number' },
        ],
      },
    ]);
  });

  it('names a parameter the trainable does not have', async () => {
    const result = await cli(['models', '--kernal-size', '5']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "--kernal-size is not a parameter of trainable 'image-classifier' (did you mean 'kernel_size'?)",
    );
  });
});

describe('seedsweep train: a spawned run', () => {
  it('prints one JSON document and gives identical metrics when run twice with the same seed', async () => {
    const args = [
      ...cliArgs(),
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
        (await run(process.execPath, args, { cwd: PACKAGE_ROOT, env: { ...process.env, CI: '1' } })).stdout,
      ) as Record<string, unknown> & { epochs: Record<string, number>[] };
    const [a, b] = [await once(), await once()];
    const stable = (r: typeof a) =>
      r.epochs.map(({ epochSeconds: _s, imagesPerSecond: _i, examplesPerSecond: _e, ...rest }) => rest);
    expect(stable(a)).toHaveLength(2);
    expect(stable(b)).toEqual(stable(a));
    expect(a).toMatchObject({
      seed: 7,
      backend: { name: 'wasm' },
      resumedFromEpoch: 0,
      config: {
        model: 'image-classifier',
        modelOptions: { model: 'fc', units1: 16, units2: 8 },
        train: { epochs: 2 },
      },
      modelStats: { totalParams: 3072 * 16 + 16 + (16 * 8 + 8) + (8 * 10 + 10) },
    });
  });
});
