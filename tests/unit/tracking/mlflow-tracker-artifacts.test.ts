/**
 * The reads and the standalone run that serving and EDA use through the Tracker interface, on a fake
 * MLflow client: a trial's model, a sweep's report JSON, and a run outside any sweep.
 */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { UserError } from '../../../src/core/common/errors.js';
import { findFreePort } from '../../../src/services/local-server.js';
import { MlflowClient, type ArtifactEntry, type MlflowRun } from '../../../src/tracking/mlflow-client.js';
import { MlflowRequestError } from '../../../src/tracking/mlflow-errors.js';
import { MlflowTracker } from '../../../src/tracking/mlflow-tracker.js';
import { SWEEP_REPORT_ARTIFACT } from '../../../src/tracking/types.js';

function run(runId: string, tags: Record<string, string> = {}): MlflowRun {
  return {
    runId,
    experimentId: '7',
    runName: runId,
    status: 'FINISHED',
    startTime: 1,
    artifactUri: '',
    lifecycleStage: 'active',
    tags,
    params: {},
    metrics: {},
  };
}

/** A fake client over runs and their artifact files (path → text); records what it was asked to write. */
function fakeClient(runs: Map<string, Map<string, string>>, parents: MlflowRun[] = []) {
  const calls: string[] = [];
  const writes: { op: string; [key: string]: unknown }[] = [];
  let failUpload = false;
  const client = {
    trackingUri: 'http://mlflow.test',
    getRun: async (runId: string) => {
      if (runs.has(runId)) return run(runId);
      throw new MlflowRequestError(
        'GET',
        '/api/2.0/mlflow/runs/get',
        404,
        'RESOURCE_DOES_NOT_EXIST',
        `Run '${runId}' not found`,
        `run_id=${runId}`,
      );
    },
    listArtifacts: async (o: { runId: string; path?: string }): Promise<ArtifactEntry[]> => {
      const prefix = `${o.path ?? ''}/`;
      const children = new Map<string, boolean>();
      for (const file of runs.get(o.runId)?.keys() ?? []) {
        if (!file.startsWith(prefix)) continue;
        const [first, ...rest] = file.slice(prefix.length).split('/');
        children.set(`${prefix}${first}`, rest.length > 0);
      }
      return [...children].map(([p, isDir]) => ({ path: p, isDir }));
    },
    downloadArtifacts: async (o: { runId: string; artifactPath: string; destDir: string }) => {
      calls.push(`download:${o.runId}:${o.artifactPath}`);
      for (const [file, text] of runs.get(o.runId) ?? []) {
        if (!file.startsWith(`${o.artifactPath}/`)) continue;
        const local = path.join(o.destDir, ...file.split('/'));
        await mkdir(path.dirname(local), { recursive: true });
        await writeFile(local, text);
      }
      return path.join(o.destDir, o.artifactPath);
    },
    listExperimentIds: async () => ['7'],
    getExperimentIdByName: async () => '7',
    searchRuns: async (o: { filter?: string }) =>
      parents.filter((p) => o.filter?.includes(`'${p.tags['seedsweep.sweep_id']}'`)),
    readArtifactText: async (o: { runId: string; artifactPath: string }) => {
      calls.push(`read:${o.runId}:${o.artifactPath}`);
      return runs.get(o.runId)?.get(o.artifactPath);
    },
    getOrCreateExperiment: async (name: string) => {
      writes.push({ op: 'experiment', name });
      return '12';
    },
    createRun: async (o: { experimentId: string; runName?: string; tags?: Record<string, string> }) => {
      writes.push({ op: 'create', ...o });
      return run('new-run');
    },
    logBatch: async (o: unknown) => {
      writes.push({ op: 'logBatch', batch: o });
    },
    uploadArtifact: async (o: { runId: string; localPath: string; artifactPath: string }) => {
      if (failUpload) throw new Error('upload refused');
      writes.push({ op: 'upload', ...o, text: await readFile(o.localPath, 'utf8') });
    },
    updateRun: async (o: { runId: string; status?: string }) => {
      writes.push({ op: 'update', runId: o.runId, status: o.status });
    },
  };
  return { client: client as unknown as MlflowClient, calls, writes, failUploads: () => (failUpload = true) };
}

