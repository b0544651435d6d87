/**
 * Whether a value lies inside a parameter's distribution: what a configuration must satisfy to be
 * proposed in a search space it did not come from (a warm start's listed configurations and the
 * finished trials of earlier sweeps). Pure and workflow-safe.
 */
import type { Distribution } from './distributions.js';
import { choiceIndex } from './space.js';
import type { ParamValue } from './types.js';

/**
 * Why `value` is not a value of `distribution`, or undefined when it is one. Ranges are inclusive;
 * `int`/`logint` need an integer; `normal` takes any finite number; a `choice` value matches as the
 * grid does (`3` and `'3'` are the same value). A `q` step is not enforced: a value off the step is
 * still a point of the range the sampler models.
 */
export function outsideDistribution(distribution: Distribution, value: ParamValue): string | undefined {
  if (distribution.kind === 'choice')
    return choiceIndex(distribution.values, value) >= 0
      ? undefined
      : `${JSON.stringify(value)} is not one of ${JSON.stringify(distribution.values)}`;
  if (typeof value !== 'number' || !Number.isFinite(value))
    return `expected a finite number; found ${JSON.stringify(value)}`;
  if (distribution.kind === 'normal') return undefined;
  const { low, high } = distribution;
  if ((distribution.kind === 'int' || distribution.kind === 'logint') && !Number.isInteger(value))
    return `expected an integer in [${low}, ${high}]; found ${value}`;
  if (value < low || value > high) return `${value} is outside [${low}, ${high}]`;
  return undefined;
}
