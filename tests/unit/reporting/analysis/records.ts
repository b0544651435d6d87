/**
 * Realistic generated TrialRecords for analysis tests: CIFAR-10-like learning curves for the study's
 * variants (FC baseline, CNN 3×3, CNN 5×5), several seeds, per-epoch metrics, exact parameter counts.
 * Seeds share a per-seed offset across variants, as common random numbers do in real sweeps.
 */
import type { TrialRecord } from '../../../../src/reporting/analysis/types.js';
import { seededRandom } from '../../../../src/reporting/analysis/bootstrap.js';
import { DEFAULT_OBJECTIVE, type Objective } from '../../../../src/core/domain/objective.js';
import type { ModelStats, TrialConfig } from '../../../../src/core/domain/trial.js';

/** What the study's specs say about reporting: the default objective and the conv-study plug-in. */
export const STUDY: { objective: Objective; interpretation: string } = {
  objective: DEFAULT_OBJECTIVE,
  interpretation: 'conv-study',
};

/** What a Branin-minimising sweep's spec says: the final `value`, lower is better; no plug-in. */
export const BRANIN_OBJECTIVE: Objective = { metric: 'value', mode: 'min' };

/** A variant to generate: its factors, config and the shape of its learning curve. */
export interface VariantSpec {
  label: string;
  factors: Record<string, number | string>;
  model: 'fc' | 'cnn';
  kernelSize?: number;
  /** Mean final test accuracy. */
  finalTest: number;
  /** Mean final train − test accuracy. */
  gap: number;
  /** Epochs to reach 1 − 1/e of the final accuracy (smaller = faster). */
  tau: number;
  /** Per-seed noise sd of the final test accuracy. */
  noise: number;
}

export const FC: VariantSpec = {
  label: 'model=fc',
  factors: { model: 'fc' },
  model: 'fc',
  finalTest: 0.515,
  gap: 0.12,
  tau: 3.2,
  noise: 0.006,
};
export const CNN3: VariantSpec = {
  label: 'model=cnn kernel_size=3',
  factors: { model: 'cnn', kernel_size: 3 },
  model: 'cnn',
  kernelSize: 3,
  finalTest: 0.69,
  gap: 0.07,
  tau: 1.6,
  noise: 0.005,
};
export const CNN5: VariantSpec = {
  ...CNN3,
  label: 'model=cnn kernel_size=5',
  factors: { model: 'cnn', kernel_size: 5 },
  kernelSize: 5,
  finalTest: 0.675,
  gap: 0.095,
};

/** Parameter counts and forward FLOPs of the study's architectures on 32×32×3 (valid padding, pool 2). */
export function modelStatsOf(variant: Pick<VariantSpec, 'model' | 'kernelSize'>): ModelStats {
  const dense = (i: number, o: number): { params: number; flops: number } => ({
    params: i * o + o,
    flops: 2 * i * o,
  });
  if (variant.model === 'fc') {
    const layers = [dense(3072, 512), dense(512, 256), dense(256, 10)];
    const params = layers.reduce((s, l) => s + l.params, 0);
    return {
      totalParams: params,
      convParams: 0,
      denseParams: params,
      flopsPerImage: layers.reduce((s, l) => s + l.flops, 0),
    };
  }
  const k = variant.kernelSize ?? 3;
  const conv = (size: number, cin: number, cout: number) => {
    const out = size - k + 1;
    return {
      params: k * k * cin * cout + cout,
      flops: 2 * k * k * cin * cout * out * out,
      pooled: Math.floor(out / 2),
    };
  };
  const c1 = conv(32, 3, 32);
  const c2 = conv(c1.pooled, 32, 64);
  const d1 = dense(c2.pooled * c2.pooled * 64, 128);
  const d2 = dense(128, 10);
  const convParams = c1.params + c2.params;
  const denseParams = d1.params + d2.params;
  return {
    totalParams: convParams + denseParams,
    convParams,
    denseParams,
    flopsPerImage: c1.flops + c2.flops + d1.flops + d2.flops,
  };
}

/** Options of {@link generateRecords}. */
export interface GenerateOptions {
  /** Variants (groups) to generate. @default [FC, CNN3, CNN5] */
  variants?: VariantSpec[];
  /** Seeds per variant. @default [0, 1, 2, 3, 4] */
  seeds?: number[];
  /** Epochs per trial. @default 10 */
  epochs?: number;
  /** PRNG seed of the generator. @default 1 */
  seed?: number;
}

/** Generates one TrialRecord per variant and seed. */
/** One finished trial's record from its per-epoch metrics (the last epoch is the final one). */
function finishedRecord(o: {
  groupKey: string;
  label: string;
  factors: TrialRecord['factors'];
  seed: number;
  config: TrialConfig;
  epochs: TrialRecord['result']['epochs'];
  modelStats?: ModelStats;
  backend: TrialRecord['result']['backend'];
  sweepId: string;
}): TrialRecord {
  const final = o.epochs[o.epochs.length - 1];
  if (!final) throw new RangeError('epochs must be at least 1');
  return {
    trialKey: `${o.groupKey}-s${o.seed}`,
    groupKey: o.groupKey,
    groupLabel: o.label,
    factors: o.factors,
    seed: o.seed,
    config: o.config,
    result: {
      epochs: o.epochs,
      final,
      ...(o.modelStats ? { modelStats: o.modelStats } : {}),
      backend: o.backend,
      resumedFromEpoch: 0,
    },
    sweepId: o.sweepId,
  };
}