async function trackerOn(client: MlflowClient): Promise<MlflowTracker> {
  return new MlflowTracker({
    client,
    outboxDir: await mkdtemp(path.join(os.tmpdir(), 'tracker-artifacts-')),
    autoSync: false,
    warn: () => {},
  });
}

async function errorOf(promise: Promise<unknown>): Promise<UserError> {
  return (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as UserError;
}

describe("MlflowTracker: a trial's model", () => {
  const runs = new Map([
    [
      'with-model',
      new Map([
        ['model/manifest.json', '{}'],
        ['model/model.json', '{"m":1}'],
        ['model/sub/weights.bin', 'w'],
        ['trial.json', '{}'],
      ]),
    ],
    ['without-model', new Map([['trial.json', '{}']])],
  ]);

  it('downloads the model folder into the folder given and lists its files', async () => {
    const { client } = fakeClient(runs);
    const dest = await mkdtemp(path.join(os.tmpdir(), 'tracker-model-'));
    const got = await (await trackerOn(client)).downloadTrialModel('with-model', dest);
    expect(got).toEqual({
      dir: path.join(dest, 'model'),
      artifactPath: 'model',
      files: ['manifest.json', 'model.json', 'sub/weights.bin'],
    });
    expect(await readFile(path.join(got.dir, 'model.json'), 'utf8')).toBe('{"m":1}');
  });

  it('downloads nothing from a run without a model, and names an unknown run and the server', async () => {
    const { client, calls } = fakeClient(runs);
    const tracker = await trackerOn(client);
    expect((await tracker.downloadTrialModel('without-model', '/nonexistent/dest')).files).toEqual([]);
    expect(calls.filter((c) => c.startsWith('download'))).toEqual([]);
    const error = await errorOf(tracker.downloadTrialModel('no-such-run', '/nonexistent/dest'));
    expect(error.code).toBe('E_RUN_NOT_FOUND');
    expect(error.message).toContain('MLflow run no-such-run does not exist on http://mlflow.test');
    expect(error.message).toMatch(/check the run id .* and MLFLOW_TRACKING_URI/);
  });
});

describe("MlflowTracker: a sweep's report", () => {
  it("reads the report JSON from the sweep's parent run, and undefined when there is no report or no sweep", async () => {
    const parent = run('parent-1', { 'seedsweep.role': 'sweep', 'seedsweep.sweep_id': 'sweep-1' });
    const bare = run('parent-2', { 'seedsweep.role': 'sweep', 'seedsweep.sweep_id': 'sweep-2' });
    const runs = new Map([
      [
        'parent-1',
        new Map([
          [SWEEP_REPORT_ARTIFACT, '{"objective":{"metric":"value","mode":"min"},"best":{"$number":"NaN"}}'],
        ]),
      ],
      ['parent-2', new Map<string, string>()],
    ]);
    const { client, calls } = fakeClient(runs, [parent, bare]);
    const tracker = await trackerOn(client);
    expect(await tracker.sweepReport('sweep-1')).toEqual({
      objective: { metric: 'value', mode: 'min' },
      best: Number.NaN,
    });
    expect(calls).toContain('read:parent-1:report/report.json');
    expect(await tracker.sweepReport('sweep-2')).toBeUndefined();
    expect(await tracker.sweepReport('no-such-sweep')).toBeUndefined();
  });

  it('says which sweep and server hold a report that is not JSON', async () => {
    const parent = run('parent-1', { 'seedsweep.role': 'sweep', 'seedsweep.sweep_id': 'sweep-1' });
    const { client } = fakeClient(new Map([['parent-1', new Map([[SWEEP_REPORT_ARTIFACT, '<html>']])]]), [
      parent,
    ]);
    await expect((await trackerOn(client)).sweepReport('sweep-1')).rejects.toThrow(
      /report\/report.json of sweep sweep-1 on http:\/\/mlflow.test is not JSON/,
    );
  });
});

describe('MlflowTracker: a standalone run', () => {
  it('creates the run with its tags, logs params and metrics, uploads the files and finishes it', async () => {
    const { client, writes } = fakeClient(new Map());
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tracker-standalone-'));
    await writeFile(path.join(dir, 'a.md'), '# a');
    const logged = await (
      await trackerOn(client)
    ).logStandaloneRun({
      experiment: 'seedsweep-eda',
      runName: 'eda-x',
      tags: { kind: 'eda', long: 'x'.repeat(9000) },
      params: { dataset: 'synthetic' },
      metrics: [
        { key: 'm', value: 0.5 },
        { key: 'curve', value: 0.9, step: 3, timestamp: 42 },
      ],
      files: [{ localPath: path.join(dir, 'a.md'), artifactPath: 'eda/a.md' }],
    });
    expect(logged).toEqual({ experimentId: '12', runId: 'new-run' });
    expect(writes.map((w) => w.op)).toEqual(['experiment', 'create', 'logBatch', 'upload', 'update']);
    const created = writes[1] as unknown as { runName: string; tags: Record<string, string> };
    expect(created.runName).toBe('eda-x');
    expect(created.tags['kind']).toBe('eda');
    expect(created.tags['long']!.length).toBeLessThanOrEqual(8000);
    const batch = (
      writes[2] as unknown as {
        batch: { params: unknown[]; metrics: { key: string; step: number; timestamp: number }[] };
      }
    ).batch;
    expect(batch.params).toEqual([{ key: 'dataset', value: 'synthetic' }]);
    expect(batch.metrics[0]).toMatchObject({ key: 'm', value: 0.5, step: 0 });
    expect(batch.metrics[0]!.timestamp).toBeGreaterThan(0);
    expect(batch.metrics[1]).toEqual({ key: 'curve', value: 0.9, step: 3, timestamp: 42 });
    expect(writes[3]).toMatchObject({ runId: 'new-run', artifactPath: 'eda/a.md', text: '# a' });
    expect(writes[4]).toEqual({ op: 'update', runId: 'new-run', status: 'FINISHED' });
  });

  it('marks the run FAILED and throws when a step fails', async () => {
    const { client, writes, failUploads } = fakeClient(new Map());
    failUploads();
    const tracker = await trackerOn(client);
    await expect(
      tracker.logStandaloneRun({
        experiment: 'e',
        runName: 'r',
        files: [{ localPath: '/nonexistent', artifactPath: 'f' }],
      }),
    ).rejects.toThrow('upload refused');
    expect(writes.at(-1)).toEqual({ op: 'update', runId: 'new-run', status: 'FAILED' });
  });
});

describe('MlflowTracker: a standalone run with no server', () => {
  it('says the run was not logged (nothing is journaled) and what to check', async () => {
    const port = await findFreePort(); // nothing listens there
    const client = new MlflowClient({
      trackingUri: `http://127.0.0.1:${port}`,
      maxRetries: 1,
      retryBaseDelayMs: 5,
    });
    const tracker = await trackerOn(client);
    const error = await errorOf(tracker.logStandaloneRun({ experiment: 'e', runName: 'eda-x' }));
    expect(error.code).toBe('E_MLFLOW_UNAVAILABLE');
    expect(error.message).toContain(`at http://127.0.0.1:${port} failed after 2 attempt(s): ECONNREFUSED`);
    expect(error.message).toContain('run eda-x was not logged (runs outside a sweep are not journaled)');
    expect(error.message).toContain('MLFLOW_TRACKING_URI');
    expect(error.message).not.toContain('outbox');
    expect(tracker.pendingCount()).toBe(0);
  });
});
