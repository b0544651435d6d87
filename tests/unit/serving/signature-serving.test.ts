/**
 * Serving models by their own input signature (manifest seedsweep-model/2, written by
 * `defineModelTrainable`): predictions equal the model's own on the preprocessed inputs, and every
 * request check answers a 4xx naming the field, what was expected and what came, while the server
 * keeps serving. The study's classifier (/1) keeps its contract: see server.test.ts, and below its
 * answers are bit-identical to the model's own.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_BYTES } from '../../../src/datasets/types.js';
import { loadSavedModel, saveModelToDir, type SignatureManifest } from '../../../src/training/model-io.js';
import { defaultMaxBatchFor } from '../../../src/serving/served-model.js';
import { startInferenceServer, type InferenceServer } from '../../../src/serving/server.js';
import { trainFitModel, type FitModelName } from './fit-models.js';
import {
  handMadeImages,
  ownProbabilities,
  toNested,
  trainSmallModelDir,
  useServingBackend,
} from './fixtures.js';

interface Served {
  dir: string;
  model: tf.LayersModel;
  server: InferenceServer;
}

const served: Partial<Record<FitModelName, Served>> = {};
let root: string | undefined;

async function serve(name: FitModelName): Promise<Served> {
  const dir = await trainFitModel(name, root);
  root ??= path.dirname(dir);
  const { model } = await loadSavedModel(dir);
  const server = await startInferenceServer({ modelDir: dir, port: 0 });
  return (served[name] = { dir, model, server });
}

beforeAll(async () => {
  await useServingBackend();
  for (const name of ['mlp4', 'conv1d', 'twoInputs', 'tokens', 'grey', 'rgbNoPreprocessing'] as const)
    await serve(name);
});
afterAll(async () => {
  for (const s of Object.values(served)) {
    await s.server.close();
    s.model.dispose();
  }
  if (root) await rm(root, { recursive: true, force: true });
});

const get = (name: FitModelName) => served[name]!;
/** The input's name as saved (the loaded model's own may carry a suffix TF.js adds to keep names unique). */
const inputName = async (name: FitModelName) =>
  (JSON.parse(await readFile(path.join(get(name).dir, 'manifest.json'), 'utf8')) as SignatureManifest)
    .signature.inputs[0]!.name;
const json = { 'content-type': 'application/json' };

async function post(name: FitModelName, body: unknown, headers: Record<string, string> = json) {
  const res = await fetch(`${get(name).server.url}/invocations`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The model's own outputs on `inputs` (already preprocessed), as nested arrays. */
function own(name: FitModelName, ...inputs: tf.Tensor[]): number[][] {
  return tf.tidy(() => {
    const out = get(name).model.predict(inputs.length === 1 ? inputs[0]! : inputs) as tf.Tensor;
    return out.arraySync() as number[][];
  });
}

interface ErrorBody {
  error: { code: string; message: string; field?: string; expected?: string; got?: string };
}

/** Posts, expects the status and code, and checks the server still predicts afterwards. */
async function expectRefused(
  name: FitModelName,
  body: unknown,
  status: number,
  code: string,
  details: Partial<ErrorBody['error']> = {},
  headers: Record<string, string> = json,
): Promise<ErrorBody['error']> {
  const answer = await post(name, body, headers);
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  const error = (answer.body as unknown as ErrorBody).error;
  expect(error).toMatchObject({ code, ...details });
  expect(error.message.length).toBeGreaterThan(20);
  expect((await fetch(`${get(name).server.url}/ping`)).status).toBe(200);
  return error;
}

function pngOf(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]) {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) png.data.set([...pixel(x, y), 255], (y * width + x) * 4);
  return PNG.sync.write(png);
}

