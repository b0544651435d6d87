/**
 * `plan --probe`: when no earlier trial says what a group costs, time its trainable here. Each probed
 * group's first trial trains in one training thread, on the sweep's backend, for at most
 * {@link PROBE_EPOCHS} epochs; the last one is timed (the first pays for compiling kernels and warming
 * caches). On a built-in dataset it trains on a slice of at most {@link PROBE_TRAIN_EXAMPLES} training
 * examples, and the time is scaled by the full size over the slice's (evaluation included, so a slight
 * overestimate). Other datasets are used whole: the probe is one or two full epochs.
 */
import type { PlannedTrial, TrialConfig } from '../../core/domain/trial.js';
import type { CostProbe } from './estimate.js';

/** Epochs a probe trains; the last is timed. */
export const PROBE_EPOCHS = 2;
/** Training examples of a probe's slice of a built-in dataset. */
export const PROBE_TRAIN_EXAMPLES = 1024;
/** Test examples of that slice. */
export const PROBE_TEST_EXAMPLES = 256;
/** Groups probed at most (each costs a short training run). */
export const MAX_PROBED_GROUPS = 20;
/** Training examples of the built-in datasets when a spec takes the whole split. */
const FULL_TRAIN_SIZE: Readonly<Record<string, number>> = { cifar10: 50_000 };

/** How a probe trains a trial: its config, and the factor its timed epoch is scaled by. */
export interface ProbePlan {
  config: TrialConfig;
  /** Full training examples over the slice's (1 when the data is used whole). */
  scale: number;
  /** Epochs trained (the last is timed). */
  epochs: number;
  /** What is timed, for the user: e.g. `16 batch(es) of 64 on a 1024-example slice, scaled ×48.8`. */
  timed: string;
}

/** The probe of `config`: fewer epochs and, on a built-in dataset, a slice. Pure. */
export function probePlan(config: TrialConfig): ProbePlan {
  const epochs = Math.min(PROBE_EPOCHS, config.train.epochs);
  const { dataset } = config;
  const builtIn =
    dataset.module === undefined && (dataset.name === 'cifar10' || dataset.name === 'synthetic');
  const full = dataset.trainSize ?? FULL_TRAIN_SIZE[dataset.name];
  if (!builtIn || full === undefined || full <= PROBE_TRAIN_EXAMPLES)
    return {
      config: { ...config, train: { ...config.train, epochs } },
      scale: 1,
      epochs,
      timed: `epoch ${epochs} of ${epochs} on the whole dataset`,
    };
  const slice = PROBE_TRAIN_EXAMPLES;
  const batch = config.train.batchSize ?? 64;
  const scale = full / slice;
  return {
    config: {
      ...config,
      train: { ...config.train, epochs },
      dataset: {
        ...dataset,
        trainSize: slice,
        testSize: Math.min(dataset.testSize ?? PROBE_TEST_EXAMPLES, PROBE_TEST_EXAMPLES),
      },
    },
    scale,
    epochs,
    timed: `${Math.ceil(slice / batch)} batch(es) of ${batch} (epoch ${epochs} on a ${slice}-example slice of ${full}), scaled ×${scale.toFixed(1)}`,
  };
}

/**
 * Probes the first trial of each of the first {@link MAX_PROBED_GROUPS} groups in `trials`: group key
 * → seconds per epoch of the full data. Trains in one thread of a pool on `backend`.
 */
export async function probeGroups(options: {
  trials: readonly PlannedTrial[];
  /** The sweep's backend; omitted ⇒ the pool's automatic selection. */
  backend?: string;
  /** Told before each probe starts. */
  onProbe?: (label: string) => void;
}): Promise<Map<string, CostProbe>> {
  const firsts = new Map<string, PlannedTrial>();
  for (const trial of options.trials) if (!firsts.has(trial.groupKey)) firsts.set(trial.groupKey, trial);
  const probes = new Map<string, CostProbe>();
  if (firsts.size === 0) return probes;
  const { TrialPool } = await import('../../execution/pool.js');
  const pool = await TrialPool.create({
    threads: 1,
    ...(options.backend !== undefined ? { backend: options.backend } : {}),
    onNotice: () => {},
  });
  try {
    for (const trial of [...firsts.values()].slice(0, MAX_PROBED_GROUPS)) {
      options.onProbe?.(trial.groupLabel);
      const plan = probePlan(trial.config);
      const stamps: number[] = [performance.now()];
      const result = await pool.run(
        { trial: { config: plan.config, seed: trial.seed } },
        { onEpoch: () => stamps.push(performance.now()) },
      );
      const last = result.epochs.at(-1);
      const reported = last?.['epochSeconds'];
      const measured =
        typeof reported === 'number' && reported > 0
          ? reported
          : ((stamps.at(-1) ?? 0) - (stamps.at(-2) ?? 0)) / 1000;
      if (!(measured > 0)) continue;
      probes.set(trial.groupKey, { secondsPerEpoch: measured * plan.scale, timed: plan.timed });
    }
  } finally {
    await pool.destroy();
  }
  return probes;
}
