/**
 * `defineExperiment`: a sweep described in TypeScript instead of YAML. The definition takes the same
 * fields as a spec file (docs/sweep-spec.md: snake_case, one name per field in both forms), with
 * `space` for `variants` and `trainable` as a module reference; it goes through the same schema and
 * checks as a file, so errors read the same and name the field.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isUserError, UserError } from '../../core/common/errors.js';
import { MAX_NAME_LENGTH } from '../../core/common/safe-names.js';
import { parseSweepSpec, resolveSpecModules, sweepSpecText } from '../../sweep-spec/load.js';
import type { SweepSpec } from '../../sweep-spec/schema.js';

/** A module reference: `'./model.ts#train'`, or a module (path, file URL or package) and an export. */
export type ModuleReference = string | { module: string | URL; export: string };

/** What `defineExperiment` takes: a spec's fields (see docs/sweep-spec.md), `space` for `variants`. */
export interface ExperimentDefinition {
  /** Sweep name: the tracker's experiment name and part of sweep ids. */
  name: string;
  description?: string;
  /** The trainable: `./model.ts#train` (relative to `baseDir`) or `{ module, export }`. Omitted ⇒ the image classifier. */
  trainable?: ModuleReference;
  /** Folder (or a module's `import.meta.url`) that relative references resolve against. @default process.cwd() */
  baseDir?: string | URL;
  /** The search space: `grid`, `random`, `sampler` (adaptive), `exclude`, `when` (as a spec's `variants`). */
  space: Record<string, unknown>;
  /** Fixed parameters under every variant's values. */
  params?: Record<string, number | string | boolean>;
  /** Metric names the trainable reports, listed for readers and checked against `objective.metric`. */
  metrics?: readonly string[];
  /** What `best`, early stopping and `serve --best` optimise. @default { metric: 'testAccuracy', mode: 'max' } */
  objective?: { metric: string; mode?: 'max' | 'min' };
  /** A built-in (`{ name: 'cifar10', train_size: 10000 }`) or a plug-in (`{ module: './data.ts#data', options }`). */
  dataset?: Record<string, unknown> & { module?: ModuleReference };
  /** `{ epochs }` and, for the image classifier, `batch_size`, `optimizer`, `learning_rate`. */
  train?: Record<string, unknown>;
  /** A list of seeds, `{ count, start }`, or adaptive seeds `{ min, max, until }` (as in a spec). */
  seeds: number[] | { count: number; start?: number } | Record<string, unknown>;
  concurrency?: number;
  retries?: Record<string, unknown>;
  timeouts?: Record<string, unknown>;
  queue?: 'cpu' | 'gpu';
  early_stopping?: Record<string, unknown>;
  comparisons?: { name?: string; a: Record<string, unknown>; b: Record<string, unknown> }[];
  controlled?: boolean;
  interpretation?: string;
  reuse?: boolean;
}

/** A defined experiment: run it with `runSweep(experiment)`. */
export interface Experiment {
  readonly kind: 'seedsweep.experiment';
  readonly definition: Readonly<ExperimentDefinition>;
}

/** What a hostile value is, for a message (never `String(value)`: a symbol or a proxy may throw). */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return `an object of class ${classNameOf(value)}`;
  return `a ${typeof value}`;
}

function classNameOf(value: object): string {
  try {
    const proto = Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null;
    const name = proto?.constructor?.name;
    return typeof name === 'string' && name !== '' ? name : 'Object';
  } catch {
    return 'unknown (it cannot be read)';
  }
}

/** `defineExperiment(name)` or `defineExperiment` for messages, with the name shortened. */
function where(name: unknown): string {
  if (typeof name !== 'string') return 'defineExperiment';
  const short = name.length > 60 ? `${name.slice(0, 57)}...` : name;
  // eslint-disable-next-line no-control-regex -- a name with line breaks would split the one-line message
  return `defineExperiment(${/[\u0000-\u001f\u007f]/.test(short) ? JSON.stringify(short) : short})`;
}

function refuse(name: unknown, message: string, cause?: unknown): never {
  throw new UserError(
    'E_EXPERIMENT',
    `${where(name)}: ${message}`,
    cause === undefined ? undefined : { cause },
  );
}

