/**
 * `defineExperiment`: a sweep described in TypeScript instead of YAML. The definition takes the same
 * fields as a spec file (docs/sweep-spec.md: snake_case, one name per field in both forms), with
 * `space` for `variants` and `trainable` as a module reference; it goes through the same schema and
 * checks as a file, so errors read the same and name the field.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { UserError } from '../../core/common/errors.js';
import { resolveSpecModules, parseSweepSpec } from '../../sweep-spec/load.js';
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

/** Declares an experiment; checked in full (schema, the trainable's parameter schema) when it runs or by {@link experimentSpec}. */
export function defineExperiment(definition: ExperimentDefinition): Experiment {
  if (typeof definition?.name !== 'string' || definition.name.length === 0)
    throw new UserError('E_EXPERIMENT', 'defineExperiment: name is required, e.g. { name: "my-sweep", … }.');
  if (typeof definition.space !== 'object' || definition.space === null)
    throw new UserError(
      'E_EXPERIMENT',
      `defineExperiment(${definition.name}): space is required, e.g. { grid: { lr: [0.001, 0.01] } }.`,
    );
  if (
    definition.metrics &&
    definition.objective &&
    !definition.metrics.includes(definition.objective.metric)
  ) {
    throw new UserError(
      'E_EXPERIMENT',
      `defineExperiment(${definition.name}): objective.metric '${definition.objective.metric}' is not among metrics (${definition.metrics.join(', ')}).`,
    );
  }
  return Object.freeze({
    kind: 'seedsweep.experiment' as const,
    definition: Object.freeze({ ...definition }),
  });
}

/** True for a value made by {@link defineExperiment}. */
export function isExperiment(value: unknown): value is Experiment {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'seedsweep.experiment'
  );
}

function baseDirOf(baseDir: string | URL | undefined): string {
  if (baseDir === undefined) return process.cwd();
  const text = baseDir instanceof URL ? baseDir.href : baseDir;
  if (!text.startsWith('file:')) return path.resolve(text);
  const file = fileURLToPath(text);
  // `import.meta.url` names a module: its folder is the base.
  return /\.[cm]?[jt]s$/.test(file) ? path.dirname(file) : file;
}

function referenceText(ref: ModuleReference): string {
  if (typeof ref === 'string') return ref;
  const module = ref.module instanceof URL ? fileURLToPath(ref.module) : ref.module;
  return `${module}#${ref.export}`;
}

/** The spec an experiment stands for, validated like a file (module references imported and checked). */
export async function experimentSpec(
  experiment: Experiment,
  options: { overrides?: readonly string[] } = {},
): Promise<SweepSpec> {
  const { space, baseDir, trainable, metrics: _metrics, dataset, ...rest } = experiment.definition;
  const document: Record<string, unknown> = { ...rest, variants: space };
  if (trainable !== undefined) document['trainable'] = referenceText(trainable);
  if (dataset !== undefined)
    document['dataset'] =
      dataset.module !== undefined ? { ...dataset, module: referenceText(dataset.module) } : dataset;
  const base = baseDirOf(baseDir);
  return parseSweepSpec({
    text: stringify(document),
    file: `experiment ${experiment.definition.name}`,
    overrides: options.overrides ?? [],
    modules: await resolveSpecModules(document, base),
  });
}
