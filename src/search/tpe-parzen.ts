/**
 * The Parzen estimators of TPE (src/search/tpe.ts and its joint form, src/search/tpe-multivariate.ts),
 * as Optuna's `_ParzenEstimator` builds them: per parameter, one kernel per observation plus a prior
 * kernel, with Optuna's bandwidth rule (the larger gap to a sorted neighbour), magic clip and
 * `consider_endpoints`. Each estimator can be used alone (univariate TPE: `sample`, `logPdf`) or as
 * one factor of a product mixture whose kernel index is shared by every parameter (multivariate TPE:
 * `sampleKernel`, `logKernels`). Pure and workflow-safe (its numerics are in ./math.ts).
 */
import { draw } from './distributions.js';
import { roundSignificant } from './uniform.js';
import { logNormalMass, logSumExp, normalCdf, normalLogPdf, normalMass, normalQuantile } from './math.js';
import { choiceIndex } from './space.js';
import type { Distribution, ParamValue, Uniform } from './types.js';

/** The options an estimator reads (the TPE sampler's, resolved). */
export interface ParzenOptions {
  /** Weight of the prior kernel relative to an observation's (before normalisation). */
  readonly priorWeight: number;
  /** Keep bandwidths ≥ range / min(100, 1 + kernels). */
  readonly considerMagicClip: boolean;
  /** Let the outermost kernels' bandwidths reach the range ends. */
  readonly considerEndpoints: boolean;
  /**
   * The observations' weights, one each (before the prior's is added and all are normalised), instead
   * of `tpeWeights`' ramp: Optuna's `predetermined_weights`, as MOTPE gives its l(x) (./motpe.ts).
   */
  readonly weights?: readonly number[];
}

const EPS = 1e-12;

/**
 * Optuna's `default_weights`: kernel weights of n observations, oldest first: all 1 below 25, else
 * the oldest n − 25 ramp up linearly from 1/n and the newest 25 weigh 1.
 */
export function tpeWeights(n: number): number[] {
  if (n < 25) return Array.from({ length: n }, () => 1);
  const ramp = n - 25;
  const rampValues =
    ramp === 1 ? [1 / n] : Array.from({ length: ramp }, (_, i) => 1 / n + (i * (1 - 1 / n)) / (ramp - 1));
  return [...rampValues, ...Array.from({ length: 25 }, () => 1)];
}

/** Mixture weights of the observations (`tpeWeights`, unless given) plus the prior, normalised. */
export function mixtureWeights(n: number, priorWeight: number, given?: readonly number[]): number[] {
  const weights = [...(given ?? tpeWeights(n)), priorWeight];
  const total = weights.reduce((s, w) => s + w, 0);
  return weights.map((w) => w / total);
}

/** Index of the component a uniform selects from normalised weights. */
export function pick(weights: readonly number[], u: number): number {
  let cumulative = 0;
  for (let i = 0; i < weights.length; i += 1) {
    cumulative += weights[i]!;
    if (u < cumulative) return i;
  }
  return weights.length - 1;
}

/**
 * How a numeric distribution looks to TPE: an interval of an internal scale (log for log
 * distributions, the CDF scale for `normal`, the multiple of q for a quantised `uniform`), an
 * optional step (integers), and the maps between a parameter's value and that scale.
 */
export interface NumericScale {
  low: number;
  high: number;
  /** Step of a discrete scale (`int`, quantised `uniform`); undefined when continuous. */
  step: number | undefined;
  /** Internal value of an observed parameter value, or undefined when it is not valid for the space. */
  toInternal(value: ParamValue): number | undefined;
  /** The parameter value of an internal value (rounded, quantised and clamped like a random draw). */
  toExternal(x: number): ParamValue;
}

/** Rounds to a multiple of q and then to 6 significant digits, as spec expansion does. */
function quantize(value: number, q: number | undefined): number {
  return q === undefined ? value : roundSignificant(Math.round(value / q) * q);
}

