/**
 * What a trial looks like in MLflow: tag names, the flattened params of a trial config, the metric
 * keys of an epoch and of a finished trial (one naming rule: {@link metricKey}), and the environment
 * and lineage tags of the process that ran it.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from '../core/common/paths.js';
import { SEED_SOURCE_SPEC_NAMES, SEED_SOURCES, seedsOfTrial } from '../core/domain/seed-sources.js';
import type {
  EpochMetrics,
  ImageEpochMetrics,
  PlannedTrial,
  TrialRecord,
  TrialResult,
} from '../core/domain/trial.js';
import { fromJson, toJson } from './json-numbers.js';

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
  /** TensorFlow version under a native backend (absent on wasm and cpu). */
  tfVersion: 'seedsweep.tf_version',
  /** `cpu` or `gpu`: where the backend computed. */
  device: 'seedsweep.device',
  resumedFromEpoch: 'seedsweep.resumed_from_epoch',
  /** `graph` or `eager`: how the trial's training steps ran, when the trainable says. */
  trainingPath: 'seedsweep.training_path',
  /** Temporal's attempt of the trial that last started it: only that attempt's writes count. */
  attempt: 'seedsweep.attempt',
  error: 'seedsweep.error',
  /**
   * The trial's complete record as compact JSON, written with the run's end: finished trials are read
   * back from run searches alone, and it is the record's only copy. {@link RECORD_IN_ARTIFACT} when it
   * is too long for a tag (the record is then in `trial.json`); absent on runs of versions before it
   * (which have `trial.json`).
   */
  record: 'seedsweep.record',
  /** Content fingerprint of the trial's dataset (what its trial key was computed with). */
  datasetFingerprint: 'seedsweep.dataset_fingerprint',
  /** `module#export` of a user trainable (a location: where its code was, not part of the key). */
  trainable: 'seedsweep.trainable',
  /** `module#export` of a dataset plug-in (a location). */
  datasetModule: 'seedsweep.dataset_module',
  lockfileSha256: 'seedsweep.lockfile_sha256',
  cwdLockfileSha256: 'seedsweep.cwd_lockfile_sha256',
  gitDirty: 'seedsweep.git_dirty',
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
  /**
   * The planned trial, written when the run started by versions before the write-only path; read only
   * to finish such a run (its journaled end carries no trial). Learning curves are in the record.
   */
  plannedTrial: 'planned_trial.json',
  /**
   * The complete TrialRecord, written when the trial finishes only if it is too long for the
   * `seedsweep.record` tag (every finished run of versions before the tag has it): what `finishedTrials`
   * reads when the tag holds no record.
   */
  trialRecord: 'trial.json',
} as const;

/** MLflow caps tag values (8,000 characters in MLflow 3); longer values are cut with a marker. */
export const MAX_TAG_VALUE = 8000;

/**
 * The `seedsweep.record` value of a record too long for a tag: read `trial.json`. Written rather than
 * leaving the tag out so that a run whose record grew past the limit does not keep an older one.
 */
export const RECORD_IN_ARTIFACT = 'trial.json';

/**
 * A trial record as its `seedsweep.record` tag value: compact JSON that keeps NaN and ±Infinity, or
 * {@link RECORD_IN_ARTIFACT} when that is longer than a tag may be (a record is never cut).
 */
export function recordTagValue(record: TrialRecord): string {
  const json = toJson(record);
  return json.length > MAX_TAG_VALUE ? RECORD_IN_ARTIFACT : json;
}

/**
 * The record a `seedsweep.record` tag value holds; undefined when it holds none (absent, the
 * {@link RECORD_IN_ARTIFACT} marker, or not a record): the caller reads `trial.json` instead.
 */
export function recordFromTag(value: string | undefined): TrialRecord | undefined {
  if (value === undefined || !value.startsWith('{')) return undefined;
  try {
    const record = fromJson<TrialRecord>(value);
    return typeof record.trialKey === 'string' && typeof record.result === 'object' && record.result !== null
      ? record
      : undefined;
  } catch {
    return undefined;
  }
}

/** MLflow caps param values (6,000 characters in MLflow 3); longer values are cut with a marker. */
export const MAX_PARAM_VALUE = 6000;

/**
 * The trial's params: the flattened config (`model`, `model.kernelSize`, `train.learningRate`,
 * `dataset.trainSize`, `dataset.options.<name>` …) and `seed`. Locations (`dataset.path`,
 * `dataset.module`/`export`, the trainable's module) are left out: they are not part of the trial's
 * identity and differ between hosts (they go to tags instead).
 */
