/** Logs an EDA report through the tracker: one run per EDA in experiment `seedsweep-eda`, files as artifacts. */
import path from 'node:path';
import type { LoggedRun, StandaloneMetric, Tracker } from '../../tracking/types.js';
import type { EdaReport } from './types.js';

/** Default experiment of EDA runs. */
export const EDA_EXPERIMENT = 'seedsweep-eda';

/** Options of {@link logEdaToMlflow}. */
export interface LogEdaOptions {
  tracker: Pick<Tracker, 'logStandaloneRun'>;
  report: EdaReport;
  /** Folder holding the report's files. */
  outDir: string;
  /** @default 'seedsweep-eda' */
  experimentName?: string;
}

/** Where the run went. */
export type LoggedEda = LoggedRun;

/**
 * Logs one run with the dataset as params, the key numbers as metrics (curves by distance as steps) and
 * the files as artifacts (`eda/<file>`). Sent right away: throws when the tracking server cannot be reached.
 */
export async function logEdaToMlflow(options: LogEdaOptions): Promise<LoggedEda> {
  const { tracker, report, outDir } = options;
  const { dataset, spatialCorrelation: corr } = report;
  const timestamp = Date.now();
  const metric = (key: string, value: number | null | undefined, step = 0): StandaloneMetric[] =>
    value === null || value === undefined || !Number.isFinite(value) ? [] : [{ key, value, timestamp, step }];
  const curves = (prefix: string, curve: EdaReport['spatialCorrelation']['images']['withinImage']) =>
    corr.distances.flatMap((d, i) => [
      ...metric(`${prefix}_horizontal`, curve.horizontal[i], d),
      ...metric(`${prefix}_vertical`, curve.vertical[i], d),
    ]);
  return tracker.logStandaloneRun({
    experiment: options.experimentName ?? EDA_EXPERIMENT,
    runName: `eda-${dataset.name}-${dataset.trainImages}-${dataset.testImages}`,
    tags: {
      'seedsweep.kind': 'eda',
      'seedsweep.dataset': dataset.name,
      'seedsweep.synthetic': String(dataset.synthetic),
      'seedsweep.dataset_fingerprint': dataset.splitFingerprint,
      'mlflow.note.content': report.checks
        .map((c) => `${c.id}: ${c.passed ? 'holds' : 'DOES NOT HOLD'} (${c.detail})`)
        .join('\n'),
    },
    params: {
      dataset: dataset.name,
      train_images: String(dataset.trainImages),
      test_images: String(dataset.testImages),
      slice_seed: String(dataset.spec.sliceSeed ?? 0),
      sample_seed: String(corr.sampleSeed),
      correlation_sample_size: String(corr.sampleSize),
      preprocessing: `${report.pixelRange.preprocessing.kind} 1/255`,
    },
    metrics: [
      ...metric('pixel_min_normalised', report.pixelRange.normalised.min),
      ...metric('pixel_max_normalised', report.pixelRange.normalised.max),
      ...report.channels.flatMap((c) => [
        ...metric(`mean_${c.channel}`, c.mean),
        ...metric(`std_${c.channel}`, c.std),
      ]),
      ...metric('balance_train_chi_square', report.classBalance.train.chiSquare),
      ...metric('balance_train_p', report.classBalance.train.pValue),
      ...metric('balance_test_chi_square', report.classBalance.test.chiSquare),
      ...metric('balance_test_p', report.classBalance.test.pValue),
      ...curves('corr_within', corr.images.withinImage),
      ...curves('corr_within_shuffled', corr.shuffledControl.withinImage),
      ...curves('corr_pooled', corr.images.pooled),
      ...curves('corr_pooled_shuffled', corr.shuffledControl.pooled),
      ...report.checks.map((c) => ({
        key: `check_${c.id.replace(/-/g, '_')}`,
        value: c.passed ? 1 : 0,
        timestamp,
        step: 0,
      })),
    ],
    files: report.files.map((file) => ({ localPath: path.join(outDir, file), artifactPath: `eda/${file}` })),
  });
}