/** Declares an experiment; checked in full (schema, the trainable's parameter schema) when it runs or by {@link experimentSpec}. */
export function defineExperiment(definition: ExperimentDefinition): Experiment {
  try {
    return Object.freeze({
      kind: 'seedsweep.experiment' as const,
      definition: Object.freeze(checkedDefinition(definition)),
    });
  } catch (error) {
    // A definition whose getters or proxy traps throw: what was read says nothing more.
    if (isUserError(error)) throw error;
    return refuse(
      undefined,
      `the definition cannot be read as plain data (${messageOf(error)}); pass plain objects, lists and values.`,
      error,
    );
  }
}

/** A shallow copy of the definition (read once: what runs is what was checked), checked. */
function checkedDefinition(definition: unknown): ExperimentDefinition {
  if (typeof definition !== 'object' || definition === null || Array.isArray(definition))
    refuse(undefined, `expected a definition object { name, space, seeds, … }; found ${kindOf(definition)}.`);
  const copy = { ...definition } as ExperimentDefinition;
  if (typeof copy.name !== 'string' || copy.name.length === 0)
    refuse(undefined, 'name is required, e.g. { name: "my-sweep", … }.');
  // The name labels every problem of the definition: a 200,000-character one would be in each.
  if (copy.name.length > MAX_NAME_LENGTH)
    refuse(
      copy.name,
      `name has ${copy.name.length} characters; at most ${MAX_NAME_LENGTH} (it names the sweep's folders and its tracker experiment).`,
    );
  if (typeof copy.space !== 'object' || copy.space === null)
    refuse(copy.name, 'space is required, e.g. { grid: { lr: [0.001, 0.01] } }.');
  const { metrics, objective } = copy;
  if (metrics !== undefined && (!Array.isArray(metrics) || !metrics.every((m) => typeof m === 'string')))
    refuse(copy.name, `metrics must be a list of metric names; found ${kindOf(metrics)}.`);
  if (
    metrics &&
    typeof objective === 'object' &&
    objective !== null &&
    typeof objective.metric === 'string' &&
    !metrics.includes(objective.metric)
  ) {
    refuse(copy.name, `objective.metric '${objective.metric}' is not among metrics (${metrics.join(', ')}).`);
  }
  baseDirOf(copy.baseDir, copy.name);
  // Cycles, functions, symbols, BigInts, class instances and deep nesting: a SpecError naming the field.
  specText(copy);
  return copy;
}

/** True for a value made by {@link defineExperiment}. */
export function isExperiment(value: unknown): value is Experiment {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'seedsweep.experiment'
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : typeof error === 'string' ? error : kindOf(error);
}

/** A URL string with a scheme other than `file:` (`https://…`): not a folder. */
const OTHER_SCHEME = /^[a-z][a-z0-9+.-]+:\/\//i;

/** The folder relative references resolve against: `baseDir` (a path or a file URL), else the working folder. */
function baseDirOf(baseDir: unknown, name: string): string {
  if (baseDir === undefined) return process.cwd();
  if (typeof baseDir !== 'string' && !(baseDir instanceof URL))
    refuse(name, `baseDir must be a folder path or a module's import.meta.url; found ${kindOf(baseDir)}.`);
  const text = baseDir instanceof URL ? baseDir.href : baseDir;
  if (text === '' || text.includes('\u0000'))
    refuse(
      name,
      `baseDir ${JSON.stringify(text.slice(0, 60))} is ${text === '' ? 'empty' : 'not a path (it holds a NUL byte)'}; give a folder path or import.meta.url.`,
    );
  if (!text.startsWith('file:')) {
    if (OTHER_SCHEME.test(text))
      refuse(
        name,
        `baseDir ${JSON.stringify(text.slice(0, 60))} is not a file: URL; give a folder path or import.meta.url.`,
      );
    return path.resolve(text);
  }
  let file: string;
  try {
    file = fileURLToPath(text);
  } catch (error) {
    return refuse(
      name,
      `baseDir ${JSON.stringify(text.slice(0, 60))} is not a local file URL (${messageOf(error)}).`,
      error,
    );
  }
  // `import.meta.url` names a module: its folder is the base.
  return /\.[cm]?[jt]s$/.test(file) ? path.dirname(file) : file;
}