export function numericScale(d: Exclude<Distribution, { kind: 'choice' }>): NumericScale {
  const asNumber = (value: ParamValue) =>
    typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  const inRange = (v: number | undefined, low: number, high: number) =>
    v !== undefined && v >= low - 1e-9 * Math.abs(low) && v <= high + 1e-9 * Math.abs(high) ? v : undefined;
  switch (d.kind) {
    case 'uniform': {
      const { low, high, q } = d;
      const clamp = (v: number) => Math.min(high, Math.max(low, v));
      if (q !== undefined) {
        const kLow = Math.ceil(low / q - 1e-9);
        const kHigh = Math.floor(high / q + 1e-9);
        if (kLow <= kHigh)
          return {
            low: kLow,
            high: kHigh,
            step: 1,
            toInternal: (value) => {
              const v = inRange(asNumber(value), low, high);
              return v === undefined ? undefined : v / q;
            },
            toExternal: (k) => clamp(roundSignificant(Math.round(k) * q)),
          };
      }
      return {
        low,
        high,
        step: undefined,
        toInternal: (value) => inRange(asNumber(value), low, high),
        toExternal: (x) => clamp(quantize(roundSignificant(x), q)),
      };
    }
    case 'loguniform': {
      const { low, high, q } = d;
      return {
        low: Math.log(low),
        high: Math.log(high),
        step: undefined,
        toInternal: (value) => {
          const v = inRange(asNumber(value), low, high);
          return v === undefined || v <= 0 ? undefined : Math.log(v);
        },
        toExternal: (x) => Math.min(high, Math.max(low, quantize(roundSignificant(Math.exp(x)), q))),
      };
    }
    case 'int': {
      const { low, high } = d;
      return {
        low,
        high,
        step: 1,
        toInternal: (value) => inRange(asNumber(value), low, high),
        toExternal: (x) => Math.min(high, Math.max(low, Math.round(x))),
      };
    }
    case 'logint': {
      // As Optuna's log IntDistribution: continuous in log space over [low − ½, high + ½], then rounded.
      const { low, high } = d;
      return {
        low: Math.log(low - 0.5),
        high: Math.log(high + 0.5),
        step: undefined,
        toInternal: (value) => {
          const v = inRange(asNumber(value), low, high);
          return v === undefined ? undefined : Math.log(v);
        },
        toExternal: (x) => Math.min(high, Math.max(low, Math.round(Math.exp(x)))),
      };
    }
    case 'normal': {
      // Unbounded: TPE works on the CDF scale u = Φ((x − mean)/sd) ∈ [0, 1], where the normal prior is
      // uniform; a value maps back exactly as a random draw of that uniform would.
      const { mean, sd } = d;
      return {
        low: 0,
        high: 1,
        step: undefined,
        toInternal: (value) => {
          const v = asNumber(value);
          return v === undefined ? undefined : normalCdf((v - mean) / sd);
        },
        toExternal: (u) => draw(d, () => Math.min(1 - 1e-12, Math.max(1e-12, u))),
      };
    }
  }
}

/** A mixture of truncated normal kernels over [low, high] (discrete with a step). */
export class NumericParzen implements ParzenEstimator {
  readonly weights: number[];
  readonly mus: number[];
  readonly sigmas: number[];
  /** Truncation interval: the range, widened by half a step when discrete. */
  readonly lo: number;
  readonly hi: number;
  /** log(Φ(b) − Φ(a)) of each kernel's truncation. */
  readonly logNorm: number[];

  constructor(
    observations: readonly number[],
    readonly scale: Pick<NumericScale, 'low' | 'high' | 'step'>,
    options: ParzenOptions,
  ) {
    const { low, high, step } = scale;
    const step0 = step ?? 0;
    const n = observations.length;
    const range = high - low + step0;
    // Bandwidths: the larger gap to a sorted neighbour (the range ends counting as neighbours).
    const order = observations.map((_, i) => i).sort((a, b) => observations[a]! - observations[b]! || a - b);
    const ext = [low - step0 / 2, ...order.map((i) => observations[i]!), high + step0 / 2];
    const sortedSigmas = order.map((_, k) => Math.max(ext[k + 1]! - ext[k]!, ext[k + 2]! - ext[k + 1]!));
    if (!options.considerEndpoints && ext.length >= 4) {
      sortedSigmas[0] = ext[2]! - ext[1]!;
      sortedSigmas[n - 1] = ext[n]! - ext[n - 1]!;
    }
    const sigmas = new Array<number>(n);
    order.forEach((i, k) => (sigmas[i] = sortedSigmas[k]!));
    const maxSigma = range;
    const minSigma = options.considerMagicClip ? range / Math.min(100, 1 + (n + 1)) : EPS;
    this.mus = [...observations, 0.5 * (low + high)];
    this.sigmas = [...sigmas.map((s) => Math.min(maxSigma, Math.max(minSigma, s))), range];
    this.weights = mixtureWeights(n, options.priorWeight, options.weights);
    this.lo = low - step0 / 2;
    this.hi = high + step0 / 2;
    this.logNorm = this.mus.map((mu, k) =>
      logNormalMass((this.lo - mu) / this.sigmas[k]!, (this.hi - mu) / this.sigmas[k]!),
    );
  }

  /** One sample: a kernel by weight (one uniform), then its truncated normal by inversion (one uniform). */
  sample(uniform: Uniform): number {
    return this.sampleKernel(pick(this.weights, uniform()), uniform);
  }

  /** One sample of kernel k's truncated normal, by inversion (one uniform), on the scale's lattice. */
  sampleKernel(k: number, uniform: Uniform): number {
    const mu = this.mus[k]!;
    const sigma = this.sigmas[k]!;
    const a = (this.lo - mu) / sigma;
    const b = (this.hi - mu) / sigma;
    const pa = normalCdf(a);
    const p = pa + uniform() * normalMass(a, b);
    const z = normalQuantile(Math.min(1 - 1e-16, Math.max(1e-300, p)));
    const x = Math.min(this.hi, Math.max(this.lo, mu + sigma * z));
    const { low, high, step } = this.scale;
    if (step === undefined) return Math.min(high, Math.max(low, x));
    return Math.min(high, Math.max(low, low + Math.round((x - low) / step) * step));
  }

