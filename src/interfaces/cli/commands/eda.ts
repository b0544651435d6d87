/** `seedsweep eda`: check the architectures' assumptions on a dataset; writes eda.md, eda.json, PNGs. */
import path from 'node:path';
import { Option, type Command } from 'commander';
import { UserError } from '../../../core/common/errors.js';
import { userPath } from '../../../core/common/safe-names.js';
import { DatasetName, type DatasetSpec } from '../../../datasets/types.js';
import type { EdaReport } from '../../../reporting/eda/index.js';
import { EDA_EXPERIMENT, logEdaToMlflow, type LoggedEda } from '../../../reporting/eda/track.js';
import { info, printJson } from '../output.js';

/** Raw flags as commander fills them. */
export interface EdaFlags {
  dataset: string;
  dataPath?: string;
  trainSize?: string;
  testSize?: string;
  sliceSeed?: string;
  sampleSeed?: string;
  correlationSample?: string;
  out?: string;
  json?: boolean;
  /** False with --no-track. */
  track: boolean;
}

/** What `eda` does, checked. */
export interface EdaPlan {
  spec: DatasetSpec;
  outDir: string;
  sampleSeed: number;
  correlationSampleSize: number;
  track: boolean;
  json: boolean;
}

function integer(flag: string, raw: string, min: number): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isSafeInteger(n) || n < min)
    throw new UserError('E_BAD_ARGUMENT', `--${flag} must be a whole number ≥ ${min}; got '${raw}'`);
  return n;
}

/** Turns flags into a plan; every bad value is a UserError naming the flag. */
export function edaPlanFromFlags(flags: EdaFlags): EdaPlan {
  const names = Object.values(DatasetName) as string[];
  if (!names.includes(flags.dataset))
    throw new UserError(
      'E_BAD_ARGUMENT',
      `--dataset '${flags.dataset}' is not known; use one of: ${names.join(', ')}`,
    );
  const spec: DatasetSpec = { name: flags.dataset as DatasetName };
  if (flags.dataPath !== undefined) {
    if (spec.name !== 'cifar10')
      throw new UserError('E_BAD_ARGUMENT', '--data-path only applies to --dataset cifar10');
    spec.path = userPath(flags.dataPath, '--data-path');
  }
  if (flags.trainSize !== undefined) spec.trainSize = integer('train-size', flags.trainSize, 1);
  if (flags.testSize !== undefined) spec.testSize = integer('test-size', flags.testSize, 1);
  if (flags.sliceSeed !== undefined) spec.sliceSeed = integer('slice-seed', flags.sliceSeed, 0);
  return {
    spec,
    outDir:
      flags.out !== undefined
        ? userPath(flags.out, '--out')
        : path.resolve(path.join('reports', `eda-${spec.name}`)),
    sampleSeed: flags.sampleSeed === undefined ? 0 : integer('sample-seed', flags.sampleSeed, 0),
    correlationSampleSize:
      flags.correlationSample === undefined
        ? 2000
        : integer('correlation-sample', flags.correlationSample, 1),
    track: flags.track,
    json: Boolean(flags.json),
  };
}

function fmt(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || Number.isNaN(value)) return 'n/a';
  return (Math.abs(value) < 0.5 * 10 ** -digits ? 0 : value).toFixed(digits);
}

/** The short human summary printed without --json. */
export function edaSummary(report: EdaReport, outDir: string, logged?: LoggedEda): string {
  const { dataset, channels, spatialCorrelation: corr } = report;
  const within = corr.images.withinImage;
  const control = corr.shuffledControl.withinImage;
  const lines = [
    `EDA of ${dataset.name}${dataset.synthetic ? ' (SYNTHETIC)' : ''}: ${dataset.trainImages.toLocaleString('en-US')} train / ${dataset.testImages.toLocaleString('en-US')} test images`,
    ...report.checks.map((c) => `  ${c.passed ? 'ok  ' : 'FAIL'} ${c.id.padEnd(17)} ${c.detail}`),
    `  channel mean (R G B) ${channels.map((c) => fmt(c.mean)).join(' ')}, std ${channels.map((c) => fmt(c.std)).join(' ')}`,
    `  within-image correlation by distance 1…${corr.distances.length} (horizontal): ${within.horizontal.map((v) => fmt(v, 2)).join(' ')}`,
    `  pixel-shuffled control                      : ${control.horizontal.map((v) => fmt(v, 2)).join(' ')}`,
    `  report: ${path.join(outDir, 'eda.md')}`,
  ];
  if (logged)
    lines.push(`  MLflow: experiment ${EDA_EXPERIMENT} (${logged.experimentId}), run ${logged.runId}`);
  return `${lines.join('\n')}\n`;
}

export function register(program: Command): void {
  program
    .command('eda')
    .description(
      "Check the architectures' assumptions on a dataset (shape, range, balance, spatial structure); writes eda.md, eda.json and sample PNGs and logs them to MLflow.",
    )
    .addOption(
      new Option('--dataset <name>', 'dataset').choices(Object.values(DatasetName)).default('cifar10'),
    )
    .option(
      '--data-path <path>',
      'cifar10: local cifar-10-binary.tar.gz or extracted cifar-10-batches-bin folder',
    )
    .option(
      '--train-size <n>',
      'training images (seeded stratified slice; default: the whole split, synthetic 5000)',
    )
    .option('--test-size <n>', 'test images (default: the whole split, synthetic 1000)')
    .option('--slice-seed <n>', 'seed of the slices (synthetic: of the generator)')
    .option('--sample-seed <n>', 'seed of the correlation sample, shuffled control and sample grid', '0')
    .option('--correlation-sample <n>', 'training images used for the spatial correlations', '2000')
    .option('--out <dir>', 'output folder (default reports/eda-<dataset>)')
    .option('--no-track', `do not log the report to MLflow (experiment ${EDA_EXPERIMENT})`)
    .option('--json', 'print the report as one JSON document')
    .action(async (flags: EdaFlags) => {
      const plan = edaPlanFromFlags(flags);
      const { runEda } = await import('../../../reporting/eda/index.js');
      const report = await runEda({
        spec: plan.spec,
        outDir: plan.outDir,
        sampleSeed: plan.sampleSeed,
        correlationSampleSize: plan.correlationSampleSize,
        onProgress: info,
      });
      let logged: LoggedEda | undefined;
      if (plan.track) {
        try {
          const { createTracker } = await import('../../../tracking/index.js');
          logged = await logEdaToMlflow({ tracker: await createTracker(), report, outDir: plan.outDir });
        } catch (error) {
          const reason = (error instanceof Error ? error.message : String(error)).trim();
          const end = /[.?!]$/.test(reason) ? '' : '.';
          throw new UserError(
            'E_EDA_TRACKING',
            `the EDA files are in ${plan.outDir}, but logging them to MLflow failed: ${reason}${end} Rerun with --no-track to skip MLflow.`,
            { cause: error },
          );
        }
      }
      if (plan.json) printJson({ ...report, outDir: plan.outDir, mlflow: logged ?? null });
      else process.stdout.write(edaSummary(report, plan.outDir, logged));
    });
}
