/** `seedsweep package`: write a deployable bundle (model, server, Dockerfile) for a trained model. */
import type { Command } from 'commander';
import { userPath } from '../../../core/common/safe-names.js';
import { info, printJson } from '../output.js';
import { parseRunId, parseSweepReference } from '../sweep-argument.js';
import { resolveCliModel } from './serve.js';

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
