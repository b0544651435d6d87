/**
 * `runSweep(spec)` checks a `SweepSpec` object like a spec file (src/interfaces/api/spec-object.ts):
 * every shipped spec and an experiment with its own modules come back unchanged; a hand-written object
 * with a wrong field, or holding what YAML cannot hold, is one SpecError naming the field; `runSweep`
 * refuses such an object, and bad options, before contacting any server. `defineExperiment` refuses a
 * `baseDir` that is neither a path nor a URL. (Generated inputs: tests/unit/fuzz/api-object.fuzz.test.ts.)
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isUserError } from '../../../../src/core/common/errors.js';
import { PACKAGE_ROOT } from '../../../../src/core/common/paths.js';
import {
  defineExperiment,
  experimentSpec,
  type ExperimentDefinition,
} from '../../../../src/interfaces/api/experiment.js';
import { checkSpecObject, SPEC_OBJECT_FILE } from '../../../../src/interfaces/api/spec-object.js';
import { loadSweepSpec } from '../../../../src/sweep-spec/load.js';
import type { SweepSpec } from '../../../../src/sweep-spec/schema.js';

type Doc = Record<string, unknown>;

/** `depth` levels of mappings around a value. */
function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i += 1) value = { a: value };
  return value;
}

function checkThrown(error: unknown): void {
  if (!isUserError(error)) throw new Error(`not a UserError: ${String((error as Error)?.stack ?? error)}`);
  expect(error.message).not.toMatch(/\n\s+at .+:\d+:\d+\)?$/m);
}

describe('the API object edge, by example', () => {
  const shipped = [
    ...readdirSync(path.join(PACKAGE_ROOT, 'sweeps')).map((f) => path.join('sweeps', f)),
    ...readdirSync(path.join(PACKAGE_ROOT, 'sweeps', 'tests')).map((f) => path.join('sweeps', 'tests', f)),
  ].filter((f) => f.endsWith('.yaml'));

  it.each(shipped)('%s: its spec object passes the check unchanged', async (file) => {
    const spec = await loadSweepSpec(path.join(PACKAGE_ROOT, file));
    expect(await checkSpecObject(structuredClone(spec))).toEqual(spec);
  });

  it('an experiment with its own trainable and dataset plug-in passes unchanged (modules imported again)', async () => {
    const { braninSearch } = await import('../../../../examples/branin/experiment.js');
    const spec = await experimentSpec(braninSearch());
    expect(await checkSpecObject(structuredClone(spec))).toEqual(spec);
  });

  it('names the field of a hand-written spec object by its spec-file name', async () => {
    const spec = await loadSweepSpec(path.join(PACKAGE_ROOT, 'sweeps', 'tests', 'tiny.yaml'));
    const error = await checkSpecObject({ ...spec, train: { ...spec.train, batchSize: -3 } }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'E_SPEC_INVALID' });
    expect((error as Error).message).toContain(`${SPEC_OBJECT_FILE}`);
    expect((error as Error).message).toContain('train.batch_size');
  });

  it.each([
    [
      'a cycle',
      (s: Doc) => {
        s['params'] = { self: s };
        return s;
      },
    ],
    ['a function', (s: Doc) => ({ ...s, seeds: () => [0] })],
    ['a BigInt', (s: Doc) => ({ ...s, concurrency: 2n })],
    ['a symbol', (s: Doc) => ({ ...s, name: Symbol('name') })],
    ['10,000 levels', (s: Doc) => ({ ...s, params: nested(10_000) })],
    ['null', () => null],
    ['a number', () => 7],
  ])('refuses a spec object holding %s with one SpecError', async (_what, make) => {
    const spec = await loadSweepSpec(path.join(PACKAGE_ROOT, 'sweeps', 'tests', 'tiny.yaml'));
    const error = await checkSpecObject(make(structuredClone(spec) as unknown as Doc)).catch(
      (e: unknown) => e,
    );
    checkThrown(error);
    expect(error).toMatchObject({ code: 'E_SPEC_INVALID' });
  });

  // A hole made `sweepSpecText` throw a TypeError, reported as "cannot be read as plain data".
  it('names a hole in a list (grid values, seeds) by its field and index', async () => {
    /* eslint-disable no-sparse-arrays */
    const holed = [
      { name: 'x', space: { grid: { lr: [0.1, , 0.3] } }, seeds: [0] },
      { name: 'x', space: { grid: { lr: [0.1] } }, seeds: [0, , 2] },
    ];
    /* eslint-enable no-sparse-arrays */
    const where = ['variants.grid.lr[1]', 'seeds[1]'];
    for (const [i, definition] of holed.entries()) {
      const problem = `${where[i]}: a hole in the list; give every element`;
      expect(() => defineExperiment(definition as unknown as ExperimentDefinition)).toThrow(problem);
      const spec = await loadSweepSpec(path.join(PACKAGE_ROOT, 'sweeps', 'tests', 'tiny.yaml'));
      const object =
        i === 0
          ? { ...spec, variants: { grid: definition.space.grid } }
          : { ...spec, seeds: definition.seeds };
      const error = await checkSpecObject(object).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'E_SPEC_INVALID', message: expect.stringContaining(problem) });
      expect((error as Error).message).not.toContain('plain data');
    }
    // A list a billion long with no element is refused at its first index, not walked.
    const vast = { name: 'x', space: { grid: { lr: new Array(1e9) } }, seeds: [0] };
    expect(() => defineExperiment(vast as unknown as ExperimentDefinition)).toThrow(
      'variants.grid.lr[0]: a hole in the list',
    );
  });

  it('runSweep refuses a hostile spec object or option before contacting any server', async () => {
    const saved = { temporal: process.env['TEMPORAL_ADDRESS'], mlflow: process.env['MLFLOW_TRACKING_URI'] };
    // Were it to get that far, nothing answers here.
    process.env['TEMPORAL_ADDRESS'] = '127.0.0.1:1';
    process.env['MLFLOW_TRACKING_URI'] = 'http://127.0.0.1:1';
    try {
      const { runSweep } = await import('../../../../src/interfaces/api/sweeps.js');
      const cyclic: Doc = { name: 'x' };
      cyclic['self'] = cyclic;
      await expect(runSweep(cyclic as unknown as SweepSpec)).rejects.toMatchObject({
        code: 'E_SPEC_INVALID',
      });
      await expect(runSweep({ name: 'x' } as unknown as SweepSpec)).rejects.toMatchObject({
        code: 'E_SPEC_INVALID',
      });
      await expect(runSweep('sweeps/tests/tiny.yaml', { threads: 0 })).rejects.toMatchObject({
        code: 'E_BAD_ARGUMENT',
      });
      await expect(
        runSweep('sweeps/tests/tiny.yaml', { overrides: 'seeds=[1]' as unknown as string[] }),
      ).rejects.toMatchObject({ code: 'E_BAD_ARGUMENT' });
    } finally {
      for (const [name, value] of [
        ['TEMPORAL_ADDRESS', saved.temporal],
        ['MLFLOW_TRACKING_URI', saved.mlflow],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('refuses a baseDir that is not a string or URL, naming it', () => {
    for (const baseDir of [5, null, { href: 'file:///tmp' }, Symbol('dir')]) {
      expect(() =>
        defineExperiment({ name: 'x', space: {}, seeds: [0], baseDir } as unknown as ExperimentDefinition),
      ).toThrow(/^defineExperiment\(x\): baseDir must be a folder path or a module's import\.meta\.url/);
    }
  });
});