  logPdf(x: number): number {
    const step = this.scale.step;
    return logSumExp(
      this.mus.map((mu, k) => {
        const sigma = this.sigmas[k]!;
        const logKernel =
          step === undefined
            ? normalLogPdf((x - mu) / sigma) - Math.log(sigma)
            : logNormalMass((x - step / 2 - mu) / sigma, (x + step / 2 - mu) / sigma);
        return Math.log(this.weights[k]!) + logKernel - this.logNorm[k]!;
      }),
    );
  }

  /** log of each kernel's (truncated, normalised) density at x, or its mass over x's step when discrete; unweighted. */
  logKernels(x: number): number[] {
    const step = this.scale.step;
    return this.mus.map((mu, k) => {
      const sigma = this.sigmas[k]!;
      const logKernel =
        step === undefined
          ? normalLogPdf((x - mu) / sigma) - Math.log(sigma)
          : logNormalMass((x - step / 2 - mu) / sigma, (x + step / 2 - mu) / sigma);
      return logKernel - this.logNorm[k]!;
    });
  }
}

/** A mixture of categorical kernels: each observation's kernel favours its value, the prior's is uniform. */
export class CategoricalParzen implements ParzenEstimator {
  readonly weights: number[];
  /** Per kernel, the probability of each choice. */
  readonly kernels: number[][];

  constructor(observations: readonly number[], nChoices: number, options: ParzenOptions) {
    const n = observations.length;
    this.weights = mixtureWeights(n, options.priorWeight, options.weights);
    const nKernels = n + 1;
    this.kernels = [...observations, -1].map((observed) => {
      const row = Array.from(
        { length: nChoices },
        (_, c) => options.priorWeight / nKernels + (c === observed ? 1 : 0),
      );
      const total = row.reduce((s, w) => s + w, 0);
      return row.map((w) => w / total);
    });
  }

  /** One sample: a kernel by weight, then a choice by its probabilities (one uniform each). */
  sample(uniform: Uniform): number {
    return this.sampleKernel(pick(this.weights, uniform()), uniform);
  }

  /** One choice of kernel k by its probabilities (one uniform). */
  sampleKernel(k: number, uniform: Uniform): number {
    return pick(this.kernels[k]!, uniform());
  }

  /** log of each kernel's probability of the choice; unweighted. */
  logKernels(choice: number): number[] {
    return this.kernels.map((row) => Math.log(row[choice]!));
  }

  logPdf(choice: number): number {
    let p = 0;
    this.kernels.forEach((row, k) => (p += this.weights[k]! * row[choice]!));
    return Math.log(p);
  }
}

/** The first candidate with the largest score (NaN scores never win). */
export function argmax<T>(candidates: readonly T[], score: (candidate: T) => number): T {
  let best = candidates[0] as T;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const candidate of candidates) {
    const s = score(candidate);
    if (s > bestScore) {
      best = candidate;
      bestScore = s;
    }
  }
  return best;
}

/** What TPE needs of one parameter's estimator, numeric or categorical. */
export interface ParzenEstimator {
  /** Normalised mixture weights: one per observation (oldest first), then the prior's. */
  readonly weights: readonly number[];
  sample(uniform: Uniform): number;
  sampleKernel(k: number, uniform: Uniform): number;
  logPdf(x: number): number;
  logKernels(x: number): number[];
}

/** One parameter as TPE sees it: its observed values on the internal scale, an estimator over them, and back. */
export interface ParzenAxis {
  /** The internal value of an observed parameter value, or undefined when it is missing or not valid for the space. */
  internal(value: ParamValue | undefined): number | undefined;
  /** The estimator of these internal observations (oldest first). */
  estimator(observations: readonly number[], options: ParzenOptions): ParzenEstimator;
  /** The parameter value of an internal value (a choice's value; rounded, quantised and clamped like a random draw). */
  external(x: number): ParamValue;
}

/** The TPE axis of a distribution: choice index for `choice`, the numeric scale otherwise. */
export function parzenAxis(distribution: Distribution): ParzenAxis {
  if (distribution.kind === 'choice') {
    const values = distribution.values;
    return {
      internal: (value) => {
        const index = value === undefined ? -1 : choiceIndex(values, value);
        return index >= 0 ? index : undefined;
      },
      estimator: (observations, options) => new CategoricalParzen(observations, values.length, options),
      external: (c) => values[c]!,
    };
  }
  const scale = numericScale(distribution);
  return {
    internal: (value) => (value === undefined ? undefined : scale.toInternal(value)),
    estimator: (observations, options) => new NumericParzen(observations, scale, options),
    external: (x) => scale.toExternal(x),
  };
}