describe('an MLP on 4 features (classes, scale preprocessing)', () => {
  const rows = [
    [0.5, -1, 2, 3],
    [-2, 0, 1.25, 4],
  ];
  const expected = () => own('mlp4', tf.tensor2d(rows).mul(0.5).add(1));

  it('answers JSON instances with the model own probabilities on the preprocessed inputs', async () => {
    const answer = await post('mlp4', { instances: rows });
    expect(answer.status).toBe(200);
    const predictions = answer.body['predictions'] as {
      label: string;
      class_index: number;
      probabilities: Record<string, number>;
    }[];
    const names = ['setosa', 'versicolor', 'virginica'];
    expected().forEach((row, i) => {
      const best = row.indexOf(Math.max(...row));
      expect(predictions[i]!.class_index).toBe(best);
      expect(predictions[i]!.label).toBe(names[best]);
      expect(Object.keys(predictions[i]!.probabilities)).toEqual(names);
      names.forEach((n, j) => expect(predictions[i]!.probabilities[n]).toBeCloseTo(row[j]!, 6));
    });
  });

  it('takes one instance, the columnar {"inputs": …} form and object instances alike', async () => {
    const byRows = (await post('mlp4', { instances: rows })).body['predictions'];
    const name = await inputName('mlp4');
    expect((await post('mlp4', { inputs: rows })).body['predictions']).toEqual(byRows);
    expect((await post('mlp4', { inputs: { [name]: rows } })).body['predictions']).toEqual(byRows);
    expect((await post('mlp4', { instances: rows.map((r) => ({ [name]: r })) })).body['predictions']).toEqual(
      byRows,
    );
    expect((await post('mlp4', rows)).body['predictions']).toEqual(byRows);
    const single = (await post('mlp4', { instances: rows[1] })).body['predictions'] as unknown[];
    expect(single).toEqual([(byRows as unknown[])[1]]);
  });

  it('derives its batch limit from the input size and describes itself on GET /model', async () => {
    expect(defaultMaxBatchFor([{ shape: [32, 32, 3] }])).toBe(128);
    expect(get('mlp4').server.maxBatch()).toBe(4096);
    const model = (await (await fetch(`${get('mlp4').server.url}/model`)).json()) as Record<string, unknown>;
    expect(model).toMatchObject({
      format: 'seedsweep-model/2',
      inputs: [{ shape: [4], dtype: 'float32' }],
      output: { kind: 'classes', from: 'probabilities' },
      preprocessingApplied: { kind: 'scale', scale: 0.5, offset: 1 },
      limits: { maxBatch: 4096 },
      synthetic: true,
    });
  });

  it('refuses a wrong shape, naming the field, the expected and the received', async () => {
    await expectRefused(
      'mlp4',
      {
        instances: [
          [1, 2, 3, 4],
          [1, 2, 3],
        ],
      },
      400,
      'E_BAD_SHAPE',
      {
        field: 'instances[1]',
        expected: 'an array of length 4',
        got: 'an array of length 3',
      },
    );
    await expectRefused('mlp4', { instances: [[[1, 2, 3, 4]]] }, 400, 'E_BAD_SHAPE', {
      field: 'instances[0]',
      got: 'an array of length 1',
    });
    await expectRefused('mlp4', { instances: [[1, 2, [3], 4]] }, 400, 'E_BAD_VALUE', {
      field: 'instances[0][2]',
      expected: 'a float32 number',
      got: 'an array of length 1',
    });
  });

  it('refuses a wrong dtype: strings, null, numbers beyond float32', async () => {
    await expectRefused('mlp4', { instances: [[1, 2, '3', 4]] }, 400, 'E_BAD_VALUE', {
      field: 'instances[0][2]',
      expected: 'a float32 number',
      got: '"3"',
    });
    await expectRefused('mlp4', { instances: [[1, null, 3, 4]] }, 400, 'E_BAD_VALUE', { got: 'null' });
    await expectRefused('mlp4', '{"instances": [[1, 2, 3, 1e39]]}', 400, 'E_BAD_VALUE', { got: '1e+39' });
  });

  it('refuses missing and unknown fields, and bodies of neither form', async () => {
    const name = await inputName('mlp4');
    await expectRefused('mlp4', { instances: [{ feature: [1, 2, 3, 4] }] }, 400, 'E_UNKNOWN_INPUT', {
      field: 'instances[0].feature',
    });
    await expectRefused('mlp4', { inputs: {} }, 400, 'E_MISSING_INPUT', {
      field: `inputs.${name}`,
      expected: '[4] float32',
    });
    await expectRefused('mlp4', { rows: [[1, 2, 3, 4]] }, 400, 'E_BAD_INSTANCES', { field: '$' });
    await expectRefused(
      'mlp4',
      { instances: [[1, 2, 3, 4]], inputs: [[1, 2, 3, 4]] },
      400,
      'E_BAD_INSTANCES',
    );
    await expectRefused('mlp4', { instances: [] }, 400, 'E_BAD_INSTANCES', { field: 'instances' });
    await expectRefused('mlp4', 42, 400, 'E_BAD_INSTANCES');
  });

  it('refuses an empty body, invalid JSON, an image body and more instances than its limit', async () => {
    await expectRefused('mlp4', '', 400, 'E_EMPTY_BODY');
    await expectRefused('mlp4', ' \n', 400, 'E_EMPTY_BODY');
    await expectRefused('mlp4', '{"instances": [', 400, 'E_INVALID_JSON');
    const png = pngOf(2, 2, () => [1, 2, 3]);
    const error = await expectRefused(
      'mlp4',
      png,
      415,
      'E_UNSUPPORTED_MEDIA_TYPE',
      {},
      {
        'content-type': 'image/png',
      },
    );
    expect(error.message).toContain('[4] float32');
    await expectRefused(
      'mlp4',
      { instances: Array.from({ length: 4097 }, () => [0, 0, 0, 0]) },
      413,
      'E_TOO_MANY_INSTANCES',
      { expected: 'at most 4096', got: '4097' },
    );
  });
});

