/** The conv-study plug-in's per-trial metrics of the image classifier (accuracies, gap, convergence, throughput). */
import type { TrialRecord } from '../../core/domain/trial.js';
import { epochsToConverge } from './convergence.js';
import { mean } from './descriptive.js';
import type { MetricName } from './report-types.js';

const at = (m: Record<string, number>, name: string): number => m[name] ?? Number.NaN;

/** The per-trial value of every metric the conv-study plug-in summarises (NaN where the trial lacks it). */
export function studyTrialMetrics(options: {
  record: TrialRecord;
  /** Fraction of final test accuracy that counts as converged. @default 0.95 */
  convergenceFraction?: number;
}): Record<MetricName, number> {
  const { final, epochs } = options.record.result;
  return {
    finalTestAccuracy: at(final, 'testAccuracy'),
    finalTrainAccuracy: at(final, 'trainAccuracy'),
    finalTestLoss: at(final, 'testLoss'),
    generalisationGap: at(final, 'trainAccuracy') - at(final, 'testAccuracy'),
    epochsToConverge: epochsToConverge({ epochs, fraction: options.convergenceFraction }),
    epochSeconds: mean(epochs.map((e) => at(e, 'epochSeconds'))),
    imagesPerSecond: mean(epochs.map((e) => at(e, 'imagesPerSecond'))),
  };
}
