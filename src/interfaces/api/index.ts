/**
 * seedsweep's public API: declare trainables, datasets and experiments; run, resume and report sweeps.
 * Everything here is also reachable from the CLI with the same semantics (docs/api.md).
 */
export { defineTrainable, isTrainable } from '../../core/domain/trainable.js';
export type {
  Trainable,
  TrainableContext,
  TrainableDefinition,
  TrainableOutput,
  TrainFunction,
} from '../../core/domain/trainable.js';
export type { SeedSource, SeedSources } from '../../core/domain/seed-sources.js';
export { defineModelTrainable } from '../../training/fit/define.js';
export type {
  ArrayData,
  ArraySource,
  CompileSettings,
  DataSource,
  FitData,
  FitInfo,
  IndexedSource,
  ModelTrainableDefinition,
} from '../../training/fit/definition.js';
export type { HostBatch, LossSpec, MetricSpec, OptimizerSpec } from '../../training/training-path.js';
export type { SweepCallback, SweepCallbackOptions } from '../../training/fit/callback.js';
export { defineDataset, isDatasetPlugin } from '../../core/domain/dataset.js';
export type { DatasetPlugin, DatasetSpec } from '../../core/domain/dataset.js';
export type {
  BackendInfo,
  EpochMetrics,
  ImageEpochMetrics,
  ModelStats,
  ParamValue,
  PlannedTrial,
  TrainSettings,
  TrialConfig,
  TrialRecord,
  TrialResult,
} from '../../core/domain/trial.js';
export { DEFAULT_OBJECTIVE } from '../../core/domain/objective.js';
export type { Objective } from '../../core/domain/objective.js';
export { TrialStoppedError } from '../../training/runner/errors.js';
export { UserError } from '../../core/common/errors.js';
/** A seeded PRNG (mulberry32: uniform floats in [0, 1), the same stream on every platform) for seeding a trainable's choices. */
export { mulberry32 } from '../../core/common/random.js';
export type { SweepSpec } from '../../sweep-spec/schema.js';
export { loadSweepSpec } from '../../sweep-spec/load.js';
export { defineExperiment, experimentSpec } from './experiment.js';
export type { Experiment, ExperimentDefinition, ModuleReference } from './experiment.js';
export type { RunSweepOptions, SweepRun } from './sweeps.js';
export type { RunTrialDataset, RunTrialOptions } from './trial.js';
export type {
  CostEstimate,
  CostMatch,
  EstimateCostOptions,
  GroupCost,
  PlanCost,
  SecondsRange,
  StoredEstimate,
} from './cost.js';

// The running side (Temporal, TF.js, reports) loads on first use, so that a trainable module importing
// `defineTrainable` from here stays cheap to load in every training thread.
import type * as Sweeps from './sweeps.js';
import type * as Trials from './trial.js';
import type * as Cost from './cost.js';
import type * as Callbacks from '../../training/fit/callback.js';
import type { ReportFormat } from '../../reporting/analysis/report.js';
import type { SweepReport as Report } from '../../reporting/analysis/report-types.js';

/** Runs a sweep from an experiment, a spec file (or shipped sweep name) or a validated spec; see {@link Sweeps.runSweep}. */
export async function runSweep(
  ...args: Parameters<typeof Sweeps.runSweep>
): ReturnType<typeof Sweeps.runSweep> {
  return (await import('./sweeps.js')).runSweep(...args);
}

/** Resumes a sweep (same id): runs only trials not finished yet, from their checkpoints. */
export async function resumeSweep(
  ...args: Parameters<typeof Sweeps.resumeSweep>
): ReturnType<typeof Sweeps.resumeSweep> {
  return (await import('./sweeps.js')).resumeSweep(...args);
}

/**
 * Estimates a sweep's wall time and trial-hours before it runs, as `seedsweep plan` does (from earlier
 * finished trials in a running tracking server; `probe: true` times unmatched groups here); see
 * {@link Cost.estimateCost}.
 */
export async function estimateCost(
  ...args: Parameters<typeof Cost.estimateCost>
): ReturnType<typeof Cost.estimateCost> {
  return (await import('./cost.js')).estimateCost(...args);
}

/** The report of a sweep (id or name) from the tracker; with `format`, rendered as text. */
export async function getReport(sweep: string): Promise<Report>;
export async function getReport(sweep: string, options: { format: ReportFormat }): Promise<string>;
export async function getReport(sweep: string, options?: { format: ReportFormat }): Promise<Report | string> {
  const { getReport: load } = await import('./sweeps.js');
  return options ? load(sweep, options) : load(sweep);
}

/** Sweeps Temporal knows, newest first. */
export async function listSweeps(
  ...args: Parameters<typeof Sweeps.listSweeps>
): ReturnType<typeof Sweeps.listSweeps> {
  return (await import('./sweeps.js')).listSweeps(...args);
}

/** Pauses a running sweep (no new trials; running ones stop at their next epoch boundary); see {@link Sweeps.pauseSweep}. */
export async function pauseSweep(sweepId: string): Promise<void> {
  return (await import('./sweeps.js')).pauseSweep(sweepId);
}

/** Un-pauses a paused sweep: queued trials start again, from their checkpoints. */
export async function unpauseSweep(sweepId: string): Promise<void> {
  return (await import('./sweeps.js')).unpauseSweep(sweepId);
}

/** Cancels a running sweep (running trials stop at their next epoch boundary, keeping checkpoints). */
export async function cancelSweep(sweepId: string): Promise<void> {
  return (await import('./sweeps.js')).cancelSweep(sweepId);
}

/**
 * A `model.fit` callback that joins an existing Keras-style loop to the sweep (reports, checkpoints,
 * resumes, stops); async so that importing `seedsweep` does not load TF.js. See src/training/fit/callback.ts.
 */
export async function sweepCallback(
  ...args: Parameters<typeof Callbacks.sweepCallback>
): Promise<ReturnType<typeof Callbacks.sweepCallback>> {
  return (await import('../../training/fit/callback.js')).sweepCallback(...args);
}

/** Trains one trial in this process, outside any sweep. */
export async function runTrial(
  ...args: Parameters<typeof Trials.runTrial>
): ReturnType<typeof Trials.runTrial> {
  return (await import('./trial.js')).runTrial(...args);
}