describe('a Conv1D regressor on sequences (raw values)', () => {
  const sequence = (k: number) => Array.from({ length: 10 }, (_, t) => [Math.sin(t + k), Math.cos(t * k)]);

  it('answers the raw output values, the model own', async () => {
    const x = [sequence(1), sequence(2), sequence(3)];
    const answer = await post('conv1d', { instances: x });
    expect(answer.status).toBe(200);
    const predictions = answer.body['predictions'] as { values: number[] }[];
    own('conv1d', tf.tensor3d(x)).forEach((row, i) => {
      expect(predictions[i]!.values).toHaveLength(1);
      expect(predictions[i]!.values[0]).toBeCloseTo(row[0]!, 6);
    });
    expect(get('conv1d').server.maxBatch()).toBe(4096);
  });

  it('refuses sequences of the wrong length or width', async () => {
    await expectRefused('conv1d', { instances: [sequence(1).slice(1)] }, 400, 'E_BAD_SHAPE', {
      field: 'instances[0]',
      expected: 'an array of length 10',
      got: 'an array of length 9',
    });
    const wide = sequence(1).map((step, t) => (t === 4 ? [...step, 0] : step));
    await expectRefused('conv1d', { instances: [wide] }, 400, 'E_BAD_SHAPE', {
      field: 'instances[0][4]',
      expected: 'an array of length 2',
      got: 'an array of length 3',
    });
    // As deep as one example (rank 2), so read as one: its first dimension is wrong.
    await expectRefused('conv1d', { instances: [sequence(1).flat()] }, 400, 'E_BAD_SHAPE', {
      field: 'instances',
      expected: 'an array of length 10',
      got: 'an array of length 1',
    });
  });
});

describe('a model of two inputs (one sigmoid unit read as two classes)', () => {
  const features = [
    [0.1, 0.2, 0.3, 0.4],
    [0.9, 0.8, 0.7, 0.6],
  ];
  const extra = [
    [0.5, 0.5],
    [0, 1],
  ];

  it('answers {"inputs": {name: …}} and object instances with both classes probabilities', async () => {
    const columns = await post('twoInputs', { inputs: { features, extra } });
    expect(columns.status).toBe(200);
    const rows = await post('twoInputs', {
      instances: features.map((f, i) => ({ features: f, extra: extra[i] })),
    });
    expect(rows.body['predictions']).toEqual(columns.body['predictions']);
    const predictions = columns.body['predictions'] as {
      label: string;
      class_index: number;
      probabilities: { no: number; yes: number };
    }[];
    own('twoInputs', tf.tensor2d(features), tf.tensor2d(extra)).forEach(([p], i) => {
      expect(predictions[i]!.probabilities.yes).toBeCloseTo(p!, 6);
      expect(predictions[i]!.probabilities.no).toBeCloseTo(1 - p!, 6);
      expect(predictions[i]!.label).toBe(p! >= 0.5 ? 'yes' : 'no');
      expect(predictions[i]!.class_index).toBe(p! >= 0.5 ? 1 : 0);
    });
  });

  it('refuses a missing input, an unknown one, uneven columns and rows that are not objects', async () => {
    await expectRefused('twoInputs', { instances: [{ features: features[0] }] }, 400, 'E_MISSING_INPUT', {
      field: 'instances[0].extra',
      expected: '[2] float32',
      got: 'nothing',
    });
    await expectRefused('twoInputs', { inputs: { features } }, 400, 'E_MISSING_INPUT', {
      field: 'inputs.extra',
    });
    await expectRefused('twoInputs', { inputs: { features, extra, bias: [[1]] } }, 400, 'E_UNKNOWN_INPUT', {
      field: 'inputs.bias',
    });
    await expectRefused('twoInputs', { inputs: { features, extra: extra.slice(1) } }, 400, 'E_BAD_SHAPE', {
      field: 'inputs.extra',
      expected: '2 examples',
      got: '1 examples',
    });
    await expectRefused(
      'twoInputs',
      { instances: [[...features[0]!, ...extra[0]!]] },
      400,
      'E_BAD_INSTANCES',
      {
        field: 'instances[0]',
      },
    );
    await expectRefused(
      'twoInputs',
      {
        inputs: {
          features,
          extra: [
            [1, 2, 3],
            [4, 5, 6],
          ],
        },
      },
      400,
      'E_BAD_SHAPE',
      {
        field: 'inputs.extra[0]',
        expected: 'an array of length 2',
      },
    );
  });
});

