/**
 * The state a sweep carries across continue-as-new (shape in shared.ts): the fresh one of a first run,
 * and the reader of what a previous run handed over. Runs continued by older workers carried trial
 * keys and per-trial lists (~46 KiB per 1,000 trials); they are read into the compact shape here, by
 * looking each key up in the plan once, so a sweep running through a worker upgrade goes on.
 * Pure and deterministic: workflow code.
 */
import type { CarriedState, LegacyCarriedState } from '../shared/shared.js';
import { encodeIndexSet } from './index-set.js';
import type { TrialPlan } from './trial-plan.js';

/** The state of a sweep's first run: nothing settled, not paused, not cancelled. */
export function initialCarriedState(): CarriedState {
  return {
    format: 2,
    skipped: 'r:',
    finished: 'r:',
    failed: {},
    earlyStopped: {},
    metricHistory: [],
    stopReasons: {},
    stopEpochs: {},
    cursor: 0,
    paused: false,
    cancelRequested: false,
    continuedRuns: 0,
  };
}

/** True for a state carried by older workers (trials by key). */
export function isLegacyCarriedState(state: CarriedState | LegacyCarriedState): state is LegacyCarriedState {
  return (state as Partial<CarriedState>).format !== 2;
}

/**
 * The carried state in the current shape: as it is, or converted from the older one with `plan` (the
 * plan re-derived by this run; keys it does not plan are dropped, as the older code ignored them).
 */
export function readCarriedState(
  state: CarriedState | LegacyCarriedState | undefined,
  plan: TrialPlan,
): CarriedState {
  if (state === undefined) return initialCarriedState();
  if (!isLegacyCarriedState(state)) return state;
  const indexOf = plan.keyIndex();
  const indices = (keys: Iterable<string>) =>
    [...keys].map((k) => indexOf.get(k)).filter((i): i is number => i !== undefined);
  // Record<key, v> → Record<index, v>, in the same (insertion) order.
  const byIndex = <V>(record: Record<string, V> | undefined): Record<string, V> => {
    const out: Record<string, V> = {};
    for (const [key, value] of Object.entries(record ?? {})) {
      const i = indexOf.get(key);
      if (i !== undefined) out[i] = value;
    }
    return out;
  };
  return {
    format: 2,
    skipped: encodeIndexSet(indices(state.alreadyFinished)),
    finished: encodeIndexSet(indices(state.finished)),
    failed: byIndex(state.failed),
    earlyStopped: byIndex(state.earlyStopped),
    // Kept as entries: the pruner sees settled trials in the order they settled.
    metricHistory: Object.entries(state.metricHistory).flatMap(([key, series]) => {
      const i = indexOf.get(key);
      return i === undefined ? [] : [[i, series] as [number, number[]]];
    }),
    stopReasons: byIndex(state.stopReasons),
    stopEpochs: byIndex(state.stopEpochs),
    cursor: state.cursor,
    paused: state.paused,
    cancelRequested: state.cancelRequested,
    continuedRuns: state.continuedRuns,
    ...(state.adaptive ? { adaptive: state.adaptive } : {}),
  };
}
