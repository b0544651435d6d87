/**
 * A warm-started sampler sweep's plan (adaptive-plan.ts with warm-start.ts): the configurations the
 * spec lists are proposed first, in order and without draws; then the sampler proposes from the
 * earlier sweeps' configurations (oldest first) followed by this sweep's own. A plan re-made from its
 * carried state (continue-as-new) with the same warm history proposes what an uninterrupted one does.
 * The spec is tests/fixtures/search/tiny-warm.yaml; outcomes are made up per trial key.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { PACKAGE_ROOT } from '../../../../src/core/common/paths.js';
import type { ParamValue } from '../../../../src/core/domain/trial.js';
import { registerSampler, type FinishedTrial, type SamplerContext } from '../../../../src/search/index.js';
import { loadSweepSpec } from '../../../../src/sweep-spec/load.js';
import type { SweepSpec } from '../../../../src/sweep-spec/schema.js';
import type { PlannedTrial } from '../../../../src/sweep-spec/types.js';
import type { AdaptiveCarried, WarmStartHistory } from '../../../../src/temporal/shared/shared.js';
import {
  AdaptivePlan,
  initialAdaptiveState,
  type PlanOutcomes,
} from '../../../../src/temporal/workflows/adaptive-plan.js';
import { samplerHistory, warmTrialsOf } from '../../../../src/temporal/workflows/warm-start.js';

const FINGERPRINT = 'pinned-fingerprint';
let warmSpec: SweepSpec;
beforeAll(async () => {
  warmSpec = await loadSweepSpec(path.join(PACKAGE_ROOT, 'tests', 'fixtures', 'search', 'tiny-warm.yaml'));
});

function withSampler(
  spec: SweepSpec,
  sampler: Partial<NonNullable<SweepSpec['variants']['sampler']>>,
): SweepSpec {
  return { ...spec, variants: { ...spec.variants, sampler: { ...spec.variants.sampler!, ...sampler } } };
}

/** Earlier sweeps' configurations: lower learning rates did better (the objective is max). */
const HISTORY: WarmStartHistory = {
  params: ['learning_rate', 'units1'],
  trials: [
    [[0.002, 40], [0.9]],
    [[0.08, 12], [0.3]],
    [[0.01, 32], [0.7]],
  ],
};

/** Every finished trial scores by its learning rate (a made-up objective). */
function outcomes(): PlanOutcomes {
  return {
    value: () => undefined,
    missing: () => undefined,
    lastReported: () => undefined,
  };
}
function scoring(planned: readonly PlannedTrial[]): PlanOutcomes {
  const byKey = new Map(planned.map((t) => [t.trialKey, 1 - Number(t.factors.learning_rate) * 5]));
  return { ...outcomes(), value: (key) => byKey.get(key) };
}

/** Grows the plan until it is done, every proposal finished at once; returns the proposals. */
function runToEnd(plan: AdaptivePlan, planned: PlannedTrial[] = [], stopAfter = Infinity): PlannedTrial[] {
  for (let i = 0; i < stopAfter && plan.conclusion === undefined; i++)
    planned.push(...plan.grow(planned, scoring(planned)));
  return planned;
}

