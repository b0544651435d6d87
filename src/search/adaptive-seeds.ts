/**
 * Adaptive seeds: how many seeds a paired comparison of two groups needs, decided as the results
 * arrive. A sweep spec such as
 *
 * ```yaml
 * seeds: { min: 3, max: 20, per_round: 1, until: { compare: [cnn, fc], metric: test_accuracy, ci_excludes: 0 } }
 * ```
 *
 * (camelCase here: `perRound`, `ciExcludes`, `widthBelow`) runs `min` seeds of both groups, then
 * after every round asks {@link decideSeeds} whether to add `perRound` more seeds or stop. The
 * interval is the always-valid confidence sequence of ./confidence-sequence.ts for the mean paired
 * difference a − b over the complete pairs ({@link completePairs}), so looking after every round does
 * not inflate the error rate: the reported interval covers the true mean difference with probability
 * ≥ 1 − alpha however the stopping went.
 *
 * Pure and workflow-safe.
 */
import { firstBoundedN, tConfidenceSequence, type MeanInterval } from './confidence-sequence.js';
import { describeValue, formatValue } from './pruning.js';

/** The `seeds` spec of an adaptive comparison (camelCase; the YAML spelling is snake_case). */
export interface AdaptiveSeedsSpec {
  /** Seeds run before the first look (≥ 2). */
  min: number;
  /** The budget: seeds run at most (≥ min). */
  max: number;
  /** Seeds added per round when the interval has not settled. @default 1 */
  perRound?: number;
  /** Error probability of the confidence sequence. @default 0.05 */
  alpha?: number;
  /** c of the confidence sequence (see confidence-sequence.ts). @default 0.5 */
  mixturePrecision?: number;
  /** When to stop early; exactly one of `ciExcludes` and `widthBelow`. */
  until: {
    /** The two groups compared, [a, b]; the interval is for the mean of a − b over paired seeds. */
    compare: readonly [string, string];
    /** The metric compared (for the reasons; the caller passes its values). */
    metric: string;
    /** Settled once the interval excludes this value (usually 0: the sign of a − b is known). */
    ciExcludes?: number;
    /** Settled once the interval is narrower than this. */
    widthBelow?: number;
  };
}

/** The spec with its defaults filled in. */
export type ResolvedSeedsSpec = Required<Omit<AdaptiveSeedsSpec, 'until'>> & {
  until: AdaptiveSeedsSpec['until'];
};

/** Thrown for an invalid adaptive-seeds spec or invalid outcomes, naming the field. */
export class AdaptiveSeedsError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'AdaptiveSeedsError';
    this.field = field;
  }
}

/** One seed's outcome in one group. */
export interface SeedOutcome {
  readonly seed: number;
  /** The compared metric at the trial's end; NaN, null or absent when it has none. */
  readonly value?: number | null;
  /** False when the trial did not run to its last epoch (stopped by a pruner, failed, cancelled). @default true */
  readonly complete?: boolean;
  /** Why it is incomplete, e.g. `stopped at epoch 3: rung 1 …`. */
  readonly note?: string;
}

/** A complete pair: both groups ran the seed to the end and have a value. */
export interface SeedPair {
  seed: number;
  a: number;
  b: number;
  /** a − b. */
  diff: number;
}

/** A seed left out of the paired comparison, and why. */
export interface DroppedSeed {
  seed: number;
  reason: string;
}

/**
 * The complete pairs of two groups' outcomes, by seed, and the seeds dropped with their reasons. A
 * paired comparison must use only complete pairs: a seed missing in one group, without a value, or
 * whose trial a pruner stopped early (its value is from a shorter training) would pair unlike with
 * unlike. Pairs and dropped seeds are in ascending seed order.
 * @param labels Names of the groups in the reasons. @default ['a', 'b']
 * @throws AdaptiveSeedsError when a group lists a seed twice or a seed is not an integer.
 */
