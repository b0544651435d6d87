/**
 * Trial keys stay: every shipped sweep (sweeps/, sweeps/tests/, examples/**), the examples'
 * experiments and a sampler proposal plan the trial and group keys they had before the image
 * classifier became a trainable (tests/fixtures/shipped-keys.json, recorded then). The built-in's
 * configs reach those keys through the legacy key form of src/core/domain/builtin-trainable.ts, tested here
 * on its own too.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { defineExperiment, experimentSpec } from '../../../src/interfaces/api/experiment.js';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';
import {
  BUILTIN_NATIVE_COMPUTATION,
  BUILTIN_TRAINABLE_NAME,
  currentFormOf,
  keyFormOf,
  legacyDefaults,
} from '../../../src/core/domain/builtin-trainable.js';
import { trialKeyOf } from '../../../src/core/domain/keys.js';
import type { TrialConfig } from '../../../src/core/domain/trial.js';
import { imageClassifierParams } from '../../../src/models/image-classifier/params.js';
import { braninSearch } from '../../../examples/branin/experiment.js';
import { cifar10Study } from '../../../examples/cifar10-study/experiment.js';
import { expandSweep, trialsOfPoint } from '../../../src/sweep-spec/expand.js';
import { loadSweepSpec } from '../../../src/sweep-spec/load.js';
import { sweepSpecSchema, type SweepSpec } from '../../../src/sweep-spec/schema.js';

interface Pinned {
  datasetFingerprint: string;
  sweeps: Record<string, [string, string][]>;
  points: Record<
    string,
    { datasetFingerprint: string; point: Record<string, number>; seeds: number[]; keys: [string, string][] }
  >;
}
const pinned = JSON.parse(
  readFileSync(path.join(PACKAGE_ROOT, 'tests', 'fixtures', 'shipped-keys.json'), 'utf8'),
) as Pinned;

const keysOf = (spec: SweepSpec) =>
  expandSweep({ spec, datasetFingerprint: pinned.datasetFingerprint }).map((t) => [t.trialKey, t.groupKey]);

describe('shipped sweeps keep their trial and group keys', () => {
  const files = Object.keys(pinned.sweeps).filter((f) => f.endsWith('.yaml'));

  it('the fixture covers every shipped sweep file', async () => {
    const { readdirSync } = await import('node:fs');
    const shipped = [
      ...readdirSync(path.join(PACKAGE_ROOT, 'sweeps'))
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => `sweeps/${f}`),
      ...readdirSync(path.join(PACKAGE_ROOT, 'sweeps', 'tests')).map((f) => `sweeps/tests/${f}`),
    ];
    // Sweeps added since the keys were recorded (the search sweeps) have no old keys to keep.
    const added = ['sweeps/cifar10-search.yaml', 'sweeps/tests/tiny-search.yaml'];
    expect(shipped.filter((f) => !added.includes(f)).sort()).toEqual(
      files.filter((f) => f.startsWith('sweeps/')).sort(),
    );
  });

  it.each(files)('%s', async (file) => {
    const spec = await loadSweepSpec(path.join(PACKAGE_ROOT, file));
    expect(keysOf(spec)).toEqual(pinned.sweeps[file]);
  });

  it('examples/branin/experiment.ts', async () => {
    expect(keysOf(await experimentSpec(braninSearch()))).toEqual(
      pinned.sweeps['examples/branin/experiment.ts'],
    );
  });

  it('examples/cifar10-study/experiment.ts (the built-in named by module)', async () => {
    // `seedsweep/image-classifier` is the package's built dist/; the same trainable from the sources.
    const study = cifar10Study();
    const experiment = defineExperiment({
      ...study.definition,
      trainable: `${path.join(PACKAGE_ROOT, 'src', 'models', 'image-classifier', 'trainable.ts')}#imageClassifier`,
    });
    expect(keysOf(await experimentSpec(experiment))).toEqual(
      pinned.sweeps['examples/cifar10-study/experiment.ts'],
    );
  });

  it.each(['sweeps/cifar10-study.yaml', 'sweeps/quickstart.yaml', 'sweeps/tests/tiny-random.yaml'])(
    '%s as a sweep started before the change stored it (no `when`): the workflow plans the same keys',
    (file) => {
      // Running workflows hold their spec as it was validated then; they expand it without reloading.
      const text = readFileSync(path.join(PACKAGE_ROOT, file), 'utf8').replace(/^ {2}when: .*\n/m, '');
      expect(text).not.toContain('when:');
      const stored = sweepSpecSchema.parse(parseYaml(text));
      expect(keysOf(stored)).toEqual(pinned.sweeps[file]);
    },
  );

  it.each(Object.keys(pinned.points))('%s: a sampler proposal', async (file) => {
    const { datasetFingerprint, point, seeds, keys } = pinned.points[file]!;
    const spec = await loadSweepSpec(path.join(PACKAGE_ROOT, file));
    const trials = trialsOfPoint({ spec, datasetFingerprint, point, seeds, reason: 'test' });
    expect(trials.map((t) => [t.trialKey, t.groupKey])).toEqual(keys);
  });
});

describe('the built-in image classifier’s key form', () => {
  const base = {
    train: { epochs: 2, batchSize: 64, optimizer: 'adam' as const, learningRate: 0.001 },
    dataset: { name: 'synthetic', trainSize: 200, testSize: 100 },
  };
  const legacyCnn5: TrialConfig = {
    ...base,
    model: 'cnn',
    modelOptions: { kernelSize: 5, filters1: 32, filters2: 64, padding: 'valid', denseUnits: 128 },
  };

  it('named by omission: the architecture in model, camelCase options completed with their defaults', () => {
    const today: TrialConfig = {
      ...base,
      model: BUILTIN_TRAINABLE_NAME,
      modelOptions: { model: 'cnn', kernel_size: 5 },
    };
    expect(keyFormOf(today)).toEqual(legacyCnn5);
    expect(trialKeyOf({ config: today, seed: 3, datasetFingerprint: 'f' })).toBe(
      trialKeyOf({ config: legacyCnn5, seed: 3, datasetFingerprint: 'f' }),
    );
    // A default given explicitly, or no model at all (cnn), is the same experiment.
    expect(keyFormOf({ ...today, modelOptions: { kernel_size: 5, filters1: 32, padding: 'valid' } })).toEqual(
      legacyCnn5,
    );
    expect(keyFormOf({ ...today, modelOptions: { model: 'fc' } }).modelOptions).toEqual({
      units1: 512,
      units2: 256,
    });
    // Only the architecture's options, as before: a spec planned then (kernel_size for fc, dropped by
    // the old expansion) plans the same keys now.
    expect(keyFormOf({ ...today, modelOptions: { model: 'fc', kernel_size: 3 } })).toEqual(
      keyFormOf({ ...today, modelOptions: { model: 'fc' } }),
    );
  });

  it('named by location: the name stays, the parameters keep their values under camelCase names', () => {
    const named: TrialConfig = {
      ...base,
      model: BUILTIN_TRAINABLE_NAME,
      modelOptions: { model: 'cnn', kernel_size: 3, dense_units: 64 },
      trainable: { module: 'seedsweep/image-classifier', export: 'imageClassifier' },
    };
    expect(keyFormOf(named).modelOptions).toEqual({ model: 'cnn', kernelSize: 3, denseUnits: 64 });
    expect(keyFormOf(named).model).toBe(BUILTIN_TRAINABLE_NAME);
  });

  it('native trials carry the version of the computation (its backward pass changed); wasm keys do not', () => {
    const today: TrialConfig = {
      ...base,
      model: BUILTIN_TRAINABLE_NAME,
      modelOptions: { model: 'cnn', kernel_size: 5 },
    };
    const wasm = keyFormOf(today);
    expect(wasm).not.toHaveProperty('nativeComputation');
    const native = keyFormOf({ ...today, backend: 'tensorflow' });
    expect(native).toEqual({ ...wasm, backend: 'tensorflow', nativeComputation: BUILTIN_NATIVE_COMPUTATION });
    // A native key of the hand-written graph's results (no version) no longer matches.
    const before = { ...wasm, backend: 'tensorflow' };
    expect(
      trialKeyOf({ config: { ...today, backend: 'tensorflow' }, seed: 0, datasetFingerprint: 'f' }),
    ).not.toBe(trialKeyOf({ config: before as TrialConfig, seed: 0, datasetFingerprint: 'f' }));
    expect(keyFormOf({ ...today, backend: 'tensorflow-gpu' })).toHaveProperty('nativeComputation', 2);
  });

  it('leaves other configs as they are', () => {
    const user: TrialConfig = { ...base, model: 'mlp', modelOptions: { kernel_size: 3 } };
    expect(keyFormOf(user)).toBe(user);
    expect(keyFormOf(legacyCnn5)).toBe(legacyCnn5);
    const versioned: TrialConfig = { ...base, model: `${BUILTIN_TRAINABLE_NAME}@2`, modelOptions: {} };
    expect(keyFormOf(versioned)).toBe(versioned);
  });

  it('an old config reads in today’s form, and maps back to itself', () => {
    expect(currentFormOf(legacyCnn5)).toEqual({
      ...base,
      model: BUILTIN_TRAINABLE_NAME,
      modelOptions: {
        model: 'cnn',
        kernel_size: 5,
        filters1: 32,
        filters2: 64,
        padding: 'valid',
        dense_units: 128,
      },
    });
    expect(keyFormOf(currentFormOf(legacyCnn5))).toEqual(legacyCnn5);
  });

  it.each(['fc', 'cnn'])(
    '%s: the frozen legacy defaults are the schema’s (a new default needs a new trainable version)',
    (model) => {
      const { model: _model, ...defaults } = imageClassifierParams.parse({ model }) as Record<
        string,
        unknown
      >;
      expect(legacyDefaults(model)).toEqual(defaults);
    },
  );
});
