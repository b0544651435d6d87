/**
 * The plan addressed by index: the same trials, in the same order, as `expandSweep` (so histories of
 * running sweeps replay and carried plan indices keep their meaning), without hashing every key.
 */
import { describe, expect, it } from 'vitest';
import { expandSweep } from '../../../../src/sweep-spec/expand.js';
import { parseSweepSpec } from '../../../../src/sweep-spec/load.js';
import { AdaptivePlan, initialAdaptiveState } from '../../../../src/temporal/workflows/adaptive-plan.js';
import { TrialPlan } from '../../../../src/temporal/workflows/trial-plan.js';

const FINGERPRINT = 'f'.repeat(64);

/** A grid of 2 models × `rates` learning rates, crossed with `seeds` seeds. */
function gridSpec(rates: number, seeds: number, extra = '') {
  return parseSweepSpec({
    file: 'plan.yaml',
    text: `
name: plan
dataset: { name: synthetic, train_size: 200, test_size: 100 }
train: { epochs: 1, batch_size: 50 }
variants: { grid: { model: [fc, cnn], learning_rate: [${Array.from({ length: rates }, (_, i) => (i + 1) / 1000).join(', ')}] } }
seeds: ${seeds > 0 ? `{ count: ${seeds}, start: 0 }` : '[0, 1]'}
${extra}
`,
  });
}

describe('the plan addressed by index', () => {
  it('lists the trials expandSweep lists, in its order, with the same keys', () => {
    const spec = gridSpec(3, 4);
    const plan = new TrialPlan({ spec, datasetFingerprint: FINGERPRINT });
    plan.addSeeds(spec.seeds);
    const expanded = expandSweep({ spec, datasetFingerprint: FINGERPRINT });
    expect(plan.size).toBe(24);
    expect(plan.trials()).toEqual(expanded);
    expect(plan.groupAndSeed(13)).toEqual({ groupKey: expanded[13]!.groupKey, seed: expanded[13]!.seed });
    expect(plan.keyIndex().get(expanded[17]!.trialKey)).toBe(17);
    expect(() => plan.trial(24)).toThrow('no trial 24 in a plan of 24');
  });

  it("re-derives an adaptive-seeds sweep's rounds as expandSweep listed them, with their reason", () => {
    const spec = parseSweepSpec({
      file: 'adaptive.yaml',
      text: `
name: adaptive
dataset: { name: synthetic, train_size: 200, test_size: 100 }
train: { epochs: 1, batch_size: 50 }
variants: { grid: { model: [fc, cnn] } }
seeds: { min: 2, max: 6, until: { compare: [{ model: cnn }, { model: fc }], metric: testAccuracy, ci_excludes: 0 } }
`,
    });
    const state = { ...initialAdaptiveState(), rounds: [{ seeds: [7, 9], reason: 'round 2: CI too wide' }] };
    const plan = new AdaptivePlan(spec, FINGERPRINT, state).plannedTrials();
    const first = expandSweep({ spec, datasetFingerprint: FINGERPRINT });
    const round = expandSweep({ spec, datasetFingerprint: FINGERPRINT, seeds: [7, 9] }).map((t) => ({
      ...t,
      reason: 'round 2: CI too wide',
    }));
    expect(plan.trials()).toEqual([...first, ...round]);
  });

  it('plans 32,000 trials without expanding them (expandSweep hashes every key)', () => {
    const spec = gridSpec(16, 1000);
    const started = performance.now();
    const plan = new TrialPlan({ spec, datasetFingerprint: FINGERPRINT });
    plan.addSeeds(spec.seeds);
    const first = plan.trial(0);
    const last = plan.trial(31_999);
    const planMs = performance.now() - started;
    expect(plan.size).toBe(32_000);
    expect([first.seed, last.seed]).toEqual([0, 999]);
    console.log(`32,000-trial plan: ${planMs.toFixed(1)} ms to address by index`);
    // expandSweep took 10.3 s for this plan on the 2-core machine; indexing hashes 32 group keys.
    expect(planMs).toBeLessThan(1000);
  });
});
