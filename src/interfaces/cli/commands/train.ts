/**
 * `seedsweep train`: one trial of a trainable (the built-in image classifier unless `--trainable`
 * names another), outside any sweep, through a one-thread training pool (the same code path a worker
 * uses). Parameters come as `--param name=value` or `--name value` (src/interfaces/cli/trainable-args.ts), checked
 * by the trainable's schema before anything loads. Ctrl-C stops it after the next epoch's checkpoint.
 */
import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { UserError } from '../../../core/common/errors.js';
import { userPath } from '../../../core/common/safe-names.js';
import { BACKEND_PREFERENCE } from '../../../core/domain/backends.js';
import { DatasetName, type DatasetSpec } from '../../../datasets/types.js';
import { InjectedFaultError, TrialStoppedError } from '../../../training/runner/errors.js';
import {
  isImageEpochMetrics,
  OptimizerName,
  type EpochMetrics,
  type Trial,
  type TrialResult,
} from '../../../training/runner/types.js';
import type { ParamValue } from '../../../core/domain/trial.js';
import { info, isInteractive, printJson } from '../output.js';

/** Flags as commander fills them (strings: checked by {@link planTrain}). */
export interface TrainFlags {
  trainable?: string;
  param: string[];
  seed: string;
  epochs: string;
  batchSize?: string;
  learningRate?: string;
  optimizer?: string;
  dataset?: string;
  dataPath?: string;
  trainSize?: string;
  testSize?: string;
  sliceSeed?: string;
  datasetModule?: string;
  datasetOption: string[];
  checkpointDir?: string;
  resume?: boolean;
  modelDir?: string;
  backend?: string;
  failAtEpoch?: string;
  json?: boolean;
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

/** Dataset names `--dataset` takes: the built-in image datasets, or none. */
const DATASETS = [...Object.values(DatasetName), 'none'] as const;

function integer(flag: string, raw: string, min: number): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < min)
    throw new UserError('E_BAD_ARGUMENT', `--${flag} must be an integer ≥ ${min}; got '${raw}'.`);
  return n;
}

function positive(flag: string, raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new UserError('E_BAD_ARGUMENT', `--${flag} must be a number > 0; got '${raw}'.`);
  return n;
}

/** `name=value` items of `--dataset-option` as a plug-in's options. */
async function datasetOptions(items: readonly string[]): Promise<Record<string, ParamValue>> {
  const { paramsFromArgs } = await import('../trainable-args.js');
  return paramsFromArgs(items, []);
}

/**
 * The dataset: `--dataset-module` (a plug-in, with `--dataset-option`s), else `--dataset` (default:
 * cifar10 for the built-in image classifier, none for a trainable named with `--trainable`).
 */
async function datasetOf(flags: TrainFlags): Promise<DatasetSpec> {
  if (flags.datasetModule !== undefined) {
    for (const flag of ['dataset', 'dataPath', 'trainSize', 'testSize', 'sliceSeed'] as const)
      if (flags[flag] !== undefined)
        throw new UserError(
          'E_BAD_ARGUMENT',
          `--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is for the built-in datasets; give a plug-in's settings as --dataset-option name=value.`,
        );
    const { moduleRefOfFlag } = await import('../trainable-args.js');
    const ref = moduleRefOfFlag(flags.datasetModule, '--dataset-module');
    return {
      name: '',
      module: ref.module,
      export: ref.export,
      options: await datasetOptions(flags.datasetOption),
    };
  }
  if (flags.datasetOption.length > 0)
    throw new UserError('E_BAD_ARGUMENT', '--dataset-option needs --dataset-module (a dataset plug-in).');
  const name = flags.dataset ?? (flags.trainable === undefined ? DatasetName.cifar10 : 'none');
  if (!(DATASETS as readonly string[]).includes(name))
    throw new UserError('E_BAD_ARGUMENT', `--dataset must be one of ${DATASETS.join(', ')}; got '${name}'.`);
  const dataset: DatasetSpec = { name: name as DatasetName };
  if (flags.dataPath !== undefined) {
    if (name !== 'cifar10')
      throw new UserError('E_BAD_ARGUMENT', `--data-path is only used with --dataset cifar10.`);
    const resolved = userPath(flags.dataPath, '--data-path');
    if (!existsSync(resolved))
      throw new UserError(
        'E_DATA_PATH_MISSING',
        `--data-path ${flags.dataPath} does not exist; give cifar-10-binary.tar.gz or its extracted cifar-10-batches-bin folder.`,
      );
    dataset.path = resolved;
  }
  if (name === 'none') {
    for (const flag of ['trainSize', 'testSize', 'sliceSeed'] as const)
      if (flags[flag] !== undefined)
        throw new UserError(
          'E_BAD_ARGUMENT',
          `--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} needs --dataset cifar10 or synthetic.`,
        );
    return dataset;
  }
  if (flags.trainSize !== undefined) dataset.trainSize = integer('train-size', flags.trainSize, 1);
  if (flags.testSize !== undefined) dataset.testSize = integer('test-size', flags.testSize, 1);
  if (flags.sliceSeed !== undefined) dataset.sliceSeed = integer('slice-seed', flags.sliceSeed, 0);
  return dataset;
}

