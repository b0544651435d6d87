import { describe, expect, it } from 'vitest';
import type { TrialRecord } from '../../../analysis/types.js';
import { buildProgram } from '../../../cli/main.js';
import type { UserError } from '../../../common/errors.js';
import { pickBestTrial, resolveModel } from '../../../serving/model-source.js';

function record(trialKey: string, testAccuracy: number, runId?: string): TrialRecord {
  const final = { epoch: 1, trainLoss: 1, trainAccuracy: 0.5, testLoss: 1, testAccuracy, epochSeconds: 1, imagesPerSecond: 1 };
  return {
    trialKey,
    groupKey: 'g',
    groupLabel: 'cnn',
    factors: {},
    seed: 0,
    config: { model: 'cnn', modelOptions: {}, train: { epochs: 1, batchSize: 1, optimizer: 'adam', learningRate: 1e-3 }, dataset: { name: 'synthetic' } },
    result: { epochs: [final], final, modelStats: { totalParams: 1, convParams: 0, denseParams: 1, flopsPerImage: 1 }, backend: { name: 'cpu', version: '0' }, resumedFromEpoch: 0 },
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
    const trials = [record('b', 0.6, 'run-b'), record('c', 0.9), record('a', 0.6, 'run-a'), record('d', 0.4, 'run-d')];
    expect(pickBestTrial({ trials, sweepId: 's' }).runId).toBe('run-a');
    expect(pickBestTrial({ trials: [...trials, record('e', 0.7, 'run-e')], sweepId: 's' }).trialKey).toBe('e');
  });

  it('explains an empty sweep and one whose trials have no runs', () => {
    expect(() => pickBestTrial({ trials: [], sweepId: 'sw1' })).toThrow(/sweep sw1 has no finished trials/);
    expect(() => pickBestTrial({ trials: [record('a', 0.5)], sweepId: 'sw1' })).toThrow(/none of the 1 finished trials/);
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
    expect((await errorOf(program.parseAsync(['node', 'seedsweep', 'serve', '--model-dir', '/x', '--port', '70000']))).code).toBe('E_BAD_ARGUMENT');
    expect((await errorOf(buildProgram().parseAsync(['node', 'seedsweep', 'serve', '--model-dir', '/nonexistent/model', '--port', '0']))).code).toBe('E_MODEL_MISSING');
    expect((await errorOf(buildProgram().parseAsync(['node', 'seedsweep', 'package', '--model-dir', '/nonexistent/model', '--out', '/tmp/x']))).code).toBe('E_MODEL_MISSING');
  });
});
