import { mkdtemp, readFile, rm, writeFile, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/common/errors.js';
import { loadModelFromDir, saveModelToDir, type ModelManifest } from '../../../src/training/model-io.js';

const manifest: ModelManifest = {
  format: 'seedsweep-model/1',
  classNames: ['a', 'b', 'c'],
  inputShape: [32, 32, 3],
  preprocessing: { kind: 'scale', scale: 1 / 255 },
  synthetic: true,
  model: 'tiny',
  seed: 7,
  metrics: { testAccuracy: 0.5 },
};

function tinyModel(): tf.LayersModel {
  const model = tf.sequential();
  model.add(
    tf.layers.conv2d({
      inputShape: [32, 32, 3],
      filters: 2,
      kernelSize: 3,
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
    }),
  );
  model.add(tf.layers.maxPooling2d({ poolSize: 4 }));
  model.add(tf.layers.flatten());
  model.add(
    tf.layers.dense({
      units: 3,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
    }),
  );
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  return model;
}

let root: string;
let model: tf.LayersModel;
let input: tf.Tensor4D;

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(path.join(os.tmpdir(), 'seedsweep-model-io-'));
  model = tinyModel();
  input = tf.randomUniform([4, 32, 32, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
});
afterAll(async () => {
  model.dispose();
  input.dispose();
  await rm(root, { recursive: true, force: true });
});

async function saved(name: string): Promise<string> {
  const dir = path.join(root, name);
  await saveModelToDir({ model, dir, manifest });
  return dir;
}

async function expectUserError(promise: Promise<unknown>, code: string, fragment: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  expect((error as UserError).code).toBe(code);
  expect((error as UserError).message).toContain(fragment);
}

describe('model folders', () => {
  it('round-trips a model: identical predictions and the manifest with weight integrity', async () => {
    const dir = await saved('roundtrip');
    const loaded = await loadModelFromDir(dir);
    const a = (model.predict(input) as tf.Tensor).dataSync();
    const b = (loaded.model.predict(input) as tf.Tensor).dataSync();
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(loaded.manifest).toMatchObject(manifest);
    expect(loaded.manifest.weights?.sha256).toMatch(/^[0-9a-f]{64}$/);
    loaded.model.dispose();
  });

  it('replaces an existing folder as a whole and leaves no temporary folders behind', async () => {
    const dir = await saved('replace');
    await writeFile(path.join(dir, 'stale.txt'), 'old');
    await saveModelToDir({ model, dir, manifest: { ...manifest, seed: 8 } });
    const files = await import('node:fs/promises').then((fs) => fs.readdir(dir));
    expect(files.sort()).toEqual(['manifest.json', 'model.json', 'weights.bin']);
    expect(
      (await import('node:fs/promises').then((fs) => fs.readdir(root))).filter((f) => f.startsWith('.')),
    ).toEqual([]);
    expect((await loadModelFromDir(dir)).manifest.seed).toBe(8);
  });

  it.each(['model.json', 'weights.bin', 'manifest.json'])('reports a missing %s', async (file) => {
    const dir = await saved(`missing-${file}`);
    await unlink(path.join(dir, file));
    await expectUserError(loadModelFromDir(dir), 'E_MODEL_MISSING', file);
  });

  it('reports a missing folder', async () => {
    await expectUserError(loadModelFromDir(path.join(root, 'nope')), 'E_MODEL_MISSING', 'nope');
  });

  it('reports truncated weights', async () => {
    const dir = await saved('truncated');
    const bytes = await readFile(path.join(dir, 'weights.bin'));
    await writeFile(path.join(dir, 'weights.bin'), bytes.subarray(0, bytes.length - 8));
    await expectUserError(loadModelFromDir(dir), 'E_MODEL_CORRUPT', 'truncated');
  });

  it('reports altered weights through the recorded checksum', async () => {
    const dir = await saved('flipped');
    const bytes = await readFile(path.join(dir, 'weights.bin'));
    bytes[10] = (bytes[10] ?? 0) ^ 0xff;
    await writeFile(path.join(dir, 'weights.bin'), bytes);
    await expectUserError(loadModelFromDir(dir), 'E_MODEL_CORRUPT', 'SHA-256');
  });

  it('reports invalid JSON and a manifest of the wrong format', async () => {
    const dir = await saved('badjson');
    await writeFile(path.join(dir, 'model.json'), '{"modelTopology":');
    await expectUserError(loadModelFromDir(dir), 'E_MODEL_CORRUPT', 'not valid JSON');
    const dir2 = await saved('badmanifest');
    await writeFile(path.join(dir2, 'manifest.json'), JSON.stringify({ ...manifest, format: 'other/1' }));
    await expectUserError(loadModelFromDir(dir2), 'E_MODEL_CORRUPT', '"format"');
  });

  it('reports a topology TF.js cannot build', async () => {
    const dir = await saved('badtopology');
    const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'));
    json.modelTopology = { class_name: 'NoSuchModel', config: {} };
    await writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
    await expectUserError(loadModelFromDir(dir), 'E_MODEL_CORRUPT', 'TF.js could not build');
  });
});