describe('a model of int32 tokens', () => {
  it('answers integer inputs and refuses fractions and out-of-range integers', async () => {
    const x = [
      [1, 2, 3, 4, 5],
      [9, 9, 0, 0, 1],
    ];
    const answer = await post('tokens', { instances: x });
    expect(answer.status).toBe(200);
    const predictions = answer.body['predictions'] as { values: number[] }[];
    own('tokens', tf.tensor2d(x, undefined, 'int32')).forEach((row, i) =>
      row.forEach((v, j) => expect(predictions[i]!.values[j]).toBeCloseTo(v, 6)),
    );
    await expectRefused('tokens', { instances: [[1, 2, 3.5, 4, 5]] }, 400, 'E_BAD_VALUE', {
      field: 'instances[0][2]',
      expected: 'an int32 integer',
      got: '3.5',
    });
    await expectRefused('tokens', { instances: [[1, 2, 3, 4, 2 ** 31]] }, 400, 'E_BAD_VALUE', {
      field: 'instances[0][4]',
    });
  });
});

describe('a grey image classifier of 5×6 pixels (logits, 1/255 scaling)', () => {
  // 6 rows of 5 pixels: height 6, width 5.
  const pixels = Array.from({ length: 6 }, (_, y) =>
    Array.from({ length: 5 }, (_, x) => (x * 50 + y * 7) % 256),
  );
  const expectedProbabilities = () => {
    const [logits] = own('grey', tf.tensor4d(pixels.flat(), [1, 6, 5, 1]).div(255));
    const exps = logits!.map((v) => Math.exp(v - Math.max(...logits!)));
    const sum = exps.reduce((a, b) => a + b, 0);
    return exps.map((e) => e / sum);
  };

  it('answers a grey PNG and the same pixels as JSON with softmax probabilities of the logits', async () => {
    const png = pngOf(5, 6, (x, y) => {
      const v = pixels[y]![x]!;
      return [v, v, v];
    });
    const fromPng = await post('grey', png, { 'content-type': 'image/png' });
    expect(fromPng.status, JSON.stringify(fromPng.body)).toBe(200);
    const fromJson = await post('grey', { instances: [pixels.map((row) => row.map((v) => [v]))] });
    expect(fromJson.body['predictions']).toEqual(fromPng.body['predictions']);
    const [prediction] = fromPng.body['predictions'] as {
      label: string;
      probabilities: Record<string, number>;
    }[];
    const expected = expectedProbabilities();
    expect(prediction!.probabilities['dark']).toBeCloseTo(expected[0]!, 6);
    expect(prediction!.probabilities['light']).toBeCloseTo(expected[1]!, 6);
    expect(prediction!.label).toBe(expected[1]! > expected[0]! ? 'light' : 'dark');
  });

  it('refuses a colour image, a wrong size, wrong channels in JSON', async () => {
    const png = { 'content-type': 'image/png' };
    await expectRefused(
      'grey',
      pngOf(5, 6, (x) => [x * 10, 0, 0]),
      400,
      'E_IMAGE_CHANNELS',
      {
        expected: 'a grey image (1 channel)',
      },
      png,
    );
    await expectRefused(
      'grey',
      pngOf(6, 5, () => [9, 9, 9]),
      400,
      'E_IMAGE_SIZE',
      {
        expected: '5×6 image',
        got: '6×5 image',
      },
      png,
    );
    await expectRefused(
      'grey',
      { instances: [pixels.map((row) => row.map((v) => [v, v, v]))] },
      400,
      'E_BAD_SHAPE',
      {
        field: 'instances[0][0][0]',
        expected: 'an array of length 1',
        got: 'an array of length 3',
      },
    );
    await expectRefused('grey', Buffer.from('not an image'), 400, 'E_BAD_IMAGE', {}, png);
  });
});

