/**
 * What a planned sweep will cost, before it runs: wall time and trial-hours as a range, from the
 * seconds per epoch of earlier finished trials (or of a probe timed in this process). Pure: the caller
 * reads the samples (src/reporting/cost/history.ts) and says how many trials run at once.
 *
 * The range is the `quantiles` (10th and 90th percentile by default) of seconds per epoch × the trial's
 * epochs, summed over the plan's trials; wall time divides that by the concurrency, never below the
 * longest single trial. Trials are assumed to run every epoch (no pruning, no early stop), so a sweep
 * whose pruner stops trials costs less.
 */

/** One earlier finished trial as the estimate reads it. */
export interface CostSample {
  /** Its group key: config without the seed (and with the backend): the same configuration. */
  groupKey: string;
  /** `config.model`: the trainable (a built-in architecture or a user trainable's name). */
  model: string;
  /** The backend its config names (`wasm` when it names none). */
  backend: string;
  /** Seconds of each epoch it ran (positive, finite). */
  epochSeconds: number[];
}

/** One planned trial as the estimate reads it. */
export interface CostTrial {
  groupKey: string;
  groupLabel: string;
  model: string;
  /** `wasm` when the config names none. */
  backend: string;
  /** Epochs the trial may run. */
  epochs: number;
}

/** Seconds per epoch of one group measured in this process (`plan --probe`). */
export interface CostProbe {
  /** Seconds per epoch of the full data, extrapolated from what was timed. */
  secondsPerEpoch: number;
  /** What was timed, for the user (e.g. `16 batch(es) of 64 …, scaled ×48.8`). */
  timed: string;
}

/**
 * Where a group's seconds per epoch came from: earlier trials of the same configuration, earlier trials
 * of the same trainable and backend with other parameters, a probe, or nothing.
 */
export const CostMatch = {
  sameConfig: 'same-config',
  sameTrainable: 'same-trainable',
  probe: 'probe',
  none: 'none',
} as const;
export type CostMatch = (typeof CostMatch)[keyof typeof CostMatch];

/** A low–high range in seconds. */
export interface SecondsRange {
  low: number;
  high: number;
}

/** What the estimate says of one group of the plan. */
export interface GroupCost {
  groupKey: string;
  label: string;
  /** Planned trials of the group. */
  trials: number;
  /** Epochs each trial may run (the largest in the group). */
  epochs: number;
  match: CostMatch;
  /** Earlier trials read for it (0 for a probe or none). */
  samples: number;
  /** Epoch timings behind the range (0 for a probe or none). */
  measurements: number;
  /** A probe's account of what it timed. */
  probed?: string;
  /** Seconds per epoch: the low and high quantile; absent when nothing matched. */
  secondsPerEpoch?: SecondsRange;
}

/** The estimate of a plan. */
export interface CostEstimate {
  /** The quantiles of seconds per epoch behind `low` and `high`. */
  quantiles: [number, number];
  /** Trials running at once, assumed for the wall time. */
  concurrency: number;
  /** Where the concurrency came from, e.g. `spec concurrency 2, 4 worker thread(s)`. */
  concurrencyFrom: string;
  /** Planned trials. */
  trials: number;
  /** Planned trials with a basis (the totals count these only). */
  estimatedTrials: number;
  /** Summed training time of the estimated trials; absent when no trial has a basis. */
  trialSeconds?: SecondsRange;
  /** Wall time at `concurrency`; absent when no trial has a basis. */
  wallSeconds?: SecondsRange;
  groups: GroupCost[];
}

/** Default quantiles of seconds per epoch: the 10th and 90th percentile. */
export const DEFAULT_QUANTILES: [number, number] = [0.1, 0.9];

/** The `q` quantile of `values` (linear interpolation between order statistics, numpy's default). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new Error('quantile of no values');
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile ${q} is not within [0, 1]`);
  const sorted = [...values].sort((a, b) => a - b);
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (position - below) * (sorted[above]! - sorted[below]!);
}

/** The epoch times of samples, keeping only positive finite ones (a clock step makes nonsense). */
function epochTimes(samples: readonly CostSample[]): number[] {
  return samples.flatMap((s) => s.epochSeconds.filter((t) => Number.isFinite(t) && t > 0));
}

/** Trials running at once: the spec's concurrency, the worker threads and the plan's size, whichever is least. */
export function effectiveConcurrency(options: {
  /** The spec's `concurrency`. */
  specConcurrency: number;
  /** Training threads of the workers that will run the sweep. */
  threads: number;
  trials: number;
}): { concurrency: number; from: string } {
  const concurrency = Math.max(
    1,
    Math.min(options.specConcurrency, options.threads, Math.max(options.trials, 1)),
  );
  return {
    concurrency,
    from: `spec concurrency ${options.specConcurrency}, ${options.threads} worker thread(s)`,
  };
}

/**
 * The estimate of `trials` from `samples` (earlier finished trials) and `probes` (group key → a probe,
 * for groups without samples). A group matches the samples of its own group key; without any, the
 * samples of the same trainable on the same backend; without those, its probe, or else the probes of
 * other groups of the same trainable and backend; else nothing.
 */
