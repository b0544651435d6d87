/**
 * The cost estimate of a plan, end to end: find a tracking server without starting one, read the
 * earlier trials that match, probe what nothing matched when asked, estimate.
 */
import type { PlannedTrial } from '../../core/domain/trial.js';
import { MlflowClient } from '../../tracking/mlflow-client.js';
import {
  CostMatch,
  effectiveConcurrency,
  estimateCost,
  type CostEstimate,
  type CostTrial,
} from './estimate.js';
import { readCostSamples, trackerForPlan, type RunSearch } from './history.js';
import type { CostSample } from './estimate.js';

/** A planned trial as the estimate reads it (`wasm` when its config names no backend). */
export function costTrial(trial: PlannedTrial): CostTrial {
  return {
    groupKey: trial.groupKey,
    groupLabel: trial.groupLabel,
    model: trial.config.model,
    backend: trial.config.backend ?? 'wasm',
    epochs: trial.config.train.epochs,
  };
}

/** The estimate, or why there is none (one line for the user). */
export type PlanCost = { estimate: CostEstimate; note?: string } | { unavailable: string };

/**
 * The estimate of `trials` (expanded with the backend the sweep will run on). Without a tracking server
 * and without `probe`: `unavailable`. A tracking server that fails mid-way is a note, not an error: the
 * plan is still printed.
 */
export async function planCost(options: {
  trials: readonly PlannedTrial[];
  /** The spec's `concurrency`. */
  specConcurrency: number;
  /** Training threads of the workers that will run it. */
  threads: number;
  /** State folder of the embedded tracking server. */
  stateDir: string;
  /** Time the groups nothing matched in this process (`--probe`). */
  probe: boolean;
  /** The sweep's backend, for the probe. */
  backend?: string;
  onProbe?: (label: string) => void;
  /** Test seam: the run search to read (skips finding a server). */
  search?: RunSearch;
}): Promise<PlanCost> {
  const trials = options.trials.map(costTrial);
  let samples: CostSample[] = [];
  let note: string | undefined;
  let search = options.search;
  if (!search) {
    const tracker = await trackerForPlan({ stateDir: options.stateDir });
    if ('uri' in tracker)
      search = MlflowClient.fromEnv({ trackingUri: tracker.uri, maxRetries: 1, timeoutMs: 15_000 });
    else if (!options.probe) return { unavailable: tracker.unavailable };
    else note = `${tracker.unavailable}: every group probed`;
  }
  if (search) {
    const modelOf = new Map(trials.map((t) => [t.groupKey, t.model]));
    try {
      samples = await readCostSamples({ client: search, groupKeys: [...modelOf.keys()], modelOf });
    } catch (error) {
      const why = `reading earlier trials from the tracking server failed (${(error as Error).message})`;
      if (!options.probe) return { unavailable: why };
      note = `${why}: every group probed`;
    }
  }
  const { concurrency, from } = effectiveConcurrency({
    specConcurrency: options.specConcurrency,
    threads: options.threads,
    trials: trials.length,
  });
  const base = { trials, samples, concurrency, concurrencyFrom: from };
  let estimate = estimateCost(base);
  if (options.probe) {
    const unmatched = new Set(
      estimate.groups.filter((g) => g.match === CostMatch.none).map((g) => g.groupKey),
    );
    if (unmatched.size > 0) {
      const { probeGroups } = await import('./probe.js');
      const probes = await probeGroups({
        trials: options.trials.filter((t) => unmatched.has(t.groupKey)),
        ...(options.backend !== undefined ? { backend: options.backend } : {}),
        ...(options.onProbe ? { onProbe: options.onProbe } : {}),
      });
      estimate = estimateCost({ ...base, probes });
    }
  }
  return note === undefined ? { estimate } : { estimate, note };
}