export function completePairs(
  a: readonly SeedOutcome[],
  b: readonly SeedOutcome[],
  labels: readonly [string, string] = ['a', 'b'],
): { pairs: SeedPair[]; dropped: DroppedSeed[] } {
  const index = (outcomes: readonly SeedOutcome[], field: 'a' | 'b') => {
    const bySeed = new Map<number, SeedOutcome>();
    for (const o of outcomes) {
      if (!Number.isInteger(o.seed)) throw new AdaptiveSeedsError(field, `seed ${o.seed} is not an integer`);
      if (bySeed.has(o.seed)) throw new AdaptiveSeedsError(field, `seed ${o.seed} appears twice`);
      bySeed.set(o.seed, o);
    }
    return bySeed;
  };
  const sides = [index(a, 'a'), index(b, 'b')] as const;
  const seeds = [...new Set([...sides[0].keys(), ...sides[1].keys()])].sort((x, y) => x - y);
  const pairs: SeedPair[] = [];
  const dropped: DroppedSeed[] = [];
  for (const seed of seeds) {
    const problems: string[] = [];
    const values: number[] = [];
    sides.forEach((side, i) => {
      const label = labels[i]!;
      const o = side.get(seed);
      if (!o) return void problems.push(`no ${label} trial`);
      if (o.complete === false)
        return void problems.push(`${label} incomplete${o.note ? ` (${o.note})` : ''}`);
      const v = o.value;
      if (v === undefined || v === null || Number.isNaN(v))
        return void problems.push(`${label} has no value`);
      values.push(v);
    });
    if (problems.length > 0) dropped.push({ seed, reason: `seed ${seed}: ${problems.join('; ')}` });
    else pairs.push({ seed, a: values[0]!, b: values[1]!, diff: values[0]! - values[1]! });
  }
  return { pairs, dropped };
}

/** Why a decision was taken. */
export type SeedStatus = 'startup' | 'unsettled' | 'settled' | 'budget';

/** What {@link decideSeeds} answers after a round. */
export interface SeedDecision {
  /** Add seeds (`add` of them) or stop. */
  action: 'add' | 'stop';
  /** Seeds to add now; 0 when stopping. */
  add: number;
  status: SeedStatus;
  /** For people, e.g. `settled: CI (0.2, 1.1) excludes 0 after 8 pairs`. */
  reason: string;
  /** Distinct seeds run in either group so far. */
  seedsSpent: number;
  /** The confidence sequence for mean(a − b) over the complete pairs (n = number of pairs). */
  interval: MeanInterval;
  /** Seeds left out of the pairs, with reasons. */
  dropped: DroppedSeed[];
}

const SPEC_KEYS = ['min', 'max', 'perRound', 'alpha', 'mixturePrecision', 'until'];
const UNTIL_KEYS = ['compare', 'metric', 'ciExcludes', 'widthBelow'];
const SNAKE: Record<string, string> = {
  per_round: 'perRound',
  mixture_precision: 'mixturePrecision',
  ci_excludes: 'ciExcludes',
  width_below: 'widthBelow',
};

function objectAt(value: unknown, field: string, known: readonly string[]): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new AdaptiveSeedsError(field, `must be an object, got ${describeValue(value)}`);
  for (const key of Object.keys(value))
    if (!known.includes(key))
      throw new AdaptiveSeedsError(
        `${field}.${key}`,
        SNAKE[key]
          ? `unknown field; did you mean ${SNAKE[key]}?`
          : `unknown field (known: ${known.join(', ')})`,
      );
  return value as Record<string, unknown>;
}

function integerAt(
  o: Record<string, unknown>,
  key: string,
  field: string,
  min: number,
  fallback?: number,
): number {
  const v = o[key] ?? fallback;
  if (v === undefined) throw new AdaptiveSeedsError(`${field}.${key}`, 'is required');
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw new AdaptiveSeedsError(`${field}.${key}`, `must be an integer ≥ ${min}, got ${describeValue(v)}`);
  return v;
}

/**
 * Checks an adaptive-seeds spec and fills in its defaults.
 * @param field The spec's name in messages. @default 'seeds'
 * @throws AdaptiveSeedsError naming the first field at fault (`seeds.max`, `seeds.until.ciExcludes`…).
 */
