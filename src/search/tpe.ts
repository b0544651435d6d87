/**
 * Tree-structured Parzen Estimator (Bergstra et al., 2011) as Optuna's `TPESampler` does it with its
 * defaults before 5.0 (univariate, `consider_prior`, `consider_magic_clip`, no endpoints): after 10 random
 * startup trials, the finished trials are split into the best γ(n) = min(⌈0.1·n⌉, 25) ("below") and
 * the rest ("above"); each parameter gets two Parzen estimators, l(x) from the below trials and g(x)
 * from the above ones, each a mixture of one kernel per observation plus a prior kernel; 24 candidates
 * are drawn from l and the one maximising l(x)/g(x) (the expected-improvement criterion) is proposed.
 * `multivariate: true` replaces the per-parameter estimators by one joint one (Optuna 5's default;
 * ./tpe-multivariate.ts). The estimators themselves are in ./tpe-parzen.ts. With several objectives
 * (`context.modes`) it is Optuna's multi-objective TPE (MOTPE): the split is by Pareto rank and
 * hypervolume (./motpe.ts), γ(n) = ⌈0.1·n⌉, and l(x) weighs every below trial alike (Optuna 5),
 * or by hypervolume contribution with `hypervolumeWeights` (Optuna 4.x).
 *
 * Written here: no npm package provides a maintained TPE that runs in workflow code. Pure and
 * workflow-safe (its numerics are in ./math.ts).
 */
import { drawPoint, validateSpace } from './space.js';
import { hypervolumeWeights, motpeGamma, motpeSplit } from './motpe.js';
import { isComplete } from './pareto.js';
import { jointSpace, sampleJoint } from './tpe-multivariate.js';
import { argmax, parzenAxis } from './tpe-parzen.js';
import type { Distribution, FinishedTrial, ParamValue, Sampler, SamplerContext, Uniform } from './types.js';
import { SamplerError } from './types.js';

export { tpeWeights } from './tpe-parzen.js';

/** Options of the TPE sampler; every default is Optuna's. Plain numbers and booleans (serialisable). */
export interface TpeSamplerOptions {
  /** Trials proposed by random search (drawn exactly as the random sampler draws) before TPE starts. @default 10 */
  nStartupTrials?: number;
  /** Candidates drawn from l(x) per parameter, of which the best l/g is proposed. @default 24 */
  nEiCandidates?: number;
  /** γ(n) = min(⌈gammaFraction·n⌉, gammaMax) trials form the "below" (good) group. @default 0.1 */
  gammaFraction?: number;
  /** @default 25 for one objective; no cap for several (Optuna's `default_gamma_multiobjective`) unless given */
  gammaMax?: number;
  /** Weight of the prior kernel relative to an observation's (before normalisation). @default 1 */
  priorWeight?: number;
  /** Keep bandwidths ≥ range / min(100, 1 + kernels) (Optuna's "magic clip"). @default true */
  considerMagicClip?: boolean;
  /** Let the outermost kernels' bandwidths reach the range ends. @default false */
  considerEndpoints?: boolean;
  /**
   * One joint Parzen estimator over all parameters (Optuna's `multivariate=True`, its default since
   * 5.0; ./tpe-multivariate.ts) instead of one per parameter. Off by default so that sweeps planned,
   * running or recorded with the univariate TPE keep their proposals (a replay must ask the same
   * questions and get the same answers).
   * @default false
   */
  multivariate?: boolean;
  /**
   * With several objectives, weigh l(x)'s below trials by their hypervolume contributions (Optuna
   * 4.x's MOTPE; ./motpe.ts `hypervolumeWeights`) instead of alike (Optuna 5). Univariate only.
   * @default false
   */
  hypervolumeWeights?: boolean;
}

const DEFAULTS: Required<TpeSamplerOptions> = {
  nStartupTrials: 10,
  nEiCandidates: 24,
  gammaFraction: 0.1,
  gammaMax: 25,
  priorWeight: 1,
  considerMagicClip: true,
  considerEndpoints: false,
  multivariate: false,
  hypervolumeWeights: false,
};

