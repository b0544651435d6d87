/**
 * Resolving a tracked run's model through the Tracker interface (a fake tracker over local folders):
 * downloaded once into the cache, damaged copies replaced, and clear errors for runs without a model.
 */
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/common/errors.js';
import { resolveModel, resolveRunModel, type ModelTracker } from '../../../src/serving/model-source.js';
import { trainSmallModelDir, useServingBackend } from './fixtures.js';

let trained: Awaited<ReturnType<typeof trainSmallModelDir>>;
let work: string;

beforeAll(async () => {
  await useServingBackend();
  trained = await trainSmallModelDir();
  work = await mkdtemp(path.join(os.tmpdir(), 'seedsweep-run-model-'));
});

afterAll(async () => {
  trained?.model.dispose();
  if (trained) await rm(path.dirname(trained.dir), { recursive: true, force: true });
  if (work) await rm(work, { recursive: true, force: true });
});

/** A tracker whose runs hold the model folders given (run id → local folder, or undefined for none). */
function folderTracker(models: Record<string, string | undefined>): ModelTracker & { downloads: string[] } {
  const downloads: string[] = [];
  return {
    downloads,
    finishedTrials: async () => [],
    sweepReport: async () => undefined,
    downloadTrialModel: async (runId, destDir) => {
      if (!(runId in models)) throw new UserError('E_RUN_NOT_FOUND', `run ${runId} does not exist`);
      downloads.push(runId);
      const dir = path.join(destDir, 'model');
      const source = models[runId];
      if (source === undefined) return { dir, artifactPath: 'model', files: [] };
      await cp(source, dir, { recursive: true });
      return { dir, artifactPath: 'model', files: (await readdir(dir)).sort() };
    },
  };
}

async function errorOf(promise: Promise<unknown>): Promise<UserError> {
  return (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as UserError;
}

describe("a run's model through the tracker", () => {
  it('is downloaded once into <cache>/models/<run>/model, and a damaged cached copy is downloaded again', async () => {
    const cacheRoot = path.join(work, 'cache-1');
    const tracker = folderTracker({ run1: trained.dir });
    const first = await resolveRunModel({ runId: 'run1', tracker, cacheRoot });
    expect(first.dir).toBe(path.join(cacheRoot, 'models', 'run1', 'model'));
    expect(first.manifest.seed).toBe(trained.manifest.seed);
    expect((await readdir(first.dir)).sort()).toEqual(['manifest.json', 'model.json', 'weights.bin']);
    expect(await readdir(path.join(cacheRoot, 'models'))).toEqual(['run1']); // no staging folder left
    await resolveRunModel({ runId: 'run1', tracker, cacheRoot });
    expect(tracker.downloads).toEqual(['run1']);
    await writeFile(path.join(first.dir, 'weights.bin'), 'garbage');
    const again = await resolveRunModel({ runId: 'run1', tracker, cacheRoot });
    expect(tracker.downloads).toEqual(['run1', 'run1']);
    expect(again.manifest.weights?.bytes).toBe(trained.manifest.weights?.bytes);
    await resolveRunModel({ runId: 'run1', tracker, cacheRoot, refresh: true });
    expect(tracker.downloads).toHaveLength(3);
  });

  it('explains a run without a model, one whose model has no manifest, and passes on an unknown run', async () => {
    const cacheRoot = path.join(work, 'cache-2');
    const noManifest = path.join(work, 'no-manifest');
    await mkdir(noManifest, { recursive: true });
    await writeFile(path.join(noManifest, 'model.json'), '{}');
    const tracker = folderTracker({ bare: undefined, partial: noManifest });
    const bare = await errorOf(resolveRunModel({ runId: 'bare', tracker, cacheRoot }));
    expect(bare.code).toBe('E_RUN_HAS_NO_MODEL');
    expect(bare.message).toContain(
      'MLflow run bare has no model/manifest.json artifact (found nothing under model/)',
    );
    expect(bare.message).toContain('only trials trained with model saving on have a servable model');
    const partial = await errorOf(resolveRunModel({ runId: 'partial', tracker, cacheRoot }));
    expect(partial.code).toBe('E_RUN_HAS_NO_MODEL');
    expect(partial.message).toContain('found model/model.json under model/');
    expect((await errorOf(resolveRunModel({ runId: 'unknown', tracker, cacheRoot }))).code).toBe(
      'E_RUN_NOT_FOUND',
    );
    expect((await errorOf(resolveRunModel({ runId: '../etc', tracker, cacheRoot }))).code).toBe(
      'E_BAD_ARGUMENT',
    );
    expect(await readdir(path.join(cacheRoot, 'models')).catch(() => [])).toEqual([]); // nothing cached, no staging left
  });

  it('uses the tracker it is given, made only when a tracked model is asked for', async () => {
    let made = 0;
    const tracker = async () => {
      made += 1;
      return folderTracker({ run2: trained.dir });
    };
    const local = await resolveModel({ modelDir: trained.dir, tracker });
    expect(local.dir).toBe(trained.dir);
    expect(made).toBe(0);
    const byRun = await resolveModel({ run: 'run2', tracker, cacheRoot: path.join(work, 'cache-3') });
    expect(byRun.runId).toBe('run2');
    expect(made).toBe(1);
  });
});
