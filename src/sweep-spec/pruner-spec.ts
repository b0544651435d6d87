/**
 * The one mapping from a spec's `early_stopping` rule to the search layer's pruner options: the spec
 * check builds a pruner from it at load, and the workflow builds the same pruner per trial, so what
 * load accepts is what runs. Workflow-safe (type imports only).
 */
import type { PrunerSpec } from '../search/index.js';
import type { EarlyStoppingSpec } from './schema.js';

/** The pruner options of `rule` for trials of `epochs` epochs (ASHA's and Hyperband's last rung). */
export function prunerSpecOf(rule: EarlyStoppingSpec, epochs: number): PrunerSpec {
  if (rule.rule === 'asha' || rule.rule === 'hyperband')
    return {
      rule: rule.rule,
      reductionFactor: rule.reductionFactor,
      minResource: rule.minResource,
      maxResource: epochs,
    };
  return {
    rule: 'median',
    percentile: rule.percentile,
    minTrials: rule.minTrials,
    warmupEpochs: rule.minEpochs - 1,
  };
}
