/**
 * `seedsweep train`: one trial, outside any sweep, through a one-thread training pool (the same code
 * path a worker uses). Ctrl-C stops it after the next epoch's checkpoint.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { SingleBar } from 'cli-progress';
import { Option, type Command } from 'commander';
import { UserError } from '../../common/errors.js';
import { loadSplit } from '../../datasets/index.js';
import { DatasetName, type DatasetSpec } from '../../datasets/types.js';
import { architectureNames, canonicalModelOptions, getArchitecture } from '../../engine/architectures.js';
import { BACKEND_PREFERENCE } from '../../engine/backend.js';
import { InjectedFaultError, TrialStoppedError } from '../../engine/errors.js';
import { TrialPool } from '../../engine/pool.js';
import { checkTrainSettings } from '../../engine/trainer.js';
import {
  OptimizerName,
  type EpochMetrics,
  type ImageEpochMetrics,
  type Trial,
  type TrialResult,
} from '../../engine/types.js';
import { info, isInteractive, printJson } from '../output.js';

/** Raw flags as commander fills them (strings: checked by {@link trialFromFlags}). */
export interface TrainFlags {
  model: string;
  seed: string;
  epochs: string;
  batchSize: string;
  learningRate: string;
  optimizer: string;
  dataset: string;
  dataPath?: string;
  trainSize?: string;
  testSize?: string;
  sliceSeed?: string;
  checkpointDir?: string;
  resume?: boolean;
  modelDir?: string;
  backend?: string;
  failAtEpoch?: string;
  json?: boolean;
  /** Model option flags (`--kernel-size` → `kernelSize`), present when given. */
  [modelOption: string]: string | boolean | undefined;
}

/** What `train` runs: the trial and where its files go. */
export interface TrainPlan {
  trial: Trial;
  checkpointDir?: string;
  resume: boolean;
  modelDir?: string;
  backend?: string;
  failAtEpoch?: number;
}

/** Every model option of every architecture, once: spec name → option name (camelCase). */
function modelOptionFlags(): Map<
  string,
  { optionName: string; kind: 'integer' | 'choice'; description: string; choices?: readonly string[] }
> {
  const flags = new Map<
    string,
    { optionName: string; kind: 'integer' | 'choice'; description: string; choices?: readonly string[] }
  >();
  for (const name of architectureNames()) {
    for (const [optionName, o] of Object.entries(getArchitecture(name).options)) {
      const existing = flags.get(o.specName);
      if (existing) existing.description += `; ${name}: default ${o.default}`;
      else
        flags.set(o.specName, {
          optionName,
          kind: o.kind,
          description: `${name}: ${o.description} (default ${o.default})`,
          ...(o.choices ? { choices: o.choices } : {}),
        });
    }
  }
  return flags;
}

