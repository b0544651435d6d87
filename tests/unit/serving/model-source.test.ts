import { describe, expect, it } from 'vitest';
import type { TrialRecord } from '../../../src/reporting/analysis/types.js';
import { buildProgram } from '../../../src/interfaces/cli/main.js';
import type { UserError } from '../../../src/core/common/errors.js';
import {
  pickBestTrial,
  resolveBestModel,
  resolveModel,
  type ModelTracker,
} from '../../../src/serving/model-source.js';
import { BRANIN_OBJECTIVE, generateBraninRecords } from '../reporting/analysis/records.js';

function record(trialKey: string, testAccuracy: number, runId?: string): TrialRecord {
  const final = {
    epoch: 1,
    trainLoss: 1,
    trainAccuracy: 0.5,
    testLoss: 1,
    testAccuracy,
    epochSeconds: 1,
    imagesPerSecond: 1,
  };
  return {
    trialKey,
    groupKey: 'g',
    groupLabel: 'cnn',
    factors: {},
    seed: 0,
    config: {
      model: 'cnn',
      modelOptions: {},
      train: { epochs: 1, batchSize: 1, optimizer: 'adam', learningRate: 1e-3 },
      dataset: { name: 'synthetic' },
    },
    result: {
      epochs: [final],
      final,
      modelStats: { totalParams: 1, convParams: 0, denseParams: 1, flopsPerImage: 1 },
      backend: { name: 'cpu', version: '0' },
      resumedFromEpoch: 0,
    },
    ...(runId ? { runId } : {}),
  };
}

async function errorOf(promise: Promise<unknown>): Promise<UserError> {
  return (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as UserError;
}

describe('picking the best trial of a sweep', () => {
  it('takes the highest final test accuracy among trials with a run, smaller trial key on ties', () => {
    const trials = [
      record('b', 0.6, 'run-b'),
      record('c', 0.9),
      record('a', 0.6, 'run-a'),
      record('d', 0.4, 'run-d'),
    ];
    expect(pickBestTrial({ trials, sweepId: 's' }).runId).toBe('run-a');
    expect(pickBestTrial({ trials: [...trials, record('e', 0.7, 'run-e')], sweepId: 's' }).trialKey).toBe(
      'e',
    );
  });

  it('explains an empty sweep and one whose trials have no runs', () => {
    expect(() => pickBestTrial({ trials: [], sweepId: 'sw1' })).toThrow(/sweep sw1 has no finished trials/);
    expect(() => pickBestTrial({ trials: [record('a', 0.5)], sweepId: 'sw1' })).toThrow(
      /none of the 1 finished trials/,
    );
  });
});

describe("picking the best trial by the sweep's objective", () => {
  const branin = generateBraninRecords().map((r) => ({ ...r, runId: `run-${r.trialKey}` }));
  const values = branin.map((r) => r.result.final['value'] ?? Number.NaN);

  it('takes the lowest final value for a min objective, the highest for max', () => {
    const lowest = pickBestTrial({ trials: branin, sweepId: 's', objective: BRANIN_OBJECTIVE });
    expect(lowest.result.final['value']).toBe(Math.min(...values));
    const highest = pickBestTrial({
      trials: branin,
      sweepId: 's',
      objective: { metric: 'value', mode: 'max' },
    });
    expect(highest.result.final['value']).toBe(Math.max(...values));
  });

  it('explains a sweep whose trials do not report the objective metric', () => {
    expect(() => pickBestTrial({ trials: branin, sweepId: 'sw2' })).toThrow(
      /none of the 10 finished trials of sweep sw2 has a tracked run with a final testAccuracy/,
    );
  });

  /** A tracker whose sweeps hold `branin` as finished trials and `report` as their logged report, and no model anywhere. */
  function stubTracker(report: unknown): { tracker: ModelTracker; asked: string[] } {
    const asked: string[] = [];
    const tracker: ModelTracker = {
      finishedTrials: async () => branin,
      sweepReport: async (sweepId) => {
        asked.push(`report:${sweepId}`);
        return report;
      },
      downloadTrialModel: async (runId, destDir) => {
        asked.push(`model:${runId}`);
        return { dir: `${destDir}/model`, artifactPath: 'model', files: [] };
      },
    };
    return { tracker, asked };
  }

  it('reads the objective from the report logged to the sweep, and says clearly that a trial without a saved model cannot be served', async () => {
    const { tracker, asked } = stubTracker({ objective: BRANIN_OBJECTIVE });
    const best = branin.find((r) => r.result.final['value'] === Math.min(...values));
    const error = await errorOf(
      resolveBestModel({ sweepId: 'sweep-branin', tracker, cacheRoot: '/nonexistent-cache' }),
    );
    expect(asked).toEqual(['report:sweep-branin', `model:${best?.runId}`]);
    expect(error.code).toBe('E_BEST_TRIAL_HAS_NO_MODEL');
    expect(error.message).toContain('sweep sweep-branin');
    expect(error.message).toContain(`${best?.trialKey}`);
    expect(error.message).toMatch(/by final value \(min\)/);
    expect(error.message).toMatch(/saved no model.*--run <mlflow-run-id> or --model-dir <dir>/);
  });

  it('uses the objective it is given, else the default (test accuracy, max) when the sweep logged no report', async () => {
    const given = await errorOf(
      resolveBestModel({
        sweepId: 's',
        tracker: stubTracker(undefined).tracker,
        objective: { metric: 'value', mode: 'max' },
        cacheRoot: '/nonexistent-cache',
      }),
    );
    expect(given.message).toContain(
      `${branin.find((r) => r.result.final['value'] === Math.max(...values))?.trialKey}`,
    );
    const fallback = await errorOf(
      resolveBestModel({
        sweepId: 's',
        tracker: stubTracker(undefined).tracker,
        cacheRoot: '/nonexistent-cache',
      }),
    );
    expect(fallback.code).toBe('E_NO_FINISHED_TRIALS');
    expect(fallback.message).toContain('final testAccuracy');
  });
});

describe('choosing what to serve', () => {
  it('needs exactly one of --run, --best, --model-dir', async () => {
    const none = await errorOf(resolveModel({}));
    expect(none.code).toBe('E_BAD_ARGUMENT');
    expect(none.message).toContain('got none');
    const two = await errorOf(resolveModel({ run: 'abc', best: 'sweep' }));
    expect(two.message).toContain('--run and --best');
  });

  it('rejects a bad port and a missing model folder from the command line', async () => {
    const program = buildProgram();
    program.commands.forEach((c) => c.exitOverride().configureOutput({ writeErr: () => {} }));
    expect(
      (
        await errorOf(
          program.parseAsync(['node', 'seedsweep', 'serve', '--model-dir', '/x', '--port', '70000']),
        )
      ).code,
    ).toBe('E_BAD_ARGUMENT');
    expect(
      (
        await errorOf(
          buildProgram().parseAsync([
            'node',
            'seedsweep',
            'serve',
            '--model-dir',
            '/nonexistent/model',
            '--port',
            '0',
          ]),
        )
      ).code,
    ).toBe('E_MODEL_MISSING');
    expect(
      (
        await errorOf(
          buildProgram().parseAsync([
            'node',
            'seedsweep',
            'package',
            '--model-dir',
            '/nonexistent/model',
            '--out',
            '/tmp/x',
          ]),
        )
      ).code,
    ).toBe('E_MODEL_MISSING');
  });
});