/** The command's own long options (for did-you-mean when a parameter name is unknown). */
let commandOptions: string[] = [];

/**
 * Checks the flags and parameters and builds the trial; every bad value is a {@link UserError}
 * naming the flag or parameter. `leftover` are the `--name value` arguments commander did not know.
 */
export async function planTrain(flags: TrainFlags, leftover: readonly string[] = []): Promise<TrainPlan> {
  const { checkParamNames, namedTrainable, paramsFromArgs } = await import('../trainable-args.js');
  const { parseTrainableParams } = await import('../../../training/runner/run-trainable.js');
  const named = await namedTrainable(flags.trainable);
  const params = paramsFromArgs(flags.param, leftover);
  checkParamNames(named, params, commandOptions);
  parseTrainableParams(named.trainable, params);
  const defaults = named.trainable.trainDefaults ?? {};
  const batchSize =
    flags.batchSize !== undefined ? integer('batch-size', flags.batchSize, 1) : defaults.batchSize;
  const learningRate =
    flags.learningRate !== undefined ? positive('learning-rate', flags.learningRate) : defaults.learningRate;
  const optimizer = (flags.optimizer as OptimizerName | undefined) ?? defaults.optimizer;
  const train = {
    epochs: integer('epochs', flags.epochs, 1),
    ...(batchSize !== undefined ? { batchSize } : {}),
    ...(optimizer !== undefined ? { optimizer } : {}),
    ...(learningRate !== undefined ? { learningRate } : {}),
  };
  const dataset = await datasetOf(flags);
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
      config: {
        model: named.model,
        modelOptions: params,
        train,
        dataset,
        ...(named.location ? { trainable: named.location } : {}),
      },
    },
    resume: flags.resume ?? false,
    // An empty folder or one with a NUL byte is refused here, not by fs in the middle of training.
    ...(flags.checkpointDir !== undefined
      ? { checkpointDir: userPath(flags.checkpointDir, '--checkpoint-dir') }
      : {}),
    ...(flags.modelDir !== undefined ? { modelDir: userPath(flags.modelDir, '--model-dir') } : {}),
    ...(flags.backend ? { backend: flags.backend } : {}),
    ...(flags.failAtEpoch !== undefined
      ? { failAtEpoch: integer('fail-at-epoch', flags.failAtEpoch, 1) }
      : {}),
  };
}

/** Numbers as a line shows them: 4 decimals below 1000, whole numbers above. */
const shown = (x: number) => (Math.abs(x) >= 1000 ? x.toFixed(0) : x.toFixed(4));

/** One epoch's line: the study's layout for the image classifier's metrics, else every metric. */
function epochLine(m: EpochMetrics, epochs: number): string {
  if (isImageEpochMetrics(m))
    return `epoch ${m.epoch}/${epochs}  train loss ${m.trainLoss.toFixed(4)} acc ${m.trainAccuracy.toFixed(4)}  test loss ${m.testLoss.toFixed(4)} acc ${m.testAccuracy.toFixed(4)}  ${m.imagesPerSecond.toFixed(0)} img/s  ${m.epochSeconds.toFixed(1)} s`;
  const { epoch, ...metrics } = m;
  return `epoch ${epoch}/${epochs}  ${Object.entries(metrics)
    .map(([name, value]) => `${name} ${shown(value)}`)
    .join('  ')}`;
}

