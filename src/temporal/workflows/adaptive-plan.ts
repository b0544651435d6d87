/**
 * What an adaptive sweep runs next. A fixed sweep's plan is its expansion; an adaptive one grows
 * while it runs:
 * - a **sampler** sweep (`variants.sampler`) asks the sampler for the next configuration whenever a
 *   slot is free, from the results so far (each configuration runs on every seed);
 * - an **adaptive-seeds** sweep (`seeds: {min, max, until}`) runs `min` seeds, then, each time every
 *   planned trial has settled, asks `decideSeeds` whether the comparison is settled and adds a round
 *   of seeds to every variant if not.
 *
 * Pure and deterministic (workflow code): every decision is a function of the spec and of what the
 * workflow recorded (outcomes in history), and the state needed to repeat it after continue-as-new is
 * in {@link AdaptiveCarried}. The sampler's uniform stream is re-created and fast-forwarded by the
 * number of draws made so far.
 */
import { decideSeeds, type SeedOutcome } from '../../search/adaptive-seeds.js';
import { createSampler, SamplerExhaustedError, type FinishedTrial } from '../../search/index.js';
import type { ParamValue } from '../../core/domain/trial.js';
import { seededUniform, type Uniform } from '../../search/uniform.js';
import { expandSweep, matchesSelector, trialsOfPoint } from '../../sweep-spec/expand.js';
import type { SweepSpec } from '../../sweep-spec/schema.js';
import type { PlannedTrial } from '../../sweep-spec/types.js';
import { TrialPlan } from './trial-plan.js';
import type { AdaptiveCarried } from '../shared/shared.js';
import { samplerHistory } from './warm-start.js';

/** What the plan needs to know about a trial's outcome. */
export interface PlanOutcomes {
  /** Objective (or `until.metric`) value of a finished trial, by key. */
  value(key: string): number | undefined;
  /** Why a settled trial has no value (stopped, failed…), by key; undefined if it has one or is unsettled. */
  missing(key: string): string | undefined;
  /** A pruned trial's last reported value of the objective, when pruning watches the objective. */
  lastReported(key: string): number | undefined;
  /**
   * Multi-objective sweeps: a finished trial's value of each of `spec.objectives`, in order, by key
   * (undefined when it did not report every one).
   */
  values?(key: string): readonly number[] | undefined;
}

export function initialAdaptiveState(): AdaptiveCarried {
  return { proposals: [], draws: 0, rounds: [] };
}

export class AdaptivePlan {
  private readonly uniform: Uniform | undefined;

  constructor(
    private readonly spec: SweepSpec,
    private readonly datasetFingerprint: string,
    /** Updated in place; carried across continue-as-new. */
    readonly state: AdaptiveCarried,
    /** Earlier sweeps' finished configurations (`warm_start.sweeps`), oldest first: the sampler's history starts with them. */
    private readonly warm: readonly FinishedTrial[] = [],
  ) {
    const sampler = spec.variants.sampler;
    if (sampler) {
      const stream = seededUniform(sampler.seed);
      for (let i = 0; i < state.draws; i++) stream(); // fast-forward past earlier runs' draws
      this.uniform = () => {
        state.draws += 1;
        return stream();
      };
    }
  }

  get adaptive(): boolean {
    return this.spec.variants.sampler !== undefined || this.spec.adaptiveSeeds !== undefined;
  }

  /** Why planning ended, once it has (e.g. "settled: CI (0.2, 1.1) excludes 0 after 8 pairs"). */
  get conclusion(): string | undefined {
    return this.state.done;
  }

  /** The latest planning note: the last reason given, or the conclusion. */
  get note(): string | undefined {
    return this.state.done ?? this.state.rounds.at(-1)?.reason ?? this.state.proposals.at(-1)?.reason;
  }

