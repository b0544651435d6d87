/**
 * The API's object edge under generated input (issue 20, item 1): `defineExperiment` → `experimentSpec`
 * and `runSweep(spec)`'s check of a `SweepSpec` object (src/interfaces/api/spec-object.ts), given what
 * YAML never holds: cycles, functions, symbols, BigInts, class instances (Date, Map, URL, typed arrays,
 * boxed values), sparse lists, null-prototype objects, symbol keys, throwing getters, proxies, 65 to
 * 5,000 levels of nesting, and hostile `baseDir` values and module references.
 *
 * Property, for every input: a spec (that expands into trials), or one UserError with a stable code and
 * no stack frame in its message; never a TypeError or RangeError, never a hang. A valid spec object
 * comes back from the check equal to itself.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { isUserError } from '../../../src/core/common/errors.js';
import {
  defineExperiment,
  experimentSpec,
  type ExperimentDefinition,
} from '../../../src/interfaces/api/experiment.js';
import { checkSpecObject } from '../../../src/interfaces/api/spec-object.js';
import { expandSweep } from '../../../src/sweep-spec/expand.js';
import { parseSweepSpec } from '../../../src/sweep-spec/load.js';
import type { SweepSpec } from '../../../src/sweep-spec/schema.js';
import { checkFuzz } from '../../fuzz-support.js';

/** Codes the object edge may end in: anything else is a finding. */
const CODES = new Set([
  'E_SPEC_INVALID',
  'E_EXPERIMENT',
  'E_BAD_ARGUMENT',
  'E_BAD_MODULE_REF',
  'E_MODULE_NOT_FOUND',
  'E_NOT_A_TRAINABLE',
  'E_NOT_A_DATASET',
  'E_DATASET_NAME',
]);

/**
 * Cases in `npm test`: 500 (about 2 s of CPU); `npm run fuzz` runs ×10. The split follows what each
 * surface costs: a definition or spec object that loads is parsed and expanded.
 */
const RUNS = { definition: 250, specObject: 175, roundTrip: 75 };

/** Per fast-check case: far above any case's time, so only a hang trips it. */
const CASE_TIMEOUT_MS = 20_000;
const TEST_TIMEOUT_MS = 600_000;

const tally = new Map<string, { tried: number; valid: number; clear: number }>();

function count(surface: string, outcome: 'valid' | 'clear'): void {
  const row = tally.get(surface) ?? { tried: 0, valid: 0, clear: 0 };
  row.tried += 1;
  row[outcome] += 1;
  tally.set(surface, row);
}

function checkThrown(error: unknown): void {
  if (!isUserError(error)) throw new Error(`not a UserError: ${String((error as Error)?.stack ?? error)}`);
  expect(error.code).toMatch(/^E_[A-Z0-9_]+$/);
  expect(CODES.has(error.code), `unexpected code ${error.code}: ${error.message}`).toBe(true);
  expect(error.message).not.toMatch(/\n\s+at .+:\d+:\d+\)?$/m);
  // Bounded: a SpecError lists 50 problems of at most 1,000 characters each.
  expect(error.message.length).toBeLessThan(200_000);
}

async function judge(surface: string, load: () => Promise<SweepSpec>): Promise<void> {
  let spec: SweepSpec;
  try {
    spec = await load();
  } catch (error) {
    checkThrown(error);
    count(surface, 'clear');
    return;
  }
  try {
    expandSweep({ spec, datasetFingerprint: 'fuzz' });
  } catch (error) {
    if (!isUserError(error)) throw error;
  }
  count(surface, 'valid');
}

// ---------------------------------------------------------------------------------------------
// Valid documents (a spec file's fields) for the built-in image classifier

type Doc = Record<string, unknown>;

const seedList = fc.oneof(
  fc.uniqueArray(fc.nat(1_000_000), { minLength: 1, maxLength: 4 }),
  fc.record({ count: fc.integer({ min: 1, max: 4 }), start: fc.nat(1_000) }, { requiredKeys: ['count'] }),
);

/** Two groups to compare, with a grid where they are two of its groups. */
const comparedGrid = fc.constantFrom(
  {
    variants: { grid: { model: ['fc', 'cnn'] } },
    a: { model: 'cnn' },
    b: { model: 'fc' },
    controlled: true,
  },
  {
    variants: {
      grid: { model: ['fc', 'cnn'], kernel_size: [3, 5] },
      when: { kernel_size: { model: ['cnn'] } },
    },
    a: { model: 'cnn', kernel_size: 3 },
    b: { model: 'fc' },
    controlled: false,
  },
  {
    variants: { grid: { model: ['cnn'], kernel_size: [3, 5, 7] }, exclude: [{ kernel_size: 7 }] },
    a: { kernel_size: 3 },
    b: { kernel_size: 5 },
    controlled: true,
  },
);