export function resolveSeedsSpec(spec: unknown, field = 'seeds'): ResolvedSeedsSpec {
  const o = objectAt(spec, field, SPEC_KEYS);
  const min = integerAt(o, 'min', field, 2);
  const max = integerAt(o, 'max', field, 1);
  if (max < min) throw new AdaptiveSeedsError(`${field}.max`, `must be ≥ min (${min}), got ${max}`);
  const perRound = integerAt(o, 'perRound', field, 1, 1);
  const alpha = o['alpha'] ?? 0.05;
  if (typeof alpha !== 'number' || !(alpha > 0 && alpha < 1))
    throw new AdaptiveSeedsError(`${field}.alpha`, `must be a number in (0, 1), got ${describeValue(alpha)}`);
  const c = o['mixturePrecision'] ?? 0.5;
  if (typeof c !== 'number' || !(c > 0 && Number.isFinite(c)))
    throw new AdaptiveSeedsError(
      `${field}.mixturePrecision`,
      `must be a positive number, got ${describeValue(c)}`,
    );
  const u = objectAt(o['until'], `${field}.until`, UNTIL_KEYS);
  const compare = u['compare'];
  if (
    !Array.isArray(compare) ||
    compare.length !== 2 ||
    !compare.every((g) => typeof g === 'string' && g.length > 0) ||
    compare[0] === compare[1]
  )
    throw new AdaptiveSeedsError(
      `${field}.until.compare`,
      `must be two different group names [a, b], got ${JSON.stringify(compare) ?? 'nothing'}`,
    );
  const metric = u['metric'];
  if (typeof metric !== 'string' || metric.length === 0)
    throw new AdaptiveSeedsError(
      `${field}.until.metric`,
      `must be a metric name, got ${describeValue(metric)}`,
    );
  const { ciExcludes, widthBelow } = u;
  if ((ciExcludes === undefined) === (widthBelow === undefined))
    throw new AdaptiveSeedsError(`${field}.until`, 'needs exactly one of ciExcludes and widthBelow');
  if (ciExcludes !== undefined && (typeof ciExcludes !== 'number' || !Number.isFinite(ciExcludes)))
    throw new AdaptiveSeedsError(
      `${field}.until.ciExcludes`,
      `must be a finite number, got ${describeValue(ciExcludes)}`,
    );
  if (
    widthBelow !== undefined &&
    (typeof widthBelow !== 'number' || !(widthBelow > 0 && Number.isFinite(widthBelow)))
  )
    throw new AdaptiveSeedsError(
      `${field}.until.widthBelow`,
      `must be a positive number, got ${describeValue(widthBelow)}`,
    );
  return {
    min,
    max,
    perRound,
    alpha,
    mixturePrecision: c,
    until: {
      compare: [compare[0] as string, compare[1] as string],
      metric,
      ...(ciExcludes !== undefined ? { ciExcludes: ciExcludes as number } : {}),
      ...(widthBelow !== undefined ? { widthBelow: widthBelow as number } : {}),
    },
  };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * After a round, whether to add seeds or stop. Call it once every trial of the round has settled
 * (finished, stopped or failed); `a` and `b` are the outcomes of every seed run so far in the two
 * groups of `until.compare`. In order:
 *
 * 1. fewer than `min` seeds run → add the missing ones (`startup`);
 * 2. the interval over the complete pairs meets `until` → stop (`settled`);
 * 3. `max` seeds run → stop (`budget`);
 * 4. otherwise add min(perRound, max − spent) seeds (`unsettled`).
 *
 * @throws AdaptiveSeedsError for an invalid spec or outcomes.
 */
export function decideSeeds(
  spec: AdaptiveSeedsSpec,
  a: readonly SeedOutcome[],
  b: readonly SeedOutcome[],
): SeedDecision {
  const s = resolveSeedsSpec(spec);
  const { pairs, dropped } = completePairs(a, b, s.until.compare);
  const spent = new Set([...a.map((o) => o.seed), ...b.map((o) => o.seed)]).size;
  const options = { alpha: s.alpha, mixturePrecision: s.mixturePrecision };
  const interval = tConfidenceSequence(
    pairs.map((p) => p.diff),
    options,
  );
  const base = { seedsSpent: spent, interval, dropped };
  if (spent < s.min) {
    const add = s.min - spent;
    return {
      ...base,
      action: 'add',
      add,
      status: 'startup',
      reason: `${add === 1 ? 'seed' : `${add} seeds`} added: min is ${s.min} seeds, ${spent} run`,
    };
  }
  const { low, high, n } = interval;
  const ci = `(${formatValue(low, high)}, ${formatValue(high, low)})`;
  const after = `after ${plural(n, 'pair')}${dropped.length > 0 ? ` (${plural(dropped.length, 'seed')} dropped)` : ''}`;
  const bounded = Number.isFinite(low) && Number.isFinite(high);
  let settled: boolean;
  let state: string;
  if (!bounded) {
    settled = false;
    state = `CI still unbounded ${after} (bounded from ${firstBoundedN(options)} pairs at alpha ${s.alpha})`;
  } else if (s.until.ciExcludes !== undefined) {
    const v = s.until.ciExcludes;
    settled = low > v || high < v;
    state = settled
      ? `CI ${ci} excludes ${formatValue(v)} ${after}`
      : `CI still spans ${formatValue(v)} ${ci} ${after}`;
  } else {
    const w = s.until.widthBelow!;
    settled = high - low < w;
    state = `CI ${ci} width ${formatValue(high - low, w)} ${settled ? 'below' : 'not below'} ${formatValue(w, high - low)} ${after}`;
  }
  if (settled) return { ...base, action: 'stop', add: 0, status: 'settled', reason: `settled: ${state}` };
  if (spent >= s.max)
    return {
      ...base,
      action: 'stop',
      add: 0,
      status: 'budget',
      reason: `budget spent: ${plural(spent, 'seed')}; ${state}`,
    };
  const add = Math.min(s.perRound, s.max - spent);
  return {
    ...base,
    action: 'add',
    add,
    status: 'unsettled',
    reason: `${add === 1 ? 'seed' : `${add} seeds`} added: ${state}`,
  };
}
