/**
 * The median rule, within a group, with a percentile option (Optuna's `MedianPruner` /
 * `PercentilePruner`): after the warm-up, a trial stops at epoch e when its value is worse than the
 * given percentile of the values the other trials of its group reported at epoch e.
 *
 * - `percentile` p is the share of trials kept, counted from the best end (Optuna's convention): 50
 *   is the median rule; 25 keeps only trials in the best quarter; 75 stops only the worst quarter. The
 *   cut is the (100 − p)-th percentile of the others' values when larger is better, the p-th when
 *   smaller is better (linear interpolation, numpy's default). A value equal to the cut goes on.
 * - The trial's value is its best value over epochs 1..e (`compare: 'best'`, Optuna's choice) or its
 *   value at e (`compare: 'last'`). The others' values are their values at e, whatever their state
 *   (running, finished, or stopped later than e).
 * - No stop at epochs 1..`warmupEpochs`, nor while fewer than `minTrials` other trials of the group
 *   have a value at e (the startup).
 *
 * Pure and workflow-safe.
 */
import type { Pruner, PruneDecision, PrunerContext } from './pruning.js';
import {
  PrunerError,
  checkOptionKeys,
  describeValue,
  formatValue,
  groupValuesAt,
  integerOption,
  ordinal,
  percentile,
  subjectOf,
  valueAt,
} from './pruning.js';

/** Options of the median (percentile) rule. Plain numbers and strings, so a spec can carry them. */
export interface MedianPrunerOptions {
  /** Percent of trials kept at each epoch, counted from the best (50: the median rule). In [0, 100]. @default 50 */
  percentile?: number;
  /** Other trials of the group that must have a value at the epoch before the rule stops anything. @default 5 */
  minTrials?: number;
  /** Epochs 1..warmupEpochs never stop. @default 0 */
  warmupEpochs?: number;
  /** Compare the trial's best value so far (`best`) or its value at the epoch (`last`). @default 'best' */
  compare?: 'best' | 'last';
}

const KNOWN = ['percentile', 'minTrials', 'warmupEpochs', 'compare'] as const;

export class MedianPruner implements Pruner {
  readonly name = 'median';
  readonly options: Readonly<Required<MedianPrunerOptions>>;

  /** @throws PrunerError naming the first invalid option. */
  constructor(options: MedianPrunerOptions = {}) {
    const o = checkOptionKeys(options, KNOWN, 'median');
    const p = o['percentile'] ?? 50;
    if (typeof p !== 'number' || !(p >= 0 && p <= 100))
      throw new PrunerError('percentile', `must be a number in [0, 100], got ${describeValue(p)}`);
    const compare = o['compare'] ?? 'best';
    if (compare !== 'best' && compare !== 'last')
      throw new PrunerError('compare', `must be 'best' or 'last', got ${describeValue(compare)}`);
    this.options = {
      percentile: p,
      minTrials: integerOption(o, 'minTrials', 5, 1),
      warmupEpochs: integerOption(o, 'warmupEpochs', 0, 0),
      compare,
    };
  }

  decide(context: PrunerContext): PruneDecision {
    const { report, value } = subjectOf(context);
    const { epoch, mode } = context;
    const { percentile: p, minTrials, warmupEpochs, compare } = this.options;
    const at = `epoch ${epoch}`;
    if (Number.isNaN(value))
      return { action: 'stop', reason: `${at}: the value is NaN (failed evaluation)`, compared: 0 };
    if (epoch <= warmupEpochs)
      return {
        action: 'continue',
        reason: `${at}: within the ${warmupEpochs} warm-up epoch${warmupEpochs === 1 ? '' : 's'}`,
        compared: 0,
      };
    const others = groupValuesAt(context, report.group, epoch);
    const inGroup = `in group ${report.group}`;
    if (others.length < minTrials)
      return {
        action: 'continue',
        reason: `${at}: only ${others.length} other trial${others.length === 1 ? '' : 's'} ${inGroup} reported this epoch (minTrials ${minTrials})`,
        compared: others.length,
      };
    const max = mode === 'max';
    let own = value;
    if (compare === 'best')
      for (let e = 1; e < epoch; e += 1) {
        const v = valueAt(report, e);
        if (v !== undefined && !Number.isNaN(v) && (max ? v > own : v < own)) own = v;
      }
    const cut = percentile(others, max ? 100 - p : p);
    const worse = max ? own < cut : own > cut;
    const cutName =
      p === 50 ? 'the median' : `the best-${formatValue(p)} % cut (${ordinal(max ? 100 - p : p)} percentile)`;
    const what = `${compare === 'best' ? 'best ' : ''}${formatValue(own, cut)}`;
    const relation = worse ? (max ? 'below' : 'above') : max ? 'not below' : 'not above';
    return {
      action: worse ? 'stop' : 'continue',
      reason: `${at}: ${what} ${relation} ${cutName} ${formatValue(cut, own)} of ${others.length} trials ${inGroup}`,
      cut,
      compared: others.length,
    };
  }
}