/** Variants with what goes with them: comparisons and adaptive seeds only over groups the grid has. */
const variantsBundle: fc.Arbitrary<Doc> = fc.oneof(
  fc
    .tuple(comparedGrid, fc.boolean(), fc.boolean(), fc.integer({ min: 0, max: 2 }))
    .chain(([grid, compare, controlled, seedsKind]) =>
      (seedsKind === 0
        ? seedList
        : fc.constant(
            seedsKind === 1
              ? { min: 2, max: 4, until: { compare: [grid.a, grid.b], ci_excludes: 0 } }
              : {
                  min: 2,
                  max: 6,
                  per_round: 2,
                  until: { compare: [grid.a, grid.b], width_below: 0.1, metric: 'test_loss' },
                },
          )
      ).map((seeds) => ({
        variants: grid.variants,
        ...(compare ? { comparisons: [{ a: grid.a, b: grid.b }] } : {}),
        ...(controlled && grid.controlled ? { controlled: true } : {}),
        seeds,
      })),
    ),
  fc.record({
    variants: fc.record({
      grid: fc.constant({ model: ['cnn'] }),
      random: fc.record({
        samples: fc.integer({ min: 1, max: 6 }),
        seed: fc.nat(1_000),
        params: fc.constant({
          learning_rate: { loguniform: [1e-4, 1e-2], q: 1e-4 },
          kernel_size: { int: [1, 5] },
          filters1: { choice: [8, 16] },
          dense_units: { logint: [8, 64] },
        }),
      }),
    }),
    params: fc.constant({ padding: 'same' }),
    seeds: seedList,
  }),
  fc.record({
    variants: fc.record({
      sampler: fc.record({
        name: fc.constantFrom('tpe', 'random', 'grid'),
        trials: fc.integer({ min: 1, max: 10 }),
        seed: fc.nat(1_000),
        params: fc.constantFrom(
          { learning_rate: { uniform: [0.001, 0.1] }, model: { choice: ['fc', 'cnn'] } },
          { learning_rate: { normal: [0.05, 0.01], q: 0.001 } },
        ),
      }),
    }),
    seeds: seedList,
  }),
);

/** A spec document (a spec file's fields) for the built-in image classifier, valid in most draws. */
const validDoc: fc.Arbitrary<Doc> = fc
  .tuple(
    fc.record(
      {
        name: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,15}$/).filter((n) => !n.endsWith('.')),
        description: fc.string({ maxLength: 20 }),
        dataset: fc.oneof(
          fc.record(
            {
              name: fc.constant('synthetic'),
              train_size: fc.integer({ min: 1, max: 5_000 }),
              test_size: fc.integer({ min: 1, max: 1_000 }),
              slice_seed: fc.nat(1_000),
            },
            { requiredKeys: ['name'] },
          ),
          fc.record(
            {
              name: fc.constant('cifar10'),
              train_size: fc.integer({ min: 1, max: 50_000 }),
              path: fc.constant('/data'),
            },
            { requiredKeys: ['name'] },
          ),
        ),
        train: fc.record(
          {
            epochs: fc.integer({ min: 1, max: 20 }),
            batch_size: fc.integer({ min: 1, max: 512 }),
            optimizer: fc.constantFrom('adam', 'sgd', 'rmsprop'),
            learning_rate: fc.double({ min: 1e-5, max: 1, noNaN: true }),
          },
          { requiredKeys: [] },
        ),
        concurrency: fc.integer({ min: 1, max: 16 }),
        retries: fc.record(
          { max_attempts: fc.integer({ min: 1, max: 5 }), backoff_coefficient: fc.constantFrom(1, 1.5, 2) },
          { requiredKeys: [] },
        ),
        timeouts: fc.record(
          { trial_minutes: fc.integer({ min: 1, max: 600 }), heartbeat_seconds: fc.constantFrom(30, 300) },
          { requiredKeys: [] },
        ),
        queue: fc.constantFrom('cpu', 'gpu'),
        early_stopping: fc.record(
          {
            rule: fc.constantFrom('median', 'asha'),
            within: fc.constantFrom('group', 'seed', 'sweep'),
            percentile: fc.constantFrom(25, 50),
          },
          { requiredKeys: [] },
        ),
        objective: fc.record({
          metric: fc.constantFrom('testAccuracy', 'test_loss'),
          mode: fc.constantFrom('max', 'min'),
        }),
        reuse: fc.boolean(),
        backend: fc.constantFrom('auto', 'wasm', 'cpu'),
      },
      { requiredKeys: ['name', 'dataset'] },
    ),
    variantsBundle,
  )
  .map(([common, bundle]) => {
    const doc: Doc = { ...common, ...bundle };
    // Early stopping needs epochs to stop between; `controlled` needs exactly one varying factor.
    const epochs = (doc['train'] as { epochs?: number } | undefined)?.epochs ?? 10;
    if (doc['early_stopping'] && epochs < 2) delete doc['early_stopping'];
    if (
      doc['controlled'] === true &&
      !(bundle['comparisons'] && !JSON.stringify(bundle).includes('kernel_size'))
    )
      doc['controlled'] = false;
    return doc;
  });

