/**
 * ASHA, the asynchronous successive-halving algorithm (Li et al., "A System for Massively Parallel
 * Hyperparameter Tuning", MLSys 2020), in its **stopping** form, as Optuna's
 * `SuccessiveHalvingPruner` and Ray Tune's `ASHAScheduler` run it.
 *
 * Rungs sit at epochs r·η^k (k = 0, 1, …) below the max resource R: with r = 1, η = 3, R = 27 at
 * epochs 1, 3 and 9. When a trial reports a rung epoch, it is ranked among every trial of its group
 * that has reported that epoch so far, itself included (n of them). It goes on to the next rung when
 * it is in the top ⌊n/η⌋, or is the best of them while n < η; otherwise it stops for good. Ties go on.
 * Nothing is decided between rungs, and a trial that reaches R completes.
 *
 * How this differs from the paper's ASHA: there, a configuration that is not in the top 1/η when it
 * reaches a rung is only paused; a worker that frees up later promotes the best paused configuration
 * of the highest rung whose top ⌊n/η⌋ has grown to include it. A sweep's trials cannot be paused and
 * resumed by a pruner, so here "not in the top 1/η so far" means stop; the decision uses only the
 * results that have arrived (asynchronous: no rung ever waits to fill). Like the paper's version, it
 * favours trials that reach a rung early, when few have competed there (the first trial at a rung
 * always goes on); unlike it, it can also pass fewer than ⌊n/η⌋ of a rung's n trials in the end,
 * when the good ones arrived first and raised the bar for the rest (no paused trial is promoted
 * later). Brackets (Hyperband's early-stopping rates s > 0) are the same rule with a larger
 * `minResource`.
 *
 * Pure and workflow-safe.
 */
import type { Pruner, PruneDecision, PrunerContext, TrialReport } from './pruning.js';
import {
  PrunerError,
  checkOptionKeys,
  formatValue,
  groupValuesAt,
  integerOption,
  ordinal,
  subjectOf,
  valueAt,
} from './pruning.js';

/** Options of ASHA. Plain integers, so a spec can carry them. */
export interface AshaPrunerOptions {
  /** η: only the top 1/η of the trials at a rung go on; rungs are η times apart. @default 3 */
  reductionFactor?: number;
  /** r: the first rung's epoch, the least any trial trains. @default 1 */
  minResource?: number;
  /** R: the epochs a trial that is never stopped trains for (the trial's `epochs`). Required. */
  maxResource: number;
}

const KNOWN = ['reductionFactor', 'minResource', 'maxResource'] as const;

/**
 * The options of a successive-halving rule (ASHA, and each Hyperband bracket), checked and defaulted.
 * @throws PrunerError naming the first invalid option.
 */
export function halvingOptions(options: AshaPrunerOptions, rule: string): Required<AshaPrunerOptions> {
  const o = checkOptionKeys(options, KNOWN, rule);
  const reductionFactor = integerOption(o, 'reductionFactor', 3, 2);
  const minResource = integerOption(o, 'minResource', 1, 1);
  const maxResource = integerOption(o, 'maxResource', undefined, 1);
  if (maxResource < minResource)
    throw new PrunerError('maxResource', `must be ≥ minResource (${minResource}), got ${maxResource}`);
  return { reductionFactor, minResource, maxResource };
}

/** The rung epochs r·η^k below R, ascending. */
export function ashaRungs(options: Readonly<Required<AshaPrunerOptions>>): number[] {
  const rungs: number[] = [];
  for (let e = options.minResource; e < options.maxResource; e *= options.reductionFactor) rungs.push(e);
  return rungs;
}

/** How many of n trials at a rung go on: ⌊n/η⌋, but at least one. */
export function ashaKeep(n: number, reductionFactor: number): number {
  return Math.max(1, Math.floor(n / reductionFactor));
}

/** One rung of a group's ladder, as {@link ashaLadder} counts it. */
export interface AshaRungCount {
  /** 0-based rung index. */
  rung: number;
  epoch: number;
  /** Trials of the group with a (non-NaN) value at this rung's epoch. */
  reached: number;
  /** ⌊reached/η⌋ (at least 1): how many a synchronous successive halving would promote. */
  keep: number;
  /** Trials that have reported some epoch after this rung's: the ones that went on. */
  continued: number;
}

export class AshaPruner implements Pruner {
  readonly name = 'asha';
  readonly options: Readonly<Required<AshaPrunerOptions>>;
  /** The rung epochs, ascending. */
  readonly rungs: readonly number[];

  /** @throws PrunerError naming the first invalid option. */
  constructor(options: AshaPrunerOptions) {
    this.options = halvingOptions(options, 'asha');
    this.rungs = ashaRungs(this.options);
  }

  decide(context: PrunerContext): PruneDecision {
    const { report, value } = subjectOf(context);
    const { epoch, mode } = context;
    const { reductionFactor: eta, maxResource } = this.options;
    if (Number.isNaN(value))
      return { action: 'stop', reason: `epoch ${epoch}: the value is NaN (failed evaluation)`, compared: 0 };
    if (epoch >= maxResource)
      return {
        action: 'continue',
        reason: `epoch ${epoch}: the max resource (${maxResource} epochs) is reached; the trial completes`,
        compared: 0,
      };
    const rung = this.rungs.indexOf(epoch);
    if (rung < 0)
      return {
        action: 'continue',
        reason: `epoch ${epoch}: not a rung (rungs at epochs ${this.rungs.join(', ') || 'none'})`,
        compared: 0,
      };
    const others = groupValuesAt(context, report.group, epoch);
    const max = mode === 'max';
    const better = others.filter((v) => (max ? v > value : v < value)).length;
    const n = others.length + 1;
    const keep = ashaKeep(n, eta);
    const ranked = [...others, value].sort((a, b) => (max ? b - a : a - b));
    const cut = ranked[keep - 1]!;
    const goesOn = better < keep;
    const next = this.rungs[rung + 1] ?? maxResource;
    const head = `rung ${rung} (epoch ${epoch}): ${formatValue(value, cut)} ranks ${ordinal(better + 1)} of ${n} trial${n === 1 ? '' : 's'} in group ${report.group}`;
    const top = `the top ${keep} (1/${eta}${n < eta ? ', at least 1' : ''})`;
    return {
      action: goesOn ? 'continue' : 'stop',
      reason: goesOn ? `${head}; within ${top}: on to epoch ${next}` : `${head}; only ${top} go on`,
      cut,
      compared: others.length,
    };
  }
}

/**
 * The rung bookkeeping of one group, from the reports so far: per rung, how many trials reached it,
 * how many a synchronous halving would keep, and how many went on. Deciding on arrival lets more than
 * `keep` go on when good trials arrive late, and fewer when they arrive early.
 */
export function ashaLadder(
  trials: readonly TrialReport[],
  options: AshaPrunerOptions,
  group: string,
): AshaRungCount[] {
  const pruner = new AshaPruner(options);
  const members = trials.filter((t) => t.group === group);
  const lastEpoch = (t: TrialReport) =>
    Object.keys(t.values).reduce(
      (m, k) => (valueAt(t, Number(k)) !== undefined ? Math.max(m, Number(k)) : m),
      0,
    );
  return pruner.rungs.map((epoch, rung) => {
    const reached = members.filter((t) => {
      const v = valueAt(t, epoch);
      return v !== undefined && !Number.isNaN(v);
    }).length;
    return {
      rung,
      epoch,
      reached,
      keep: reached === 0 ? 0 : ashaKeep(reached, pruner.options.reductionFactor),
      continued: members.filter((t) => lastEpoch(t) > epoch).length,
    };
  });
}