export function estimateCost(options: {
  trials: readonly CostTrial[];
  samples: readonly CostSample[];
  probes?: ReadonlyMap<string, CostProbe>;
  concurrency: number;
  concurrencyFrom: string;
  /** @default DEFAULT_QUANTILES */
  quantiles?: [number, number];
}): CostEstimate {
  const [qLow, qHigh] = options.quantiles ?? DEFAULT_QUANTILES;
  const byGroup = new Map<string, CostSample[]>();
  const byTrainable = new Map<string, CostSample[]>();
  for (const sample of options.samples) {
    if (epochTimes([sample]).length === 0) continue;
    byGroup.set(sample.groupKey, [...(byGroup.get(sample.groupKey) ?? []), sample]);
    const trainable = `${sample.model}\u0000${sample.backend}`;
    byTrainable.set(trainable, [...(byTrainable.get(trainable) ?? []), sample]);
  }

  // Probes also stand for the groups of the same trainable and backend that were not probed.
  const probeRates = new Map<string, number[]>();
  const probedGroups = new Set<string>();
  for (const trial of options.trials) {
    const probe = options.probes?.get(trial.groupKey);
    if (!probe || probedGroups.has(trial.groupKey)) continue;
    probedGroups.add(trial.groupKey);
    const trainable = `${trial.model}\u0000${trial.backend}`;
    probeRates.set(trainable, [...(probeRates.get(trainable) ?? []), probe.secondsPerEpoch]);
  }

  /** Where a group's seconds per epoch come from, best basis first. */
  const matchOf = (trial: CostTrial): Match => {
    const trainable = `${trial.model}\u0000${trial.backend}`;
    const exact = byGroup.get(trial.groupKey);
    if (exact) return fromSamples(CostMatch.sameConfig, exact, qLow, qHigh);
    const similar = byTrainable.get(trainable);
    if (similar) return fromSamples(CostMatch.sameTrainable, similar, qLow, qHigh);
    const probe = options.probes?.get(trial.groupKey);
    if (probe)
      return {
        match: CostMatch.probe,
        samples: 0,
        measurements: 0,
        secondsPerEpoch: { low: probe.secondsPerEpoch, high: probe.secondsPerEpoch },
        probed: probe.timed,
      };
    const alike = probeRates.get(trainable);
    if (alike)
      return {
        match: CostMatch.probe,
        samples: 0,
        measurements: 0,
        secondsPerEpoch: { low: quantile(alike, qLow), high: quantile(alike, qHigh) },
        probed: `not probed itself: the probes of ${alike.length} other configuration(s) of this trainable`,
      };
    return { match: CostMatch.none, samples: 0, measurements: 0 };
  };

  const groups = new Map<string, GroupCost>();
  for (const trial of options.trials) {
    const known = groups.get(trial.groupKey);
    if (known) {
      known.trials += 1;
      known.epochs = Math.max(known.epochs, trial.epochs);
      continue;
    }
    const matched = matchOf(trial);
    groups.set(trial.groupKey, {
      groupKey: trial.groupKey,
      label: trial.groupLabel,
      trials: 1,
      epochs: trial.epochs,
      ...matched,
    });
  }

  let estimatedTrials = 0;
  const total: SecondsRange = { low: 0, high: 0 };
  const longest: SecondsRange = { low: 0, high: 0 };
  for (const trial of options.trials) {
    const rate = groups.get(trial.groupKey)?.secondsPerEpoch;
    if (!rate) continue;
    estimatedTrials += 1;
    const low = rate.low * trial.epochs;
    const high = rate.high * trial.epochs;
    total.low += low;
    total.high += high;
    longest.low = Math.max(longest.low, low);
    longest.high = Math.max(longest.high, high);
  }
  const concurrency = Math.max(1, options.concurrency);
  const estimate: CostEstimate = {
    quantiles: [qLow, qHigh],
    concurrency,
    concurrencyFrom: options.concurrencyFrom,
    trials: options.trials.length,
    estimatedTrials,
    groups: [...groups.values()],
  };
  if (estimatedTrials > 0) {
    estimate.trialSeconds = total;
    // Trials do not split: a sweep takes at least as long as its longest trial.
    estimate.wallSeconds = {
      low: Math.max(total.low / concurrency, longest.low),
      high: Math.max(total.high / concurrency, longest.high),
    };
  }
  return estimate;
}

/** How a group matched, and its seconds per epoch. */
type Match = Pick<GroupCost, 'match' | 'samples' | 'measurements' | 'secondsPerEpoch' | 'probed'>;

function fromSamples(match: CostMatch, samples: readonly CostSample[], qLow: number, qHigh: number): Match {
  const times = epochTimes(samples);
  return {
    match,
    samples: samples.length,
    measurements: times.length,
    secondsPerEpoch: { low: quantile(times, qLow), high: quantile(times, qHigh) },
  };
}
