/**
 * A multi-objective sampler sweep's plan (adaptive-plan.ts `propose`): the sampler gets each
 * configuration's mean of every objective over its seeds and each objective's direction, so NSGA-II
 * breeds from the Pareto ranks rather than from the first objective. The spec is
 * tests/fixtures/search/tiny-pareto.yaml (accuracy up, seconds per epoch down); outcomes are made up
 * per trial key, as the workflow would record them. A single-objective sweep's sampler sees what it
 * saw before (no `modes`, no `values`).
 */
import path from 'node:path';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { PACKAGE_ROOT } from '../../../../src/core/common/paths.js';
import type { ParamValue } from '../../../../src/core/domain/trial.js';
import { registerSampler, type SamplerContext } from '../../../../src/search/index.js';
import { loadSweepSpec } from '../../../../src/sweep-spec/load.js';
import type { SweepSpec } from '../../../../src/sweep-spec/schema.js';
import type { PlannedTrial } from '../../../../src/sweep-spec/types.js';
import type { AdaptiveCarried } from '../../../../src/temporal/shared/shared.js';
import { AdaptivePlan, type PlanOutcomes } from '../../../../src/temporal/workflows/adaptive-plan.js';
import { objectiveVector } from '../../../../src/temporal/workflows/trial-runner.js';

const FINGERPRINT = 'pinned-fingerprint';
let pareto: SweepSpec;
beforeAll(async () => {
  pareto = await loadSweepSpec(path.join(PACKAGE_ROOT, 'tests', 'fixtures', 'search', 'tiny-pareto.yaml'));
});

/** The spec with other sampler settings (name, options, budget). */
function withSampler(
  spec: SweepSpec,
  sampler: Partial<NonNullable<SweepSpec['variants']['sampler']>>,
): SweepSpec {
  return { ...spec, variants: { ...spec.variants, sampler: { ...spec.variants.sampler!, ...sampler } } };
}

/**
 * Eight configurations, two generations of 4. Means (accuracy max, seconds min): A, B, C, D are the
 * front; E, F, G, H are each dominated by one of them (E by A…). By accuracy alone the best four are
 * A, E, B, F. The dominated ones spread ±0.06 in accuracy over the two seeds, so seed 0 alone would
 * put E (0.95, 11) on the front too.
 */
const CONFIGS: { name: string; accuracy: number; seconds: number; spread: number }[] = [
  { name: 'A', accuracy: 0.9, seconds: 10, spread: 0 },
  { name: 'E', accuracy: 0.89, seconds: 11, spread: 0.06 },
  { name: 'B', accuracy: 0.8, seconds: 6, spread: 0 },
  { name: 'F', accuracy: 0.79, seconds: 7, spread: 0.06 },
  { name: 'C', accuracy: 0.6, seconds: 3, spread: 0 },
  { name: 'G', accuracy: 0.59, seconds: 4, spread: 0.06 },
  { name: 'D', accuracy: 0.4, seconds: 1, spread: 0 },
  { name: 'H', accuracy: 0.39, seconds: 2, spread: 0.06 },
];
const FRONT = new Set(['A', 'B', 'C', 'D']);

/** Configuration i's point: distinct values in every parameter, so a child's parents can be read off. */
const pointOf = (i: number): Record<string, ParamValue> => ({
  learning_rate: 0.002 * (i + 1),
  units1: 10 + 5 * i,
});

/** A plan that has already proposed the eight configurations (as carried across continue-as-new). */
function planWithEight(spec: SweepSpec): AdaptivePlan {
  const state: AdaptiveCarried = {
    proposals: CONFIGS.map((c, i) => ({ values: pointOf(i), reason: `given ${c.name}` })),
    draws: 0,
    rounds: [],
  };
  return new AdaptivePlan(spec, FINGERPRINT, state);
}

/** Outcomes of the eight configurations' trials (by the configuration's learning rate and the seed). */
function outcomesOf(planned: readonly PlannedTrial[]): PlanOutcomes {
  const vectors = new Map<string, number[]>();
  for (const t of planned) {
    const i = CONFIGS.findIndex((_, j) => pointOf(j).learning_rate === t.factors.learning_rate);
    if (i < 0) continue; // proposed by the test's plan: still running
    const c = CONFIGS[i]!;
    vectors.set(t.trialKey, [c.accuracy + (t.seed === 0 ? c.spread : -c.spread), c.seconds]);
  }
  return {
    value: (key) => vectors.get(key)?.[0],
    values: (key) => vectors.get(key),
    missing: () => undefined,
    lastReported: () => undefined,
  };
}

