/**
 * A `SweepSpec` object handed to `runSweep` is checked, not trusted: it is written back in its file
 * form (the snake_case document a spec file holds, the inverse of `toSweepSpec`) and loaded like a file:
 * the loader's plain-data check, its schema, its semantic checks and the trainable's parameter schema.
 * A valid spec comes back equal to itself; anything else is one SpecError (or UserError) naming the field
 * by its spec-file name (docs/sweep-spec.md).
 */
import { isUserError } from '../../core/common/errors.js';
import { parseSweepSpec, resolveSpecModules, SpecError, sweepSpecText } from '../../sweep-spec/load.js';
import type { SweepSpec } from '../../sweep-spec/schema.js';

/** How the object's problems name their origin. */
export const SPEC_OBJECT_FILE = 'the SweepSpec given to runSweep';

type Plain = Record<string, unknown>;

function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `value` with its keys renamed by `names` (camelCase → snake_case), `undefined` values dropped; keys
 * it does not know are kept, for the schema to name. Not an object: `value` as it is, for the schema.
 */
function renamed(value: unknown, names: Record<string, string>): unknown {
  if (!isPlain(value)) return value;
  const out: Plain = {};
  for (const [key, v] of Object.entries(value)) if (v !== undefined) out[names[key] ?? key] = v;
  return out;
}

/** A distribution (`{ kind: 'uniform', low, high, q }`) in its file form (`{ uniform: [low, high], q }`). */
function distributionDocument(value: unknown): unknown {
  if (!isPlain(value) || typeof value['kind'] !== 'string') return value;
  const { kind, low, high, mean, sd, values, ...rest } = value;
  const pair = kind === 'normal' ? [mean, sd] : [low, high];
  const body = kind === 'choice' ? values : pair;
  return { [kind]: body, ...rest };
}

function distributionsDocument(value: unknown): unknown {
  if (!isPlain(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, d]) => [k, distributionDocument(d)]));
}

function variantsDocument(value: unknown): unknown {
  if (!isPlain(value)) return value;
  const out: Plain = { ...value };
  if (isPlain(value['random']))
    out['random'] = { ...value['random'], params: distributionsDocument(value['random']['params']) };
  if (isPlain(value['sampler']))
    out['sampler'] = renamed(
      { ...value['sampler'], params: distributionsDocument(value['sampler']['params']) },
      { warmStart: 'warm_start' },
    );
  for (const key of Object.keys(out)) if (out[key] === undefined) delete out[key];
  return out;
}

/** A resolved module (`{ module, export }`) as a reference, `module#export`; another shape as it is. */
function referenceOf(value: unknown): unknown {
  if (!isPlain(value)) return value;
  const { module, export: exportName } = value;
  return typeof module === 'string' && typeof exportName === 'string' ? `${module}#${exportName}` : value;
}

function datasetDocument(value: unknown): unknown {
  if (!isPlain(value)) return value;
  // `{ name: 'none' }` is what a spec without `dataset:` becomes.
  if (Object.keys(value).length === 1 && value['name'] === 'none') return undefined;
  const { module, export: exportName, ...rest } = value;
  if (module === undefined && exportName === undefined)
    return renamed(rest, { trainSize: 'train_size', testSize: 'test_size', sliceSeed: 'slice_seed' });
  const reference = referenceOf({ module, export: exportName });
  return renamed(
    { ...rest, module: typeof reference === 'string' ? reference : module },
    { trainSize: 'train_size', testSize: 'test_size', sliceSeed: 'slice_seed' },
  );
}

function seedsDocument(seeds: unknown, adaptive: unknown): unknown {
  if (adaptive === undefined) return seeds;
  if (!isPlain(adaptive)) return adaptive;
  const out = renamed(adaptive, { perRound: 'per_round' }) as Plain;
  out['until'] = renamed(adaptive['until'], { ciExcludes: 'ci_excludes', widthBelow: 'width_below' });
  return out;
}

/** A factorial seed design's levels: the spec's seeds as written (its `seeds` are the cells). */
function factorialLevels(value: unknown): unknown {
  return isPlain(value) && value['design'] === 'factorial' ? value['levels'] : undefined;
}

/** `seedSources` (`{ design, vary: ['dataOrder'], fixed, levels }`) in its file form. */
function seedSourcesDocument(value: unknown): unknown {
  if (!isPlain(value)) return value;
  const { levels: _underSeeds, vary, ...rest } = value;
  const names: Record<string, string> = { dataOrder: 'data_order' };
  return {
    ...rest,
    vary: Array.isArray(vary) ? vary.map((v) => (typeof v === 'string' ? (names[v] ?? v) : v)) : vary,
  };
}

