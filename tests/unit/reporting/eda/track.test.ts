/** Logging an EDA through the Tracker interface: what the run carries (on the in-memory tracker). */
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runEda } from '../../../../src/reporting/eda/index.js';
import { EDA_EXPERIMENT, logEdaToMlflow } from '../../../../src/reporting/eda/track.js';
import { MemoryTracker } from '../../../integration/temporal/memory-tracker.js';

describe('logging an EDA through the tracker', () => {
  it('logs one run with the dataset as params, the curves by distance as steps and the files under eda/', async () => {
    const outDir = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-eda-track-'));
    const report = await runEda({
      spec: { name: 'synthetic', trainSize: 200, testSize: 100 },
      outDir,
      correlationSampleSize: 100,
    });
    const tracker = new MemoryTracker();
    const logged = await logEdaToMlflow({ tracker, report, outDir });
    expect(tracker.standaloneRuns).toHaveLength(1);
    const run = tracker.standaloneRuns[0]!;
    expect(logged).toEqual({ experimentId: run.experimentId, runId: run.runId });
    expect(run.experiment).toBe(EDA_EXPERIMENT);
    expect(run.runName).toBe('eda-synthetic-200-100');
    expect(run.tags).toMatchObject({
      'seedsweep.kind': 'eda',
      'seedsweep.dataset': 'synthetic',
      'seedsweep.synthetic': 'true',
      'seedsweep.dataset_fingerprint': report.dataset.splitFingerprint,
    });
    expect(run.tags?.['mlflow.note.content']).toContain('spatial-structure: holds');
    expect(run.params).toMatchObject({
      dataset: 'synthetic',
      train_images: '200',
      test_images: '100',
      correlation_sample_size: '100',
    });
    const metrics = run.metrics ?? [];
    expect(metrics.every((m) => Number.isFinite(m.value))).toBe(true);
    expect(metrics.filter((m) => m.key === 'corr_within_horizontal').map((m) => m.step)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8,
    ]);
    expect(metrics.find((m) => m.key === 'check_spatial_structure')?.value).toBe(1);
    expect(run.files?.map((f) => f.artifactPath)).toEqual(report.files.map((f) => `eda/${f}`));
    expect(run.files?.every((f) => existsSync(f.localPath))).toBe(true);
  });

  it('logs to the experiment it is given', async () => {
    const outDir = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-eda-track-'));
    const report = await runEda({
      spec: { name: 'synthetic', trainSize: 100, testSize: 50 },
      outDir,
      correlationSampleSize: 50,
    });
    const tracker = new MemoryTracker();
    await logEdaToMlflow({ tracker, report, outDir, experimentName: 'my-eda' });
    expect(tracker.standaloneRuns[0]?.experiment).toBe('my-eda');
  });
});
