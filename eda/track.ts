/** Logs an EDA report to MLflow: one run per EDA in experiment `seedsweep-eda`, files as artifacts. */
import path from 'node:path';
import type { MlflowClient } from '../tracking/mlflow-client.js';
import type { EdaReport } from './types.js';

/** Default experiment of EDA runs. */
export const EDA_EXPERIMENT = 'seedsweep-eda';

/** Options of {@link logEdaToMlflow}. */
export interface LogEdaOptions {
  client: MlflowClient;
  report: EdaReport;
  /** Folder holding the report's files. */
  outDir: string;
  /** @default 'seedsweep-eda' */
  experimentName?: string;
}

/** Where the run went. */
export interface LoggedEda {
  experimentId: string;
  runId: string;
}

/** Creates a run with the dataset as params, the key numbers as metrics (curves by distance as steps) and the files as artifacts. */
export async function logEdaToMlflow(options: LogEdaOptions): Promise<LoggedEda> {
  const { client, report, outDir } = options;
  const experimentId = await client.getOrCreateExperiment(options.experimentName ?? EDA_EXPERIMENT);
  const { dataset, spatialCorrelation: corr } = report;
  const run = await client.createRun({
    experimentId,
    runName: `eda-${dataset.name}-${dataset.trainImages}-${dataset.testImages}`,
    tags: {
      'seedsweep.kind': 'eda',
      'seedsweep.dataset': dataset.name,
      'seedsweep.synthetic': String(dataset.synthetic),
      'seedsweep.dataset_fingerprint': dataset.splitFingerprint,
      'mlflow.note.content': report.checks.map((c) => `${c.id}: ${c.passed ? 'holds' : 'DOES NOT HOLD'} (${c.detail})`).join('\n'),
    },
  });
  const timestamp = Date.now();
  const metric = (key: string, value: number | null | undefined, step = 0): { key: string; value: number; timestamp: number; step: number }[] =>
    value === null || value === undefined || !Number.isFinite(value) ? [] : [{ key, value, timestamp, step }];
  const curves = (prefix: string, curve: EdaReport['spatialCorrelation']['images']['withinImage']) =>
    corr.distances.flatMap((d, i) => [...metric(`${prefix}_horizontal`, curve.horizontal[i], d), ...metric(`${prefix}_vertical`, curve.vertical[i], d)]);
  await client.logBatch({
    runId: run.runId,
    params: [
      { key: 'dataset', value: dataset.name },
      { key: 'train_images', value: String(dataset.trainImages) },
      { key: 'test_images', value: String(dataset.testImages) },
      { key: 'slice_seed', value: String(dataset.spec.sliceSeed ?? 0) },
      { key: 'sample_seed', value: String(corr.sampleSeed) },
      { key: 'correlation_sample_size', value: String(corr.sampleSize) },
      { key: 'preprocessing', value: `${report.pixelRange.preprocessing.kind} 1/255` },
    ],
    metrics: [
      ...metric('pixel_min_normalised', report.pixelRange.normalised.min),
      ...metric('pixel_max_normalised', report.pixelRange.normalised.max),
      ...report.channels.flatMap((c) => [...metric(`mean_${c.channel}`, c.mean), ...metric(`std_${c.channel}`, c.std)]),
      ...metric('balance_train_chi_square', report.classBalance.train.chiSquare),
      ...metric('balance_train_p', report.classBalance.train.pValue),
      ...metric('balance_test_chi_square', report.classBalance.test.chiSquare),
      ...metric('balance_test_p', report.classBalance.test.pValue),
      ...curves('corr_within', corr.images.withinImage),
      ...curves('corr_within_shuffled', corr.shuffledControl.withinImage),
      ...curves('corr_pooled', corr.images.pooled),
      ...curves('corr_pooled_shuffled', corr.shuffledControl.pooled),
      ...report.checks.map((c) => ({ key: `check_${c.id.replace(/-/g, '_')}`, value: c.passed ? 1 : 0, timestamp, step: 0 })),
    ],
  });
  for (const file of report.files) await client.uploadArtifact({ runId: run.runId, localPath: path.join(outDir, file), artifactPath: `eda/${file}` });
  await client.updateRun({ runId: run.runId, status: 'FINISHED', endTime: Date.now() });
  return { experimentId, runId: run.runId };
}
