/**
 * Simulation harnesses that validate the pruners and adaptive seeds without Temporal or a model: a
 * synthetic learning-curve trainable run by an asynchronous event loop of workers (for ASHA), and
 * paired seed outcomes with a known true difference (for the adaptive-seeds confidence sequence).
 * The unit tests and `npm run bench:schedulers` share them. Everything is a pure function of its
 * seed (seededUniform streams), so every figure they produce is reproducible.
 *
 * Not used by sweeps. Pure and workflow-safe like the rest of src/search/.
 */
import { seededUniform, type Uniform } from './uniform.js';
import {
  decideSeeds,
  type AdaptiveSeedsSpec,
  type SeedDecision,
  type SeedOutcome,
} from './adaptive-seeds.js';
import type { Pruner, TrialReport } from './pruning.js';

/** A standard normal draw (Box–Muller, two uniforms). */
export function gaussian(uniform: Uniform): number {
  let u = uniform();
  while (u === 0) u = uniform();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
}

/** Noise shapes of the seed simulations; each has mean 0 and variance 1. */
export type NoiseKind = 'normal' | 'heavy-tailed' | 'skewed' | 'bad-seeds';

export const NOISE_KINDS: readonly NoiseKind[] = ['normal', 'heavy-tailed', 'skewed', 'bad-seeds'];

/**
 * One draw of a noise shape, mean 0 and variance 1:
 * - `normal`: N(0, 1);
 * - `heavy-tailed`: Student t with 3 degrees of freedom, / √3;
 * - `skewed`: Exp(1) − 1 (skewness 2: an occasional lucky seed);
 * - `bad-seeds`: a seed fails to train with probability 0.1 and loses 3 units, else 0.6·N(0, 1);
 *   standardised (skewness ≈ −2.2: an occasional unlucky seed).
 */
export function noiseDraw(kind: NoiseKind, uniform: Uniform): number {
  switch (kind) {
    case 'normal':
      return gaussian(uniform);
    case 'heavy-tailed': {
      const z = gaussian(uniform);
      const chi2 = gaussian(uniform) ** 2 + gaussian(uniform) ** 2 + gaussian(uniform) ** 2;
      return z / Math.sqrt(chi2 / 3) / Math.sqrt(3);
    }
    case 'skewed': {
      let u = uniform();
      while (u === 0) u = uniform();
      return -Math.log(u) - 1;
    }
    case 'bad-seeds': {
      const bad = uniform() < 0.1 ? 1 : 0;
      const raw = 0.6 * gaussian(uniform) - 3 * bad;
      return (raw + 0.3) / Math.sqrt(0.36 + 9 * 0.09);
    }
  }
}

/** Paired outcomes of two groups over seeds 0…n−1. */
export interface PairedSweepData {
  a: number[];
  b: number[];
}

/** How {@link pairedSweepData} draws outcomes. */
export interface PairedDataOptions {
  /** The true mean difference a − b. */
  effect: number;
  /** Noise shape of group a (group b's noise is normal). */
  noise: NoiseKind;
  /** Seeds drawn (the budget). */
  seeds: number;
  /** The simulated sweep's seed. */
  seed: number;
  /** sd of the seed effect shared by both groups of a seed (common random numbers). @default 2 */
  seedEffectSd?: number;
}

/**
 * Outcomes of a trainable with a known true difference: for seed s, a = 70 + effect + uₛ + εₐ/√2 and
 * b = 70 + uₛ + ε_b/√2, with uₛ ~ N(0, seedEffectSd²) shared by the pair, εₐ of the given shape and
 * ε_b normal. The paired difference a − b = effect + (εₐ − ε_b)/√2 has mean `effect` and sd 1; the
 * seed effect cancels in it (but not in an unpaired comparison).
 */
