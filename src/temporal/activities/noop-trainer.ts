/**
 * A trainer that trains nothing: it produces deterministic made-up metrics per (config, seed, epoch),
 * honours checkpoints, resume, fault injection and stop requests exactly like the real engine, and
 * takes `epochMilliseconds` per epoch. It measures orchestration overhead (bench/orchestration.ts)
 * and lets orchestration tests run many trials; results from it are labelled backend `noop`.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { faultPoint } from '../../core/common/fault-points.js';
import { InjectedFaultError, TrialStoppedError } from '../../training/runner/errors.js';
import type { EpochMetrics, TrialResult } from '../../training/runner/types.js';
import type { TrainerRunOptions, TrainerTask, TrialTrainer } from './trainer.js';

export interface NoopTrainerOptions {
  /** Wall-clock time each epoch takes. @default 0 */
  epochMilliseconds?: number;
}

interface NoopCheckpoint {
  epochs: EpochMetrics[];
}

const CHECKPOINT_FILE = 'noop-checkpoint.json';

/** Creates the no-op trainer. */
export function createNoopTrainer(options: NoopTrainerOptions = {}): TrialTrainer {
  const epochMs = options.epochMilliseconds ?? 0;
  return {
    async run(task: TrainerTask, runOptions: TrainerRunOptions = {}): Promise<TrialResult> {
      const total = task.trial.config.train.epochs;
      const epochs: EpochMetrics[] = [];
      let resumedFromEpoch = 0;
      if (task.checkpointDir && task.resume) {
        try {
          const saved = JSON.parse(
            await readFile(path.join(task.checkpointDir, CHECKPOINT_FILE), 'utf8'),
          ) as NoopCheckpoint;
          epochs.push(...saved.epochs);
          resumedFromEpoch = saved.epochs.length;
        } catch {
          // no checkpoint yet: start fresh
        }
      }
      for (let epoch = epochs.length + 1; epoch <= total; epoch++) {
        if (epochMs > 0) await new Promise((r) => setTimeout(r, epochMs));
        const metrics = fakeMetrics(task, epoch, epochMs);
        epochs.push(metrics);
        if (task.checkpointDir) await writeCheckpoint(task.checkpointDir, { epochs });
        runOptions.onEpoch?.(metrics);
        if (task.failAtEpoch === epoch) throw new InjectedFaultError(epoch);
        if (epoch < total && runOptions.signal?.aborted) throw new TrialStoppedError(epoch);
      }
      const final = epochs[epochs.length - 1];
      if (!final) throw new Error('noop trainer: a trial needs at least one epoch');
      return {
        epochs,
        final,
        modelStats: { totalParams: 0, convParams: 0, denseParams: 0, flopsPerImage: 0 },
        backend: { name: 'noop', version: '0' },
        resumedFromEpoch,
      };
    },
    async destroy() {},
  };
}

async function writeCheckpoint(dir: string, checkpoint: NoopCheckpoint): Promise<void> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, CHECKPOINT_FILE);
  await writeFile(`${file}.tmp`, JSON.stringify(checkpoint));
  faultPoint('checkpoint-rename');
  await rename(`${file}.tmp`, file);
}

/** Deterministic pseudo-metrics: a function of the trial's config, seed and the epoch only. */
function fakeMetrics(task: TrainerTask, epoch: number, epochMs: number): EpochMetrics {
  const digest = sha256(utf8ToBytes(`${JSON.stringify(task.trial.config)}|${task.trial.seed}`));
  const base = ((digest[0] ?? 0) / 255) * 0.2;
  const accuracy = Math.min(0.99, 0.1 + base + 0.5 * (1 - Math.exp(-epoch / 3)));
  return {
    epoch,
    trainLoss: 2.3 * (1 - accuracy) + 0.01,
    trainAccuracy: Math.min(0.999, accuracy + 0.02),
    testLoss: 2.3 * (1 - accuracy) + 0.05,
    testAccuracy: accuracy,
    epochSeconds: epochMs / 1000,
    imagesPerSecond: 0,
  };
}
