/**
 * A plain exported training function (`export async function train(params, ctx)`, the form Ray Tune and
 * Optuna take) is a trainable wherever a trainable reference is accepted: a spec's `trainable`,
 * `defineExperiment`, `runTrial` and the workers' resolution. Its name is its export's, its version 0,
 * its parameters unchecked (`plan` says so), and its trial keys differ from a `defineTrainable`'s of the
 * same name and version.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineExperiment, experimentSpec } from '../../../src/interfaces/api/experiment.js';
import { runTrial } from '../../../src/interfaces/api/trial.js';
import { formatPlan, summarizePlan } from '../../../src/interfaces/cli/commands/plan.js';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';
import { FUNCTION_TRAINABLE_VERSION, isTrainable, trainableOf } from '../../../src/core/domain/trainable.js';
import { runTrainable } from '../../../src/training/runner/run-trainable.js';
import { resolveTrainable } from '../../../src/execution/trainables.js';
import { expandSweep } from '../../../src/sweep-spec/expand.js';
import { loadSweepSpec } from '../../../src/sweep-spec/load.js';
import type { SweepSpec } from '../../../src/sweep-spec/schema.js';
import * as fixtures from '../../fixtures/trainables/plain-functions.js';

const MODULE = path.join(PACKAGE_ROOT, 'tests', 'fixtures', 'trainables', 'plain-functions.ts');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'seedsweep-fn-trainable-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A spec file naming `MODULE#<exportName>`, varying `lr`. */
async function specFile(exportName: string, lr: unknown[] = [0.1, 0.5]): Promise<string> {
  const file = path.join(dir, `${exportName}-${lr.length}.yaml`);
  await writeFile(
    file,
    `name: fn-${exportName}
trainable: ${MODULE}#${exportName}
train: { epochs: 3 }
variants:
  grid:
    lr: ${JSON.stringify(lr)}
seeds: [0, 1]
objective: { metric: loss, mode: min }
`,
  );
  return file;
}

const planOf = (spec: SweepSpec, file: string) =>
  summarizePlan({
    spec,
    file,
    trials: expandSweep({ spec, datasetFingerprint: 'none' }),
    datasetFingerprint: 'none',
  });

describe('trainableOf', () => {
  it('takes a plain function as a trainable named after its export, version 0, parameters unchecked', () => {
    const trainable = trainableOf(fixtures.train, 'train');
    expect(trainable).toMatchObject({
      kind: 'seedsweep.trainable',
      form: 'function',
      name: 'train',
      version: FUNCTION_TRAINABLE_VERSION,
    });
    expect(isTrainable(trainable)).toBe(true);
    const params = { lr: 'fast', anything: true, n: 3 };
    expect(trainable!.params.parse(params)).toEqual(params);
  });

  it('names a default export after the function, and takes a defineTrainable as it is', () => {
    expect(trainableOf(fixtures.default, 'default')?.name).toBe('objective');
    expect(trainableOf(fixtures.trainDefined, 'trainDefined')).toBe(fixtures.trainDefined);
  });

  it('refuses a class, a function of more than (params, ctx), and anything else', () => {
    expect(trainableOf(fixtures.NotATrainable, 'NotATrainable')).toBeUndefined();
    expect(trainableOf(fixtures.tooManyParameters, 'tooManyParameters')).toBeUndefined();
    expect(trainableOf(fixtures.notAFunction, 'notAFunction')).toBeUndefined();
    expect(trainableOf(fixtures.train, 'bad$name')).toBeUndefined();
  });
});

