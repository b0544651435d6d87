/**
 * `seedsweep plan` estimates cost from earlier finished trials of the same configurations in the
 * tracking server (a fake MLflow here), and says in one line when there is no server to read.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PACKAGE_ROOT } from '../../../../src/core/common/paths.js';
import { fingerprintDataset } from '../../../../src/datasets/plugins.js';
import { expandSweep } from '../../../../src/sweep-spec/expand.js';
import { loadSweepSpec } from '../../../../src/sweep-spec/load.js';
import { withResolvedBackend } from '../../../../src/temporal/client/sweep-backend.js';
import { FakeMlflowServer } from '../../tracking/fake-mlflow-server.js';
import { earlierExperiment, earlierTrialRun } from '../../reporting/cost/earlier-trials.js';
import { runCliInProcess } from './run-cli.js';

const KERNEL = path.join(PACKAGE_ROOT, 'sweeps', 'tests', 'tiny-kernel-size.yaml');

let mlflow: FakeMlflowServer;
let stateDir: string;

beforeAll(async () => {
  mlflow = await new FakeMlflowServer().start();
  stateDir = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-plan-cost-'));
  // The trials as `run` submits them: backend resolved (SEEDSWEEP_BACKEND=wasm in the test env).
  const spec = withResolvedBackend(await loadSweepSpec(KERNEL));
  const trials = expandSweep({ spec, datasetFingerprint: await fingerprintDataset(spec.dataset) });
  const k3 = trials.filter((t) => t.groupLabel === 'kernel_size=3');
  const k5 = trials.filter((t) => t.groupLabel === 'kernel_size=5');
  const experimentId = await earlierExperiment(mlflow.uri);
  await earlierTrialRun({ uri: mlflow.uri, experimentId, trial: k3[0]!, epochSeconds: [1, 3] });
  await earlierTrialRun({ uri: mlflow.uri, experimentId, trial: k3[1]!, epochSeconds: [1, 3] });
  await earlierTrialRun({
    uri: mlflow.uri,
    experimentId,
    trial: k3[0]!,
    epochSeconds: [500, 500],
    status: 'FAILED',
  }); // not finished: no basis
  await earlierTrialRun({ uri: mlflow.uri, experimentId, trial: k5[0]!, epochSeconds: [10, 10] });
});

afterAll(async () => {
  await mlflow.stop();
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('seedsweep plan: cost', () => {
  it('estimates wall time and trial-hours from earlier finished trials of the same configurations', async () => {
    const { code, stdout } = await runCliInProcess(['plan', KERNEL, '--threads', '4'], {
      MLFLOW_TRACKING_URI: mlflow.uri,
      SEEDSWEEP_STATE_DIR: stateDir,
    });
    expect(code).toBe(0);
    // kernel 3: epochs of 1, 3, 1, 3 s: p10 1, p90 3 → 2–6 s a trial; kernel 5: 20 s a trial.
    // 2 trials each: 44–52 s; 2 at once (spec concurrency 2): 22–26 s.
    expect(stdout).toContain(
      'cost: wall 22–26 s, trial time 44–52 s (0.012–0.014 trial-hours) (10th–90th percentile of seconds per epoch × epochs, 4 of 4 trial(s); assumes 2 trial(s) at once: spec concurrency 2, 4 worker thread(s); every epoch run, none pruned; training only: start-up and the report add a fixed cost)',
    );
    expect(stdout).toContain(
      '  kernel_size=3: 2 trial(s), 1.00–3.00 s/epoch × 2 epoch(s), from 2 earlier trial(s) of this configuration',
    );
    expect(stdout).toContain(
      '  kernel_size=5: 2 trial(s), 10.0 s/epoch × 2 epoch(s), from 1 earlier trial(s) of this configuration',
    );
  });

  it('--json carries the estimate; --threads 1 runs one trial at a time', async () => {
    const { code, stdout } = await runCliInProcess(['plan', KERNEL, '--json', '--threads', '1'], {
      MLFLOW_TRACKING_URI: mlflow.uri,
      SEEDSWEEP_STATE_DIR: stateDir,
    });
    expect(code).toBe(0);
    const doc = JSON.parse(stdout) as {
      cost: { estimate: { trialSeconds: unknown; wallSeconds: unknown; concurrency: number } };
    };
    expect(doc.cost.estimate).toMatchObject({
      concurrency: 1,
      trialSeconds: { low: 44, high: 52 },
      wallSeconds: { low: 44, high: 52 },
    });
  });

  it('refuses a --threads that is not a whole number ≥ 1', async () => {
    const { code, stderr } = await runCliInProcess(['plan', KERNEL, '--threads', '0']);
    expect(code).not.toBe(0);
    expect(stderr).toContain("--threads must be an integer ≥ 1; got '0'.");
  });

  it('says there is no estimate, in one line, when no tracking server runs', async () => {
    const { code, stdout } = await runCliInProcess(['plan', KERNEL], {
      MLFLOW_TRACKING_URI: '',
      SEEDSWEEP_STATE_DIR: stateDir,
    });
    expect(code).toBe(0);
    expect(stdout.trimEnd().split('\n').at(-1)).toBe('no estimate: no tracking server');
  });
});
