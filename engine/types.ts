/** The trial types live in the domain layer; re-exported here for the engine's modules. */
export { OptimizerName, isImageEpochMetrics } from '../domain/trial.js';
export type {
  BackendInfo,
  EpochMetrics,
  ImageEpochMetrics,
  ModelStats,
  TrainSettings,
  Trial,
  TrialConfig,
  TrialResult,
} from '../domain/trial.js';
