/** Generated records of a sampler sweep (one seed per configuration, some stopped by a pruner) for the search charts' tests. */
import { seededRandom } from '../../../../src/reporting/analysis/bootstrap.js';
import type { StoppedTrial } from '../../../../src/reporting/analysis/sweep-trials.js';
import type { TrialRecord } from '../../../../src/reporting/analysis/types.js';
import { branin } from './records.js';

/**
 * A random-search sweep over Branin as a user trainable would run it: 40 configurations of
 * `x1`, `x2`, a log-scaled `lr` and an `optimizer` choice, one seed each, 8 epochs whose `value`
 * decays to branin(x1, x2) (+5 for sgd) at a speed set by lr. A median-style rule stopped the
 * configurations worse than the running median at epoch 3: they are no records, only stopped curves.
 */
export function generateSamplerSweep(options: { trials?: number; seed?: number } = {}): {
  records: TrialRecord[];
  stopped: StoppedTrial[];
  plannedKeys: string[];
} {
  const random = seededRandom(options.seed ?? 7);
  const records: TrialRecord[] = [];
  const stopped: StoppedTrial[] = [];
  const plannedKeys: string[] = [];
  const atEpoch3: number[] = [];
  for (let i = 0; i < (options.trials ?? 40); i++) {
    const factors = {
      x1: -5 + 15 * random(),
      x2: 15 * random(),
      lr: 10 ** (-3 + 2 * random()),
      optimizer: random() < 0.5 ? 'adam' : 'sgd',
    };
    const target = branin(factors.x1, factors.x2).value + (factors.optimizer === 'sgd' ? 5 : 0);
    const epochs = Array.from({ length: 8 }, (_, e) => ({
      epoch: e + 1,
      value: target + 60 * Math.exp(-(e + 1) * factors.lr * 40),
    }));
    const trialKey = `t${String(i).padStart(3, '0')}`;
    const groupLabel = `config ${i + 1}`;
    plannedKeys.push(trialKey);
    const value3 = epochs[2]!.value;
    const sorted = [...atEpoch3].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    atEpoch3.push(value3);
    if (i >= 5 && median !== undefined && value3 > median) {
      stopped.push({ trialKey, groupLabel, factors, seed: 0, curve: epochs.slice(0, 3).map((e) => e.value) });
      continue;
    }
    records.push({
      trialKey,
      groupKey: `g-${trialKey}`,
      groupLabel,
      factors,
      seed: 0,
      config: {
        model: 'branin',
        modelOptions: factors,
        train: { epochs: 8 },
        dataset: { name: 'none' },
        trainable: { module: '/work/examples/branin.ts', export: 'branin' },
      },
      result: { epochs, final: epochs[7]!, backend: { name: 'js', version: '20' }, resumedFromEpoch: 0 },
      sweepId: 'sweep-search',
    });
  }
  return { records, stopped, plannedKeys };
}