describe('a warm-started sampler sweep', () => {
  it('proposes the listed configurations first, in order and without draws, then the sampler', () => {
    const plan = new AdaptivePlan(warmSpec, FINGERPRINT, initialAdaptiveState());
    const first = plan.grow([], outcomes());
    expect(first.map((t) => t.factors)).toEqual([
      { learning_rate: 0.01, units1: 32 },
      { learning_rate: 0.01, units1: 32 },
    ]);
    const second = plan.grow(first, outcomes());
    expect(second[0]!.factors).toEqual({ learning_rate: 0.05, units1: 16 });
    expect(plan.state.draws).toBe(0);
    expect(plan.state.proposals.map((p) => p.reason)).toEqual([
      'warm start: listed configuration 1 of 2 (configuration 1 of 6)',
      'warm start: listed configuration 2 of 2 (configuration 2 of 6)',
    ]);
    plan.grow([...first, ...second], outcomes());
    expect(plan.state.draws).toBeGreaterThan(0);
    expect(plan.state.proposals[2]!.reason).toBe('sampler tpe: configuration 3 of 6, from 0 finished');
  });

  it('gives the sampler the earlier configurations, oldest first, then its own (a repeated one once)', () => {
    const seen: SamplerContext[] = [];
    onTestFinished(
      registerSampler('warm-spy', () => ({
        name: 'warm-spy',
        ask: (context) => {
          seen.push(context);
          return { learning_rate: 0.003, units1: 20 };
        },
      })),
    );
    const spec = withSampler(warmSpec, { name: 'warm-spy' as 'tpe' });
    const plan = new AdaptivePlan(spec, FINGERPRINT, initialAdaptiveState(), warmTrialsOf(HISTORY, 1));
    const planned = runToEnd(plan, [], 3);
    const trials = seen[0]!.trials;
    // The earlier (0.002, 40) and (0.08, 12) first; (0.01, 32) ran here too, so only this sweep's counts.
    expect(trials.map((t) => t.params)).toEqual([
      { learning_rate: 0.002, units1: 40 },
      { learning_rate: 0.08, units1: 12 },
      { learning_rate: 0.01, units1: 32 },
      { learning_rate: 0.05, units1: 16 },
    ]);
    expect(trials.map((t) => t.value)).toEqual([0.9, 0.3, 1 - 0.01 * 5, 1 - 0.05 * 5]);
    expect(plan.state.proposals[2]!.reason).toBe(
      'sampler warm-spy: configuration 3 of 6, from 2 finished and 3 of earlier sweeps',
    );
    expect(planned).toHaveLength(3 * 2);
  });

  it('steers TPE: the warm history counts toward its random start-up and changes what it proposes', () => {
    // 3 start-up trials: cold, TPE's third configuration is still random; warm, it has 5 behind it.
    const spec = withSampler(warmSpec, { options: { nStartupTrials: 3 } });
    const cold = runToEnd(new AdaptivePlan(spec, FINGERPRINT, initialAdaptiveState()));
    const warm = runToEnd(
      new AdaptivePlan(spec, FINGERPRINT, initialAdaptiveState(), warmTrialsOf(HISTORY, 1)),
    );
    const proposed = (trials: PlannedTrial[]) => trials.filter((t) => t.seed === 0).map((t) => t.factors);
    expect(proposed(cold).slice(0, 2)).toEqual(proposed(warm).slice(0, 2));
    expect(proposed(warm).slice(2)).not.toEqual(proposed(cold).slice(2));
  });

  it('continues after continue-as-new with the same history: the same proposals as without a break', () => {
    const warm = warmTrialsOf(HISTORY, 1);
    const whole = runToEnd(new AdaptivePlan(warmSpec, FINGERPRINT, initialAdaptiveState(), warm));
    // Stop after 4 proposals, carry the state as JSON (as a Temporal payload), then go on in a new plan.
    const first = new AdaptivePlan(warmSpec, FINGERPRINT, initialAdaptiveState(), warm);
    const planned = runToEnd(first, [], 4);
    const carried = JSON.parse(JSON.stringify(first.state)) as AdaptiveCarried;
    const next = new AdaptivePlan(warmSpec, FINGERPRINT, carried, warm);
    expect(
      next
        .plannedTrials()
        .trials()
        .map((t) => t.trialKey),
    ).toEqual(planned.map((t) => t.trialKey));
    const resumed = runToEnd(next, planned);
    expect(resumed.map((t) => t.trialKey)).toEqual(whole.map((t) => t.trialKey));
    expect(next.conclusion).toBe('sampler tpe: all 6 configurations proposed');
  });
});

describe('the warm history in the workflow input', () => {
  it('becomes finished trials: a null parameter left out, every objective for a multi-objective sweep', () => {
    const history: WarmStartHistory = {
      params: ['optimizer', 'momentum'],
      trials: [
        [
          ['adam', null],
          [0.8, 3],
        ],
        [
          ['sgd', 0.9],
          [0.7, 2],
        ],
      ],
    };
    expect(warmTrialsOf(history, 1)).toEqual([
      { params: { optimizer: 'adam' }, value: 0.8 },
      { params: { optimizer: 'sgd', momentum: 0.9 }, value: 0.7 },
    ]);
    expect(warmTrialsOf(history, 2)[1]).toEqual({
      params: { optimizer: 'sgd', momentum: 0.9 },
      value: 0.7,
      values: [0.7, 2],
    });
    expect(warmTrialsOf(undefined, 1)).toEqual([]);
  });

  it('counts a configuration once when this sweep ran it too (3 and "3" alike)', () => {
    const warm: FinishedTrial[] = [
      { params: { a: 3, b: 'x' }, value: 1 },
      { params: { a: 4, b: 'x' }, value: 2 },
    ];
    const own: FinishedTrial[] = [{ params: { b: 'x', a: '3' as ParamValue }, value: 5 }];
    expect(samplerHistory(warm, own)).toEqual([warm[1], own[0]]);
    expect(samplerHistory([], own)).toEqual(own);
  });
});
