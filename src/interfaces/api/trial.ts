/**
 * One trial outside any sweep: a trainable, its parameters, a seed and data, trained in this thread
 * with the same runner the workers use (checkpoints and resume included). For trying a trainable,
 * for tests, and for re-running the best configuration of a sweep.
 */
import { initBackend, type BackendName } from '../../training/backends/backend.js';
import { trainTrial } from '../../execution/trainer.js';
import { loadDataset } from '../../datasets/plugins.js';
import { UserError } from '../../core/common/errors.js';
import { moduleRefOf } from '../../core/common/user-module.js';
import { resolveSpecModules } from '../../sweep-spec/load.js';
import type { DatasetSpec } from '../../core/domain/dataset.js';
import { isTrainable, type Trainable } from '../../core/domain/trainable.js';
import type { EpochMetrics, TrainSettings, TrialConfig, TrialResult } from '../../core/domain/trial.js';
import { BUILTIN_TRAINABLE } from '../../execution/trainables.js';

/** Options of {@link runTrial}. */
export interface RunTrialOptions {
  /**
   * The trainable: a module reference `path/to/model.ts#export` (relative to `process.cwd()`; what a
   * sweep's workers would load) whose export is a `defineTrainable` result or a plain training function
   * `(params, ctx)`, or the built-in image classifier object. A trainable object other than the built-in
   * cannot be located by module, so pass its reference.
   */
  trainable: string | Pick<Trainable, 'kind' | 'name'>;
  /**
   * Its parameters: checked by its schema (a plain function gets them unchecked). For the image
   * classifier: `{ model: 'cnn', kernel_size: 3 }` (its spec names; see `seedsweep models`).
   */
  params: Record<string, number | string | boolean>;
  /** @default 0 */
  seed?: number;
  /** `epochs` and, for the image classifier, `batchSize`, `optimizer`, `learningRate`. */
  train: TrainSettings;
  /**
   * The data: a built-in (`{ name: 'synthetic', trainSize: 200 }`, camelCase fields as in a sweep's
   * trial config) or a dataset plug-in as a spec names it, `{ module: './data.ts#blobs', options }`
   * (relative to `process.cwd()`, like `trainable`; `name` may be left out and is then the plug-in's;
   * `{ module, export }` as two fields also works). @default { name: 'none' }
   */
  dataset?: RunTrialDataset;
  /** Checkpoint folder; with `resume`, continue from its latest checkpoint. */
  checkpointDir?: string;
  resume?: boolean;
  /** TF.js backend. @default automatic (`SEEDSWEEP_BACKEND` or the first that loads) */
  backend?: BackendName;
  onEpoch?: (metrics: EpochMetrics) => void;
}

/** {@link RunTrialOptions.dataset}: a built-in's spec, or a plug-in's module reference (its name then optional). */
export type RunTrialDataset = DatasetSpec | (Omit<DatasetSpec, 'name'> & { name?: string; module: string });

/**
 * A plug-in dataset as a trial config holds it: `module` split at `#` into module and export (a separate
 * `export` also works), resolved against `process.cwd()`, imported and checked as a spec's would be
 * (its name filled in when left out).
 */
async function datasetSpecOf(dataset: RunTrialDataset | undefined): Promise<DatasetSpec> {
  if (dataset === undefined) return { name: 'none' };
  if (dataset.module === undefined) return dataset as DatasetSpec;
  const { module, export: exportName, name, ...rest } = dataset;
  const ref =
    exportName === undefined || module.endsWith(`#${exportName}`) ? module : `${module}#${exportName}`;
  const { dataset: plugin } = await resolveSpecModules(
    { dataset: { module: ref, ...(name !== undefined ? { name } : {}) } },
    process.cwd(),
  );
  if (!plugin)
    throw new UserError(
      'E_BAD_MODULE_REF',
      "runTrial: dataset.module is empty; write it as path/to/data.ts#exportName, e.g. './data.ts#blobs'.",
    );
  return { ...rest, name: plugin.name, module: plugin.module, export: plugin.export };
}

/** Trains one trial and returns its per-epoch metrics. */
export async function runTrial(options: RunTrialOptions): Promise<TrialResult> {
  await initBackend(options.backend ? { backend: options.backend } : {});
  const dataset = await datasetSpecOf(options.dataset);
  let config: TrialConfig;
  if (typeof options.trainable === 'string') {
    const location = moduleRefOf(options.trainable, process.cwd(), {
      field: 'runTrial: trainable',
      relativeTo: 'the working folder',
    });
    config = {
      model: location.export,
      modelOptions: { ...options.params },
      train: options.train,
      dataset,
      trainable: location,
    };
  } else if (isTrainable(options.trainable) && options.trainable.name === BUILTIN_TRAINABLE.name) {
    // The built-in, named by omission as a spec without `trainable:` names it (the same trial keys).
    config = {
      model: BUILTIN_TRAINABLE.name,
      modelOptions: { ...options.params },
      train: options.train,
      dataset,
    };
  } else {
    throw new TypeError(
      `runTrial: pass trainable '${options.trainable.name}' as a module reference ('./file.ts#export'), as a sweep names it.`,
    );
  }
  const loaded = await loadDataset(dataset);
  return trainTrial({
    trial: { config, seed: options.seed ?? 0 },
    dataset: loaded.value,
    datasetFingerprint: loaded.fingerprint,
    ...(options.checkpointDir
      ? { checkpointDir: options.checkpointDir, resume: options.resume ?? false }
      : {}),
    ...(options.onEpoch ? { onEpoch: options.onEpoch } : {}),
  });
}