export function pairedSweepData(options: PairedDataOptions): PairedSweepData {
  const uniform = seededUniform(options.seed);
  const sdSeed = options.seedEffectSd ?? 2;
  const a: number[] = [];
  const b: number[] = [];
  for (let s = 0; s < options.seeds; s += 1) {
    const u = sdSeed * gaussian(uniform);
    a.push(70 + options.effect + u + noiseDraw(options.noise, uniform) * Math.SQRT1_2);
    b.push(70 + u + gaussian(uniform) * Math.SQRT1_2);
  }
  return { a, b };
}

/** A finished adaptive-seeds run. */
export interface AdaptiveSeedsRun {
  /** The last decision (a stop). */
  final: SeedDecision;
  /** Every decision, in order. */
  decisions: SeedDecision[];
}

/**
 * Runs the adaptive-seeds loop on pre-drawn outcomes: seeds 0, 1, … are run in order, `decideSeeds`
 * is asked after every round, until it stops. `data` must hold at least `spec.max` seeds.
 */
export function runAdaptiveSeeds(spec: AdaptiveSeedsSpec, data: PairedSweepData): AdaptiveSeedsRun {
  const a: SeedOutcome[] = [];
  const b: SeedOutcome[] = [];
  const decisions: SeedDecision[] = [];
  for (;;) {
    const decision = decideSeeds(spec, a, b);
    decisions.push(decision);
    if (decision.action === 'stop') return { final: decision, decisions };
    for (let k = 0; k < decision.add; k += 1) {
      const seed = a.length;
      if (seed >= data.a.length)
        throw new RangeError(`the data hold ${data.a.length} seeds; seed ${seed} asked for`);
      a.push({ seed, value: data.a[seed]! });
      b.push({ seed, value: data.b[seed]! });
    }
  }
}

/** A synthetic configuration: its learning curve and how long an epoch takes. */
export interface CurveConfig {
  /** The metric before training (chance accuracy). */
  start: number;
  /** The metric after infinitely many epochs. */
  asymptote: number;
  /** The curve's time constant in epochs: 63 % of the way after τ epochs. */
  tau: number;
  /** Time one epoch takes (arbitrary units; workers finish epochs in time order). */
  epochTime: number;
}

/** The noiseless metric of a configuration after `epoch` epochs: start + (asymptote − start)·(1 − e^(−epoch/τ)). */
export function curveMean(config: CurveConfig, epoch: number): number {
  return config.start + (config.asymptote - config.start) * (1 - Math.exp(-epoch / config.tau));
}

/** The ranges configurations are drawn from. */
export interface CurveFamily {
  /** Asymptote, uniform in [low, high]. @default [0.55, 0.9] */
  asymptote?: readonly [number, number];
  /** τ, placed in [low, high] epochs on a log scale (see `speedLink`). @default [1, 30] */
  tau?: readonly [number, number];
  /** Epoch time, uniform in [low, high]. @default [0.5, 1.5] */
  epochTime?: readonly [number, number];
  /** The metric before training. @default 0.1 */
  start?: number;
  /**
   * How strongly a configuration's speed follows its asymptote, in [0, 1]: log τ is placed in its
   * range by link·(1 − q) + (1 − link)·v, with q the asymptote's position in its range and v an
   * independent uniform. 0: speed and asymptote independent (early ranks say little); 1: the best
   * configurations are also the fastest (early ranks are final ranks). @default 0.5
   */
  speedLink?: number;
}

/**
 * `n` configurations drawn independently from a family. Better configurations tend to learn faster
 * (`speedLink`), but a slow learner with a high asymptote still looks worse early than a fast one with
 * a lower asymptote, so early ranks are informative but not perfect (with the defaults, the rank
 * correlation between the noiseless metric at epoch 9 and at epoch 81 is about 0.9).
 */
