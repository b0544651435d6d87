/** The trial types live in the domain layer; re-exported here for the engine's modules. */
export { OptimizerName, isImageEpochMetrics } from '../../core/domain/trial.js';
export type {
  BackendInfo,
  CheckpointRecovery,
  EpochMetrics,
  ImageEpochMetrics,
  ModelStats,
  TrainSettings,
  Trial,
  TrialConfig,
  TrialResult,
} from '../../core/domain/trial.js';