/** The closing line: the trial, its final test accuracy (or every final metric), size, backend. */
function doneLine(plan: TrainPlan, result: TrialResult): string {
  const { config, seed } = plan.trial;
  const params = Object.entries(config.modelOptions).map(([k, v]) => `${k}=${v}`);
  const final = result.final;
  const outcome =
    typeof final['testAccuracy'] === 'number'
      ? `test accuracy ${final['testAccuracy'].toFixed(4)}`
      : Object.entries(final)
          .filter(([k]) => k !== 'epoch' && !/Seconds$|PerSecond$/.test(k))
          .map(([k, v]) => `${k} ${shown(v)}`)
          .join(', ');
  const size = result.modelStats
    ? `, ${result.modelStats.totalParams.toLocaleString('en-US')} parameters`
    : '';
  return `done${config.dataset.name === 'synthetic' ? ' (synthetic data)' : ''}: ${[config.model, ...params].join(' ')} seed ${seed}: ${outcome}${size}, backend ${result.backend.name}${result.modelDir ? `, model in ${result.modelDir}` : ''}`;
}

/** Runs the plan on a one-thread pool, showing progress on stderr. */
export async function runTrain(plan: TrainPlan, options: { json?: boolean } = {}): Promise<TrialResult> {
  const { TrialPool } = await import('../../../execution/pool.js');
  const { loadSplit } = await import('../../../datasets/index.js');
  const { isPluginDataset, loadDataset } = await import('../../../datasets/plugins.js');
  const { SingleBar } = await import('cli-progress');
  const { trial } = plan;
  const epochs = trial.config.train.epochs;
  const pool = await TrialPool.create({
    threads: 1,
    ...(plan.backend ? { backend: plan.backend } : {}),
    loadDataset: async (spec) => {
      if (spec.name === 'none' || isPluginDataset(spec)) return loadDataset(spec);
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
    )) as TrialResult;
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
    .description(
      'Train one trial (a trainable, its parameters and a seed) and print its per-epoch metrics. Parameters: --param name=value, or --name value (e.g. --model cnn --kernel-size 5); list them with seedsweep models.',
    )
    .option('--trainable <module#export>', 'the trainable (default: the built-in image classifier)')
    .option(
      '--param <name=value>',
      'a parameter of the trainable (repeatable); any other --name value is one too',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option('--seed <n>', 'seed of weight init and data order', '0')
    .option('--epochs <n>', 'passes over the training data', '10')
    .option(
      '--batch-size <n>',
      "examples per gradient step (default: the trainable's, 64 for the image classifier)",
    )
    .option(
      '--learning-rate <x>',
      "optimiser learning rate (default: the trainable's, 0.001 for the image classifier)",
    )
    .addOption(
      new Option(
        '--optimizer <name>',
        "optimiser (default: the trainable's, adam for the image classifier)",
      ).choices(Object.values(OptimizerName)),
    )
    .addOption(
      new Option('--dataset <name>', 'dataset (default: cifar10; none with --trainable)').choices([
        ...DATASETS,
      ]),
    )
    .option(
      '--data-path <path>',
      'cifar10: cifar-10-binary.tar.gz or its extracted folder (default: cache, else download)',
    )
    .option('--train-size <n>', 'training images (seeded stratified slice; default: all)')
    .option('--test-size <n>', 'test images (seeded stratified slice; default: all)')
    .option('--slice-seed <n>', 'seed of the slice selection (default 0)')
    .option('--dataset-module <module#export>', 'a dataset plug-in instead of --dataset')
    .option(
      '--dataset-option <name=value>',
      'an option of the --dataset-module plug-in (repeatable)',
      (v: string, all: string[]) => [...all, v],
      [],
    )
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
    // `--name value` of the trainable's parameters: not declared, read from the leftover arguments.
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async function (this: Command, flags: TrainFlags) {
      const plan = await planTrain(flags, this.args);
      const result = await runTrain(plan, { json: flags.json ?? false });
      if (flags.json) printJson({ ...result, config: plan.trial.config, seed: plan.trial.seed });
      else info(doneLine(plan, result));
    });
  commandOptions = command.options.map((o) => o.long ?? '').filter(Boolean);
}