/** Grows the plan `n` times, each with the eight configurations finished and earlier proposals running. */
function propose(plan: AdaptivePlan, n: number): Record<string, ParamValue>[] {
  const planned = plan.plannedTrials().trials();
  const outcomes = outcomesOf(planned);
  const all = [...planned];
  for (let i = 0; i < n; i++) all.push(...plan.grow(all, outcomes));
  return plan.state.proposals.slice(CONFIGS.length).map((p) => p.values);
}

describe('a multi-objective sampler sweep', () => {
  it('breeds NSGA-II children from the Pareto front of the per-configuration means', () => {
    // Crossover always, no mutation: every parameter of a child is some parent's.
    const spec = withSampler(pareto, {
      trials: 20,
      options: { populationSize: 4, crossoverProb: 1, mutationProb: 0 },
    });
    expect(spec.variants.sampler!.name).toBe('nsga2');
    const children = propose(planWithEight(spec), 10);
    expect(children).toHaveLength(10);
    const parentsOf = (child: Record<string, ParamValue>) =>
      CONFIGS.filter(
        (_, i) => pointOf(i).learning_rate === child.learning_rate || pointOf(i).units1 === child.units1,
      ).map((c) => c.name);
    const parents = new Set(children.flatMap(parentsOf));
    // The front, and only the front: the first objective alone would breed from E and F too.
    expect([...parents].sort()).toEqual([...FRONT].sort());
  });

  it('hands the sampler each configuration mean of every objective, the directions, and NaN for none', () => {
    const seen: SamplerContext[] = [];
    onTestFinished(
      registerSampler('h5-spy-multi', () => ({
        name: 'h5-spy-multi',
        multiObjective: true,
        ask: (context) => {
          seen.push(context);
          return { learning_rate: 0.05, units1: 32 };
        },
      })),
    );
    const plan = planWithEight(withSampler(pareto, { name: 'h5-spy-multi' as 'nsga2', trials: 20 }));
    const planned = plan.plannedTrials().trials();
    const known = outcomesOf(planned);
    // Configuration H's trials report accuracy only (no epochSeconds): no vector, so failed for the sampler.
    const hKeys = new Set(
      planned.filter((t) => t.factors.learning_rate === pointOf(7).learning_rate).map((t) => t.trialKey),
    );
    plan.grow(planned, { ...known, values: (key) => (hKeys.has(key) ? undefined : known.values!(key)) });
    const context = seen[0]!;
    expect(context.mode).toBe('max');
    expect(context.modes).toEqual(['max', 'min']);
    const byName = new Map(
      context.trials.map((t) => [
        CONFIGS[CONFIGS.findIndex((_, i) => pointOf(i).learning_rate === t.params.learning_rate)]!.name,
        t,
      ]),
    );
    expect(byName.get('E')!.values).toEqual([expect.closeTo(0.89, 12), 11]);
    expect(byName.get('E')!.value).toBeCloseTo(0.89, 12);
    expect(byName.get('A')!.values).toEqual([0.9, 10]);
    expect(byName.get('H')!.values).toEqual([Number.NaN, Number.NaN]);
    expect(context.trials).toHaveLength(8);
  });

  it('leaves a single-objective sweep as it was: no modes and no values for its sampler', () => {
    const seen: SamplerContext[] = [];
    onTestFinished(
      registerSampler('h5-spy-single', () => ({
        name: 'h5-spy-single',
        ask: (context) => {
          seen.push(context);
          return { learning_rate: 0.05, units1: 32 };
        },
      })),
    );
    const { objectives: _, ...single } = withSampler(pareto, { name: 'h5-spy-single' as 'tpe', trials: 20 });
    const plan = planWithEight(single);
    const planned = plan.plannedTrials().trials();
    plan.grow(planned, outcomesOf(planned));
    const context = seen[0]!;
    expect(context.modes).toBeUndefined();
    expect(context.trials.every((t) => t.values === undefined)).toBe(true);
    expect(
      context.trials.find((t) => t.params.learning_rate === pointOf(1).learning_rate)!.value,
    ).toBeCloseTo(0.89, 12);
  });

  it("records a finished trial's objective vector only when it reports every objective", () => {
    const final = { epoch: 2, testAccuracy: 0.7, epochSeconds: 3.5, testLoss: Number.NaN };
    // The spec may spell a study metric `epoch_seconds`; the trial reports `epochSeconds`.
    expect(objectiveVector(final, ['testAccuracy', 'epoch_seconds'])).toEqual([0.7, 3.5]);
    expect(objectiveVector(final, ['testAccuracy', 'testLoss'])).toBeUndefined();
    expect(objectiveVector(final, ['testAccuracy', 'latency'])).toBeUndefined();
  });
});
