/**
 * The API's `estimateCost` is `seedsweep plan`'s cost estimate as a value: from earlier finished trials
 * in a running tracking server (a fake MLflow here) the same ranges `plan` prints; without a tracking
 * server `{ unavailable }`; bad options a UserError naming the option, before anything is read.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { isUserError } from '../../../../src/core/common/errors.js';
import { PACKAGE_ROOT } from '../../../../src/core/common/paths.js';
import { fingerprintDataset } from '../../../../src/datasets/plugins.js';
import { estimateCost } from '../../../../src/interfaces/api/index.js';
import { expandSweep } from '../../../../src/sweep-spec/expand.js';
import { loadSweepSpec } from '../../../../src/sweep-spec/load.js';
import { withResolvedBackend } from '../../../../src/temporal/client/sweep-backend.js';
import { FakeMlflowServer } from '../../tracking/fake-mlflow-server.js';
import { earlierExperiment, earlierTrialRun } from '../../reporting/cost/earlier-trials.js';

const KERNEL = path.join(PACKAGE_ROOT, 'sweeps', 'tests', 'tiny-kernel-size.yaml');

let mlflow: FakeMlflowServer;
let stateDir: string;

beforeAll(async () => {
  mlflow = await new FakeMlflowServer().start();
  stateDir = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-api-cost-'));
  // The trials as `run` submits them: backend resolved (SEEDSWEEP_BACKEND=wasm in the test env).
  const spec = withResolvedBackend(await loadSweepSpec(KERNEL));
  const trials = expandSweep({ spec, datasetFingerprint: await fingerprintDataset(spec.dataset) });
  const experimentId = await earlierExperiment(mlflow.uri);
  // Kernel 3: epochs of 1 and 3 s (twice); kernel 5: 10 s epochs (once).
  for (const trial of trials.filter((t) => t.groupLabel === 'kernel_size=3').slice(0, 2))
    await earlierTrialRun({ uri: mlflow.uri, experimentId, trial, epochSeconds: [1, 3] });
  await earlierTrialRun({
    uri: mlflow.uri,
    experimentId,
    trial: trials.find((t) => t.groupLabel === 'kernel_size=5')!,
    epochSeconds: [10, 10],
  });
});

afterAll(async () => {
  await mlflow.stop();
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('estimateCost', () => {
  it('gives the estimate `plan` prints, from earlier finished trials of the same configurations', async () => {
    vi.stubEnv('MLFLOW_TRACKING_URI', mlflow.uri);
    vi.stubEnv('SEEDSWEEP_STATE_DIR', stateDir);
    const cost = await estimateCost(KERNEL, { threads: 4 });
    if ('unavailable' in cost) throw new Error(`no estimate: ${cost.unavailable}`);
    // As tests/unit/interfaces/cli/plan-cost.test.ts: 2–6 s and 20 s a trial, 2 trials each: 44–52 s;
    // 2 at once (spec concurrency 2 under 4 threads): 22–26 s.
    expect(cost.estimate).toMatchObject({
      trials: 4,
      estimatedTrials: 4,
      concurrency: 2,
      trialSeconds: { low: 44, high: 52 },
      wallSeconds: { low: 22, high: 26 },
    });
    expect(cost.estimate.groups.map((g) => [g.label, g.match, g.samples])).toEqual([
      ['kernel_size=3', 'same-config', 2],
      ['kernel_size=5', 'same-config', 1],
    ]);
    // threads and overrides as `plan --threads 1 --set …`: one trial at a time, three seeds.
    const one = await estimateCost(KERNEL, { threads: 1, overrides: ['seeds=[0, 1, 2]'] });
    if ('unavailable' in one) throw new Error(`no estimate: ${one.unavailable}`);
    expect(one.estimate).toMatchObject({ trials: 6, concurrency: 1 });
  });

  it('says why there is none when no tracking server answers (and starts none)', async () => {
    vi.stubEnv('MLFLOW_TRACKING_URI', '');
    vi.stubEnv('SEEDSWEEP_STATE_DIR', mkdtempSync(path.join(os.tmpdir(), 'seedsweep-api-cost-none-')));
    expect(await estimateCost(KERNEL)).toEqual({ unavailable: 'no tracking server' });
  });

  it.each([
    [{ threads: 0 }, 'estimateCost options: threads must be an integer ≥ 1.'],
    [{ probe: 'yes' }, 'estimateCost options: probe must be true or false.'],
    [
      { overrides: 'seeds=[1]' },
      "estimateCost options: overrides must be a list of 'path=value' strings, as --set takes.",
    ],
  ])('refuses bad options %j with a UserError naming the option', async (options, message) => {
    const error = await estimateCost(KERNEL, options as never).catch((e: unknown) => e);
    expect(isUserError(error) && error.code).toBe('E_BAD_ARGUMENT');
    expect((error as Error).message).toBe(message);
  });
});
