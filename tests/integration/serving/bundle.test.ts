/**
 * `seedsweep package` end to end without Docker: the bundle's own `serve` entry runs the bundled
 * `server.mjs` (with the project's node_modules standing in for `npm install`) and must answer like
 * the model, for the study's classifier and for a two-input model of `defineModelTrainable`. The
 * Dockerfile itself is not built here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../../src/interfaces/cli/main.js';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';
import { IMAGE_BYTES } from '../../../src/datasets/types.js';
import { loadSavedModel } from '../../../src/training/model-io.js';
import { findFreePort } from '../../../src/services/local-server.js';
import { trainFitModel } from '../../unit/serving/fit-models.js';
import {
  handMadeImages,
  ownProbabilities,
  trainSmallModelDir,
  useServingBackend,
} from '../../unit/serving/fixtures.js';

let trained: Awaited<ReturnType<typeof trainSmallModelDir>>;
let work: string;
let child: ChildProcess | undefined;

beforeAll(async () => {
  await useServingBackend();
  trained = await trainSmallModelDir();
  work = await mkdtemp(path.join(os.tmpdir(), 'seedsweep-bundle-it-'));
});
afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  trained?.model.dispose();
  if (trained) await rm(path.dirname(trained.dir), { recursive: true, force: true });
  if (work) await rm(work, { recursive: true, force: true });
});

/** Starts the bundle's `serve` entry on a free port (wasm backend) and waits until it is healthy. */
async function startBundle(out: string): Promise<{ url: string; proc: ChildProcess; logs: () => string }> {
  // Stand-in for `npm install` in the image: the project's own node_modules.
  await symlink(path.join(PACKAGE_ROOT, 'node_modules'), path.join(out, 'node_modules'), 'dir');
  const port = await findFreePort();
  let output = '';
  const proc = spawn(path.join(out, 'serve'), [], {
    env: {
      ...process.env,
      PORT: String(port),
      SEEDSWEEP_HOST: '127.0.0.1',
      SEEDSWEEP_MODEL_DIR: path.join(out, 'model'),
      SEEDSWEEP_BACKEND: 'wasm',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitForPing(url, proc, () => output);
  return { url, proc, logs: () => output };
}

async function waitForPing(url: string, proc: ChildProcess, logs: () => string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`serve exited with ${proc.exitCode}:\n${logs()}`);
    const status = await fetch(`${url}/ping`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`serve did not become healthy:\n${logs()}`);
}

describe('seedsweep package', () => {
  it('writes a bundle whose serve entry answers like the model', async () => {
    const out = path.join(work, 'bundle');
    await buildProgram().parseAsync([
      'node',
      'seedsweep',
      'package',
      '--model-dir',
      trained.dir,
      '--out',
      out,
    ]);

    expect((await readdir(out)).sort()).toEqual([
      'Dockerfile',
      'README.md',
      'model',
      'model.tar.gz',
      'package.json',
      'serve',
      'server.mjs',
    ]);
    const dockerfile = await readFile(path.join(out, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain('COPY model/ /opt/ml/model/');
    expect(dockerfile).toContain('EXPOSE 8080');
    expect(dockerfile).toContain('CMD ["serve"]');
    const pkg = JSON.parse(await readFile(path.join(out, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(Object.keys(pkg.dependencies)).toEqual(
      expect.arrayContaining([
        '@tensorflow/tfjs',
        '@tensorflow/tfjs-backend-wasm',
        'fastify',
        'jpeg-js',
        'pngjs',
      ]),
    );
    expect(Object.keys(pkg.dependencies).some((name) => name.startsWith('@temporalio/'))).toBe(false);
    const archived: string[] = [];
    await tar.list({
      file: path.join(out, 'model.tar.gz'),
      onReadEntry: (entry) => archived.push(entry.path),
    });
    expect(archived.sort()).toEqual(['manifest.json', 'model.json', 'weights.bin']);
    await expect(
      buildProgram().parseAsync(['node', 'seedsweep', 'package', '--model-dir', trained.dir, '--out', out]),
    ).rejects.toMatchObject({ code: 'E_OUT_EXISTS' });

    const started = await startBundle(out);
    child = started.proc;
    const url = started.url;

    const { images } = handMadeImages(1, 21);
    const png = new PNG({ width: 32, height: 32 });
    for (let p = 0; p < 1024; p++) {
      png.data.set([images[p * 3]!, images[p * 3 + 1]!, images[p * 3 + 2]!, 255], p * 4);
    }
    const res = await fetch(`${url}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: PNG.sync.write(png),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      predictions: { class_index: number; probabilities: Record<string, number> }[];
    };
    const expected = ownProbabilities(trained.model, images.subarray(0, IMAGE_BYTES), 1)[0]!;
    expect(body.predictions[0]!.class_index).toBe(expected.indexOf(Math.max(...expected)));
    trained.manifest.classNames.forEach((name, j) =>
      expect(body.predictions[0]!.probabilities[name]).toBeCloseTo(expected[j]!, 4),
    );
    const bad = await fetch(`${url}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: '1,2,3',
    });
    expect(bad.status).toBe(415);

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('bundles and serves a general model by its signature (two inputs, JSON only)', async () => {
    const modelDir = await trainFitModel('twoInputs', work);
    const out = path.join(work, 'bundle-two-inputs');
    await buildProgram().parseAsync(['node', 'seedsweep', 'package', '--model-dir', modelDir, '--out', out]);
    const readme = await readFile(path.join(out, 'README.md'), 'utf8');
    expect(readme).toContain('Classes: no, yes');
    expect(readme).toContain('- `features`: [4] float32 per example');
    expect(readme).toContain('- `extra`: [2] float32 per example');
    expect(readme).toContain(`{"instances": [{"features": [0, 0, 0, 0], "extra": [0, 0]}]}`);

    const started = await startBundle(out);
    child = started.proc;
    const features = [
      [0.2, 0.4, 0.6, 0.8],
      [1, 0, 1, 0],
    ];
    const extra = [
      [0.3, 0.1],
      [0.9, 0.5],
    ];
    const res = await fetch(`${started.url}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: { features, extra } }),
    });
    expect(res.status, started.logs()).toBe(200);
    const body = (await res.json()) as { predictions: { probabilities: { no: number; yes: number } }[] };
    const { model } = await loadSavedModel(modelDir);
    const expected = tf.tidy(
      () =>
        (model.predict([tf.tensor2d(features), tf.tensor2d(extra)]) as tf.Tensor).arraySync() as number[][],
    );
    model.dispose();
    body.predictions.forEach((p, i) => expect(p.probabilities.yes).toBeCloseTo(expected[i]![0]!, 5));
    const png = await fetch(`${started.url}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: Buffer.from([0x89, 0x50, 0x4e, 0x47]),
    });
    expect(png.status).toBe(415);

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
