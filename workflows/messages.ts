/**
 * The sweep workflow's query, signals and update, as module-level constants next to it. Clients and
 * activities import these (not the workflow) to address a running sweep.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { EpochDecision, EpochReport, ProgressQueryOptions, SweepProgress } from './types.js';

/** Per-trial and overall progress. Argument: {@link ProgressQueryOptions}. */
export const progressQuery = defineQuery<SweepProgress, [ProgressQueryOptions?]>('progress');
/** Stop the sweep: no new trials; running ones stop at their next epoch boundary, leaving checkpoints. */
export const cancelSignal = defineSignal('cancel');
/** Pause: no new trials; running ones stop at their next epoch boundary and wait, checkpointed, to be resumed. */
export const pauseSignal = defineSignal('pause');
/** Undo `pause`: paused trials continue from their checkpoints. */
export const resumeSignal = defineSignal('resume');
/** Sent by the training activity after each epoch; the answer says whether to go on or stop. */
export const reportEpochUpdate = defineUpdate<EpochDecision, [EpochReport]>('reportEpoch');
