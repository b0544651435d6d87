/**
 * What a sweep workflow hands on at its end: the aggregation activity's input and the summary it
 * returns. Both are Temporal payloads whose size must not grow with the plan without bound (a
 * 1,000,000-trial sweep, `npm run bench:history`): trials without a result go as index sets by reason,
 * failures are listed up to a count. Pure and deterministic: workflow code.
 */
import {
  MISSING_LIST_MAX_BYTES,
  STOPPED_CURVES_MAX,
  STOPPED_CURVES_MAX_BYTES,
  type AggregateInput,
  type AggregateOutput,
  type SweepSummary,
  type SweepWorkflowInput,
} from '../shared/shared.js';
import type { FinalStatus, SweepState } from './sweep-state.js';

/** The smallest JSON of one `missing` entry (two 64-hex keys and the field names): ~180 bytes. */
const MIN_MISSING_ENTRY_BYTES = 180;

/** The aggregation activity's input (plannedKeys: an adaptive plan's keys as it grew). */
export function aggregateInput(options: {
  input: SweepWorkflowInput;
  sweep: SweepState;
  status: FinalStatus;
  plannedKeys?: string[];
}): AggregateInput & { plannedKeys?: string[] } {
  const { input, sweep } = options;
  const count = sweep.missingCount();
  // The list only while it is small: counted first, so a long one is never built.
  const list = count * MIN_MISSING_ENTRY_BYTES <= MISSING_LIST_MAX_BYTES ? sweep.missingTrials() : undefined;
  const sendList = list !== undefined && JSON.stringify(list).length <= MISSING_LIST_MAX_BYTES;
  const stoppedKeys = sweep.stoppedKeys();
  let stoppedCurves = sweep.stoppedCurves(STOPPED_CURVES_MAX);
  // Long curves (many epochs) halve the count until the JSON fits.
  while (stoppedCurves.length > 0 && JSON.stringify(stoppedCurves).length > STOPPED_CURVES_MAX_BYTES)
    stoppedCurves = sweep.stoppedCurves(Math.floor(stoppedCurves.length / 2));
  return {
    sweepId: input.sweepId,
    spec: input.spec,
    datasetFingerprint: input.datasetFingerprint,
    status: options.status.run,
    ...(input.reportDir ? { reportDir: input.reportDir } : {}),
    ...(sendList ? { missing: list } : {}),
    ...(count > 0 ? { missingSets: sweep.missingSets(), missingCount: count } : {}),
    ...(stoppedKeys.length > 0 ? { stoppedKeys } : {}),
    ...(stoppedCurves.length > 0 ? { stoppedCurves } : {}),
    ...(options.plannedKeys ? { plannedKeys: options.plannedKeys } : {}),
  };
}

/** What the workflow returns once aggregation is done. */
export function sweepSummary(options: {
  input: SweepWorkflowInput;
  sweep: SweepState;
  status: FinalStatus;
  report: AggregateOutput;
  plan?: string;
}): SweepSummary {
  const { input, sweep } = options;
  const { failures, notListed } = sweep.failures();
  return {
    sweepId: input.sweepId,
    sweepName: input.spec.name,
    status: options.status.summary,
    counts: sweep.counts(),
    failures,
    ...(notListed > 0 ? { failuresNotListed: notListed } : {}),
    report: options.report,
    continuedRuns: sweep.carried.continuedRuns,
    ...(options.plan !== undefined ? { plan: options.plan } : {}),
  };
}