/** Optuna's `default_gamma`: how many of n finished trials are "below" (good). */
export function tpeGamma(
  n: number,
  options: Pick<TpeSamplerOptions, 'gammaFraction' | 'gammaMax'> = {},
): number {
  const fraction = options.gammaFraction ?? DEFAULTS.gammaFraction;
  const max = options.gammaMax ?? DEFAULTS.gammaMax;
  return Math.min(Math.ceil(fraction * n), max);
}

/**
 * The TPE sampler (see the module doc). Deterministic given the stream and the trials.
 *
 * Draws: during startup (fewer than `nStartupTrials` finished trials, NaN values not counted) exactly
 * as the random sampler, one uniform per parameter; after it, exactly 2·`nEiCandidates` uniforms per
 * parameter (a kernel and a value per candidate), whatever the trials. With `multivariate`, after
 * startup: `nEiCandidates`·(1 + J) for the J parameters of the joint space (a kernel, then a value per
 * parameter, per candidate), then 2·`nEiCandidates` per other parameter.
 */
export class TpeSampler implements Sampler {
  readonly name = 'tpe';
  /** Reads `modes` and `values` when a sweep has several objectives (MOTPE, ./motpe.ts). */
  readonly multiObjective = true;
  readonly options: Required<TpeSamplerOptions>;
  /** The cap of γ(n) with several objectives: none unless `gammaMax` was given. */
  private readonly multiGammaMax: number;

  /** @throws SamplerError when an option is out of range. */
  constructor(options: TpeSamplerOptions = {}) {
    const resolved = { ...DEFAULTS };
    for (const [key, value] of Object.entries(options) as [keyof TpeSamplerOptions, unknown][]) {
      if (value === undefined) continue;
      if (!(key in DEFAULTS))
        throw new SamplerError(`tpe: unknown option '${key}' (known: ${Object.keys(DEFAULTS).join(', ')})`);
      (resolved as Record<string, unknown>)[key] = value;
    }
    const positiveInt = (v: number) => Number.isInteger(v) && v >= 1;
    if (!Number.isInteger(resolved.nStartupTrials) || resolved.nStartupTrials < 0)
      throw new SamplerError(
        `tpe: nStartupTrials must be a non-negative integer, found ${resolved.nStartupTrials}`,
      );
    if (!positiveInt(resolved.nEiCandidates))
      throw new SamplerError(
        `tpe: nEiCandidates must be a positive integer, found ${resolved.nEiCandidates}`,
      );
    if (!(resolved.gammaFraction > 0 && resolved.gammaFraction <= 1))
      throw new SamplerError(`tpe: gammaFraction must be in (0, 1], found ${resolved.gammaFraction}`);
    if (!positiveInt(resolved.gammaMax))
      throw new SamplerError(`tpe: gammaMax must be a positive integer, found ${resolved.gammaMax}`);
    if (!(resolved.priorWeight > 0 && Number.isFinite(resolved.priorWeight)))
      throw new SamplerError(`tpe: priorWeight must be positive, found ${resolved.priorWeight}`);
    for (const key of [
      'considerMagicClip',
      'considerEndpoints',
      'multivariate',
      'hypervolumeWeights',
    ] as const)
      if (typeof resolved[key] !== 'boolean')
        throw new SamplerError(`tpe: ${key} must be true or false, found ${JSON.stringify(resolved[key])}`);
    if (resolved.multivariate && resolved.hypervolumeWeights)
      throw new SamplerError('tpe: hypervolumeWeights works with the univariate TPE only; drop one of them');
    this.options = resolved;
    this.multiGammaMax = options.gammaMax ?? Number.POSITIVE_INFINITY;
  }

