/** The trials a cost estimate counts: a fixed plan's own, a sampler sweep's up to its budget. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../../src/core/common/paths.js';
import { costPlanTrials, STAND_IN_REASON } from '../../../../src/reporting/cost/plan-trials.js';
import { expandSweep } from '../../../../src/sweep-spec/expand.js';
import { loadSweepSpec } from '../../../../src/sweep-spec/load.js';

const FINGERPRINT = 'f'.repeat(64);

describe('costPlanTrials', () => {
  it("is a fixed plan's expansion, keys unchanged", async () => {
    const spec = await loadSweepSpec(path.join(PACKAGE_ROOT, 'sweeps', 'tests', 'tiny-kernel-size.yaml'));
    expect(costPlanTrials({ spec, datasetFingerprint: FINGERPRINT })).toEqual(
      expandSweep({ spec, datasetFingerprint: FINGERPRINT }),
    );
  });

  it("adds random stand-ins up to a sampler's budget, each on every seed, the same ones every time", async () => {
    const spec = await loadSweepSpec(path.join(PACKAGE_ROOT, 'examples', 'adaptive', 'tpe-asha.yaml'));
    const sampler = spec.variants.sampler!;
    const trials = costPlanTrials({ spec, datasetFingerprint: FINGERPRINT });
    expect(new Set(trials.map((t) => t.groupKey)).size).toBe(sampler.trials);
    expect(trials).toHaveLength(sampler.trials * spec.seeds.length);
    const planned = expandSweep({ spec, datasetFingerprint: FINGERPRINT }).length;
    expect(trials.filter((t) => t.reason === STAND_IN_REASON)).toHaveLength(trials.length - planned);
    expect(costPlanTrials({ spec, datasetFingerprint: FINGERPRINT })).toEqual(trials);
  });
});
