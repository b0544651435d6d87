import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../../../src/interfaces/cli/main.js';
import { edaPlanFromFlags } from '../../../../src/interfaces/cli/commands/eda.js';
import { loadSplit } from '../../../../src/datasets/index.js';
import { createRng } from '../../../../src/datasets/random.js';
import { runEda, type EdaReport } from '../../../../src/reporting/eda/index.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'seedsweep-eda-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('runEda on synthetic data', () => {
  it('writes eda.md, eda.json and a sample grid, and the checks hold', async () => {
    const outDir = path.join(dir, 'synthetic');
    const report = await runEda({
      spec: { name: 'synthetic', trainSize: 400, testSize: 100, sliceSeed: 2 },
      outDir,
      correlationSampleSize: 200,
      samplesPerClass: 5,
      sampleScale: 3,
    });
    expect(report.dataset).toMatchObject({
      name: 'synthetic',
      synthetic: true,
      trainImages: 400,
      testImages: 100,
    });
    expect(report.tensor).toMatchObject({
      trainShape: [400, 32, 32, 3],
      testShape: [100, 32, 32, 3],
      batchShape: [64, 32, 32, 3],
      batchDtype: 'float32',
      storage: { dtype: 'uint8', layout: 'NHWC', shared: true },
    });
    expect(report.pixelRange.normalised.min).toBeGreaterThanOrEqual(0);
    expect(report.pixelRange.normalised.max).toBeLessThanOrEqual(1);
    expect(report.pixelRange.normalised.max).toBeCloseTo(report.pixelRange.raw.max / 255, 6);
    expect(report.classBalance.train.counts).toEqual(new Array<number>(10).fill(40));
    expect(report.spatialCorrelation.sampleSize).toBe(200);
    expect(report.checks.map((c) => [c.id, c.passed])).toEqual([
      ['shape', true],
      ['range', true],
      ['balance', true],
      ['spatial-structure', true],
    ]);
    const json = JSON.parse(await fs.readFile(path.join(outDir, 'eda.json'), 'utf8')) as EdaReport;
    expect(json.checks).toEqual(report.checks);
    expect(json.spatialCorrelation.images.withinImage.horizontal).toEqual(
      report.spatialCorrelation.images.withinImage.horizontal,
    );
    const md = await fs.readFile(path.join(outDir, 'eda.md'), 'utf8');
    expect(md).toContain('SYNTHETIC');
    expect(md).toContain('synthetic-checkerboard');
    expect(md).toContain('![samples](samples-grid.png)');
    const png = PNG.sync.read(await fs.readFile(path.join(outDir, 'samples-grid.png')));
    // 5 columns and 10 rows of 96-pixel tiles with 2-pixel gaps.
    expect([png.width, png.height]).toEqual([2 + 5 * 98, 2 + 10 * 98]);
  });

  it('flags data without spatial structure: pixel noise fails the spatial check', async () => {
    // Balanced labels but iid pixels: overwrite the pixels of a synthetic store (held once per
    // process, so runEda below reads the same buffer); the seed makes it a store no other test uses.
    const spec = { name: 'synthetic' as const, trainSize: 100, testSize: 20, sliceSeed: 77 };
    const split = await loadSplit({ spec });
    const rng = createRng(1);
    for (let i = 0; i < split.store.images.length; i += 1) split.store.images[i] = rng.int(256);
    const report = await runEda({ spec, outDir: path.join(dir, 'noise'), correlationSampleSize: 100 });
    const structure = report.checks.find((c) => c.id === 'spatial-structure');
    expect(structure?.passed).toBe(false);
    expect(Math.abs(report.spatialCorrelation.images.withinImage.horizontal[0] as number)).toBeLessThan(0.03);
    expect(await fs.readFile(path.join(dir, 'noise', 'eda.md'), 'utf8')).toContain(
      'lack the local spatial structure',
    );
  });
});

describe('seedsweep eda command', () => {
  it('checks its flags and names the bad one', () => {
    const base = { dataset: 'synthetic', track: false };
    expect(edaPlanFromFlags(base).outDir).toBe(path.resolve('reports', 'eda-synthetic'));
    expect(() => edaPlanFromFlags({ ...base, trainSize: '0' })).toThrow(
      /--train-size must be a whole number ≥ 1; got '0'/,
    );
    expect(() => edaPlanFromFlags({ ...base, testSize: 'ten' })).toThrow(/--test-size/);
    expect(() => edaPlanFromFlags({ ...base, dataPath: '/x' })).toThrow(
      /--data-path only applies to --dataset cifar10/,
    );
    expect(() => edaPlanFromFlags({ ...base, dataset: 'mnist' })).toThrow(
      /--dataset 'mnist' is not known; use one of: cifar10, synthetic/,
    );
    expect(
      edaPlanFromFlags({ dataset: 'cifar10', dataPath: 'a.tar.gz', trainSize: '5000', track: true }).spec,
    ).toEqual({ name: 'cifar10', path: path.resolve('a.tar.gz'), trainSize: 5000 });
  });

  it('runs end to end with --no-track --json', async () => {
    const out = path.join(dir, 'cli');
    const writes: string[] = [];
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await buildProgram().parseAsync([
        'node',
        'seedsweep',
        'eda',
        '--dataset',
        'synthetic',
        '--train-size',
        '200',
        '--test-size',
        '50',
        '--correlation-sample',
        '100',
        '--out',
        out,
        '--no-track',
        '--json',
      ]);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
    const printed = JSON.parse(writes.join('')) as EdaReport & { outDir: string; mlflow: unknown };
    expect(printed.outDir).toBe(out);
    expect(printed.mlflow).toBeNull();
    expect(printed.dataset.trainImages).toBe(200);
    expect((await fs.readdir(out)).sort()).toEqual(['eda.json', 'eda.md', 'samples-grid.png']);
  });
});
