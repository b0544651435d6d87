/**
 * `seedsweep serve --run` and `--best` against the real MLflow server of the integration setup: the
 * model is uploaded as `model/` artifacts of a run, downloaded into the cache and served over HTTP.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildReport, writeReport } from '../../../src/reporting/analysis/report.js';
import { serveModel } from '../../../src/interfaces/cli/commands/serve.js';
import type { UserError } from '../../../src/core/common/errors.js';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';
import { IMAGE_BYTES } from '../../../src/datasets/types.js';
import { saveModelToDir } from '../../../src/training/model-io.js';
import { findFreePort } from '../../../src/services/local-server.js';
import { resolveModel } from '../../../src/serving/model-source.js';
import { MlflowClient } from '../../../src/tracking/mlflow-client.js';
import { createTracker } from '../../../src/tracking/index.js';
import {
  handMadeImages,
  ownProbabilities,
  toNested,
  trainSmallModelDir,
  useServingBackend,
} from '../../unit/serving/fixtures.js';
import { plannedTrial, trialResult } from '../tracking/fixtures.js';

interface PredictionBody {
  predictions: { label: string; class_index: number; probabilities: Record<string, number> }[];
}

let trained: Awaited<ReturnType<typeof trainSmallModelDir>>;
let work: string;
let client: MlflowClient;
const saved: Record<string, string | undefined> = {};
const { images } = handMadeImages(3, 5);

beforeAll(async () => {
  await useServingBackend();
  trained = await trainSmallModelDir();
  work = await mkdtemp(path.join(os.tmpdir(), 'seedsweep-serve-it-'));
  for (const key of ['MLFLOW_TRACKING_URI', 'TEMPORAL_ADDRESS', 'SEEDSWEEP_CACHE_DIR', 'SEEDSWEEP_STATE_DIR'])
    saved[key] = process.env[key];
  process.env['MLFLOW_TRACKING_URI'] = inject('mlflowUri');
  // `--best` looks the sweep up as `report` does: Temporal first (these sweeps it does not know), then the tracker.
  process.env['TEMPORAL_ADDRESS'] = inject('temporalAddress');
  process.env['SEEDSWEEP_CACHE_DIR'] = path.join(work, 'cache');
  process.env['SEEDSWEEP_STATE_DIR'] = path.join(work, 'state');
  client = new MlflowClient({ trackingUri: inject('mlflowUri') });
});

afterAll(async () => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  trained?.model.dispose();
  if (trained) await rm(path.dirname(trained.dir), { recursive: true, force: true });
  if (work) await rm(work, { recursive: true, force: true });
});

async function newRun(name: string): Promise<string> {
  const experimentId = await client.getOrCreateExperiment(`serving-it-${name}-${Date.now()}`);
  return (await client.createRun({ experimentId, runName: name })).runId;
}

async function expectServedPredictionsMatch(url: string): Promise<void> {
  const res = await fetch(`${url}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instances: [0, 1, 2].map((i) => toNested(images, i)) }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as PredictionBody;
  // The server runs on whatever backend initBackend chose; the reference runs on the same one now.
  const expected = ownProbabilities(trained.model, images.subarray(0, 3 * IMAGE_BYTES), 3);
  body.predictions.forEach((prediction, i) => {
    const row = expected[i]!;
    expect(prediction.class_index).toBe(row.indexOf(Math.max(...row)));
    trained.manifest.classNames.forEach((name, j) =>
      expect(prediction.probabilities[name]).toBeCloseTo(row[j]!, 5),
    );
  });
}

async function errorOf(promise: Promise<unknown>): Promise<UserError> {
  return (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as UserError;
}

describe('serve --run', () => {
  it('downloads the run model/ artifacts into the cache and serves them', async () => {
    const runId = await newRun('by-run');
    await client.uploadArtifactDir({ runId, localDir: trained.dir, artifactPath: 'model' });
    const { server, resolved } = await serveModel({ run: runId, port: 0, host: '127.0.0.1' });
    try {
      expect(resolved.runId).toBe(runId);
      expect(resolved.dir).toBe(path.join(work, 'cache', 'models', runId, 'model'));
      expect((await readdir(resolved.dir)).sort()).toEqual(['manifest.json', 'model.json', 'weights.bin']);
      expect((await fetch(`${server.url}/ping`)).status).toBe(200);
      await expectServedPredictionsMatch(server.url);
    } finally {
      await server.close();
    }
    // A damaged cached copy is downloaded again rather than served.
    await writeFile(path.join(work, 'cache', 'models', runId, 'model', 'weights.bin'), 'garbage');
    const again = await resolveModel({ run: runId });
    expect((await readFile(path.join(again.dir, 'weights.bin'))).length).toBe(again.manifest.weights?.bytes);
  });

  it('runs as the seedsweep CLI: logs what it serves, answers, and stops on SIGINT', async () => {
    const runId = await newRun('cli');
    await client.uploadArtifactDir({ runId, localDir: trained.dir, artifactPath: 'model' });
    const port = await findFreePort();
    const cli = spawn(
      process.execPath,
      [
        path.join(PACKAGE_ROOT, 'bin', 'seedsweep.js'),
        'serve',
        '--run',
        runId,
        '--port',
        String(port),
        '--refresh',
      ],
      {
        env: { ...process.env, SEEDSWEEP_BACKEND: 'wasm' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    cli.stdout.on('data', (d: Buffer) => (output += d.toString()));
    cli.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => cli.once('exit', (code) => resolve(code)));
    try {
      const url = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 120_000;
      while (
        (await fetch(`${url}/ping`).then(
          (r) => r.status,
          () => 0,
        )) !== 200
      ) {
        if (cli.exitCode !== null || Date.now() > deadline)
          throw new Error(`seedsweep serve did not come up:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(output).toContain(`serving run ${runId}`);
      expect(output).toContain('SYNTHETIC');
      await expectServedPredictionsMatch(url);
      cli.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      if (cli.exitCode === null) cli.kill('SIGKILL');
    }
  });

  it('answers an unknown run id and a run without a model with clear errors', async () => {
    expect((await errorOf(serveModel({ run: '0123456789abcdef0123456789abcdef', port: 0 }))).code).toBe(
      'E_RUN_NOT_FOUND',
    );
    const bare = await newRun('no-model');
    const error = await errorOf(serveModel({ run: bare, port: 0 }));
    expect(error.code).toBe('E_RUN_HAS_NO_MODEL');
    expect(error.message).toContain(bare);
  });
});

describe('serve --best', () => {
  it('serves the finished trial with the highest final test accuracy, found through the tracker', async () => {
    const tracker = await createTracker({ stateDir: path.join(work, 'state') });
    const sweepId = `serving-best-${Date.now()}`;
    await tracker.startSweep({ sweepId, sweepName: sweepId });
    // A worse trial whose model is the same network saved with another seed in its manifest.
    const worseDir = path.join(work, 'worse-model');
    await saveModelToDir({ model: trained.model, dir: worseDir, manifest: { ...trained.manifest, seed: 2 } });
    const worse = plannedTrial({ trialKey: 'trial-worse', seed: 2 });
    const better = plannedTrial({ trialKey: 'trial-better', seed: 1 });
    await tracker.startTrial(sweepId, worse);
    await tracker.startTrial(sweepId, better);
    await tracker.finishTrial(sweepId, worse.trialKey, {
      status: 'FINISHED',
      result: trialResult({ epochs: 2, seed: 2, modelDir: worseDir }),
    });
    await tracker.finishTrial(sweepId, better.trialKey, {
      status: 'FINISHED',
      result: trialResult({ epochs: 3, seed: 1, modelDir: trained.dir }),
    });
    await tracker.sync();

    const { server, resolved } = await serveModel({ best: sweepId, port: 0, host: '127.0.0.1' });
    try {
      expect(resolved.trial?.trialKey).toBe('trial-better');
      expect(resolved.runId).toBe(resolved.trial?.runId);
      expect(resolved.manifest.seed).toBe(1);
      await expectServedPredictionsMatch(server.url);
    } finally {
      await server.close();
    }
  });

  it("picks by the sweep's objective, read from the report logged to the sweep's parent run", async () => {
    const tracker = await createTracker({ stateDir: path.join(work, 'state') });
    const sweepId = `serving-objective-${Date.now()}`;
    await tracker.startSweep({ sweepId, sweepName: sweepId });
    const fewerEpochsDir = path.join(work, 'fewer-epochs-model');
    await saveModelToDir({
      model: trained.model,
      dir: fewerEpochsDir,
      manifest: { ...trained.manifest, seed: 2 },
    });
    const fewer = plannedTrial({ trialKey: 'trial-fewer-epochs', seed: 2 });
    const more = plannedTrial({ trialKey: 'trial-more-epochs', seed: 1 });
    await tracker.startTrial(sweepId, fewer);
    await tracker.startTrial(sweepId, more);
    await tracker.finishTrial(sweepId, fewer.trialKey, {
      status: 'FINISHED',
      result: trialResult({ epochs: 2, seed: 2, modelDir: fewerEpochsDir }),
    });
    await tracker.finishTrial(sweepId, more.trialKey, {
      status: 'FINISHED',
      result: trialResult({ epochs: 3, seed: 1, modelDir: trained.dir }),
    });
    await tracker.sync();
    // An objective under which the trial with the lower test accuracy is the best one.
    const objective = { metric: 'testAccuracy', mode: 'min' } as const;
    const report = buildReport({
      sweepName: sweepId,
      sweepId,
      records: await tracker.finishedTrials({ sweepId }),
      objective,
    });
    const [json] = await writeReport({
      report,
      formats: ['json'],
      outDir: path.join(work, 'objective-report'),
    });
    await tracker.finishSweep(sweepId, {
      status: 'FINISHED',
      files: [{ localPath: json!.path, artifactPath: 'report/report.json' }],
    });
    await tracker.sync();

    const { server, resolved } = await serveModel({ best: sweepId, port: 0, host: '127.0.0.1' });
    try {
      expect(resolved.trial?.trialKey).toBe('trial-fewer-epochs');
      expect(resolved.objective).toEqual(objective);
      expect(resolved.manifest.seed).toBe(2);
      expect((await fetch(`${server.url}/ping`)).status).toBe(200);
    } finally {
      await server.close();
    }
    // Given explicitly (e.g. from the spec), the objective wins over the logged one.
    const byDefault = await resolveModel({
      best: sweepId,
      objective: { metric: 'testAccuracy', mode: 'max' },
    });
    expect(byDefault.trial?.trialKey).toBe('trial-more-epochs');
  });

  it('explains that a best trial without a saved model cannot be served', async () => {
    const tracker = await createTracker({ stateDir: path.join(work, 'state') });
    const sweepId = `serving-no-model-${Date.now()}`;
    await tracker.startSweep({ sweepId, sweepName: sweepId });
    const trial = plannedTrial({ trialKey: 'trial-without-model', seed: 0 });
    await tracker.startTrial(sweepId, trial);
    await tracker.finishTrial(sweepId, trial.trialKey, {
      status: 'FINISHED',
      result: trialResult({ epochs: 2 }),
    });
    await tracker.sync();
    const error = await errorOf(serveModel({ best: sweepId, port: 0 }));
    expect(error.code).toBe('E_BEST_TRIAL_HAS_NO_MODEL');
    expect(error.message).toContain(`sweep ${sweepId}`);
    expect(error.message).toContain('trial-without-model');
    expect(error.message).toMatch(/--run <mlflow-run-id> or --model-dir <dir>/);
  });

  it('reports a sweep that neither Temporal nor the tracker knows', async () => {
    expect((await errorOf(serveModel({ best: 'no-such-sweep', port: 0 }))).code).toBe('E_SWEEP_NOT_FOUND');
  });
});
