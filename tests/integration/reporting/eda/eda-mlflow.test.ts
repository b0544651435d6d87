/** EDA of a synthetic set, logged to the real MLflow server: params, metrics by distance and files read back. */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { runEda } from '../../../../src/reporting/eda/index.js';
import { logEdaToMlflow } from '../../../../src/reporting/eda/track.js';
import { MlflowClient } from '../../../../src/tracking/mlflow-client.js';
import { MlflowTracker } from '../../../../src/tracking/mlflow-tracker.js';

describe('seedsweep eda → MLflow', () => {
  it('logs the checks, the correlation curves and the report files to a run in seedsweep-eda', async () => {
    const outDir = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-eda-it-'));
    const report = await runEda({
      spec: { name: 'synthetic', trainSize: 200, testSize: 100 },
      outDir,
      correlationSampleSize: 100,
    });
    const client = new MlflowClient({ trackingUri: inject('mlflowUri') });
    const experimentName = `seedsweep-eda-it-${Date.now()}`;
    const tracker = new MlflowTracker({
      client,
      outboxDir: mkdtempSync(path.join(os.tmpdir(), 'seedsweep-eda-it-outbox-')),
    });
    const { runId } = await logEdaToMlflow({ tracker, report, outDir, experimentName });

    const run = await client.getRun(runId);
    expect(run.tags['seedsweep.kind']).toBe('eda');
    expect(run.tags['seedsweep.synthetic']).toBe('true');
    expect(run.status).toBe('FINISHED');
    expect(run.runName).toBe('eda-synthetic-200-100');
    expect(run.params).toMatchObject({ dataset: 'synthetic', train_images: '200', test_images: '100' });
    const metricKeys = Object.keys(run.metrics);
    expect(metricKeys.length).toBeGreaterThan(3);
    const curveKey = metricKeys.find((k) => /horizontal/i.test(k) && !/shuffled/i.test(k));
    expect(curveKey, `metric keys: ${metricKeys.join(', ')}`).toBeDefined();
    const history = await client.getMetricHistory({ runId, key: curveKey! });
    expect(history.map((p) => p.step).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

    const files = (await client.listArtifacts({ runId, path: 'eda' })).map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['eda/eda.md', 'eda/eda.json']));
  });
});