/** A module reference as spec text (`module#export`); a reference of another shape is refused naming `field`. */
function referenceText(ref: unknown, field: string, name: string): string {
  if (typeof ref === 'string')
    return checkFileUrl(ref, ref.includes('#') ? ref.slice(0, ref.lastIndexOf('#')) : ref, field, name);
  const shape = `${field} must be './module.ts#export' or { module, export }`;
  if (typeof ref !== 'object' || ref === null || Array.isArray(ref))
    refuse(name, `${shape}; found ${kindOf(ref)}.`);
  const { module, export: exportName } = ref as { module?: unknown; export?: unknown };
  if (typeof exportName !== 'string' || exportName === '')
    refuse(name, `${shape}; its export must be a name, found ${kindOf(exportName)}.`);
  if (typeof module === 'string')
    return checkFileUrl(`${module}#${exportName}`, module, `${field}.module`, name);
  if (!(module instanceof URL))
    refuse(name, `${shape}; its module must be a path, package name or file URL, found ${kindOf(module)}.`);
  try {
    return `${fileURLToPath(module)}#${exportName}`;
  } catch (error) {
    return refuse(
      name,
      `${field}.module ${JSON.stringify(module.href.slice(0, 60))} is not a local file URL (${messageOf(error)}).`,
      error,
    );
  }
}

/** `text` when `module` is not a file URL or is a local one; a file URL the OS cannot open is refused. */
function checkFileUrl(text: string, module: string, field: string, name: string): string {
  if (!module.startsWith('file:')) return text;
  try {
    fileURLToPath(module);
  } catch (error) {
    refuse(
      name,
      `${field} ${JSON.stringify(module.slice(0, 60))} is not a local file URL (${messageOf(error)}).`,
      error,
    );
  }
  return text;
}

/** The spec document (a spec file's fields) a definition stands for. */
function documentOf(definition: Readonly<ExperimentDefinition>): Record<string, unknown> {
  const { space, baseDir: _baseDir, trainable, metrics: _metrics, dataset, ...rest } = definition;
  const document: Record<string, unknown> = { ...rest, variants: space };
  if (trainable !== undefined) document['trainable'] = referenceText(trainable, 'trainable', definition.name);
  if (dataset !== undefined) {
    const module: unknown =
      typeof dataset === 'object' && dataset !== null ? (dataset as { module?: unknown }).module : undefined;
    // Anything but an object is left to the schema, which says what `dataset` takes.
    document['dataset'] =
      module !== undefined
        ? { ...dataset, module: referenceText(module, 'dataset.module', definition.name) }
        : dataset;
  }
  return document;
}

/**
 * The definition as spec text, through the loader's plain-data check: a value YAML cannot hold is a
 * SpecError naming the field; a definition that cannot even be read (a throwing getter, a proxy) an
 * E_EXPERIMENT.
 */
function specText(definition: Readonly<ExperimentDefinition>): {
  text: string;
  document: Record<string, unknown>;
} {
  const file = `experiment ${definition.name}`;
  try {
    const document = documentOf(definition);
    return { text: sweepSpecText(document, file), document };
  } catch (error) {
    if (isUserError(error)) throw error;
    return refuse(
      definition.name,
      `the definition cannot be read as plain data (${messageOf(error)}).`,
      error,
    );
  }
}

/** The spec an experiment stands for, validated like a file (module references imported and checked). */
export async function experimentSpec(
  experiment: Experiment,
  options: { overrides?: readonly string[] } = {},
): Promise<SweepSpec> {
  if (!isExperiment(experiment))
    throw new UserError(
      'E_EXPERIMENT',
      `experimentSpec: expected an experiment made by defineExperiment({ … }); found ${kindOf(experiment)}.`,
    );
  // Checked again: nested values may have changed since defineExperiment (only the top level is frozen).
  const { definition } = defineExperiment(experiment.definition);
  const { text, document } = specText(definition);
  const base = baseDirOf(definition.baseDir, definition.name);
  return parseSweepSpec({
    text,
    file: `experiment ${definition.name}`,
    overrides: options.overrides ?? [],
    modules: await resolveSpecModules(document, base),
  });
}
