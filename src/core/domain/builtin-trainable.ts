/**
 * The built-in image classifier (src/models/image-classifier/trainable.ts) as code that cannot load it sees it:
 * spec expansion and trial keys run inside Temporal workflows (no TF.js, no zod), so its name, the
 * training settings it reads from `train` and the key form of its configs are stated here as data.
 *
 * Its trials are configs like any trainable's: `model` is the trainable's name and `modelOptions` its
 * parameters by their spec names (`{ model: 'cnn', kernel_size: 5 }`). Before it was a trainable, its
 * configs named the architecture in `model` and the options in camelCase, completed with their
 * defaults (`model: 'cnn'`, `modelOptions: { kernelSize: 5, filters1: 32, … }`), and every finished
 * trial is stored under the key of that form. {@link keyFormOf} maps a config to the form its key is
 * hashed in, so those keys still match; {@link currentFormOf} maps an old config (a stored record, a
 * trial scheduled before the change) to today's form.
 */
import type { ParamValue, TrainSettings, TrialConfig } from './trial.js';

/** The parts of a trial config the mappings read and write. */
type ConfigModel = Pick<TrialConfig, 'model' | 'modelOptions' | 'trainable'> &
  Pick<Partial<TrialConfig>, 'backend'>;

/**
 * Version of the built-in's computation on the native backends, in its key form. 2: since 2026-12-06
 * its backward pass is TensorFlow's own gradient graph (src/training/graph/compile-model.ts) instead of a
 * hand-written one, which changes results in the last bits; native trials of version 1 must not be
 * reused as if they were the same computation. wasm/cpu keys do not carry it (nothing changed there).
 */
export const BUILTIN_NATIVE_COMPUTATION = 2;
const isNative = (backend: unknown) => backend === 'tensorflow' || backend === 'tensorflow-gpu';

/** The built-in trainable's name: what its configs' `model` says. */
export const BUILTIN_TRAINABLE_NAME = 'image-classifier';

/**
 * Training settings the built-in reads from `train` besides `epochs`, with their defaults. A spec fills
 * what it leaves out from them, and a sweep may vary them like parameters (`learning_rate: [...]`).
 */
export const BUILTIN_TRAIN_DEFAULTS = {
  batchSize: 64,
  optimizer: 'adam',
  learningRate: 1e-3,
} as const satisfies Omit<Required<TrainSettings>, 'epochs'>;

/** A parameter in the old key form: its camelCase name and the default it was completed with. */
interface LegacyOption {
  name: string;
  default: ParamValue;
}

/**
 * The parameters of each architecture as the old key form names and completes them (spec name →
 * camelCase name, default). Frozen: these are the defaults every stored key was made with. A test
 * checks they equal the schema's defaults; when a default changes, the trainable's version must
 * change, and a versioned name no longer takes this form.
 */
const LEGACY_OPTIONS: Record<string, Record<string, LegacyOption>> = {
  fc: {
    units1: { name: 'units1', default: 512 },
    units2: { name: 'units2', default: 256 },
  },
  cnn: {
    kernel_size: { name: 'kernelSize', default: 3 },
    filters1: { name: 'filters1', default: 32 },
    filters2: { name: 'filters2', default: 64 },
    padding: { name: 'padding', default: 'valid' },
    dense_units: { name: 'denseUnits', default: 128 },
  },
};

/** The architecture of a parameter set that does not name one. */
const DEFAULT_ARCHITECTURE = 'cnn';

/** The defaults the old key form completes an architecture's options with, by spec name (for the test). */
export function legacyDefaults(architecture: string): Record<string, ParamValue> | undefined {
  const options = LEGACY_OPTIONS[architecture];
  if (!options) return undefined;
  return Object.fromEntries(Object.entries(options).map(([spec, o]) => [spec, o.default]));
}

/** Spec name → camelCase name of every architecture's parameters. */
const LEGACY_NAMES = new Map(
  Object.values(LEGACY_OPTIONS).flatMap((options) => Object.entries(options).map(([s, o]) => [s, o.name])),
);
const SPEC_NAMES = new Map([...LEGACY_NAMES].map(([spec, legacy]) => [legacy, spec]));

const rename = (options: Record<string, ParamValue>, names: Map<string, string>) =>
  Object.fromEntries(Object.entries(options).map(([k, v]) => [names.get(k) ?? k, v]));

/**
 * The config whose canonical JSON a trial key hashes. The built-in's configs take the old form:
 * - named by omission (no `trainable` location, as a spec without `trainable:` makes them): `model` is
 *   the architecture (`cnn` when none is named), `modelOptions` its options in camelCase, completed
 *   with their defaults (names it does not take are left out, as the old form left them out);
 * - named by location (`trainable: seedsweep/image-classifier#imageClassifier`): `model` stays the
 *   trainable's name, the parameters keep their values under their camelCase names.
 * Every other config is hashed as it is. Pure and total: a config it cannot map is left as it is.
 */
export function keyFormOf<C extends ConfigModel>(config: C): C {
  if (config.model !== BUILTIN_TRAINABLE_NAME) return config;
  if (config.trainable)
    return withNativeComputation({ ...config, modelOptions: rename(config.modelOptions, LEGACY_NAMES) });
  const { model = DEFAULT_ARCHITECTURE, ...given } = config.modelOptions;
  const options = typeof model === 'string' ? LEGACY_OPTIONS[model] : undefined;
  if (!options) return config;
  // Only the architecture's own options, as the old form held them: a name it does not take (which
  // its schema refuses) cannot make another key, so a sweep planned before the change plans the same.
  const modelOptions: Record<string, ParamValue> = {};
  for (const [spec, option] of Object.entries(options))
    modelOptions[option.name] = given[spec] ?? option.default;
  return withNativeComputation({ ...config, model: model as string, modelOptions });
}

/** The key form of a native trial of the built-in marks its computation's version. */
function withNativeComputation<C extends ConfigModel>(config: C): C {
  return isNative(config.backend) ? { ...config, nativeComputation: BUILTIN_NATIVE_COMPUTATION } : config;
}

/**
 * A config of the built-in in today's form: an old one (no `trainable`, an architecture in `model`,
 * camelCase options) becomes `{ model: 'image-classifier', modelOptions: { model, …spec names } }`;
 * anything else is returned as it is. For trials scheduled, and records written, before the change.
 */
export function currentFormOf<C extends ConfigModel>(config: C): C {
  if (config.trainable || !Object.hasOwn(LEGACY_OPTIONS, config.model)) return config;
  return {
    ...config,
    model: BUILTIN_TRAINABLE_NAME,
    modelOptions: { model: config.model, ...rename(config.modelOptions, SPEC_NAMES) },
  };
}