/** The spec a document loads as, or undefined when the generator made one the checks refuse. */
function specOfDoc(doc: Doc): SweepSpec | undefined {
  try {
    return parseSweepSpec({ text: JSON.stringify(doc), file: 'fuzz.yaml' });
  } catch (error) {
    if (isUserError(error)) return undefined;
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Hostile JavaScript values, and where they go

/** `depth` levels of lists or mappings around a value. */
function nested(depth: number, kind: 'list' | 'map'): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i += 1) value = kind === 'list' ? [value] : { a: value };
  return value;
}

/** What a JSON or YAML document never holds (built fresh per case: some are stateful). */
type Hostile =
  | { kind: 'value'; make: () => unknown }
  | { kind: 'cycle'; up: number }
  | { kind: 'getter' }
  | { kind: 'proxy'; throwing: boolean };

const anything = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
  withUnicodeString: true,
  maxDepth: 3,
});

const hostile: fc.Arbitrary<Hostile> = fc.oneof(
  anything.map((v) => ({ kind: 'value' as const, make: () => structuredCloneOrSame(v) })),
  fc.constantFrom<Hostile>(
    { kind: 'value', make: () => () => 1 },
    { kind: 'value', make: () => async () => 1 },
    { kind: 'value', make: () => class Model {} },
    { kind: 'value', make: () => Symbol('s') },
    { kind: 'value', make: () => 10n ** 30n },
    { kind: 'value', make: () => new URL('file:///tmp/x') },
    { kind: 'value', make: () => /re/g },
    { kind: 'value', make: () => new Error('an error object') },
    { kind: 'value', make: () => Promise.resolve(1) },
    { kind: 'value', make: () => Buffer.from('x') },
    { kind: 'value', make: () => new WeakMap() },
    { kind: 'value', make: () => Object.assign(Object.create(null) as object, { model: ['cnn'] }) },
    { kind: 'value', make: () => ({ [Symbol('key')]: 1, model: ['cnn'] }) },
    { kind: 'value', make: () => [1, , 2] }, // eslint-disable-line no-sparse-arrays
    { kind: 'value', make: () => '\ud800' },
    { kind: 'value', make: () => 'x'.repeat(200_000) },
    { kind: 'value', make: () => Number.NaN },
    { kind: 'value', make: () => -Infinity },
    { kind: 'value', make: () => undefined },
    { kind: 'getter' },
    { kind: 'proxy', throwing: false },
    { kind: 'proxy', throwing: true },
  ),
  fc.integer({ min: 0, max: 4 }).map((up) => ({ kind: 'cycle' as const, up })),
  fc
    .tuple(fc.integer({ min: 65, max: 5_000 }), fc.constantFrom('list' as const, 'map' as const))
    .map(([depth, kind]) => ({ kind: 'value' as const, make: () => nested(depth, kind) })),
);

/** fast-check's values are shared between runs and shrinks: copy what can be copied. */
function structuredCloneOrSame(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}

type Container = Record<string | number, unknown>;

/** Every place in a document with the containers above it: [ancestors (root first), holder, key]. */
function placesOf(doc: Container): [Container[], Container, string | number][] {
  const places: [Container[], Container, string | number][] = [];
  const walk = (ancestors: Container[], holder: Container) => {
    for (const key of Object.keys(holder)) {
      const k = Array.isArray(holder) ? Number(key) : key;
      places.push([ancestors, holder, k]);
      const value = holder[k];
      if (value !== null && typeof value === 'object') walk([...ancestors, holder], value as Container);
    }
  };
  walk([], doc);
  return places;
}

