/**
 * A user's own code swept end to end through the public API, against the real Temporal dev server and
 * MLflow server of the integration setup: the MLP example on its dataset plug-in, the report by the
 * spec's objective, the dataset fingerprint read back from MLflow's REST API, and reuse of finished
 * trials by trial key under another sweep name.
 */
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { defineExperiment, getReport, runSweep } from '../../../../src/interfaces/api/index.js';
import { PACKAGE_ROOT } from '../../../../src/core/common/paths.js';

const mlp = path.join(PACKAGE_ROOT, 'examples', 'mlp-digits');

function experiment(name: string) {
  return defineExperiment({
    name,
    trainable: path.join(mlp, 'mlp.ts#mlp'),
    dataset: {
      module: path.join(mlp, 'digits.ts#digits'),
      options: { train_size: 300, test_size: 100, seed: 0 },
    },
    train: { epochs: 2 },
    params: { lr: 0.003, batch_size: 32 },
    space: { grid: { hidden: [16, 64] } },
    seeds: [0, 1],
    concurrency: 2,
    metrics: ['trainLoss', 'trainAccuracy', 'validationLoss', 'validationAccuracy'],
    objective: { metric: 'validationLoss', mode: 'min' },
  });
}

async function rest<T>(pathname: string, body?: unknown): Promise<T> {
  const response = await fetch(
    `${inject('mlflowUri')}${pathname}`,
    body === undefined
      ? {}
      : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
  );
  if (!response.ok) throw new Error(`${pathname}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

beforeAll(async () => {
  process.env['TEMPORAL_ADDRESS'] = inject('temporalAddress');
  process.env['MLFLOW_TRACKING_URI'] = inject('mlflowUri');
  process.env['SEEDSWEEP_STATE_DIR'] = await mkdtemp(path.join(inject('integrationDir'), 'api-'));
});

describe('runSweep on a user trainable', () => {
  let sweepId = '';

  it('trains every trial and reports by the objective', async () => {
    const run = await runSweep(experiment('api-digits'), { threads: 2 });
    sweepId = run.sweepId;
    expect(run.trials).toBe(4);
    expect(run.summary).toMatchObject({ status: 'completed', counts: { finished: 4, failed: 0 } });
    const report = await getReport(sweepId);
    expect(report.objective).toEqual({ metric: 'validationLoss', mode: 'min' });
    expect(report.groups).toHaveLength(2);
    const table = await getReport(sweepId, { format: 'table' });
    expect(table).toContain('hidden=64');
  });

  it('logs the dataset fingerprint and lineage with every trial run', async () => {
    const { experiment: exp } = await rest<{ experiment: { experiment_id: string } }>(
      `/api/2.0/mlflow/experiments/get-by-name?experiment_name=api-digits`,
    );
    const { runs } = await rest<{ runs: { data: { tags: { key: string; value: string }[] } }[] }>(
      '/api/2.0/mlflow/runs/search',
      {
        experiment_ids: [exp.experiment_id],
        filter: "tags.`seedsweep.role` = 'trial'",
      },
    );
    expect(runs).toHaveLength(4);
    for (const run of runs) {
      const tags = Object.fromEntries(run.data.tags.map((t) => [t.key, t.value]));
      expect(tags['seedsweep.dataset_fingerprint']).toBe('seven-segment-digits:v1-0-300-100');
      expect(tags['seedsweep.lockfile_sha256']).toMatch(/^[0-9a-f]{64}$/);
      expect(['true', 'false', 'unknown']).toContain(tags['seedsweep.git_dirty']);
      expect(tags['seedsweep.backend']).toBeTruthy();
    }
  });

  it('reuses the finished trials under another sweep name (equal trial keys) and reports them', async () => {
    const again = await runSweep(experiment('api-digits-again'), { threads: 1 });
    expect(again.summary?.counts).toMatchObject({ finished: 0, skipped: 4 });
    const report = await getReport(again.sweepId);
    expect(report.groups.map((g) => g.n)).toEqual([2, 2]);
  });
});
