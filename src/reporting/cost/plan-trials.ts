/**
 * The trials a cost estimate counts. A fixed plan's are its expansion. A sampler sweep plans its
 * configurations while it runs, so its expansion lists few or none: the estimate adds stand-ins, points
 * drawn at random from the sampler's space (seeded by the sampler's seed) until the sampler's budget of
 * configurations is met, each on every seed. A stand-in's own configuration has rarely run before, so
 * it is mostly estimated from the trainable's earlier trials with other parameters.
 */
import { mulberry32 } from '../../core/common/random.js';
import type { PlannedTrial } from '../../core/domain/trial.js';
import { drawPoint } from '../../search/space.js';
import { expandSweep, trialsOfPoint } from '../../sweep-spec/expand.js';
import type { SweepSpec } from '../../sweep-spec/schema.js';

/** Why a stand-in trial is counted (its `reason`). */
export const STAND_IN_REASON = 'cost estimate: a random point standing in for a sampler proposal';

/** The planned trials and, for a sampler sweep, stand-ins up to its budget of configurations. */
export function costPlanTrials(options: { spec: SweepSpec; datasetFingerprint: string }): PlannedTrial[] {
  const { spec, datasetFingerprint } = options;
  const trials = expandSweep({ spec, datasetFingerprint });
  const sampler = spec.variants.sampler;
  if (!sampler) return trials;
  const missing = sampler.trials - new Set(trials.map((t) => t.groupKey)).size;
  const uniform = mulberry32(sampler.seed);
  for (let i = 0; i < missing; i++)
    trials.push(
      ...trialsOfPoint({
        spec,
        datasetFingerprint,
        point: drawPoint(sampler.params, uniform),
        seeds: spec.seeds,
        reason: STAND_IN_REASON,
      }),
    );
  return trials;
}