export function sampleCurveConfigs(uniform: Uniform, n: number, family: CurveFamily = {}): CurveConfig[] {
  const [aLow, aHigh] = family.asymptote ?? [0.55, 0.9];
  const [tLow, tHigh] = family.tau ?? [1, 30];
  const [eLow, eHigh] = family.epochTime ?? [0.5, 1.5];
  const link = family.speedLink ?? 0.5;
  return Array.from({ length: n }, () => {
    const q = uniform();
    const asymptote = aLow + (aHigh - aLow) * q;
    const position = link * (1 - q) + (1 - link) * uniform();
    const tau = Math.exp(Math.log(tLow) + (Math.log(tHigh) - Math.log(tLow)) * position);
    const epochTime = eLow + (eHigh - eLow) * uniform();
    return { start: family.start ?? 0.1, asymptote, tau, epochTime };
  });
}

/** What {@link simulateAsha} runs. */
export interface AshaSimulationOptions {
  /** The pruner deciding after every epoch (its group is `all`; mode `max`). */
  pruner: Pruner;
  /** The configurations, started in this order. */
  configs: readonly CurveConfig[];
  /** Epochs a trial trains when never stopped (R). */
  maxResource: number;
  /** Trials running at once. @default 4 */
  workers?: number;
  /** sd of the per-epoch evaluation noise (an accuracy on ~2,000 test images). @default 0.01 */
  noiseSd?: number;
  /** Seed of the noise stream. */
  seed: number;
}

/** The outcome of one simulated sweep. */
export interface AshaSimulation {
  /** Epochs trained by all trials. */
  epochs: number;
  /** Epochs full training of every configuration takes: configs × R. */
  fullEpochs: number;
  /** Index of the configuration with the best noiseless metric at R. */
  best: number;
  /** Whether that configuration trained to R. */
  bestKept: boolean;
  /** Configurations that trained to R. */
  completed: number;
  /** Every trial's reports (key `c<index>`), for bookkeeping checks. */
  trials: TrialReport[];
}

/**
 * An asynchronous sweep: `workers` run trials side by side, epoch by epoch, each epoch taking its
 * configuration's `epochTime`; events are handled in time order (ties by configuration index). After
 * every epoch the trial reports its noisy metric and the pruner decides; a worker whose trial stops or
 * completes starts the next configuration. Returns the epochs spent and whether the best survived.
 */
export function simulateAsha(options: AshaSimulationOptions): AshaSimulation {
  const { pruner, configs, maxResource } = options;
  const workers = options.workers ?? 4;
  const noiseSd = options.noiseSd ?? 0.01;
  const uniform = seededUniform(options.seed);
  const values = configs.map(() => ({}) as Record<number, number>);
  const trials: TrialReport[] = configs.map((_, i) => ({ key: `c${i}`, group: 'all', values: values[i]! }));
  const running: { index: number; epoch: number; due: number }[] = [];
  let started = 0;
  const start = (now: number) => {
    if (started < configs.length) {
      running.push({ index: started, epoch: 0, due: now + configs[started]!.epochTime });
      started += 1;
    }
  };
  for (let w = 0; w < workers; w += 1) start(0);
  let epochs = 0;
  let completed = 0;
  while (running.length > 0) {
    let next = 0;
    for (let i = 1; i < running.length; i += 1) {
      const r = running[i]!;
      const n = running[next]!;
      if (r.due < n.due || (r.due === n.due && r.index < n.index)) next = i;
    }
    const job = running[next]!;
    const config = configs[job.index]!;
    job.epoch += 1;
    epochs += 1;
    values[job.index]![job.epoch] = curveMean(config, job.epoch) + noiseSd * gaussian(uniform);
    const done =
      job.epoch >= maxResource ||
      pruner.decide({ trials, mode: 'max', trial: `c${job.index}`, epoch: job.epoch }).action === 'stop';
    if (done) {
      if (job.epoch >= maxResource) completed += 1;
      running.splice(next, 1);
      start(job.due);
    } else job.due += config.epochTime;
  }
  let best = 0;
  configs.forEach((c, i) => {
    if (curveMean(c, maxResource) > curveMean(configs[best]!, maxResource)) best = i;
  });
  return {
    epochs,
    fullEpochs: configs.length * maxResource,
    best,
    bestKept: Object.hasOwn(values[best]!, maxResource),
    completed,
    trials,
  };
}