  /**
   * Every trial planned so far, in plan order (re-derived from the carried state), addressed by index:
   * a fixed plan's trials are not expanded here, only its variants.
   */
  plannedTrials(): TrialPlan {
    const { spec, datasetFingerprint } = this;
    const plan = new TrialPlan({ spec, datasetFingerprint });
    if (spec.variants.sampler) {
      const seen = new Set<string>();
      for (const p of this.state.proposals)
        plan.addTrials(
          trialsOfPoint({
            spec,
            datasetFingerprint,
            point: p.values,
            seeds: spec.seeds,
            reason: p.reason,
          }).filter((t) => !seen.has(t.trialKey) && seen.add(t.trialKey)),
        );
      return plan;
    }
    plan.addSeeds(spec.seeds);
    for (const round of this.state.rounds) plan.addSeeds(round.seeds, round.reason);
    return plan;
  }

  /**
   * Whether the plan may grow now. Sampler: a slot is free, nothing is queued and the budget is not
   * spent. Adaptive seeds: every planned trial has settled (a round is decided on complete data).
   */
  wantsToGrow(view: { queued: number; running: number; concurrency: number }): boolean {
    if (!this.adaptive || this.state.done !== undefined) return false;
    if (this.spec.variants.sampler) return view.queued === 0 && view.running < view.concurrency;
    return view.queued === 0 && view.running === 0;
  }

  /** The next trials (empty when planning is over; {@link conclusion} then says why). */
  grow(planned: readonly PlannedTrial[], outcomes: PlanOutcomes): PlannedTrial[] {
    if (this.spec.variants.sampler) return this.propose(planned, outcomes);
    if (this.spec.adaptiveSeeds) return this.addSeeds(planned, outcomes);
    return [];
  }

  private propose(planned: readonly PlannedTrial[], outcomes: PlanOutcomes): PlannedTrial[] {
    const spec = this.spec;
    const sampler = spec.variants.sampler!;
    if (this.state.proposals.length >= sampler.trials) {
      this.state.done = `sampler ${sampler.name}: all ${sampler.trials} configurations proposed`;
      return [];
    }
    // One entry per configuration (group), in the order they were proposed: the mean objective over
    // its finished seeds once every seed has settled, else pending.
    const byGroup = new Map<string, PlannedTrial[]>();
    for (const t of planned) byGroup.set(t.groupKey, [...(byGroup.get(t.groupKey) ?? []), t]);
    const finished: FinishedTrial[] = [];
    // Multi-objective: each configuration's vector of objective means, and each objective's direction.
    const modes =
      spec.objectives && spec.objectives.length >= 2 ? spec.objectives.map((o) => o.mode) : undefined;
    const pending: { params: Record<string, ParamValue> }[] = [];
    for (const trials of byGroup.values()) {
      const values = trials.map((t) => outcomes.value(t.trialKey));
      const settled = trials.every(
        (t, i) => values[i] !== undefined || outcomes.missing(t.trialKey) !== undefined,
      );
      const params = trials[0]!.factors;
      if (!settled) pending.push({ params });
      else {
        // A pruned configuration still tells the sampler something: its last reported value (an early
        // epoch's, so ranked low, as Optuna's TPE ranks pruned trials below complete ones).
        const got = values.filter((v): v is number => v !== undefined);
        const pruned = trials
          .map((t) => outcomes.lastReported(t.trialKey))
          .filter((v): v is number => v !== undefined);
        const use = got.length > 0 ? got : pruned;
        if (modes) finished.push(objectiveMeans(params, trials, modes.length, outcomes));
        else
          finished.push({
            params,
            value: use.length > 0 ? use.reduce((a, b) => a + b, 0) / use.length : NaN,
          });
      }
    }
    const n = this.state.proposals.length + 1;
    // Configurations the spec lists (`warm_start.trials`) are the first ones, in order; no draws.
    const listed = sampler.warmStart?.trials ?? [];
    if (n <= listed.length)
      return this.addProposal(
        planned,
        inSpaceOrder(listed[n - 1]!, sampler.params),
        `warm start: listed configuration ${n} of ${listed.length} (configuration ${n} of ${sampler.trials})`,
      );
    let values: Record<string, ParamValue>;
    try {
      values = createSampler(sampler.name, sampler.options).ask({
        space: sampler.params,
        trials: samplerHistory(this.warm, finished),
        mode: modes?.[0] ?? spec.objective.mode,
        ...(modes ? { modes } : {}),
        uniform: this.uniform!,
        pending,
      });
    } catch (error) {
      if (!(error instanceof SamplerExhaustedError)) throw error;
      this.state.done = `sampler ${sampler.name}: ${error.message}`;
      return [];
    }
    const earlier = this.warm.length > 0 ? ` and ${this.warm.length} of earlier sweeps` : '';
    const reason = `sampler ${sampler.name}: configuration ${n} of ${sampler.trials}, from ${finished.length} finished${earlier}`;
    return this.addProposal(planned, values, reason);
  }

