/**
 * What a trial looks like in MLflow: tag names, the flattened params of a trial config, the metric
 * names of an epoch and of a finished trial, and the environment tags of the process that ran it.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from '../common/paths.js';
import type { EpochMetrics, TrialResult } from '../engine/types.js';
import type { PlannedTrial } from '../spec/types.js';

/** Tag names seedsweep sets and searches by. */
export const TAG = {
  role: 'seedsweep.role',
  sweepId: 'seedsweep.sweep_id',
  sweepName: 'seedsweep.sweep_name',
  trialKey: 'seedsweep.trial_key',
  groupKey: 'seedsweep.group_key',
  groupLabel: 'seedsweep.group_label',
  factors: 'seedsweep.factors',
  queue: 'seedsweep.queue',
  host: 'seedsweep.host',
  backend: 'seedsweep.backend',
  backendVersion: 'seedsweep.backend_version',
  resumedFromEpoch: 'seedsweep.resumed_from_epoch',
  error: 'seedsweep.error',
  parentRunId: 'mlflow.parentRunId',
  gitCommit: 'mlflow.source.git.commit',
} as const;

/** Values of the `seedsweep.role` tag: the sweep's parent run or a trial's nested run. */
export const RunRole = { sweep: 'sweep', trial: 'trial' } as const;
export type RunRole = (typeof RunRole)[keyof typeof RunRole];

/** Artifact names of a trial run. */
export const ARTIFACT = {
  /** The trained model folder (TF.js layers format). */
  model: 'model',
  /** Per-epoch learning curves. */
  curves: 'curves.json',
  /** The planned trial, written when the run starts (what `trial.json` is built from). */
  plannedTrial: 'planned_trial.json',
  /** The complete TrialRecord, written when the trial finishes: what `finishedTrials` reads. */
  trialRecord: 'trial.json',
} as const;

/** MLflow caps tag values (8,000 characters in MLflow 3); longer values are cut with a marker. */
export const MAX_TAG_VALUE = 8000;

/**
 * The trial's params: the flattened config (`model`, `model.kernelSize`, `train.learningRate`,
 * `dataset.trainSize` …) and `seed`. The dataset's local `path` is left out: it is not part of the
 * trial's identity and differs between hosts.
 */
export function trialParams(trial: PlannedTrial): Record<string, string> {
  const params: Record<string, string> = { model: trial.config.model };
  for (const [key, value] of Object.entries(trial.config.modelOptions)) params[`model.${key}`] = String(value);
  for (const [key, value] of Object.entries(trial.config.train)) params[`train.${key}`] = String(value);
  for (const [key, value] of Object.entries(trial.config.dataset)) {
    if (key === 'path' || value === undefined) continue;
    params[`dataset.${key}`] = String(value);
  }
  params['seed'] = String(trial.seed);
  return params;
}

/** The identity tags of a trial run (searchable), without the parent link (known only at send time). */
export function trialTags(sweepId: string, trial: PlannedTrial): Record<string, string> {
  return {
    [TAG.role]: RunRole.trial,
    [TAG.sweepId]: sweepId,
    [TAG.trialKey]: trial.trialKey,
    [TAG.groupKey]: trial.groupKey,
    [TAG.groupLabel]: trial.groupLabel,
    [TAG.factors]: clampTag(JSON.stringify(trial.factors)),
    [TAG.queue]: trial.queue,
  };
}

/** Run name of a trial: its group label and seed, e.g. `model=cnn kernel_size=3 seed=2`. */
export function trialRunName(trial: PlannedTrial): string {
  return `${trial.groupLabel} seed=${trial.seed}`;
}

/** Metric values of one epoch, logged with step = epoch. */
export function epochMetricValues(metrics: EpochMetrics): Record<string, number> {
  return {
    train_loss: metrics.trainLoss,
    train_accuracy: metrics.trainAccuracy,
    test_loss: metrics.testLoss,
    test_accuracy: metrics.testAccuracy,
    epoch_seconds: metrics.epochSeconds,
    images_per_second: metrics.imagesPerSecond,
  };
}

