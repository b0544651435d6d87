/**
 * The dataset contract. A dataset is named in a spec (`dataset: { name: cifar10, … }` for a built-in,
 * or `dataset: { module: ./my-data.ts#digits, options: {…} }` for a plug-in); the worker process loads
 * it once per distinct spec and hands the loaded value to every trial it trains.
 */
import type { ZodType } from 'zod';
import { PLUGIN_NAME_PATTERN } from './plugin-name.js';

/**
 * Which data a trial trains on. JSON-serialisable; part of the trial config. The built-ins (`cifar10`,
 * `synthetic`) use the slice fields; a plug-in gets `options`, checked by its own schema.
 */
export interface DatasetSpec {
  /** `cifar10`, `synthetic`, or a plug-in's name. */
  name: string;
  /** Built-ins: training images to use (a seeded stratified slice). Omitted ⇒ the whole training split. */
  trainSize?: number;
  /** Built-ins: test images to use (a seeded stratified slice). Omitted ⇒ the whole test split. */
  testSize?: number;
  /** Built-ins: seed of the slice selection (not of training). @default 0 */
  sliceSeed?: number;
  /** CIFAR-10: a local archive or extracted folder. A location: not part of the trial's identity. */
  path?: string;
  /** Plug-ins: the module defining it (absolute path, file URL or package specifier) and its export. A location. */
  module?: string;
  export?: string;
  /** Plug-ins: options passed to `load` and `fingerprint`, checked by the plug-in's schema. */
  options?: Record<string, unknown>;
}

/** A dataset plug-in: what `defineDataset` returns and what a spec's `dataset.module` must export. */
export interface DatasetPlugin<O = Record<string, unknown>, D = unknown> {
  readonly kind: 'seedsweep.dataset';
  /** Name shown in reports and part of every trial key. Letters, digits, `.`, `_`, `-`. */
  readonly name: string;
  /** Checks (and may default) the spec's `options`; a failure names the field. */
  readonly options: ZodType<O>;
  /**
   * A content fingerprint (hex or any stable text): equal data ⇒ equal fingerprint. Part of every trial
   * key, so that results on other data are never mistaken for these. Runs once per sweep, at submit.
   */
  fingerprint(options: O): Promise<string> | string;
  /**
   * Loads the data, once per worker process and distinct options. The value travels to the training
   * threads by structured clone: put large arrays in SharedArrayBuffers so they are shared, not copied.
   */
  load(options: O): Promise<D> | D;
}

/**
 * Declares a dataset plug-in. Export the result from a module and name it in a spec
 * (`dataset: { module: ./digits.ts#digits, options: { … } }`).
 * @throws TypeError when the name is not letters, digits, `.`, `_`, `-` or a function is missing.
 */
export function defineDataset<O, D>(definition: Omit<DatasetPlugin<O, D>, 'kind'>): DatasetPlugin<O, D> {
  if (typeof definition.name !== 'string' || !PLUGIN_NAME_PATTERN.test(definition.name)) {
    throw new TypeError(
      `defineDataset: name must be letters, digits, '.', '_' or '-'; got ${JSON.stringify(definition.name)}`,
    );
  }
  for (const fn of ['load', 'fingerprint'] as const) {
    if (typeof definition[fn] !== 'function')
      throw new TypeError(`defineDataset(${definition.name}): ${fn} must be a function`);
  }
  return Object.freeze({ ...definition, kind: 'seedsweep.dataset' as const });
}

/** True for a value made by {@link defineDataset}. */
export function isDatasetPlugin(value: unknown): value is DatasetPlugin<unknown, unknown> {
  return (
    typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'seedsweep.dataset'
  );
}