export function trialParams(trial: PlannedTrial): Record<string, string> {
  const params: Record<string, string> = { model: trial.config.model };
  const put = (key: string, value: unknown) => {
    if (value === undefined) return;
    const text = typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
    params[key] =
      text.length > MAX_PARAM_VALUE ? `${text.slice(0, MAX_PARAM_VALUE - 20)}… [truncated]` : text;
  };
  for (const [key, value] of Object.entries(trial.config.modelOptions)) put(`model.${key}`, value);
  for (const [key, value] of Object.entries(trial.config.train)) put(`train.${key}`, value);
  for (const [key, value] of Object.entries(trial.config.dataset)) {
    if (key === 'path' || key === 'module' || key === 'export') continue;
    if (key === 'options' && value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [name, option] of Object.entries(value as Record<string, unknown>))
        put(`dataset.options.${name}`, option);
      continue;
    }
    put(`dataset.${key}`, value);
  }
  params['seed'] = String(trial.seed);
  // A spec with `seed_sources`: the seed each source got (`seed.init`, `seed.data_order`, …), searchable.
  if (trial.config.seedSources) {
    const seeds = seedsOfTrial(trial.config.seedSources, trial.seed);
    for (const source of SEED_SOURCES)
      params[`seed.${SEED_SOURCE_SPEC_NAMES[source]}`] = String(seeds[source]);
  }
  return params;
}

/** The identity tags of a trial run (searchable), without the parent link (known only at send time). */
export function trialTags(sweepId: string, trial: PlannedTrial): Record<string, string> {
  const tags: Record<string, string> = {
    [TAG.role]: RunRole.trial,
    [TAG.sweepId]: sweepId,
    [TAG.trialKey]: trial.trialKey,
    [TAG.groupKey]: trial.groupKey,
    [TAG.groupLabel]: trial.groupLabel,
    [TAG.factors]: clampTag(JSON.stringify(trial.factors)),
    [TAG.queue]: trial.queue,
  };
  const { trainable, dataset } = trial.config;
  if (trainable) tags[TAG.trainable] = clampTag(`${trainable.module}#${trainable.export}`);
  if (dataset.module !== undefined)
    tags[TAG.datasetModule] = clampTag(`${dataset.module}#${dataset.export ?? 'default'}`);
  return tags;
}

/** Run name of a trial: its group label and seed, e.g. `model=cnn kernel_size=3 seed=2`. */
export function trialRunName(trial: PlannedTrial): string {
  return `${trial.groupLabel} seed=${trial.seed}`;
}

/**
 * The one naming rule from a reported metric name to an MLflow metric key: camelCase → snake_case
 * (`testAccuracy` → `test_accuracy`, `imagesPerSecond` → `images_per_second`, `valAUC` → `val_auc`);
 * names already in snake case (`val_loss`, `value`) are unchanged. Characters MLflow refuses in a key
 * (anything but letters, digits, `_ - . / ` and space) become `_`. Reading a trial back does not
 * invert this: the record (`seedsweep.record`, or `trial.json`) keeps the reported names.
 */
export function metricKey(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9_\-./ ]/g, '_');
}

/** Metric values of one epoch, logged with step = epoch: every reported metric but `epoch` itself. */
export function epochMetricValues(metrics: EpochMetrics): Record<string, number> {
  const values: Record<string, number> = {};
  for (const [name, value] of Object.entries(metrics)) {
    if (name === 'epoch' || typeof value !== 'number') continue;
    values[metricKey(name)] = value;
  }
  return values;
}

/** Metric keys of the study's image classifier per epoch (`train_loss` … `images_per_second`). */
export const EPOCH_METRIC_KEYS = Object.keys(
  epochMetricValues({
    epoch: 0,
    trainLoss: 0,
    trainAccuracy: 0,
    testLoss: 0,
    testAccuracy: 0,
    epochSeconds: 0,
    imagesPerSecond: 0,
  } satisfies ImageEpochMetrics),
);

/**
 * Single-value metrics of a finished trial (logged at step 0): `final_<key>` of every metric of the last
 * epoch, `epochs_completed`, and where the trial reports what they need: `generalization_gap`
 * (train − test accuracy), `total_train_seconds` (sum of `epochSeconds`) and the model's size and cost.
 */
