/**
 * Multivariate TPE (Falkner et al. 2018; Optuna's `TPESampler(multivariate=True)`, its default since
 * 5.0): l(x) and g(x) are each ONE mixture over all parameters at once, a product of per-parameter
 * kernels sharing the kernel index (kernel k of every parameter sits on trial k's values), instead of
 * one independent mixture per parameter. A candidate is drawn by choosing a kernel of l, then each
 * parameter from that kernel, so candidates keep the correlations of the good trials; it is scored
 * by log l(x) − log g(x) with the densities multiplied across parameters inside each kernel.
 *
 * As Optuna 5.0.0 (optuna/samplers/_tpe/parzen_estimator.py): the per-parameter kernels, bandwidths
 * (the larger gap to a sorted neighbour, magic clip, `consider_endpoints`) and prior are those of the
 * univariate TPE (./tpe-parzen.ts); Optuna 5 dropped the Scott-rule bandwidths its multivariate TPE
 * used before. The joint space is the parameters every finished trial has a valid value for
 * (Optuna's `IntersectionSearchSpace`); the others (a parameter dropped by `when` in some trials, or
 * one whose range changed) are drawn by univariate TPE, as Optuna's `sample_independent` does.
 *
 * Pure and workflow-safe.
 */
import { logSumExp } from './math.js';
import {
  argmax,
  parzenAxis,
  pick,
  type ParzenAxis,
  type ParzenEstimator,
  type ParzenOptions,
} from './tpe-parzen.js';
import type { Distribution, FinishedTrial, ParamValue, Uniform } from './types.js';

/**
 * The parameters of the space every trial has a valid value for, in space order (the joint space).
 * An empty list of trials gives the whole space.
 */
export function jointSpace(
  space: Readonly<Record<string, Distribution>>,
  trials: readonly FinishedTrial[],
): string[] {
  return Object.entries(space)
    .filter(([name, d]) => {
      const axis = parzenAxis(d);
      return trials.every((t) => axis.internal(t.params[name]) !== undefined);
    })
    .map(([name]) => name);
}

/** Options of one joint draw. */
export interface JointSampleOptions {
  /** The joint space: every trial of `below` and `above` has a valid value for each of its parameters. */
  readonly space: Readonly<Record<string, Distribution>>;
  /** The good trials (l), oldest first. */
  readonly below: readonly FinishedTrial[];
  /** The other trials (g), oldest first. */
  readonly above: readonly FinishedTrial[];
  /** Candidates drawn from l, of which the best l/g is proposed. */
  readonly nEiCandidates: number;
  readonly parzen: ParzenOptions;
  readonly uniform: Uniform;
}

/** One joint mixture: a kernel index shared by every parameter's estimator. */
export class JointParzen {
  readonly estimators: ParzenEstimator[];

  constructor(
    axes: readonly [string, ParzenAxis][],
    trials: readonly FinishedTrial[],
    parzen: ParzenOptions,
  ) {
    this.estimators = axes.map(([name, axis]) =>
      axis.estimator(
        trials.map((t) => axis.internal(t.params[name])!),
        parzen,
      ),
    );
  }

  /** One candidate (internal values): a kernel by l's weights (one uniform), then one uniform per parameter. */
  sample(uniform: Uniform): number[] {
    const k = pick(this.estimators[0]!.weights, uniform());
    return this.estimators.map((e) => e.sampleKernel(k, uniform));
  }

  /** log Σₖ wₖ Πⱼ kernelₖⱼ(xⱼ). */
  logPdf(x: readonly number[]): number {
    const weights = this.estimators[0]!.weights;
    const perKernel = weights.map((w) => Math.log(w));
    this.estimators.forEach((e, j) => e.logKernels(x[j]!).forEach((lk, k) => (perKernel[k]! += lk)));
    return logSumExp(perKernel);
  }
}

/**
 * Proposes a value for every parameter of the joint space (in its key order).
 *
 * Draws: exactly `nEiCandidates` × (1 + parameters) uniforms (per candidate a kernel, then one per
 * parameter in key order); none for an empty space.
 */
export function sampleJoint(options: JointSampleOptions): Record<string, ParamValue> {
  const axes = Object.entries(options.space).map(
    ([name, d]) => [name, parzenAxis(d)] as [string, ParzenAxis],
  );
  if (axes.length === 0) return {};
  const l = new JointParzen(axes, options.below, options.parzen);
  const g = new JointParzen(axes, options.above, options.parzen);
  const candidates = Array.from({ length: options.nEiCandidates }, () => l.sample(options.uniform));
  const best = argmax(candidates, (x) => l.logPdf(x) - g.logPdf(x));
  return Object.fromEntries(axes.map(([name, axis], j) => [name, axis.external(best[j]!)]));
}