/** `doc` (a copy) with `what` put at place `at` (or at the top when the document has no places). */
function inject(doc: Doc, at: number, what: Hostile): Doc {
  const copy = structuredClone(doc);
  const places = placesOf(copy);
  const [ancestors, holder, key] = places[at % Math.max(1, places.length)] ?? [[], copy, 'extra'];
  switch (what.kind) {
    case 'value':
      holder[key] = what.make();
      break;
    case 'cycle':
      holder[key] = [...ancestors, holder].at(-1 - (what.up % (ancestors.length + 1)));
      break;
    case 'getter':
      Object.defineProperty(holder, key, {
        enumerable: true,
        get: () => {
          throw new Error('a getter that throws');
        },
      });
      break;
    case 'proxy': {
      const target = holder[key];
      holder[key] = new Proxy(target !== null && typeof target === 'object' ? target : {}, {
        ...(what.throwing
          ? {
              ownKeys: () => {
                throw new Error('a proxy trap that throws');
              },
              get: () => {
                throw new Error('a proxy trap that throws');
              },
            }
          : {}),
      });
    }
  }
  return copy;
}

/** Definitions of `defineExperiment` shapes that are not documents at all. */
const hostileDefinition = fc.constantFrom<() => unknown>(
  () => undefined,
  () => null,
  () => 42,
  () => 'my-sweep',
  () => [],
  () => () => ({ name: 'x' }),
  () => Symbol('definition'),
  () => new Proxy({}, { ownKeys: () => { throw new Error('trap'); } }), // prettier-ignore
  () => Object.create(null),
);

/** `baseDir` values: not a string or URL, not a folder, not a local file URL. */
const hostileBaseDir = fc.constantFrom<() => unknown>(
  () => 5,
  () => null,
  () => ({ href: 'file:///tmp' }),
  () => ['/tmp'],
  () => Symbol('dir'),
  () => () => '/tmp',
  () => 1n,
  () => '',
  () => '/tmp/\u0000x',
  () => new URL('https://example.com/x'),
  () => 'https://example.com/x',
  () => 'file://remote-host/share',
  () => 'file:///tmp/a%2Fb',
  () => new URL('file:///tmp/experiment.ts'),
  () => '/no/such/folder',
  () => '../../..',
);

/** Module references (trainable, dataset.module): wrong shapes, remote or broken file URLs, missing files. */
const hostileReference = fc.constantFrom<() => unknown>(
  () => ({ module: 5, export: 'train' }),
  () => ({ module: './m.ts' }),
  () => ({ module: './m.ts', export: '' }),
  () => ({ module: new URL('https://example.com/m.js'), export: 'train' }),
  () => ({ module: new URL('file://remote-host/m.ts'), export: 'train' }),
  () => ({ module: { href: 'file:///m.ts' }, export: 'train' }),
  () => 'file://remote-host/m.ts#train',
  () => 'file:///tmp/a%2Fm.ts#train',
  () => './no-such-module.ts#train',
  () => '#train',
  () => './m.ts#',
  () => `./${'m'.repeat(5_000)}.ts#train`,
  () => './m\u0000.ts#train',
  () => null,
  () => [],
  () => 7,
);

type DefinitionCase =
  | { form: 'document'; doc: Doc; at: number; what: Hostile }
  | { form: 'definition'; make: () => unknown }
  | { form: 'baseDir'; doc: Doc; make: () => unknown }
  | { form: 'reference'; doc: Doc; field: 'trainable' | 'dataset'; make: () => unknown };

const definitionCase: fc.Arbitrary<DefinitionCase> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      form: fc.constant('document' as const),
      doc: validDoc,
      at: fc.nat(),
      what: hostile,
    }),
  },
  { weight: 1, arbitrary: fc.record({ form: fc.constant('definition' as const), make: hostileDefinition }) },
  {
    weight: 2,
    arbitrary: fc.record({ form: fc.constant('baseDir' as const), doc: validDoc, make: hostileBaseDir }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      form: fc.constant('reference' as const),
      doc: validDoc,
      field: fc.constantFrom('trainable' as const, 'dataset' as const),
      make: hostileReference,
    }),
  },
);

/**
 * A spec document as a `defineExperiment` definition (`space` for `variants`), its properties moved as
 * they are: reading them here would set off the getters under test.
 */