export function finalMetricValues(result: TrialResult): Record<string, number> {
  const final = result.final;
  const values: Record<string, number> = {};
  for (const [key, value] of Object.entries(epochMetricValues(final))) values[`final_${key}`] = value;
  if (typeof final['trainAccuracy'] === 'number' && typeof final['testAccuracy'] === 'number') {
    values['generalization_gap'] = final['trainAccuracy'] - final['testAccuracy'];
  }
  values['epochs_completed'] = final.epoch;
  if (result.epochs.length > 0 && result.epochs.every((epoch) => typeof epoch['epochSeconds'] === 'number')) {
    values['total_train_seconds'] = result.epochs.reduce((sum, epoch) => sum + epoch['epochSeconds']!, 0);
  }
  if (result.modelStats) {
    values['total_params'] = result.modelStats.totalParams;
    values['conv_params'] = result.modelStats.convParams;
    values['dense_params'] = result.modelStats.denseParams;
    values['flops_per_image'] = result.modelStats.flopsPerImage;
    // Kinds that records before the fit-style trainable did not have: logged only when present.
    const { normParams, embeddingParams, otherParams, nonTrainableParams } = result.modelStats;
    if (normParams !== undefined) values['norm_params'] = normParams;
    if (embeddingParams !== undefined) values['embedding_params'] = embeddingParams;
    if (otherParams !== undefined) values['other_params'] = otherParams;
    if (nonTrainableParams !== undefined) values['non_trainable_params'] = nonTrainableParams;
  }
  return values;
}

/**
 * Tags describing where and from what a trial ran, computed once per process:
 * - `seedsweep.host`, `seedsweep.node_version`, `seedsweep.version`, `seedsweep.tfjs_version`,
 *   `seedsweep.tfjs_backend_wasm_version`;
 * - `seedsweep.lockfile_sha256`: SHA-256 of seedsweep's own `package-lock.json` (at PACKAGE_ROOT), and
 *   `seedsweep.cwd_lockfile_sha256` of the working directory's `package-lock.json` when that is another
 *   file (a user project whose trainables import its own dependencies);
 * - `mlflow.source.git.commit` (when PACKAGE_ROOT is a git checkout) and `seedsweep.git_dirty`
 *   (`true`/`false` from `git status --porcelain` in PACKAGE_ROOT; `unknown` when it is not a checkout
 *   or git is missing).
 */
export function environmentTags(): Record<string, string> {
  cachedEnvironment ??= computeEnvironmentTags();
  return { ...cachedEnvironment };
}
let cachedEnvironment: Record<string, string> | undefined;

function computeEnvironmentTags(): Record<string, string> {
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
      tags[tag] = (
        JSON.parse(readFileSync(path.join(PACKAGE_ROOT, file), 'utf8')) as { version: string }
      ).version;
    } catch {
      // not installed
    }
  }
  const ownLockfile = path.join(PACKAGE_ROOT, 'package-lock.json');
  const ownHash = fileSha256(ownLockfile);
  if (ownHash) tags[TAG.lockfileSha256] = ownHash;
  const cwdLockfile = path.resolve(process.cwd(), 'package-lock.json');
  if (realPathOrSelf(cwdLockfile) !== realPathOrSelf(ownLockfile)) {
    const cwdHash = fileSha256(cwdLockfile);
    if (cwdHash) tags[TAG.cwdLockfileSha256] = cwdHash;
  }
  const commit = gitCommit(PACKAGE_ROOT);
  if (commit) tags[TAG.gitCommit] = commit;
  tags[TAG.gitDirty] = gitDirty(PACKAGE_ROOT);
  return tags;
}

/** SHA-256 hex of a file's bytes; undefined when it cannot be read. */
export function fileSha256(file: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return undefined;
  }
}

function realPathOrSelf(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

/**
 * `true` when the checkout at `root` has uncommitted changes (tracked or untracked, per
 * `git status --porcelain`), `false` when clean, `unknown` when `root` is not the top of a checkout
 * (an installed package must not report the enclosing project's state) or git is unavailable.
 * `--no-optional-locks` keeps it from writing the index, so it never races other git commands.
 * Synchronous (once per process, milliseconds) so that `startTrial` journals in the caller's tick, in
 * call order with the writes that follow it.
 */
export function gitDirty(root: string): 'true' | 'false' | 'unknown' {
  if (!existsSync(path.join(root, '.git'))) return 'unknown';
  try {
    const stdout = execFileSync('git', ['--no-optional-locks', 'status', '--porcelain'], {
      cwd: root,
      timeout: 30_000,
      maxBuffer: 64 * 1024 * 1024,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return stdout.trim() === '' ? 'false' : 'true';
  } catch {
    return 'unknown';
  }
}

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