function camel(flag: string): string {
  return flag.replace(/[-_]([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function integer(flag: string, raw: string, min: number): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < min)
    throw new UserError('E_BAD_ARGUMENT', `--${flag} must be an integer ≥ ${min}; got '${raw}'.`);
  return n;
}

/** Checks the flags and builds the trial; every bad value is a {@link UserError} naming the flag. */
export function trialFromFlags(flags: TrainFlags): TrainPlan {
  getArchitecture(flags.model); // unknown model: lists the known ones
  const modelOptions: Record<string, number | string> = {};
  for (const [specName, option] of modelOptionFlags()) {
    const raw = flags[camel(specName)];
    if (typeof raw !== 'string') continue;
    const own = Object.entries(getArchitecture(flags.model).options).find(([, o]) => o.specName === specName);
    if (!own)
      throw new UserError(
        'E_BAD_ARGUMENT',
        `--${specName.replace(/_/g, '-')} does not apply to model '${flags.model}'.`,
      );
    modelOptions[own[0]] =
      option.kind === 'integer' ? integer(specName.replace(/_/g, '-'), raw, Number.MIN_SAFE_INTEGER) : raw;
  }
  const canonical = canonicalModelOptions(flags.model, modelOptions);
  if (!(Object.values(DatasetName) as string[]).includes(flags.dataset)) {
    throw new UserError(
      'E_BAD_ARGUMENT',
      `--dataset must be one of ${Object.values(DatasetName).join(', ')}; got '${flags.dataset}'.`,
    );
  }
  const dataset: DatasetSpec = { name: flags.dataset as DatasetName };
  if (flags.dataPath !== undefined) {
    if (flags.dataset !== 'cifar10')
      throw new UserError('E_BAD_ARGUMENT', `--data-path is only used with --dataset cifar10.`);
    const resolved = path.resolve(flags.dataPath);
    if (!existsSync(resolved))
      throw new UserError(
        'E_DATA_PATH_MISSING',
        `--data-path ${flags.dataPath} does not exist; give cifar-10-binary.tar.gz or its extracted cifar-10-batches-bin folder.`,
      );
    dataset.path = resolved;
  }
  if (flags.trainSize !== undefined) dataset.trainSize = integer('train-size', flags.trainSize, 1);
  if (flags.testSize !== undefined) dataset.testSize = integer('test-size', flags.testSize, 1);
  if (flags.sliceSeed !== undefined) dataset.sliceSeed = integer('slice-seed', flags.sliceSeed, 0);
  const learningRate = Number(flags.learningRate);
  if (!Number.isFinite(learningRate) || learningRate <= 0)
    throw new UserError(
      'E_BAD_ARGUMENT',
      `--learning-rate must be a number > 0; got '${flags.learningRate}'.`,
    );
  const train = {
    epochs: integer('epochs', flags.epochs, 1),
    batchSize: integer('batch-size', flags.batchSize, 1),
    optimizer: flags.optimizer as OptimizerName,
    learningRate,
  };
  checkTrainSettings(train);
  if (flags.resume && !flags.checkpointDir)
    throw new UserError(
      'E_BAD_ARGUMENT',
      '--resume needs --checkpoint-dir (the folder holding the checkpoints to resume from).',
    );
  if (flags.backend !== undefined && !(BACKEND_PREFERENCE as readonly string[]).includes(flags.backend)) {
    throw new UserError(
      'E_BAD_ARGUMENT',
      `--backend must be one of ${BACKEND_PREFERENCE.join(', ')}; got '${flags.backend}'.`,
    );
  }
  return {
    trial: {
      seed: integer('seed', flags.seed, 0),
      config: { model: flags.model, modelOptions: canonical, train, dataset },
    },
    resume: flags.resume ?? false,
    ...(flags.checkpointDir ? { checkpointDir: path.resolve(flags.checkpointDir) } : {}),
    ...(flags.modelDir ? { modelDir: path.resolve(flags.modelDir) } : {}),
    ...(flags.backend ? { backend: flags.backend } : {}),
    ...(flags.failAtEpoch !== undefined
      ? { failAtEpoch: integer('fail-at-epoch', flags.failAtEpoch, 1) }
      : {}),
  };
}

function epochLine(metrics: EpochMetrics, epochs: number): string {
  const m = metrics as ImageEpochMetrics; // `train` runs the built-in image classifier
  return `epoch ${m.epoch}/${epochs}  train loss ${m.trainLoss.toFixed(4)} acc ${m.trainAccuracy.toFixed(4)}  test loss ${m.testLoss.toFixed(4)} acc ${m.testAccuracy.toFixed(4)}  ${m.imagesPerSecond.toFixed(0)} img/s  ${m.epochSeconds.toFixed(1)} s`;
}

/** Runs the plan on a one-thread pool, showing progress on stderr. */
export async function runTrain(
  plan: TrainPlan,
  options: { json?: boolean } = {},
): Promise<TrialResult<ImageEpochMetrics>> {
  const { trial } = plan;
  const epochs = trial.config.train.epochs;
  const pool = await TrialPool.create({
    threads: 1,
    ...(plan.backend ? { backend: plan.backend } : {}),
    loadDataset: async (spec) => {
      const split = await loadSplit({ spec, onProgress: info });
      return { value: split, fingerprint: split.fingerprint };
    },
  });
  const bar =
    isInteractive() && !options.json
      ? new SingleBar({
          format: 'training [{bar}] epoch {value}/{total} | {line}',
          hideCursor: true,
          stream: process.stderr,
        })
      : undefined;
  const controller = new AbortController();
  const onSigint = () => {
    info(
      'stopping after the current epoch (its checkpoint is written first); press Ctrl-C again to quit at once',
    );
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onSigint);
  try {
    bar?.start(epochs, 0, { line: 'starting' });
    const result = (await pool.run(
      {
        trial,
        resume: plan.resume,
        ...(plan.checkpointDir ? { checkpointDir: plan.checkpointDir } : {}),
        ...(plan.modelDir ? { modelDir: plan.modelDir } : {}),
        ...(plan.failAtEpoch !== undefined ? { failAtEpoch: plan.failAtEpoch } : {}),
      },
      {
        signal: controller.signal,
        onEpoch: (m) =>
          bar ? bar.update(m.epoch, { line: epochLine(m, epochs) }) : info(epochLine(m, epochs)),
      },
    )) as TrialResult<ImageEpochMetrics>;
    bar?.stop();
    return result;
  } catch (error) {
    bar?.stop();
    if (error instanceof InjectedFaultError) {
      throw new UserError(
        'E_INJECTED_FAULT',
        `${error.message}; run the same command with --resume (without --fail-at-epoch) to continue.`,
      );
    }
    if (error instanceof TrialStoppedError) {
      throw new UserError(
        'E_STOPPED',
        `stopped after epoch ${error.epoch}; run the same command with --resume to continue${plan.checkpointDir ? '' : ' (needs --checkpoint-dir)'}.`,
      );
    }
    throw error;
  } finally {
    process.removeListener('SIGINT', onSigint);
    await pool.destroy();
  }
}

export function register(program: Command): void {
  const command = program
    .command('train')
    .description('Train one trial (a model config and a seed) and print its per-epoch metrics.')
    .addOption(new Option('--model <name>', `architecture: ${architectureNames().join(', ')}`).default('cnn'))
    .option('--seed <n>', 'seed of weight init and data order', '0');
  for (const [specName, option] of modelOptionFlags()) {
    const flag = new Option(
      `--${specName.replace(/_/g, '-')} <${option.kind === 'integer' ? 'n' : 'value'}>`,
      option.description,
    );
    command.addOption(option.choices ? flag.choices(option.choices) : flag);
  }
  command
    .option('--epochs <n>', 'passes over the training slice', '10')
    .option('--batch-size <n>', 'images per gradient step', '64')
    .option('--learning-rate <x>', 'optimiser learning rate', '0.001')
    .addOption(
      new Option('--optimizer <name>', 'optimiser').choices(Object.values(OptimizerName)).default('adam'),
    )
    .addOption(
      new Option('--dataset <name>', 'dataset').choices(Object.values(DatasetName)).default('cifar10'),
    )
    .option(
      '--data-path <path>',
      'cifar10: cifar-10-binary.tar.gz or its extracted folder (default: cache, else download)',
    )
    .option('--train-size <n>', 'training images (seeded stratified slice; default: all)')
    .option('--test-size <n>', 'test images (seeded stratified slice; default: all)')
    .option('--slice-seed <n>', 'seed of the slice selection (default 0)')
    .option('--checkpoint-dir <dir>', 'write a checkpoint after every epoch here')
    .option('--resume', 'continue from the latest checkpoint in --checkpoint-dir')
    .option('--model-dir <dir>', 'save the trained model here (TF.js layers format + manifest)')
    .addOption(
      new Option('--backend <name>', 'TF.js backend (default: automatic)').choices([...BACKEND_PREFERENCE]),
    )
    .addOption(
      new Option(
        '--fail-at-epoch <n>',
        'test fault injection: exit with an error right after the checkpoint of epoch n',
      ).hideHelp(),
    )
    .option('--json', 'print one JSON document: the result, config, seed and backend')
    .action(async (flags: TrainFlags) => {
      const plan = trialFromFlags(flags);
      const result = await runTrain(plan, { json: flags.json ?? false });
      if (flags.json) printJson({ ...result, config: plan.trial.config, seed: plan.trial.seed });
      else
        info(
          `done${plan.trial.config.dataset.name === 'synthetic' ? ' (synthetic data)' : ''}: ${plan.trial.config.model} seed ${plan.trial.seed}: test accuracy ${result.final.testAccuracy.toFixed(4)}, ${(result.modelStats?.totalParams ?? 0).toLocaleString('en-US')} parameters, backend ${result.backend.name}${result.modelDir ? `, model in ${result.modelDir}` : ''}`,
        );
    });
}
