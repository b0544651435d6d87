/**
 * What the training activity needs from a trainer: the shape of `TrialPool.run` (src/training/runner/pool.ts), so a
 * worker passes its pool, and the orchestration benchmark passes the no-op trainer.
 */
import type { DamagedCheckpointPolicy } from '../../training/runner/run-trainable.js';
import type { EpochMetrics, Trial, TrialResult } from '../../training/runner/types.js';

/** One trial to train. */
export interface TrainerTask {
  trial: Trial;
  /** Train on exactly this backend (a sweep trial's, from its config); omitted ⇒ the trainer's own choice. */
  backend?: string;
  /** Folder of this trial's per-epoch checkpoints (weights and optimizer state). */
  checkpointDir?: string;
  /** Continue from the latest checkpoint in `checkpointDir` when there is one. */
  resume?: boolean;
  /** A damaged latest checkpoint: refused, or passed over for the previous intact one (or a fresh start). @default 'refuse' */
  onDamagedCheckpoint?: DamagedCheckpointPolicy;
  /** Test fault injection: fail right after the checkpoint of this epoch (1-based). */
  failAtEpoch?: number;
  /** Save the trained model here after the last epoch. */
  modelDir?: string;
}

export interface TrainerRunOptions {
  /** Called after each epoch's checkpoint is written. */
  onEpoch?: (metrics: EpochMetrics) => void;
  /** Aborting stops the trial at the next epoch boundary (after its checkpoint) with `TrialStoppedError`. */
  signal?: AbortSignal;
}

/** Trains trials; may run several at once (a thread pool). */
export interface TrialTrainer {
  run(task: TrainerTask, options?: TrainerRunOptions): Promise<TrialResult>;
  destroy(): Promise<void>;
}