function definitionOf(doc: Doc): Doc {
  const definition: Doc = {};
  for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(doc)))
    Object.defineProperty(definition, key === 'variants' ? 'space' : key, descriptor);
  return definition;
}

function definitionFor(c: DefinitionCase): unknown {
  switch (c.form) {
    case 'definition':
      return c.make();
    case 'document':
      return definitionOf(inject(c.doc, c.at, c.what));
    case 'baseDir':
      return { ...definitionOf(c.doc), baseDir: c.make() };
    case 'reference':
      return c.field === 'trainable'
        ? { ...definitionOf(c.doc), trainable: c.make() }
        : { ...definitionOf(c.doc), dataset: { module: c.make() } };
  }
}

// ---------------------------------------------------------------------------------------------
// SweepSpec objects: valid ones, mutated the way hand-written objects go wrong

type SpecMutation =
  { op: 'delete'; at: number } | { op: 'set'; at: number; value: unknown } | { op: 'snake'; at: number };

const specMutation: fc.Arbitrary<SpecMutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({
    op: fc.constant('set' as const),
    at: fc.nat(),
    value: fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom(-1, 0, 1e308, '', '../x', 'a'.repeat(300)),
    ),
  }),
  // A camelCase field written in its spec-file spelling (train.batch_size in a SweepSpec).
  fc.record({ op: fc.constant('snake' as const), at: fc.nat() }),
);

/** A spec object with plain-data mutations, then (last: it may make the object unwalkable) a hostile value. */
function mutateSpec(
  spec: SweepSpec,
  mutations: readonly SpecMutation[],
  last: { at: number; what: Hostile } | null,
): unknown {
  const doc = structuredClone(spec) as unknown as Doc;
  for (const m of mutations) {
    const places = placesOf(doc);
    if (places.length === 0) continue;
    const [, holder, key] = places[m.at % places.length]!;
    if (m.op === 'delete') {
      if (Array.isArray(holder)) holder.splice(key as number, 1);
      else delete holder[key];
    } else if (m.op === 'set') holder[key] = structuredClone(m.value);
    else if (typeof key === 'string' && /[A-Z]/.test(key)) {
      holder[key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = holder[key];
      delete holder[key];
    }
  }
  return last ? inject(doc, last.at, last.what) : doc;
}

// ---------------------------------------------------------------------------------------------

describe('the API object edge under generated input', () => {
  afterAll(() => {
    console.log('surface | inputs tried | valid | clear errors | crashes | hangs');
    for (const [surface, row] of tally)
      console.log(`${surface} | ${row.tried} | ${row.valid} | ${row.clear} | 0 | 0`);
  });

  it(
    'defineExperiment with hostile values, baseDirs and module references: a spec or one UserError',
    async () => {
      await checkFuzz(
        'api-definition-hostile',
        fc.asyncProperty(definitionCase, async (c) =>
          judge('API definition (defineExperiment), hostile', async () =>
            experimentSpec(defineExperiment(definitionFor(c) as ExperimentDefinition)),
          ),
        ),
        RUNS.definition,
        { timeoutMs: CASE_TIMEOUT_MS },
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'runSweep(spec) with mutated SweepSpec objects: the spec it loads as, or one UserError',
    async () => {
      await checkFuzz(
        'api-spec-object-mutated',
        fc.asyncProperty(
          validDoc,
          fc.array(specMutation, { maxLength: 3 }),
          fc.option(fc.record({ at: fc.nat(), what: hostile }), { freq: 2 }),
          async (doc, mutations, last) => {
            const spec = specOfDoc(doc);
            if (!spec) return;
            await judge('API spec object (runSweep), mutated', () =>
              checkSpecObject(mutateSpec(spec, mutations, last)),
            );
          },
        ),
        RUNS.specObject,
        { timeoutMs: CASE_TIMEOUT_MS },
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a valid SweepSpec object comes back from the check equal to itself',
    async () => {
      await checkFuzz(
        'api-spec-object-round-trip',
        fc.asyncProperty(validDoc, async (doc) => {
          const spec = specOfDoc(doc);
          if (!spec) return;
          const again = await checkSpecObject(structuredClone(spec));
          expect(isDeepStrictEqual(again, spec), `${JSON.stringify(spec)}\n${JSON.stringify(again)}`).toBe(
            true,
          );
          count('API spec object (runSweep), valid round trip', 'valid');
        }),
        RUNS.roundTrip,
        { timeoutMs: CASE_TIMEOUT_MS },
      );
    },
    TEST_TIMEOUT_MS,
  );
});
