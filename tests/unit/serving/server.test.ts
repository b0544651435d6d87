import { rm } from 'node:fs/promises';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_BYTES } from '../../../src/datasets/types.js';
import type { ModelManifest } from '../../../src/training/model-io.js';
import { startInferenceServer, type InferenceServer } from '../../../src/serving/server.js';
import {
  handMadeImages,
  ownProbabilities,
  toNested,
  trainSmallModelDir,
  useServingBackend,
} from './fixtures.js';

interface PredictionBody {
  predictions: { label: string; class_index: number; probabilities: Record<string, number> }[];
}

let trained: Awaited<ReturnType<typeof trainSmallModelDir>>;
let server: InferenceServer;
const MAX_BATCH = 4;
const MAX_BODY = 200_000;
const { images } = handMadeImages(5, 99);

beforeAll(async () => {
  await useServingBackend();
  trained = await trainSmallModelDir();
  server = await startInferenceServer({
    modelDir: trained.dir,
    host: '127.0.0.1',
    port: 0,
    maxBatch: MAX_BATCH,
    maxBodyBytes: MAX_BODY,
  });
});
afterAll(async () => {
  await server?.close();
  trained?.model.dispose();
  if (trained) await rm(path.dirname(trained.dir), { recursive: true, force: true });
});

function post(
  body: NonNullable<Parameters<typeof fetch>[1]>['body'],
  headers: Record<string, string> = {},
  url = '/invocations',
) {
  return fetch(`${server.url}${url}`, { method: 'POST', body, headers });
}

function expectMatches(body: PredictionBody, expected: number[][]): void {
  expect(body.predictions).toHaveLength(expected.length);
  body.predictions.forEach((prediction, i) => {
    const row = expected[i]!;
    const best = row.indexOf(Math.max(...row));
    expect(prediction.class_index).toBe(best);
    expect(prediction.label).toBe(trained.manifest.classNames[best]);
    expect(Object.keys(prediction.probabilities)).toEqual(trained.manifest.classNames);
    trained.manifest.classNames.forEach((name, j) =>
      expect(prediction.probabilities[name]).toBeCloseTo(row[j]!, 6),
    );
  });
}

function pngOf(rgb: Uint8Array, i: number, width = 32, height = 32): Buffer {
  const png = new PNG({ width, height });
  for (let p = 0; p < width * height; p++) {
    const o = i * IMAGE_BYTES + (p % 1024) * 3;
    png.data[p * 4] = rgb[o]!;
    png.data[p * 4 + 1] = rgb[o + 1]!;
    png.data[p * 4 + 2] = rgb[o + 2]!;
    png.data[p * 4 + 3] = 255;
  }
  return PNG.sync.write(png);
}

