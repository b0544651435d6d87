/** `seedsweep package`: write a deployable bundle (model, server, Dockerfile) for a trained model. */
import type { Command } from 'commander';
import { UserError } from '../../../core/common/errors.js';
import { MAX_NAME_LENGTH, userPath } from '../../../core/common/safe-names.js';
import { info, printJson } from '../output.js';
import { parseSweepReference } from '../sweep-argument.js';
import { resolveCliModel } from './serve.js';

/**
 * `--run`: an MLflow run id (letters, digits, `-`, `_`), checked before it names a cache folder: a
 * 100,000-character id reached the file system as ENAMETOOLONG.
 */
export function parseRunId(value: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(value) && value.length <= MAX_NAME_LENGTH) return value;
  throw new UserError(
    'E_BAD_ARGUMENT',
    `--run ${JSON.stringify(value.slice(0, 60))}${value.length > 60 ? '…' : ''} is not an MLflow run id (letters, digits, - or _, at most ${MAX_NAME_LENGTH}).`,
  );
}

/** Options of the command, filled from the command line. */
export interface PackageOptions {
  run?: string;
  best?: string;
  modelDir?: string;
  /** Bundle folder to create. */
  out: string;
  force?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('package')
    .description(
      'Write a deployable bundle for any saved model: the model, model.tar.gz, a standalone inference server and a SageMaker-style Dockerfile.',
    )
    .option('--run <mlflow-run-id>', "package the run's model/ artifacts", parseRunId)
    .option(
      '--best <sweep>',
      "package the sweep's best finished trial by its objective (default: highest final test accuracy), trials reused from earlier sweeps included; a sweep id or name",
      (value: string) => parseSweepReference(value, '--best'),
    )
    .option('--model-dir <dir>', 'package a local model folder', (value: string) => {
      userPath(value, '--model-dir');
      return value;
    })
    // Checked before the model is looked up (a NUL byte or an empty path is no folder).
    .requiredOption('--out <dir>', 'bundle folder to create', (value: string) => {
      userPath(value, '--out');
      return value;
    })
    .option('--force', 'replace --out if it exists and is not empty')
    .option('--json', 'print one JSON document')
    .action(async (options: PackageOptions) => {
      const { writeDeployBundle } = await import('../../../serving/bundle.js');
      const { describeResolvedModel } = await import('../../../serving/model-source.js');
      const resolved = await resolveCliModel(options);
      const bundle = await writeDeployBundle({
        modelDir: resolved.dir,
        manifest: resolved.manifest,
        outDir: options.out,
        force: options.force ?? false,
        source: describeResolvedModel(resolved),
      });
      if (options.json)
        printJson({
          ...bundle,
          runId: resolved.runId,
          trialKey: resolved.trial?.trialKey ?? resolved.manifest.trialKey,
        });
      else
        info(
          `wrote ${bundle.dir} for ${describeResolvedModel(resolved)}; see its README.md and docs/deploy.md (the Dockerfile is not built by seedsweep)`,
        );
    });
}
