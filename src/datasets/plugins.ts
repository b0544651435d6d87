/**
 * The dataset seam: a spec's dataset is a built-in (`cifar10`, `synthetic`: seeded image slices in
 * shared memory) or a plug-in module made with `defineDataset`. Both are reached the same way: a
 * fingerprint at submit time (part of every trial key) and one load per worker process.
 */
import { UserError } from '../core/common/errors.js';
import { importExport } from '../core/common/user-module.js';
import { isDatasetPlugin, type DatasetPlugin, type DatasetSpec } from '../core/domain/dataset.js';
import { canonicalJson } from '../core/domain/keys.js';
import { datasetFingerprint as builtinFingerprint, loadSplit, type Cifar10SourceOverrides } from './index.js';

/** The dataset of a trainable that needs none: no data, a constant fingerprint. */
export const NO_DATASET = 'none';

/** True when the spec names a plug-in module rather than a built-in. */
export function isPluginDataset(spec: DatasetSpec): boolean {
  return spec.module !== undefined;
}

const plugins = new Map<string, Promise<DatasetPlugin<unknown, unknown>>>();

/** The plug-in module a spec names, loaded once per process. */
export async function resolveDatasetPlugin(spec: DatasetSpec): Promise<DatasetPlugin<unknown, unknown>> {
  if (!isPluginDataset(spec)) throw new Error(`dataset '${spec.name}' is a built-in, not a plug-in`);
  const ref = { module: spec.module!, export: spec.export ?? 'default' };
  const key = `${ref.module}#${ref.export}`;
  let pending = plugins.get(key);
  if (!pending) {
    pending = (async () => {
      const value = await importExport(ref, 'dataset');
      if (!isDatasetPlugin(value)) {
        throw new UserError(
          'E_NOT_A_DATASET',
          `${key} is not a dataset plug-in; export the result of defineDataset({ name, options, fingerprint, load }) from 'seedsweep'.`,
        );
      }
      if (value.name !== spec.name) {
        throw new UserError(
          'E_DATASET_NAME',
          `dataset plug-in ${key} is named '${value.name}' but the spec says '${spec.name}'; use the plug-in's name.`,
        );
      }
      return value;
    })();
    plugins.set(key, pending);
    pending.catch(() => plugins.delete(key));
  }
  return pending;
}

/** The options a plug-in gets, checked by its schema. */
export function pluginOptions(plugin: DatasetPlugin<unknown, unknown>, spec: DatasetSpec): unknown {
  const parsed = plugin.options.safeParse(spec.options ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (i) => `dataset.options${i.path.length ? `.${i.path.join('.')}` : ''}: ${i.message}`,
  );
  throw new UserError(
    'E_DATASET_OPTIONS',
    `options of dataset '${spec.name}' are invalid: ${problems.join('; ')}.`,
  );
}

/**
 * Content fingerprint of a spec's data: equal data ⇒ equal fingerprint. Built-ins fingerprint the
 * slice's bytes; plug-ins answer for themselves (their answer is prefixed with their name).
 */
export async function fingerprintDataset(
  spec: DatasetSpec,
  options: { cifar10?: Cifar10SourceOverrides } = {},
): Promise<string> {
  if (spec.name === NO_DATASET && !isPluginDataset(spec)) return NO_DATASET;
  if (!isPluginDataset(spec)) return builtinFingerprint(spec, options);
  const plugin = await resolveDatasetPlugin(spec);
  const fingerprint = await plugin.fingerprint(pluginOptions(plugin, spec));
  if (typeof fingerprint !== 'string' || fingerprint.length === 0) {
    throw new UserError(
      'E_DATASET_FINGERPRINT',
      `dataset plug-in '${spec.name}' returned ${JSON.stringify(fingerprint)} from fingerprint(); return a non-empty string that changes when the data does.`,
    );
  }
  return `${spec.name}:${fingerprint}`;
}

/** A loaded dataset and its fingerprint (what a trial's checkpoint is tied to). */
export interface LoadedDataset {
  value: unknown;
  fingerprint: string;
}

/** Loads a spec's data: the built-in split (shared memory) or the plug-in's value. */
export async function loadDataset(spec: DatasetSpec): Promise<LoadedDataset> {
  if (spec.name === NO_DATASET && !isPluginDataset(spec))
    return { value: undefined, fingerprint: NO_DATASET };
  if (!isPluginDataset(spec)) {
    const split = await loadSplit({ spec });
    return { value: split, fingerprint: split.fingerprint };
  }
  const plugin = await resolveDatasetPlugin(spec);
  const options = pluginOptions(plugin, spec);
  const [value, fingerprint] = await Promise.all([plugin.load(options), fingerprintDataset(spec)]);
  return { value, fingerprint };
}

/** A stable cache key of a dataset spec (locations included: two paths may hold different bytes). */
export function datasetCacheKey(spec: DatasetSpec): string {
  return canonicalJson(spec);
}