  /** @throws SamplerError when the space is invalid. */
  ask(context: SamplerContext): Record<string, ParamValue> {
    validateSpace(context.space);
    const modes = context.modes !== undefined && context.modes.length > 1 ? context.modes : undefined;
    const finished = modes
      ? context.trials.filter((t) => isComplete(t.values, modes.length))
      : context.trials.filter((t) => !Number.isNaN(t.value));
    if (finished.length < this.options.nStartupTrials) return drawPoint(context.space, context.uniform);
    const { below, above } = modes ? this.splitMulti(finished, modes) : this.split(finished, context.mode);
    // Optuna 5 weighs a multi-objective l(x)'s observations alike, 4.x by hypervolume contribution
    // (univariate TPE; the joint estimator keeps the ramp, which only differs beyond 25 below trials).
    const belowWeights = modes
      ? this.options.hypervolumeWeights
        ? hypervolumeWeights(
            below.map((t) => t.values!),
            modes,
          )
        : below.map(() => 1)
      : undefined;
    const joint = this.options.multivariate
      ? sampleJoint({
          space: Object.fromEntries(
            jointSpace(context.space, finished).map((name) => [name, context.space[name]!]),
          ),
          below,
          above,
          nEiCandidates: this.options.nEiCandidates,
          parzen: this.options,
          uniform: context.uniform,
        })
      : {};
    const point: Record<string, ParamValue> = {};
    for (const [name, distribution] of Object.entries(context.space))
      point[name] =
        name in joint
          ? joint[name]!
          : this.sampleParam(name, distribution, below, above, context.uniform, belowWeights);
    return point;
  }

  /** MOTPE's split (./motpe.ts): the ⌈γ·n⌉ best by Pareto rank and hypervolume, each group in trial order. */
  private splitMulti(
    trials: readonly FinishedTrial[],
    modes: readonly SamplerContext['mode'][],
  ): { below: FinishedTrial[]; above: FinishedTrial[] } {
    const nBelow = motpeGamma(trials.length, this.options.gammaFraction, this.multiGammaMax);
    const isBelow = motpeSplit(
      trials.map((t) => t.values!),
      modes,
      nBelow,
    );
    return {
      below: trials.filter((_, i) => isBelow[i]),
      above: trials.filter((_, i) => !isBelow[i]),
    };
  }

  /** The best γ(n) trials and the rest, each in trial order (oldest first, for the weights). */
  private split(
    trials: readonly FinishedTrial[],
    mode: SamplerContext['mode'],
  ): { below: FinishedTrial[]; above: FinishedTrial[] } {
    const loss = (t: FinishedTrial) => (mode === 'max' ? -t.value : t.value);
    const order = trials
      .map((_, i) => i)
      .sort((a, b) => {
        const la = loss(trials[a]!);
        const lb = loss(trials[b]!);
        return la < lb ? -1 : la > lb ? 1 : a - b;
      });
    const nBelow = Math.min(tpeGamma(trials.length, this.options), trials.length);
    const isBelow = new Set(order.slice(0, nBelow));
    return {
      below: trials.filter((_, i) => isBelow.has(i)),
      above: trials.filter((_, i) => !isBelow.has(i)),
    };
  }

  /** Univariate TPE of one parameter: its own l and g over the trials that have a valid value for it. */
  private sampleParam(
    name: string,
    distribution: Distribution,
    below: readonly FinishedTrial[],
    above: readonly FinishedTrial[],
    uniform: Uniform,
    belowWeights?: readonly number[],
  ): ParamValue {
    const axis = parzenAxis(distribution);
    const observe = (trials: readonly FinishedTrial[]) =>
      trials.flatMap((t) => {
        const x = axis.internal(t.params[name]);
        return x === undefined ? [] : [x];
      });
    // l's weights (MOTPE) go with the below trials that have a value for this parameter.
    const weights = belowWeights?.filter((_, i) => axis.internal(below[i]!.params[name]) !== undefined);
    const l = axis.estimator(observe(below), { ...this.options, weights });
    const g = axis.estimator(observe(above), this.options);
    const candidates = Array.from({ length: this.options.nEiCandidates }, () => l.sample(uniform));
    return axis.external(argmax(candidates, (x) => l.logPdf(x) - g.logPdf(x)));
  }
}