/**
 * Where each field of a `SweepSpec` goes in the file form. A mapped type over `keyof SweepSpec`: a field
 * added to `SweepSpec` without a line here is a type error.
 */
const FIELDS: { [K in keyof Required<SweepSpec>]: (spec: Plain) => [string, unknown] | undefined } = {
  name: (s) => ['name', s['name']],
  description: (s) => ['description', s['description']],
  dataset: (s) => ['dataset', datasetDocument(s['dataset'])],
  train: (s) => ['train', renamed(s['train'], { batchSize: 'batch_size', learningRate: 'learning_rate' })],
  variants: (s) => ['variants', variantsDocument(s['variants'])],
  seeds: (s) => ['seeds', seedsDocument(factorialLevels(s['seedSources']) ?? s['seeds'], s['adaptiveSeeds'])],
  seedSources: (s) => ['seed_sources', seedSourcesDocument(s['seedSources'])],
  adaptiveSeeds: () => undefined, // written under `seeds`
  concurrency: (s) => ['concurrency', s['concurrency']],
  retries: (s) => [
    'retries',
    renamed(s['retries'], {
      maxAttempts: 'max_attempts',
      initialIntervalSeconds: 'initial_interval_seconds',
      backoffCoefficient: 'backoff_coefficient',
    }),
  ],
  timeouts: (s) => [
    'timeouts',
    renamed(s['timeouts'], { trialMinutes: 'trial_minutes', heartbeatSeconds: 'heartbeat_seconds' }),
  ],
  queue: (s) => ['queue', s['queue']],
  earlyStopping: (s) => {
    const value = s['earlyStopping'];
    // `higherIsBetter` is derived from the metric and the objective when the spec loads.
    const { higherIsBetter: _derived, ...rest } = isPlain(value) ? value : { higherIsBetter: undefined };
    return [
      'early_stopping',
      renamed(isPlain(value) ? rest : value, {
        minEpochs: 'min_epochs',
        minTrials: 'min_trials',
        reductionFactor: 'reduction_factor',
        minResource: 'min_resource',
      }),
    ];
  },
  comparisons: (s) => ['comparisons', s['comparisons']],
  controlled: (s) => ['controlled', s['controlled']],
  objective: (s) => ['objective', s['objective']],
  objectives: (s) => ['objectives', s['objectives']],
  interpretation: (s) => ['interpretation', s['interpretation']],
  // Its name, version and form come from the module again, as when a file names it.
  trainable: (s) => ['trainable', referenceOf(s['trainable'])],
  params: (s) => ['params', s['params']],
  reuse: (s) => ['reuse', s['reuse']],
  backend: (s) => ['backend', s['backend']],
};

/** The file form of a spec object (fields it does not know kept as they are, for the schema to name). */
export function specObjectDocument(spec: Plain): Plain {
  const document: Plain = {};
  for (const [key, value] of Object.entries(spec)) {
    if (value === undefined) continue;
    const field = FIELDS[key as keyof SweepSpec];
    const entry = field ? field(spec) : ([key, value] as [string, unknown]);
    if (entry && entry[1] !== undefined) document[entry[0]] = entry[1];
  }
  return document;
}

/**
 * Checks a `SweepSpec` object like a spec file (see the module comment) and returns the spec it loads
 * as. `overrides` are `--set` overrides, by spec-file names. Throws SpecError (`E_SPEC_INVALID`) or
 * another UserError; relative module references resolve from `baseDir`.
 */
export async function checkSpecObject(
  spec: unknown,
  options: { overrides?: readonly string[]; baseDir?: string } = {},
): Promise<SweepSpec> {
  const file = SPEC_OBJECT_FILE;
  const refuse = (message: string): never => {
    throw new SpecError(file, [{ file, path: '', message }]);
  };
  if (!isPlain(spec))
    refuse(
      `expected a spec object (from loadSweepSpec or experimentSpec), a spec file path or an experiment; found ${spec === null ? 'null' : Array.isArray(spec) ? 'a list' : `a ${typeof spec}`}`,
    );
  let text: string;
  let document: Plain;
  try {
    // Plain data first (cycles, functions, class instances, depth): only then is it walked.
    sweepSpecText(spec, file);
    document = specObjectDocument(spec as Plain);
    text = sweepSpecText(document, file);
  } catch (error) {
    if (isUserError(error)) throw error;
    // A getter or proxy trap that throws: the object cannot be read as data.
    return refuse(
      `the spec cannot be read as plain data (${error instanceof Error ? error.message : typeof error})`,
    );
  }
  return parseSweepSpec({
    text,
    file,
    overrides: options.overrides ?? [],
    modules: await resolveSpecModules(document, options.baseDir ?? process.cwd()),
  });
}