  /** Records a proposal and returns its trials not planned yet. */
  private addProposal(
    planned: readonly PlannedTrial[],
    values: Record<string, ParamValue>,
    reason: string,
  ): PlannedTrial[] {
    const spec = this.spec;
    this.state.proposals.push({ values, reason });
    const known = new Set(planned.map((t) => t.trialKey));
    // A repeated proposal (TPE may suggest a point it already tried) adds no trials: its result is known.
    return trialsOfPoint({
      spec,
      datasetFingerprint: this.datasetFingerprint,
      point: values,
      seeds: spec.seeds,
      reason,
    }).filter((t) => !known.has(t.trialKey));
  }

  private addSeeds(planned: readonly PlannedTrial[], outcomes: PlanOutcomes): PlannedTrial[] {
    const seeds = this.spec.adaptiveSeeds!;
    const [selectA, selectB] = seeds.until.compare;
    const side = (selector: Record<string, ParamValue>): SeedOutcome[] =>
      planned
        .filter((t) => matchesSelector(selector, t.factors))
        .map((t) => {
          const value = outcomes.value(t.trialKey);
          const note = outcomes.missing(t.trialKey);
          return value !== undefined
            ? { seed: t.seed, value }
            : { seed: t.seed, complete: false, ...(note ? { note } : {}) };
        });
    const decision = decideSeeds(
      {
        min: seeds.min,
        max: seeds.max,
        perRound: seeds.perRound,
        alpha: seeds.alpha,
        until: {
          compare: [labelOfSelector(selectA), labelOfSelector(selectB)],
          metric: seeds.until.metric,
          ...(seeds.until.ciExcludes !== undefined ? { ciExcludes: seeds.until.ciExcludes } : {}),
          ...(seeds.until.widthBelow !== undefined ? { widthBelow: seeds.until.widthBelow } : {}),
        },
      },
      side(selectA),
      side(selectB),
    );
    if (decision.action === 'stop') {
      this.state.done = decision.reason;
      return [];
    }
    const used = new Set(planned.map((t) => t.seed));
    const next: number[] = [];
    for (let s = seeds.start; next.length < decision.add!; s++) if (!used.has(s)) next.push(s);
    this.state.rounds.push({ seeds: next, reason: decision.reason });
    return expandSweep({ spec: this.spec, datasetFingerprint: this.datasetFingerprint, seeds: next }).map(
      (t) => ({
        ...t,
        reason: decision.reason,
      }),
    );
  }
}

/**
 * A multi-objective configuration for the sampler: each objective's mean over the seeds that reported
 * every objective (`value` is the first); NaN everywhere when none did, which the sampler reads as failed.
 */
function objectiveMeans(
  params: Record<string, ParamValue>,
  trials: readonly PlannedTrial[],
  count: number,
  outcomes: PlanOutcomes,
): FinishedTrial {
  const vectors = trials
    .map((t) => outcomes.values?.(t.trialKey))
    .filter((v): v is readonly number[] => v !== undefined && v.length === count);
  const values = Array.from({ length: count }, (_, i) =>
    vectors.length > 0 ? vectors.reduce((sum, v) => sum + v[i]!, 0) / vectors.length : NaN,
  );
  return { params, value: values[0]!, values };
}

/** A listed configuration with its parameters in the space's key order (the order a sampler returns). */
function inSpaceOrder(
  values: Readonly<Record<string, ParamValue>>,
  space: Readonly<Record<string, unknown>>,
): Record<string, ParamValue> {
  return Object.fromEntries(
    Object.keys(space)
      .filter((name) => values[name] !== undefined)
      .map((name) => [name, values[name]!]),
  );
}

function labelOfSelector(selector: Record<string, ParamValue>): string {
  return Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}
