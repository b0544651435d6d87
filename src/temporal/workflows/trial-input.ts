/**
 * The training activity's input for one trial. Pure: unit-tested without Temporal. The key order is
 * part of the recorded activity payloads, so keep it.
 */
import type { PlannedTrial } from '../../sweep-spec/types.js';
import type { EarlyStoppingSpec } from '../../sweep-spec/schema.js';
import type { FaultInjection, TrainTrialInput } from '../shared/shared.js';

/** The epoch at which fault injection makes this trial fail, if it targets the trial. */
export function failAtEpochFor(
  faultInjection: FaultInjection | undefined,
  trialKey: string,
): number | undefined {
  return faultInjection && (!faultInjection.trialKeys || faultInjection.trialKeys.includes(trialKey))
    ? faultInjection.failAtEpoch
    : undefined;
}

export interface TrainTrialInputOptions {
  sweepId: string;
  trial: PlannedTrial;
  /** The sweep workflow's id: the activity sends its `reportEpoch` updates there. */
  workflowId: string;
  datasetFingerprint: string;
  faultInjection?: FaultInjection;
  /** With early stopping the activity returns the watched metric's per-epoch series. */
  earlyStopping?: EarlyStoppingSpec;
}

/** `trainTrial`'s argument: fault injection and the series metric only when they apply. */
export function trainTrialInput(options: TrainTrialInputOptions): TrainTrialInput {
  const { earlyStopping } = options;
  const failAtEpoch = failAtEpochFor(options.faultInjection, options.trial.trialKey);
  return {
    sweepId: options.sweepId,
    trial: options.trial,
    workflowId: options.workflowId,
    ...(failAtEpoch !== undefined ? { failAtEpoch } : {}),
    ...(earlyStopping ? { seriesMetric: earlyStopping.metric } : {}),
    datasetFingerprint: options.datasetFingerprint,
  };
}
