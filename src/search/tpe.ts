/**
 * Tree-structured Parzen Estimator (Bergstra et al., 2011) as Optuna's `TPESampler` does it with its
 * defaults (univariate, `consider_prior`, `consider_magic_clip`, no endpoints): after 10 random
 * startup trials, the finished trials are split into the best γ(n) = min(⌈0.1·n⌉, 25) ("below") and
 * the rest ("above"); each parameter gets two Parzen estimators, l(x) from the below trials and g(x)
 * from the above ones, each a mixture of one kernel per observation plus a prior kernel; 24 candidates
 * are drawn from l and the one maximising l(x)/g(x) (the expected-improvement criterion) is proposed.
 *
 * Written here: no npm package provides a maintained TPE that runs in workflow code. Pure and
 * workflow-safe (its numerics are in ./math.ts).
 */
import { draw } from './distributions.js';
import { roundSignificant } from './uniform.js';
import { logNormalMass, logSumExp, normalCdf, normalLogPdf, normalMass, normalQuantile } from './math.js';
import { choiceIndex, drawPoint, validateSpace } from './space.js';
import type { Distribution, FinishedTrial, ParamValue, Sampler, SamplerContext, Uniform } from './types.js';
import { SamplerError } from './types.js';

/** Options of the TPE sampler; every default is Optuna's. Plain numbers and booleans (serialisable). */
export interface TpeSamplerOptions {
  /** Trials proposed by random search (drawn exactly as the random sampler draws) before TPE starts. @default 10 */
  nStartupTrials?: number;
  /** Candidates drawn from l(x) per parameter, of which the best l/g is proposed. @default 24 */
  nEiCandidates?: number;
  /** γ(n) = min(⌈gammaFraction·n⌉, gammaMax) trials form the "below" (good) group. @default 0.1 */
  gammaFraction?: number;
  /** @default 25 */
  gammaMax?: number;
  /** Weight of the prior kernel relative to an observation's (before normalisation). @default 1 */
  priorWeight?: number;
  /** Keep bandwidths ≥ range / min(100, 1 + kernels) (Optuna's "magic clip"). @default true */
  considerMagicClip?: boolean;
  /** Let the outermost kernels' bandwidths reach the range ends. @default false */
  considerEndpoints?: boolean;
}

const DEFAULTS: Required<TpeSamplerOptions> = {
  nStartupTrials: 10,
  nEiCandidates: 24,
  gammaFraction: 0.1,
  gammaMax: 25,
  priorWeight: 1,
  considerMagicClip: true,
  considerEndpoints: false,
};

const EPS = 1e-12;

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

/** Mixture weights of the observations plus the prior, normalised. */
function mixtureWeights(n: number, priorWeight: number): number[] {
  const weights = [...tpeWeights(n), priorWeight];
  const total = weights.reduce((s, w) => s + w, 0);
  return weights.map((w) => w / total);
}

/** Index of the component a uniform selects from normalised weights. */
function pick(weights: readonly number[], u: number): number {
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
interface NumericScale {
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

function numericScale(d: Exclude<Distribution, { kind: 'choice' }>): NumericScale {
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
class NumericParzen {
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
    options: Required<TpeSamplerOptions>,
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
    this.weights = mixtureWeights(n, options.priorWeight);
    this.lo = low - step0 / 2;
    this.hi = high + step0 / 2;
    this.logNorm = this.mus.map((mu, k) =>
      logNormalMass((this.lo - mu) / this.sigmas[k]!, (this.hi - mu) / this.sigmas[k]!),
    );
  }

  /** One sample: a kernel by weight (one uniform), then its truncated normal by inversion (one uniform). */
  sample(uniform: Uniform): number {
    const k = pick(this.weights, uniform());
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
}

/** A mixture of categorical kernels: each observation's kernel favours its value, the prior's is uniform. */
class CategoricalParzen {
  readonly weights: number[];
  /** Per kernel, the probability of each choice. */
  readonly kernels: number[][];

  constructor(observations: readonly number[], nChoices: number, options: Required<TpeSamplerOptions>) {
    const n = observations.length;
    this.weights = mixtureWeights(n, options.priorWeight);
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
    const k = pick(this.weights, uniform());
    return pick(this.kernels[k]!, uniform());
  }

  logPdf(choice: number): number {
    let p = 0;
    this.kernels.forEach((row, k) => (p += this.weights[k]! * row[choice]!));
    return Math.log(p);
  }
}

/**
 * The TPE sampler (see the module doc). Deterministic given the stream and the trials.
 *
 * Draws: during startup (fewer than `nStartupTrials` finished trials, NaN values not counted) exactly
 * as the random sampler, one uniform per parameter; after it, exactly 2·`nEiCandidates` uniforms per
 * parameter (a kernel and a value per candidate), whatever the trials.
 */
export class TpeSampler implements Sampler {
  readonly name = 'tpe';
  readonly options: Required<TpeSamplerOptions>;

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
    this.options = resolved;
  }

  /** @throws SamplerError when the space is invalid. */
  ask(context: SamplerContext): Record<string, ParamValue> {
    validateSpace(context.space);
    const finished = context.trials.filter((t) => !Number.isNaN(t.value));
    if (finished.length < this.options.nStartupTrials) return drawPoint(context.space, context.uniform);
    const { below, above } = this.split(finished, context.mode);
    const point: Record<string, ParamValue> = {};
    for (const [name, distribution] of Object.entries(context.space))
      point[name] = this.sampleParam(name, distribution, below, above, context.uniform);
    return point;
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

  private sampleParam(
    name: string,
    distribution: Distribution,
    below: readonly FinishedTrial[],
    above: readonly FinishedTrial[],
    uniform: Uniform,
  ): ParamValue {
    const n = this.options.nEiCandidates;
    if (distribution.kind === 'choice') {
      const values = distribution.values;
      const observe = (trials: readonly FinishedTrial[]) =>
        trials.flatMap((t) => {
          const value = t.params[name];
          const index = value === undefined ? -1 : choiceIndex(values, value);
          return index >= 0 ? [index] : [];
        });
      const l = new CategoricalParzen(observe(below), values.length, this.options);
      const g = new CategoricalParzen(observe(above), values.length, this.options);
      const candidates = Array.from({ length: n }, () => l.sample(uniform));
      return values[argmax(candidates, (c) => l.logPdf(c) - g.logPdf(c))]!;
    }
    const scale = numericScale(distribution);
    const observe = (trials: readonly FinishedTrial[]) =>
      trials.flatMap((t) => {
        const value = t.params[name];
        const x = value === undefined ? undefined : scale.toInternal(value);
        return x === undefined ? [] : [x];
      });
    const l = new NumericParzen(observe(below), scale, this.options);
    const g = new NumericParzen(observe(above), scale, this.options);
    const candidates = Array.from({ length: n }, () => l.sample(uniform));
    return scale.toExternal(argmax(candidates, (x) => l.logPdf(x) - g.logPdf(x)));
  }
}

/** The first candidate with the largest score (NaN scores never win). */
function argmax<T>(candidates: readonly T[], score: (candidate: T) => number): T {
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
