/**
 * The peer bench's models (bench/peer.ts) have the parameter counts their Keras twins state in
 * scripts/peer_keras.py (PARAMETERS, which the script checks against Keras' own count_params when it
 * builds a model), and `cnn3-user` has the built-in CNN 3×3's layers. Built on wasm; the native
 * training path is checked in peer-models-graph.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';
import { initBackend } from '../../../src/training/backends/backend.js';
import { buildImageClassifier } from '../../../src/models/image-classifier/architectures.js';
import { imageClassifierParams } from '../../../src/models/image-classifier/params.js';
import { cnn3User, resnetUser, sepcnnUser } from '../../../bench/peer-models.js';

const KERAS_SCRIPT = path.join(PACKAGE_ROOT, 'scripts', 'peer_keras.py');
const PYTHON = path.join(PACKAGE_ROOT, '.venv', 'bin', 'python');

/** peer_keras.py's PARAMETERS block: model name → stated parameter count. */
function statedParameters(): Record<string, number> {
  const block = /^PARAMETERS = \{\n([\s\S]*?)^\}/m.exec(readFileSync(KERAS_SCRIPT, 'utf8'))?.[1];
  if (!block) throw new Error(`no PARAMETERS = { … } block in ${KERAS_SCRIPT}`);
  return Object.fromEntries(
    [...block.matchAll(/^\s*"([\w-]+)": ([\d_]+),$/gm)].map((m) => [
      m[1]!,
      Number(m[2]!.replaceAll('_', '')),
    ]),
  );
}

const info = { seed: 0, train: { epochs: 1 } };
const user = (trainable: typeof cnn3User) => () =>
  trainable.definition.build(trainable.params.parse({}), info);
const builtIn = (params: Record<string, unknown>) => () =>
  buildImageClassifier(imageClassifierParams.parse(params), 0);

/** seedsweep's side of every model of the bench, by its peer_keras.py name. */
const MODELS: Record<string, () => tf.LayersModel> = {
  fc: builtIn({ model: 'fc' }),
  cnn3: builtIn({ model: 'cnn', kernel_size: 3 }),
  cnn5: builtIn({ model: 'cnn', kernel_size: 5 }),
  'cnn3-user': user(cnn3User),
  'resnet-user': user(resnetUser),
  'sepcnn-user': user(sepcnnUser),
};

/** What makes two layers the same layer, whatever their names and initialisers. */
function layerShape(layer: tf.layers.Layer) {
  const config = layer.getConfig();
  const keys = ['filters', 'kernelSize', 'strides', 'padding', 'activation', 'units', 'poolSize', 'useBias'];
  return {
    className: layer.getClassName(),
    ...Object.fromEntries(keys.filter((k) => k in config).map((k) => [k, config[k]])),
  };
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('bench:peer models', () => {
  it('peer_keras.py states a count for every model of the bench, and only for those', () => {
    expect(Object.keys(statedParameters()).sort()).toEqual(Object.keys(MODELS).sort());
  });

  it.each(Object.keys(MODELS))('%s has the parameter count of its Keras twin', (name) => {
    const model = MODELS[name]!();
    try {
      expect(model.countParams()).toBe(statedParameters()[name]);
    } finally {
      model.dispose();
    }
  });

  it("cnn3-user has the built-in CNN 3×3's layers", () => {
    const [mine, theirs] = [MODELS['cnn3-user']!(), MODELS['cnn3']!()];
    try {
      expect(mine.layers.map(layerShape)).toEqual(theirs.layers.map(layerShape));
      expect(mine.layers.length).toBe(7);
    } finally {
      mine.dispose();
      theirs.dispose();
    }
  });

  const keras =
    existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import keras'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!keras)(
    `Keras builds the twins with the stated counts${keras ? '' : ' (skipped: .venv has no Keras; npm run bench:peer installs it)'}`,
    () => {
      const run = spawnSync(
        PYTHON,
        [KERAS_SCRIPT, '--params-only', '--models', Object.keys(MODELS).join(',')],
        {
          encoding: 'utf8',
          env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
        },
      );
      expect(run.status, run.stderr).toBe(0);
      const counts = Object.fromEntries(
        run.stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { model: string; params: number })
          .map((r) => [r.model, r.params]),
      );
      expect(counts).toEqual(statedParameters());
    },
  );
});
