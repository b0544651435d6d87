/**
 * The pruner interface: what decides, epoch by epoch, whether a running trial of an adaptive sweep
 * goes on or stops, in the style of Optuna's `BasePruner` (one small interface, one file per rule, a
 * factory by rule name in ./pruners.ts).
 *
 * PURE and WORKFLOW-SAFE, like the samplers: a pruner runs inside Temporal workflow code, so its
 * decision is a function of the history it is given and nothing else (no clock, no I/O, no
 * randomness). The workflow records every reported value in its history, so a replay rebuilds the same
 * context and gets the same decision.
 */
import type { ObjectiveMode } from '../core/domain/objective.js';

export type { ObjectiveMode } from '../core/domain/objective.js';

/**
 * One trial's reported intermediate values, as a pruner sees them.
 *
 * `group` is the pool a pruner compares within: a trial is only ever compared with trials of the same
 * group (e.g. every learning-rate variant of `cnn-k3`). It is not seedsweep's group key (a config
 * without its seed), which is `config` here. Putting the seed into the group id
 * (`cnn-k3/seed=4`) makes a pruner compare only trials that share their seed.
 */
export interface TrialReport {
  /** The trial's unique id (seedsweep's trial key: config, seed and dataset). */
  readonly key: string;
  /** The comparison group. */
  readonly group: string;
  /** The trial's config key (seedsweep's group key); several trials (seeds) may share it. Informational. */
  readonly config?: string;
  /**
   * The objective value per 1-based epoch, as reported so far: `{ 1: 0.31, 2: 0.38 }` (JSON turns the
   * keys into strings, which index the same way). NaN, or null (what JSON makes of NaN), marks a
   * failed evaluation: it is never compared, and a trial whose own value is NaN stops.
   */
  readonly values: Readonly<Record<number, number | null>>;
}

/** Everything a pruner may look at to decide about one trial at one epoch. */
export interface PrunerContext {
  /** Every trial of the sweep with what it has reported so far, including the one decided about. */
  readonly trials: readonly TrialReport[];
  /** Whether larger (`max`) or smaller (`min`) objective values are better. */
  readonly mode: ObjectiveMode;
  /** The key of the trial decided about. */
  readonly trial: string;
  /** The 1-based epoch it has just reported (its value at this epoch must be in its `values`). */
  readonly epoch: number;
}

/** A pruner's answer. */
export interface PruneDecision {
  readonly action: 'continue' | 'stop';
  /** Why, for people: e.g. `epoch 3: 0.412 below the median 0.455 of 6 trials in group cnn-k3`. */
  readonly reason: string;
  /** The threshold the trial's value was compared with, when there was a comparison. */
  readonly cut?: number;
  /** How many trials of the group the decision compared with (0 when none). */
  readonly compared: number;
}

/**
 * Decides whether a trial goes on after an epoch.
 *
 * Contract of every implementation:
 * - `decide` is a pure function of its options and the context: equal contexts give equal decisions,
 *   on every platform (replay-safe). Implementations are stateless and never mutate the context.
 * - A trial is compared only with other trials of its `group`, and only through values at the same
 *   epoch; trials of other groups never change a decision.
 * - A NaN (or null) value of the trial itself at the decided epoch stops it; NaN values of other trials
 *   are left out of every comparison. ±Infinity are ordinary values.
 * - `decide` throws `PrunerError` when the trial is not in `trials`, the epoch is not a positive
 *   integer, or the trial has reported nothing at that epoch.
 */
export interface Pruner {
  /** The rule name (`median`, `asha`, `none`). */
  readonly name: string;
  decide(context: PrunerContext): PruneDecision;
}

/** Thrown for invalid pruner options (naming the field) or an invalid decision context. */
export class PrunerError extends Error {
  /** The option or context field at fault. */
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'PrunerError';
    this.field = field;
  }
}

/** The value of a report at an epoch: a number, NaN for a failed evaluation (NaN or null), undefined when absent. */
export function valueAt(report: TrialReport, epoch: number): number | undefined {
  const v = report.values[epoch];
  if (v === undefined) return undefined;
  return v === null ? Number.NaN : v;
}

/** The trial decided about and its value at the epoch; throws PrunerError for an invalid context. */
export function subjectOf(context: PrunerContext): { report: TrialReport; value: number } {
  if (!Number.isInteger(context.epoch) || context.epoch < 1)
    throw new PrunerError('epoch', `must be a positive integer, got ${context.epoch}`);
  const report = context.trials.find((t) => t.key === context.trial);
  if (!report) throw new PrunerError('trial', `no trial '${context.trial}' in the context's trials`);
  const value = valueAt(report, context.epoch);
  if (value === undefined)
    throw new PrunerError(
      'epoch',
      `trial '${context.trial}' has reported no value at epoch ${context.epoch}`,
    );
  return { report, value };
}

/** Values of the other trials of `group` at `epoch`, NaN left out. */
export function groupValuesAt(context: PrunerContext, group: string, epoch: number): number[] {
  const values: number[] = [];
  for (const t of context.trials) {
    if (t.group !== group || t.key === context.trial) continue;
    const v = valueAt(t, epoch);
    if (v !== undefined && !Number.isNaN(v)) values.push(v);
  }
  return values;
}

/** Linear-interpolated percentile (numpy's default), p in [0, 100]; NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const low = sorted[lo]!;
  const high = sorted[hi]!;
  // Equal ends (including equal infinities) need no interpolation, which would give NaN for ∞ − ∞.
  return low === high ? low : low + (high - low) * (rank - lo);
}

/** A number for a reason string: 3 significant digits (more when needed to tell it from `other`). */
export function formatValue(x: number, other?: number): string {
  if (!Number.isFinite(x)) return String(x);
  for (let digits = 3; digits <= 17; digits += 1) {
    const text = show(x, digits);
    if (other === undefined || x === other || !Number.isFinite(other) || text !== show(other, digits))
      return text;
  }
  return String(x);
}

function show(x: number, digits: number): string {
  if (x !== 0 && (Math.abs(x) >= 1e6 || Math.abs(x) < 1e-4)) return x.toExponential(digits - 1);
  return String(Number(x.toPrecision(digits)));
}

/** An ordinal: 1st, 2nd, 3rd, 4th, 11th, 21st… (a non-integer gets `th`: 87.5th). */
export function ordinal(n: number): string {
  if (!Number.isInteger(n)) return `${formatValue(n)}th`;
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
}

/** Plain-object check and unknown-key rejection shared by the option validators. */
export function checkOptionKeys(
  options: unknown,
  known: readonly string[],
  what: string,
): Readonly<Record<string, unknown>> {
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new PrunerError(what, `options must be an object, got ${describeValue(options)}`);
  for (const key of Object.keys(options))
    if (!known.includes(key))
      throw new PrunerError(key, `unknown option of the ${what} pruner (known: ${known.join(', ')})`);
  return options as Record<string, unknown>;
}

/** A validated integer option (or its default when absent). */
export function integerOption(
  options: Readonly<Record<string, unknown>>,
  field: string,
  fallback: number | undefined,
  min: number,
): number {
  const v = options[field];
  if (v === undefined) {
    if (fallback === undefined) throw new PrunerError(field, 'is required');
    return fallback;
  }
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw new PrunerError(field, `must be an integer ≥ ${min}, got ${describeValue(v)}`);
  return v;
}

/** What a value looks like in an error message. */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (v === null || typeof v !== 'object') return String(v);
  return Array.isArray(v) ? 'an array' : 'an object';
}