describe('inference server (SageMaker contract)', () => {
  it('answers /ping with 200 once the model is loaded', async () => {
    const res = await fetch(`${server.url}/ping`);
    expect(res.status).toBe(200);
  });

  it('answers JSON instances with the model own predictions', async () => {
    const res = await post(JSON.stringify({ instances: [0, 1, 2, 3].map((i) => toNested(images, i)) }), {
      'content-type': 'application/json',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expectMatches(
      (await res.json()) as PredictionBody,
      ownProbabilities(trained.model, images.subarray(0, 4 * IMAGE_BYTES), 4),
    );
  });

  it('accepts a single image as "instances" and as a bare array', async () => {
    const expected = ownProbabilities(trained.model, images.subarray(4 * IMAGE_BYTES), 1);
    const single = await post(JSON.stringify({ instances: toNested(images, 4) }), {
      'content-type': 'application/json; charset=utf-8',
    });
    expectMatches((await single.json()) as PredictionBody, expected);
    const bare = await post(JSON.stringify([toNested(images, 4)]), { 'content-type': 'application/json' });
    expectMatches((await bare.json()) as PredictionBody, expected);
  });

  it('answers a PNG body (also as application/x-image) with the model own predictions', async () => {
    for (const type of ['image/png', 'application/x-image']) {
      const res = await post(pngOf(images, 2), { 'content-type': type });
      expect(res.status).toBe(200);
      expectMatches(
        (await res.json()) as PredictionBody,
        ownProbabilities(trained.model, images.subarray(2 * IMAGE_BYTES, 3 * IMAGE_BYTES), 1),
      );
    }
  });

  it('answers a JPEG body with the model predictions on the decoded pixels', async () => {
    const rgba = Buffer.alloc(32 * 32 * 4, 255);
    for (let p = 0; p < 1024; p++)
      for (let c = 0; c < 3; c++) rgba[p * 4 + c] = images[IMAGE_BYTES + p * 3 + c]!;
    const file = jpeg.encode({ width: 32, height: 32, data: rgba }, 90).data;
    const decoded = jpeg.decode(file, { useTArray: true, formatAsRGBA: true }).data;
    const rgb = new Uint8Array(IMAGE_BYTES);
    for (let p = 0; p < 1024; p++) for (let c = 0; c < 3; c++) rgb[p * 3 + c] = decoded[p * 4 + c]!;
    const res = await post(file, { 'content-type': 'image/jpeg' });
    expect(res.status).toBe(200);
    expectMatches((await res.json()) as PredictionBody, ownProbabilities(trained.model, rgb, 1));
  });

  it('describes the served model on GET /model', async () => {
    const body = (await (await fetch(`${server.url}/model`)).json()) as {
      classNames: string[];
      synthetic: boolean;
      preprocessing: { scale: number };
    };
    expect(body.classNames).toEqual(trained.manifest.classNames);
    expect(body.synthetic).toBe(true);
    expect(body.preprocessing.scale).toBeCloseTo(1 / 255, 12);
  });

  const valid = toNested(images, 0);
  const withPixel = (value: unknown) => {
    const image = structuredClone(valid) as unknown[][][];
    image[3]![7]![1] = value;
    return JSON.stringify({ instances: [image] });
  };
  const json = { 'content-type': 'application/json' };
  const malformed: { name: string; send: () => Promise<Response>; status: number; code: string }[] = [
    {
      name: 'no content type',
      send: () => post(new Uint8Array([1, 2, 3])),
      status: 415,
      code: 'E_UNSUPPORTED_MEDIA_TYPE',
    },
    {
      name: 'text/plain body',
      send: () => post('hello', { 'content-type': 'text/plain' }),
      status: 415,
      code: 'E_UNSUPPORTED_MEDIA_TYPE',
    },
    { name: 'empty JSON body', send: () => post('', json), status: 400, code: 'E_EMPTY_BODY' },
    { name: 'whitespace JSON body', send: () => post('  \n', json), status: 400, code: 'E_EMPTY_BODY' },
    {
      name: 'empty PNG body',
      send: () => post(undefined, { 'content-type': 'image/png' }),
      status: 400,
      code: 'E_EMPTY_BODY',
    },
    { name: 'invalid JSON', send: () => post('{"instances": [', json), status: 400, code: 'E_INVALID_JSON' },
    {
      name: 'no instances field',
      send: () => post('{"inputs": []}', json),
      status: 400,
      code: 'E_BAD_INSTANCES',
    },
    {
      name: 'instances not an array',
      send: () => post('{"instances": "cat"}', json),
      status: 400,
      code: 'E_BAD_INSTANCES',
    },
    {
      name: 'empty instances',
      send: () => post('{"instances": []}', json),
      status: 400,
      code: 'E_BAD_INSTANCES',
    },
    {
      name: '31 rows',
      send: () => post(JSON.stringify({ instances: [valid.slice(1)] }), json),
      status: 400,
      code: 'E_BAD_SHAPE',
    },
    {
      name: 'RGBA pixels in JSON',
      send: () =>
        post(JSON.stringify({ instances: [valid.map((row) => row.map((p) => [...p, 255]))] }), json),
      status: 400,
      code: 'E_BAD_SHAPE',
    },
    {
      name: 'a number instead of a row',
      send: () => post(JSON.stringify({ instances: [[...valid.slice(0, 31), 5]] }), json),
      status: 400,
      code: 'E_BAD_SHAPE',
    },
    { name: 'pixel 256', send: () => post(withPixel(256), json), status: 400, code: 'E_BAD_PIXEL' },
    { name: 'pixel -1', send: () => post(withPixel(-1), json), status: 400, code: 'E_BAD_PIXEL' },
    { name: 'pixel 1.5', send: () => post(withPixel(1.5), json), status: 400, code: 'E_BAD_PIXEL' },
    { name: 'pixel "12"', send: () => post(withPixel('12'), json), status: 400, code: 'E_BAD_PIXEL' },
    { name: 'pixel null', send: () => post(withPixel(null), json), status: 400, code: 'E_BAD_PIXEL' },
    {
      name: 'too many instances',
      send: () => post(JSON.stringify({ instances: [0, 1, 2, 3, 4].map((i) => toNested(images, i)) }), json),
      status: 413,
      code: 'E_TOO_MANY_INSTANCES',
    },
    {
      name: 'oversized body',
      send: () => post(`{"instances": [${' '.repeat(MAX_BODY + 10)}]}`, json),
      status: 413,
      code: 'E_BODY_TOO_LARGE',
    },
    {
      name: 'PNG of garbage',
      send: () => post(Buffer.from('definitely not a png'), { 'content-type': 'image/png' }),
      status: 400,
      code: 'E_BAD_IMAGE',
    },
    {
      name: 'truncated PNG',
      send: () => post(pngOf(images, 0).subarray(0, 60), { 'content-type': 'image/png' }),
      status: 400,
      code: 'E_BAD_IMAGE',
    },
    {
      name: '16×16 PNG',
      send: () => post(pngOf(images, 0, 16, 16), { 'content-type': 'image/png' }),
      status: 400,
      code: 'E_IMAGE_SIZE',
    },
    {
      name: 'PNG sent as image/jpeg',
      send: () => post(pngOf(images, 0), { 'content-type': 'image/jpeg' }),
      status: 400,
      code: 'E_BAD_IMAGE',
    },
    {
      name: 'corrupt JPEG',
      send: () =>
        post(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 1, 2, 3]), { 'content-type': 'image/jpeg' }),
      status: 400,
      code: 'E_BAD_IMAGE',
    },
    {
      name: '64×64 JPEG',
      send: () =>
        post(jpeg.encode({ width: 64, height: 64, data: Buffer.alloc(64 * 64 * 4, 128) }).data, {
          'content-type': 'image/jpeg',
        }),
      status: 400,
      code: 'E_IMAGE_SIZE',
    },
    {
      name: 'x-image of neither format',
      send: () => post(Buffer.from('GIF89a....'), { 'content-type': 'application/x-image' }),
      status: 400,
      code: 'E_BAD_IMAGE',
    },
    {
      name: 'Accept rules out JSON',
      send: () => post(JSON.stringify({ instances: [valid] }), { ...json, accept: 'text/csv' }),
      status: 406,
      code: 'E_NOT_ACCEPTABLE',
    },
    {
      name: 'GET /invocations',
      send: () => fetch(`${server.url}/invocations`),
      status: 405,
      code: 'E_METHOD_NOT_ALLOWED',
    },
    {
      name: 'DELETE /ping',
      send: () => fetch(`${server.url}/ping`, { method: 'DELETE' }),
      status: 405,
      code: 'E_METHOD_NOT_ALLOWED',
    },
    { name: 'unknown path', send: () => fetch(`${server.url}/predict`), status: 404, code: 'E_NOT_FOUND' },
    {
      name: 'POST to an unknown path',
      send: () => post('{}', json, '/v1/models/x:predict'),
      status: 404,
      code: 'E_NOT_FOUND',
    },
  ];

  it.each(malformed)('answers $name with $status $code and keeps serving', async ({ send, status, code }) => {
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(10);
    expect((await fetch(`${server.url}/ping`)).status).toBe(200);
  });

  it('still predicts after all the malformed requests', async () => {
    const res = await post(JSON.stringify({ instances: [valid] }), json);
    expectMatches(
      (await res.json()) as PredictionBody,
      ownProbabilities(trained.model, images.subarray(0, IMAGE_BYTES), 1),
    );
  });
});