describe('an RGB image model saved without a preprocessing', () => {
  it('refuses image bodies (it cannot know what pixels become) and answers JSON', async () => {
    const error = await expectRefused(
      'rgbNoPreprocessing',
      pngOf(4, 4, () => [1, 2, 3]),
      415,
      'E_UNSUPPORTED_MEDIA_TYPE',
      {},
      {
        'content-type': 'image/png',
      },
    );
    expect(error.message).toContain('without a preprocessing');
    const image = Array.from({ length: 4 }, () => Array.from({ length: 4 }, () => [0.1, 0.2, 0.3]));
    const answer = await post('rgbNoPreprocessing', { instances: [image] });
    expect(answer.status).toBe(200);
    const [prediction] = answer.body['predictions'] as { probabilities: Record<string, number> }[];
    const [row] = own('rgbNoPreprocessing', tf.tensor4d(image.flat(2), [1, 4, 4, 3]));
    expect(prediction!.probabilities['a']).toBeCloseTo(row![0]!, 6);
  });
});

describe('the study classifier (manifest /1)', () => {
  it('answers exactly the model own probabilities, bit for bit', async () => {
    const trained = await trainSmallModelDir();
    const server = await startInferenceServer({ modelDir: trained.dir, port: 0 });
    try {
      expect(server.maxBatch()).toBe(128);
      const { images } = handMadeImages(3, 7);
      const res = await fetch(`${server.url}/invocations`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ instances: [0, 1, 2].map((i) => toNested(images, i)) }),
      });
      const body = (await res.json()) as { predictions: { probabilities: Record<string, number> }[] };
      const expected = ownProbabilities(trained.model, images.subarray(0, 3 * IMAGE_BYTES), 3);
      body.predictions.forEach((p, i) => expect(Object.values(p.probabilities)).toEqual(expected[i]));
    } finally {
      await server.close();
      trained.model.dispose();
      await rm(path.dirname(trained.dir), { recursive: true, force: true });
    }
  });
});

describe('a hand-written manifest with an open dimension (sequences of any length)', () => {
  it('takes any length, the same within a request, and refuses uneven ones', async () => {
    const input = tf.input({ shape: [null, 2], name: 'steps' });
    const pooled = tf.layers.globalAveragePooling1d().apply(input) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 1 }).apply(pooled) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    const dir = path.join(root!, 'open-length');
    await saveModelToDir({
      model,
      dir,
      manifest: {
        format: 'seedsweep-model/2',
        signature: {
          inputs: [{ name: 'steps', shape: [null, 2], dtype: 'float32' }],
          outputs: [{ name: 'value', shape: [1], dtype: 'float32' }],
        },
      },
    });
    const server = await startInferenceServer({ modelDir: dir, port: 0 });
    try {
      const ask = (instances: unknown) =>
        fetch(`${server.url}/invocations`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ instances }),
        });
      for (const length of [1, 3, 7]) {
        const x = Array.from({ length: 2 }, (_, i) => Array.from({ length }, (_, t) => [t + i, 1 - t]));
        const res = await ask(x);
        expect(res.status).toBe(200);
        const { predictions } = (await res.json()) as { predictions: { values: number[] }[] };
        const expected = tf.tidy(
          () => (model.predict(tf.tensor3d(x)) as tf.Tensor).arraySync() as number[][],
        );
        predictions.forEach((p, i) => expect(p.values[0]).toBeCloseTo(expected[i]![0]!, 6));
      }
      const uneven = await ask([
        [
          [1, 2],
          [3, 4],
        ],
        [[1, 2]],
      ]);
      expect(uneven.status).toBe(400);
      expect(await uneven.json()).toMatchObject({
        error: { code: 'E_BAD_SHAPE', field: 'instances[1]', expected: 'an array of length 2' },
      });
      // One example with no steps (columnar form: a list of examples, no guessing by depth).
      const empty = await fetch(`${server.url}/invocations`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ inputs: [[]] }),
      });
      expect(await empty.json()).toMatchObject({
        error: { code: 'E_BAD_SHAPE', field: 'inputs[0]', expected: 'a non-empty array (an open dimension)' },
      });
    } finally {
      await server.close();
      model.dispose();
    }
  });
});