/** Names of the per-epoch metrics. */
export const EPOCH_METRIC_KEYS = Object.keys(epochMetricValues({
  epoch: 0, trainLoss: 0, trainAccuracy: 0, testLoss: 0, testAccuracy: 0, epochSeconds: 0, imagesPerSecond: 0,
}));

/** Single-value metrics of a finished trial (logged at step 0): final metrics, cost, model size. */
export function finalMetricValues(result: TrialResult): Record<string, number> {
  const final = result.final;
  return {
    final_train_loss: final.trainLoss,
    final_train_accuracy: final.trainAccuracy,
    final_test_loss: final.testLoss,
    final_test_accuracy: final.testAccuracy,
    generalization_gap: final.trainAccuracy - final.testAccuracy,
    epochs_completed: final.epoch,
    total_train_seconds: result.epochs.reduce((sum, epoch) => sum + epoch.epochSeconds, 0),
    total_params: result.modelStats.totalParams,
    conv_params: result.modelStats.convParams,
    dense_params: result.modelStats.denseParams,
    flops_per_image: result.modelStats.flopsPerImage,
  };
}

/**
 * Tags describing where a trial ran: host, Node and package versions, the git commit of the
 * seedsweep checkout if it is one. Computed once per process.
 */
export function environmentTags(): Record<string, string> {
  if (cachedEnvironment) return cachedEnvironment;
  const tags: Record<string, string> = {
    [TAG.host]: os.hostname(),
    'seedsweep.node_version': process.version,
  };
  const versions: [string, string][] = [
    ['seedsweep.version', 'package.json'],
    ['seedsweep.tfjs_version', 'node_modules/@tensorflow/tfjs/package.json'],
    ['seedsweep.tfjs_backend_wasm_version', 'node_modules/@tensorflow/tfjs-backend-wasm/package.json'],
  ];
  for (const [tag, file] of versions) {
    try {
      tags[tag] = (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, file), 'utf8')) as { version: string }).version;
    } catch {
      // not installed
    }
  }
  const commit = gitCommit(PACKAGE_ROOT);
  if (commit) tags[TAG.gitCommit] = commit;
  cachedEnvironment = tags;
  return tags;
}
let cachedEnvironment: Record<string, string> | undefined;

/** The commit `HEAD` points at, read from `.git` without running git; undefined outside a checkout. */
export function gitCommit(root: string): string | undefined {
  try {
    const gitDir = path.join(root, '.git');
    const head = readFileSync(path.join(gitDir, 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return /^[0-9a-f]{40}$/.test(head) ? head : undefined;
    const ref = head.slice('ref: '.length);
    try {
      return readFileSync(path.join(gitDir, ref), 'utf8').trim();
    } catch {
      const packed = readFileSync(path.join(gitDir, 'packed-refs'), 'utf8');
      const line = packed.split('\n').find((l) => l.endsWith(` ${ref}`));
      return line?.split(' ')[0];
    }
  } catch {
    return undefined;
  }
}

/** Cuts a tag value to MLflow's limit. */
export function clampTag(value: string): string {
  return value.length > MAX_TAG_VALUE ? `${value.slice(0, MAX_TAG_VALUE - 20)}… [truncated]` : value;
}

/** An MLflow filter-string literal (single-quoted; double quotes when the value holds a single quote). */
export function filterLiteral(value: string): string {
  if (!value.includes("'")) return `'${value}'`;
  if (!value.includes('"')) return `"${value}"`;
  throw new Error(`cannot quote ${JSON.stringify(value)} in an MLflow filter: it holds both quote kinds`);
}

/** `` tags.`name` = 'value' `` */
export function tagEquals(tag: string, value: string): string {
  return `tags.\`${tag}\` = ${filterLiteral(value)}`;
}