export function generateRecords(options: GenerateOptions = {}): TrialRecord[] {
  const variants = options.variants ?? [FC, CNN3, CNN5];
  const seeds = options.seeds ?? [0, 1, 2, 3, 4];
  const epochs = options.epochs ?? 10;
  const random = seededRandom(options.seed ?? 1);
  const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const seedOffset = new Map(seeds.map((s) => [s, gaussian() * 0.004]));
  const records: TrialRecord[] = [];
  for (const v of variants) {
    const config: TrialConfig = {
      model: v.model,
      modelOptions:
        v.model === 'cnn'
          ? { kernelSize: v.kernelSize ?? 3, filters1: 32, filters2: 64, padding: 'valid', denseUnits: 128 }
          : { hidden1: 512, hidden2: 256 },
      train: { epochs, batchSize: 64, optimizer: 'adam', learningRate: 1e-3 },
      dataset: { name: 'cifar10', trainSize: 5000, testSize: 1000 },
    };
    const groupKey = `g-${v.label.replace(/\W+/g, '-')}`;
    const modelStats = modelStatsOf(v);
    const throughput = v.model === 'fc' ? 2600 : 400;
    for (const seed of seeds) {
      const final = v.finalTest + (seedOffset.get(seed) ?? 0) + gaussian() * v.noise;
      const gap = v.gap + gaussian() * 0.004;
      const tau = v.tau * (1 + gaussian() * 0.1);
      const perEpoch = Array.from({ length: epochs }, (_, i) => {
        const e = i + 1;
        const shape = (1 - Math.exp(-e / tau)) / (1 - Math.exp(-epochs / tau));
        const testAccuracy = Math.min(
          0.99,
          0.1 + (final - 0.1) * shape + (e < epochs ? gaussian() * 0.003 : 0),
        );
        const trainAccuracy = Math.min(0.999, testAccuracy + gap * (e / epochs) ** 1.5);
        const imagesPerSecond = throughput * (1 + gaussian() * 0.03);
        return {
          epoch: e,
          trainLoss: -Math.log(trainAccuracy) * 1.4,
          trainAccuracy,
          testLoss: -Math.log(testAccuracy) * 1.5,
          testAccuracy,
          epochSeconds: 5000 / imagesPerSecond + 0.4,
          imagesPerSecond,
        };
      });
      records.push(
        finishedRecord({
          groupKey,
          label: v.label,
          factors: v.factors,
          seed,
          config,
          epochs: perEpoch,
          modelStats,
          backend: { name: 'wasm', version: '4.22.0' },
          sweepId: 'sweep-test',
        }),
      );
    }
  }
  return records;
}

/** A variant of the Branin-minimising trainable: gradient descent with this step size. */
export interface BraninVariant {
  label: string;
  factors: Record<string, number | string>;
  /** Gradient-descent step size. */
  lr: number;
}

export const BRANIN_SLOW: BraninVariant = { label: 'lr=0.002', factors: { lr: 0.002 }, lr: 0.002 };
export const BRANIN_FAST: BraninVariant = { label: 'lr=0.02', factors: { lr: 0.02 }, lr: 0.02 };

/** The Branin function's global minimum (reached at three points). */
export const BRANIN_MINIMUM = 0.397887;

/** Branin (rescaled-free form) and its gradient; x1 ∈ [−5, 10], x2 ∈ [0, 15]. */
export function branin(x1: number, x2: number): { value: number; grad: [number, number] } {
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  const t = 1 / (8 * Math.PI);
  const u = x2 - b * x1 ** 2 + c * x1 - 6;
  return {
    value: u ** 2 + 10 * (1 - t) * Math.cos(x1) + 10,
    grad: [2 * u * (-2 * b * x1 + c) - 10 * (1 - t) * Math.sin(x1), 2 * u],
  };
}

/**
 * TrialRecords of a user trainable that minimises Branin by gradient descent from a seeded start point
 * (the same start for every variant: common random numbers). Each epoch runs 20 steps and reports
 * `{ value, x1, x2, gradNorm }`; no model stats, no saved model, no dataset.
 */
export function generateBraninRecords(
  options: { variants?: BraninVariant[]; seeds?: number[]; epochs?: number } = {},
): TrialRecord[] {
  const variants = options.variants ?? [BRANIN_SLOW, BRANIN_FAST];
  const seeds = options.seeds ?? [0, 1, 2, 3, 4];
  const epochs = options.epochs ?? 8;
  const records: TrialRecord[] = [];
  for (const v of variants) {
    const config: TrialConfig = {
      model: 'branin',
      modelOptions: { lr: v.lr },
      train: { epochs },
      dataset: { name: 'none' },
      trainable: { module: '/work/examples/branin.ts', export: 'branin' },
    };
    const groupKey = `g-branin-${v.label.replace(/\W+/g, '-')}`;
    for (const seed of seeds) {
      const random = seededRandom(1000 + seed);
      let x1 = -5 + 15 * random();
      let x2 = 15 * random();
      const perEpoch = Array.from({ length: epochs }, (_, i) => {
        for (let step = 0; step < 20; step++) {
          const { grad } = branin(x1, x2);
          x1 = Math.min(10, Math.max(-5, x1 - v.lr * grad[0]));
          x2 = Math.min(15, Math.max(0, x2 - v.lr * grad[1]));
        }
        const { value, grad } = branin(x1, x2);
        return { epoch: i + 1, value, x1, x2, gradNorm: Math.hypot(...grad) };
      });
      records.push(
        finishedRecord({
          groupKey,
          label: v.label,
          factors: v.factors,
          seed,
          config,
          epochs: perEpoch,
          backend: { name: 'js', version: process.versions.node },
          sweepId: 'sweep-branin',
        }),
      );
    }
  }
  return records;
}
