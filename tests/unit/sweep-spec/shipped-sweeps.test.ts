/** The sweeps shipped in sweeps/ load, expand as their comments say, and the docs cover every field. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';
import { expandSweep } from '../../../src/sweep-spec/expand.js';
import { loadSweepSpec, parseSweepSpec, resolveSpecPath } from '../../../src/sweep-spec/load.js';
import { KNOWN_KEYS } from '../../../src/sweep-spec/schema.js';
import { imageClassifierParams } from '../../../src/models/image-classifier/params.js';
import { TRAIN_SETTING_FIELDS } from '../../../src/sweep-spec/expand.js';
import { parameterNamesOf } from '../../../src/sweep-spec/param-schema.js';

const FP = 'fp';
const sweepsDir = path.join(PACKAGE_ROOT, 'sweeps');

async function expanded(name: string, overrides: string[] = []) {
  const spec = await loadSweepSpec(path.join(sweepsDir, name), { overrides });
  return { spec, trials: expandSweep({ spec, datasetFingerprint: FP }) };
}

function labels(trials: { groupLabel: string }[]): string[] {
  return [...new Set(trials.map((t) => t.groupLabel))];
}

describe('shipped sweeps', () => {
  const files = [
    ...readdirSync(sweepsDir).filter((f) => f.endsWith('.yaml')),
    ...readdirSync(path.join(sweepsDir, 'tests')).map((f) => `tests/${f}`),
  ];

  it.each(files)('%s is valid', async (file) => {
    const { spec, trials } = await expanded(file);
    // A sampler's trials are proposed while the sweep runs: its plan starts empty.
    if (spec.variants.sampler) expect(trials).toEqual([]);
    else expect(trials.length).toBeGreaterThan(0);
  });

  it('cifar10-search: TPE over the CNN, ASHA stopping weak configurations, a 4k/1k slice', async () => {
    const { spec } = await expanded('cifar10-search.yaml');
    expect(spec.trainable).toBeUndefined(); // the built-in image classifier
    expect(spec.params).toEqual({ model: 'cnn' });
    expect(spec.variants.sampler).toMatchObject({ name: 'tpe', trials: 16 });
    expect(Object.keys(spec.variants.sampler!.params)).toEqual([
      'kernel_size',
      'filters1',
      'filters2',
      'learning_rate',
    ]);
    expect(spec.earlyStopping).toMatchObject({ rule: 'asha', reductionFactor: 3, minResource: 1 });
    expect(spec.dataset).toMatchObject({ name: 'cifar10', trainSize: 4000, testSize: 1000 });
    expect(spec.train.epochs).toBe(9);
  });

  it('quickstart: synthetic fc vs cnn 3x3, 3 seeds, small enough for minutes on 2 cores', async () => {
    const { spec, trials } = await expanded('quickstart.yaml');
    expect(spec.dataset).toMatchObject({ name: 'synthetic', trainSize: 2000, testSize: 500 });
    expect(spec.train.epochs).toBe(3);
    expect(labels(trials)).toEqual(['model=fc', 'model=cnn']);
    const cnn = trials.find((t) => t.config.modelOptions['model'] === 'cnn');
    expect(cnn?.config.modelOptions['kernel_size']).toBe(3);
    expect(trials.find((t) => t.config.modelOptions['model'] === 'fc')?.config.modelOptions).toEqual({
      model: 'fc',
    });
    expect(trials).toHaveLength(6);
  });

  it('cifar10-architecture: fc vs cnn 3x3, 5 seeds, a 10k/2k slice for 5 epochs', async () => {
    const { spec, trials } = await expanded('cifar10-architecture.yaml');
    expect(spec.dataset).toMatchObject({ name: 'cifar10', trainSize: 10000, testSize: 2000 });
    expect(spec.train.epochs).toBe(5);
    expect(labels(trials)).toEqual(['model=fc', 'model=cnn']);
    expect(trials).toHaveLength(10);
  });

  it('cifar10-kernel-size: controlled, only kernel_size varies', async () => {
    const { spec, trials } = await expanded('cifar10-kernel-size.yaml');
    expect(spec.controlled).toBe(true);
    expect(labels(trials)).toEqual(['kernel_size=3', 'kernel_size=5']);
    const [a, b] = [trials[0]?.config, trials[1]?.config];
    expect({ ...a, modelOptions: { ...a?.modelOptions, kernel_size: 0 } }).toEqual({
      ...b,
      modelOptions: { ...b?.modelOptions, kernel_size: 0 },
    });
    expect(trials).toHaveLength(10);
  });

  it('cifar10-study: fc, cnn 3x3, cnn 5x5 with two comparisons', async () => {
    const { spec, trials } = await expanded('cifar10-study.yaml');
    expect(labels(trials)).toEqual(['model=fc', 'model=cnn kernel_size=3', 'model=cnn kernel_size=5']);
    expect(trials).toHaveLength(15);
    expect(spec.comparisons.map((c) => c.name)).toEqual(['cnn 3x3 vs fc', 'cnn 5x5 vs cnn 3x3']);
  });

  it('full data is one override away and keeps the same groups', async () => {
    const { spec, trials } = await expanded('cifar10-study.yaml', [
      'dataset.train_size=50000',
      'dataset.test_size=10000',
      'train.epochs=10',
    ]);
    expect(spec.dataset).toMatchObject({ trainSize: 50000, testSize: 10000 });
    expect(spec.train.epochs).toBe(10);
    expect(trials).toHaveLength(15);
  });

  it('test sweeps are tiny: synthetic, at most 200 training images, 1–2 epochs (3 for ASHA to stop before the last)', async () => {
    for (const file of files.filter((f) => f.startsWith('tests/'))) {
      const { spec } = await expanded(file);
      expect(spec.dataset.name, file).toBe('synthetic');
      expect(spec.dataset.trainSize, file).toBeLessThanOrEqual(200);
      expect(spec.train.epochs, file).toBeLessThanOrEqual(spec.earlyStopping?.rule === 'asha' ? 3 : 2);
    }
  });

  it('shipped sweeps resolve by name', () => {
    expect(resolveSpecPath('quickstart')).toBe(path.join(sweepsDir, 'quickstart.yaml'));
    expect(() => resolveSpecPath('no-such-sweep')).toThrow(/not found.*quickstart/);
  });
});

describe('docs/sweep-spec.md', () => {
  const docs = readFileSync(path.join(PACKAGE_ROOT, 'docs', 'sweep-spec.md'), 'utf8');

  it('documents every key of every object', () => {
    const keys = new Set(Object.values(KNOWN_KEYS).flat());
    expect([...keys].filter((key) => !docs.includes(`\`${key}\``))).toEqual([]);
  });

  it('its opening example is a valid spec', () => {
    const example = /```yaml\n([\s\S]*?)```/.exec(docs)?.[1] ?? '';
    const spec = parseSweepSpec({ text: example, file: 'docs/sweep-spec.md' });
    expect(expandSweep({ spec, datasetFingerprint: FP })).toHaveLength(15);
  });

  it('documents every parameter of the image classifier and every training setting a sweep can vary', () => {
    const names = [...parameterNamesOf(imageClassifierParams), ...Object.keys(TRAIN_SETTING_FIELDS)];
    expect(names).toContain('kernel_size');
    expect(names.filter((name) => !docs.includes(`\`${name}\``))).toEqual([]);
  });
});