describe('inference server start-up', () => {
  it('answers /ping and /invocations with 503 until the model is loaded', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { loadModelFromDir } = await import('../../../src/training/model-io.js');
    const early = await startInferenceServer({
      modelDir: trained.dir,
      port: 0,
      waitForModel: false,
      loadModel: async (dir) => {
        await gate;
        return loadModelFromDir(dir);
      },
    });
    try {
      const ping = await fetch(`${early.url}/ping`);
      expect(ping.status).toBe(503);
      expect(((await ping.json()) as { error: { code: string } }).error.code).toBe('E_MODEL_NOT_READY');
      expect(
        (
          await fetch(`${early.url}/invocations`, {
            method: 'POST',
            body: '{}',
            headers: { 'content-type': 'application/json' },
          })
        ).status,
      ).toBe(503);
      release();
      await early.ready;
      expect((await fetch(`${early.url}/ping`)).status).toBe(200);
      expect((early.manifest() as ModelManifest).classNames).toHaveLength(10);
    } finally {
      await early.close();
    }
  });

  it('reports a taken port as a user error', async () => {
    const port = Number(new URL(server.url).port);
    const error = await startInferenceServer({ modelDir: trained.dir, port }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as { code?: string }).code).toBe('E_LISTEN');
  });

  it('rejects with the load error and stops listening when the model folder is missing', async () => {
    const error = await startInferenceServer({
      modelDir: path.join(path.dirname(trained.dir), 'absent'),
      port: 0,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as { code?: string }).code).toBe('E_MODEL_MISSING');
  });
});
