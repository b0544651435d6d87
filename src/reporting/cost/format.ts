/**
 * Cost estimates as text: the lines `plan` prints, the small record stored with a sweep at submission,
 * and the line a finished sweep's summary prints comparing that record with what happened.
 */
import type { CostEstimate, GroupCost, SecondsRange } from './estimate.js';
import { CostMatch } from './estimate.js';

/** Groups listed one per line under the estimate (the rest are counted). */
export const GROUP_LINES = 12;

/** Seconds as a short duration: `42 s`, `12.5 min`, `3.4 h`. */
export function duration(seconds: number): string {
  if (seconds < 90) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  if (seconds < 90 * 60) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** A range of durations in one unit where it reads well: `4.1–6.3 min`. */
export function durationRange(range: SecondsRange): string {
  const low = duration(range.low);
  const high = duration(range.high);
  if (low === high) return low;
  const unit = (text: string) => text.replace(/^[\d.]+ /, '');
  return unit(low) === unit(high) ? `${low.replace(/ .*$/, '')}–${high}` : `${low}–${high}`;
}

/** Trial-hours with two significant digits: `0.14`, `2.3`, `120`. */
export function hours(seconds: number): string {
  const h = seconds / 3600;
  return h >= 100 ? h.toFixed(0) : h.toPrecision(2);
}

/** Trial-hours of a range: `0.14–0.21`, or one figure when both ends print alike. */
export function hoursRange(range: SecondsRange): string {
  const low = hours(range.low);
  const high = hours(range.high);
  return low === high ? low : `${low}–${high}`;
}

const percentile = (q: number) => `${Math.round(q * 100)}th`;

function groupLine(group: GroupCost, backendOf: (g: GroupCost) => string): string {
  const rate = group.secondsPerEpoch;
  const head = `  ${group.label || '(all)'}: ${group.trials} trial(s)`;
  if (!rate) return `${head}: no basis`;
  const per = `${rate.low === rate.high ? rate.low.toPrecision(3) : `${rate.low.toPrecision(3)}–${rate.high.toPrecision(3)}`} s/epoch × ${group.epochs} epoch(s)`;
  switch (group.match) {
    case CostMatch.sameConfig:
      return `${head}, ${per}, from ${group.samples} earlier trial(s) of this configuration`;
    case CostMatch.sameTrainable:
      return `${head}, ${per}, from ${group.samples} earlier trial(s) of the same trainable on ${backendOf(group)} with other parameters (not this configuration)`;
    default:
      return `${head}, ${per}, a probe in this process: ${group.probed ?? 'one epoch timed'}`;
  }
}

/**
 * The estimate as `plan` prints it: the totals with their assumptions in one or two lines, then one
 * line per group (the first {@link GROUP_LINES}); one line when nothing matched.
 */
export function formatCostEstimate(
  estimate: CostEstimate,
  options: {
    /** The plan's backend, for the lines of groups matched by trainable. */ backend: string;
    /** Whether `--probe` was asked for (the hint to use it is then left out). */ probed?: boolean;
  },
): string[] {
  const { trialSeconds, wallSeconds } = estimate;
  if (!trialSeconds || !wallSeconds)
    return [
      `no estimate: no earlier finished trials of this trainable on ${options.backend} in the tracker${options.probed ? '' : " (add --probe to time one batch of each group's trainable here)"}`,
    ];
  const [qLow, qHigh] = estimate.quantiles;
  const lines = [
    `cost: wall ${durationRange(wallSeconds)}, trial time ${durationRange(trialSeconds)} (${hoursRange(trialSeconds)} trial-hours)` +
      ` (${percentile(qLow)}–${percentile(qHigh)} percentile of seconds per epoch × epochs, ${estimate.estimatedTrials} of ${estimate.trials} trial(s);` +
      ` assumes ${estimate.concurrency} trial(s) at once: ${estimate.concurrencyFrom}; every epoch run, none pruned; training only: start-up and the report add a fixed cost)`,
  ];
  const sorted = [...estimate.groups];
  lines.push(...sorted.slice(0, GROUP_LINES).map((g) => groupLine(g, () => options.backend)));
  if (sorted.length > GROUP_LINES) lines.push(`  … and ${sorted.length - GROUP_LINES} more group(s)`);
  const none = estimate.trials - estimate.estimatedTrials;
  if (none > 0)
    lines.push(
      `  ${none} trial(s) have no basis and are not counted${options.probed ? '' : ' (--probe times them here)'}`,
    );
  return lines;
}

/**
 * What is stored with a sweep at submission (its workflow memo: small, readable with the sweep's
 * description, no tracker needed): the totals, not the groups.
 */
export interface StoredEstimate {
  trials: number;
  estimatedTrials: number;
  concurrency: number;
  trialSeconds: SecondsRange;
  wallSeconds: SecondsRange;
  quantiles: [number, number];
  /** How many groups matched how (`same-config`, `same-trainable`, `probe`, `none`). */
  matches: Partial<Record<CostMatch, number>>;
}

/** The record of an estimate to store, or undefined when it estimates nothing. */
export function storedEstimate(estimate: CostEstimate): StoredEstimate | undefined {
  if (!estimate.trialSeconds || !estimate.wallSeconds) return undefined;
  const matches: Partial<Record<CostMatch, number>> = {};
  for (const g of estimate.groups) matches[g.match] = (matches[g.match] ?? 0) + 1;
  return {
    trials: estimate.trials,
    estimatedTrials: estimate.estimatedTrials,
    concurrency: estimate.concurrency,
    trialSeconds: estimate.trialSeconds,
    wallSeconds: estimate.wallSeconds,
    quantiles: estimate.quantiles,
    matches,
  };
}

/** True when `value` has the shape of a {@link StoredEstimate} (it comes back from a memo). */
export function isStoredEstimate(value: unknown): value is StoredEstimate {
  const v = value as Partial<StoredEstimate> | null | undefined;
  const range = (r: unknown) =>
    typeof r === 'object' &&
    r !== null &&
    Number.isFinite((r as SecondsRange).low) &&
    Number.isFinite((r as SecondsRange).high);
  return (
    typeof v === 'object' &&
    v !== null &&
    Number.isInteger(v.trials) &&
    Number.isInteger(v.estimatedTrials) &&
    range(v.trialSeconds) &&
    range(v.wallSeconds)
  );
}

/** What a finished sweep cost. */
export interface CostOutcome {
  /** Wall time of the sweep's runs, seconds. */
  wallSeconds: number;
  /** Summed training seconds of the trials trained by this sweep; absent when the tracker was not read. */
  trialSeconds?: number;
  /** Trials trained by this sweep (not reused, not failed). */
  trained: number;
}

/** Where an actual figure falls against an estimated range. */
export type CostPosition = 'below' | 'within' | 'above';

export function costPosition(actual: number, range: SecondsRange): CostPosition {
  if (actual < range.low) return 'below';
  if (actual > range.high) return 'above';
  return 'within';
}

/**
 * The estimate's trial seconds for the trials trained: it counts every planned trial, so when fewer
 * (reused, failed, stopped) or more were trained, it is scaled to them (`scale` ≠ 1 then).
 */
export function scaledTrialSeconds(
  estimate: StoredEstimate,
  trained: number,
): { range: SecondsRange; scale: number } {
  const scale =
    estimate.estimatedTrials > 0 && trained !== estimate.estimatedTrials
      ? trained / estimate.estimatedTrials
      : 1;
  return {
    range: { low: estimate.trialSeconds.low * scale, high: estimate.trialSeconds.high * scale },
    scale,
  };
}

/** The summary line comparing the estimate made at submission with what happened. */
export function formatCostComparison(estimate: StoredEstimate | undefined, outcome: CostOutcome): string {
  const actualTrial =
    outcome.trialSeconds === undefined
      ? ''
      : `, ${hours(outcome.trialSeconds)} trial-hours over ${outcome.trained} trained trial(s)`;
  const actual = `wall ${duration(outcome.wallSeconds)}${actualTrial}`;
  if (!estimate) return `cost: ${actual} (no estimate was made at submission)`;
  const { range: trialRange, scale } = scaledTrialSeconds(estimate, outcome.trained);
  const trialPart =
    outcome.trialSeconds === undefined
      ? ''
      : `; trial-hours ${hours(outcome.trialSeconds)} vs ${hoursRange(trialRange)}${scale === 1 ? '' : ` (the estimate of ${estimate.estimatedTrials} trial(s) scaled to the ${outcome.trained} trained)`}, ${costPosition(outcome.trialSeconds, trialRange)} the range`;
  return (
    `cost: estimated at submission wall ${durationRange(estimate.wallSeconds)}, ${hoursRange(estimate.trialSeconds)} trial-hours; ` +
    `actual wall ${duration(outcome.wallSeconds)} (start-up and report included), ${costPosition(outcome.wallSeconds, estimate.wallSeconds)} the range${trialPart}`
  );
}
