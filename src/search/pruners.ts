/**
 * The pruner factory: a pruner from a plain spec object whose `rule` names it. Validation is plain
 * code (no zod, which workflow code should not pull in) and every error names its field.
 *
 * ```ts
 * const pruner = createPruner({ rule: 'asha', reductionFactor: 3, minResource: 1, maxResource: 27 });
 * // or { rule: 'hyperband', … } with the same options: brackets of ASHA (./hyperband.ts)
 * const { action, reason } = pruner.decide({ trials, mode: 'max', trial: key, epoch: 3 });
 * ```
 *
 * Pure and workflow-safe.
 */
import { AshaPruner, type AshaPrunerOptions } from './asha.js';
import { HyperbandPruner, type HyperbandPrunerOptions } from './hyperband.js';
import { MedianPruner, type MedianPrunerOptions } from './median-pruner.js';
import type { Pruner, PruneDecision, PrunerContext } from './pruning.js';
import { PrunerError, describeValue, subjectOf } from './pruning.js';

/** A pruner spec: the rule and its options, flat. Plain JSON, so a sweep spec or a payload can carry it. */
export type PrunerSpec =
  | ({ rule: 'median' } & MedianPrunerOptions)
  | ({ rule: 'asha' } & AshaPrunerOptions)
  | ({ rule: 'hyperband' } & HyperbandPrunerOptions)
  | { rule: 'none' };

/** The rule that never stops a trial (a sweep without pruning, through the same interface). */
export class NonePruner implements Pruner {
  readonly name = 'none';
  decide(context: PrunerContext): PruneDecision {
    subjectOf(context);
    return { action: 'continue', reason: `epoch ${context.epoch}: no pruning rule`, compared: 0 };
  }
}

const RULES: Record<PrunerSpec['rule'], (options: Record<string, unknown>) => Pruner> = {
  median: (options) => new MedianPruner(options as MedianPrunerOptions),
  asha: (options) => new AshaPruner(options as unknown as AshaPrunerOptions),
  hyperband: (options) => new HyperbandPruner(options as unknown as HyperbandPrunerOptions),
  none: (options) => {
    const extra = Object.keys(options)[0];
    if (extra !== undefined) throw new PrunerError(extra, `unknown option: the none rule takes no options`);
    return new NonePruner();
  },
};

/** The rule names `createPruner` knows. */
export function prunerRules(): string[] {
  return Object.keys(RULES);
}

/**
 * A pruner from its spec.
 * @throws PrunerError naming the field at fault: a missing or unknown `rule` (the message lists the
 * known ones), an unknown option, or an option out of range.
 */
export function createPruner(spec: PrunerSpec): Pruner;
export function createPruner(spec: unknown): Pruner;
export function createPruner(spec: unknown): Pruner {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec))
    throw new PrunerError('pruner', `must be an object with a rule, got ${describeValue(spec)}`);
  const { rule, ...options } = spec as Record<string, unknown>;
  if (rule === undefined) throw new PrunerError('rule', `is required (one of ${prunerRules().join(', ')})`);
  if (typeof rule !== 'string' || !Object.hasOwn(RULES, rule))
    throw new PrunerError('rule', `unknown rule ${describeValue(rule)} (known: ${prunerRules().join(', ')})`);
  return RULES[rule as PrunerSpec['rule']](options);
}