describe('a spec naming a plain function', () => {
  it('loads without checking its parameters (no schema)', async () => {
    // 'fast' would fail trainDefined's schema; a plain function gets it as given.
    const spec = await loadSweepSpec(await specFile('train', [0.1, 'fast']));
    expect(spec.trainable).toEqual({
      name: 'train',
      version: '0',
      form: 'function',
      module: MODULE,
      export: 'train',
    });
    await expect(loadSweepSpec(await specFile('trainDefined', [0.1, 'fast']))).rejects.toMatchObject({
      code: 'E_SPEC_INVALID',
    });
  });

  it('has stable trial keys, other than those of a defineTrainable of the same name and version', async () => {
    const fn = expandSweep({
      spec: await loadSweepSpec(await specFile('train')),
      datasetFingerprint: 'none',
    });
    const defined = expandSweep({
      spec: await loadSweepSpec(await specFile('trainDefined')),
      datasetFingerprint: 'none',
    });
    expect(fn.map((t) => t.config.model)).toEqual(Array(4).fill('function:train@0'));
    expect(defined.map((t) => t.config.model)).toEqual(Array(4).fill('train@0'));
    expect(fn.map((t) => t.config.modelOptions)).toEqual(defined.map((t) => t.config.modelOptions));
    const definedKeys = new Set(defined.map((t) => t.trialKey));
    for (const t of fn) expect(definedKeys.has(t.trialKey)).toBe(false);
    // Pinned: a function trainable's key depends on its name, parameters, settings, seed and data only
    // (not on where the module is), so the same spec keys the same on any machine, in any version.
    expect(fn[0]).toMatchObject({ seed: 0, config: { modelOptions: { lr: 0.1 } } });
    expect(fn[0]!.trialKey).toBe('1440a28234bca87449597494caa0335b6565d9fbe2bc94435ddc645600d8ed52');
  });

  it("plan says the parameters are unchecked (text and --json), and a defineTrainable's are checked", async () => {
    const fnFile = await specFile('train');
    const fnPlan = planOf(await loadSweepSpec(fnFile), fnFile);
    expect(fnPlan.trainable).toEqual({
      name: 'train',
      version: '0',
      form: 'function',
      paramsChecked: false,
      ref: `${MODULE}#train`,
      model: 'function:train@0',
    });
    expect(JSON.parse(JSON.stringify(fnPlan)).trainable.paramsChecked).toBe(false);
    expect(formatPlan(fnPlan)).toMatch(
      /^trainable: train \(a plain function, .*#train; .*\): parameters unchecked \(no schema/m,
    );

    const definedFile = await specFile('trainDefined');
    const definedPlan = planOf(await loadSweepSpec(definedFile), definedFile);
    expect(definedPlan.trainable).toMatchObject({ form: 'defineTrainable', paramsChecked: true });
    expect(formatPlan(definedPlan)).toMatch(
      /^trainable: train \(defineTrainable version 0, .*\): parameters checked by its schema$/m,
    );
  });

  it('is refused with E_NOT_A_TRAINABLE when the export is a class, saying what is accepted', async () => {
    await expect(loadSweepSpec(await specFile('NotATrainable'))).rejects.toMatchObject({
      code: 'E_NOT_A_TRAINABLE',
      message: expect.stringMatching(/defineTrainable.*or a training function \(params, ctx\)/),
    });
  });
});

describe('a plain function elsewhere', () => {
  it('defineExperiment takes it by reference', async () => {
    const spec = await experimentSpec(
      defineExperiment({
        name: 'fn-experiment',
        trainable: { module: MODULE, export: 'train' },
        space: { grid: { lr: [0.1] } },
        train: { epochs: 2 },
        seeds: [0],
        objective: { metric: 'loss', mode: 'min' },
      }),
    );
    expect(spec.trainable).toMatchObject({ name: 'train', form: 'function', version: '0' });
  });

  it('workers resolve it and run it with the same context as a defineTrainable (checkpoint, restore, resume)', async () => {
    const location = { module: MODULE, export: 'train' };
    const trainable = await resolveTrainable(location);
    expect(trainable).toMatchObject({ name: 'train', form: 'function' });
    const trial = {
      seed: 2,
      config: {
        model: 'function:train@0',
        modelOptions: { lr: 0.1, extra: 'kept' },
        train: { epochs: 3 },
        dataset: { name: 'none' },
        trainable: location,
      },
    };
    const common = {
      trainable,
      datasetFingerprint: 'none',
      dataset: undefined,
      backend: { name: 'js', version: '0' },
    };
    const full = await runTrainable({ ...common, trial });
    expect(full.epochs.map((e) => e['paramCount'])).toEqual([2, 2, 2]);
    const checkpointDir = path.join(dir, 'resume');
    await expect(runTrainable({ ...common, trial, checkpointDir, failAtEpoch: 2 })).rejects.toThrow();
    const resumed = await runTrainable({ ...common, trial, checkpointDir, resume: true });
    expect(resumed.resumedFromEpoch).toBe(2);
    expect(resumed.epochs).toEqual(full.epochs);
  });

  it('runTrial takes it as ./file.ts#export relative to the working folder', async () => {
    const ref = `./${path.relative(process.cwd(), MODULE)}#train`;
    const result = await runTrial({
      trainable: ref,
      params: { lr: 0.5 },
      seed: 1,
      train: { epochs: 2 },
      backend: 'wasm',
    });
    expect(result.epochs).toHaveLength(2);
    expect(result.final['loss']).toBeLessThan(9);
  });
});
