/**
 * Hyperband (src/search/hyperband.ts): its brackets, bracket assignment and decisions against Optuna's
 * HyperbandPruner (tests/fixtures/search/hyperband-reference.json, written once by
 * scripts/hyperband_reference.py with optuna 5.1.0), the pruner contract, and an asynchronous
 * simulated sweep (src/search/simulate.ts) whose trials stop only where their brackets say.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';
import {
  AshaPruner,
  HyperbandPruner,
  PrunerError,
  ashaLadder,
  crc32,
  createPruner,
  hyperbandBracketOf,
  hyperbandBrackets,
  prunerRules,
  type TrialReport,
} from '../../../src/search/index.js';
import { sampleCurveConfigs, simulateAsha } from '../../../src/search/simulate.js';
import { seededUniform } from '../../../src/search/uniform.js';
import { parseSweepSpec } from '../../../src/sweep-spec/load.js';
import { prunerOf } from '../../../src/temporal/workflows/epoch-decision.js';

interface Reference {
  optuna: string;
  brackets: {
    eta: number;
    minResource: number;
    maxResource: number;
    nBrackets: number;
    brackets: { bracket: number; budget: number; rungs: number[] }[];
  }[];
  bracketIds: { studyName: string; eta: number; minResource: number; maxResource: number; ids: number[] };
  studies: {
    studyName: string;
    eta: number;
    minResource: number;
    maxResource: number;
    direction: 'maximize' | 'minimize';
    values: number[][];
    outcomes: { bracket: number; lastEpoch: number }[];
  }[];
}

const REF = JSON.parse(
  readFileSync(path.join(PACKAGE_ROOT, 'tests/fixtures/search/hyperband-reference.json'), 'utf8'),
) as Reference;

const trial = (key: string, group: string, series: (number | null)[], config?: string): TrialReport => ({
  key,
  group,
  ...(config !== undefined ? { config } : {}),
  values: Object.fromEntries(series.map((v, i) => [i + 1, v])),
});

describe('Hyperband against Optuna', () => {
  it(`has Optuna's brackets: count, trial allocation budgets and rungs (optuna ${REF.optuna})`, () => {
    for (const c of REF.brackets) {
      const options = { reductionFactor: c.eta, minResource: c.minResource, maxResource: c.maxResource };
      const brackets = hyperbandBrackets(options);
      expect(brackets.length, JSON.stringify(options)).toBe(c.nBrackets);
      expect(brackets.map((b) => ({ bracket: b.bracket, budget: b.budget, rungs: b.rungs }))).toEqual(
        c.brackets,
      );
    }
    // The paper's example shape: η = 3, R = 27 → s = 3, 2, 1, 0.
    expect(hyperbandBrackets({ reductionFactor: 3, minResource: 1, maxResource: 27 })).toEqual([
      { bracket: 0, s: 3, minResource: 1, rungs: [1, 3, 9], budget: 27 },
      { bracket: 1, s: 2, minResource: 3, rungs: [3, 9], budget: 12 },
      { bracket: 2, s: 1, minResource: 9, rungs: [9], budget: 6 },
      { bracket: 3, s: 0, minResource: 27, rungs: [], budget: 4 },
    ]);
  });

  it('counts brackets exactly where Optuna’s floating-point log drops one (R/r = 243 = 3^5)', () => {
    // Python: math.floor(math.log(243, 3)) + 1 == 5 (log gives 4.999…); r·3^k ≤ 243 for k = 0…5.
    const brackets = hyperbandBrackets({ reductionFactor: 3, minResource: 1, maxResource: 243 });
    expect(brackets.length).toBe(6);
    expect(brackets.at(-1)).toMatchObject({ minResource: 243, rungs: [] });
  });

  it('computes CRC-32 as zlib does, over UTF-8', () => {
    expect(crc32('')).toBe(0);
    expect(crc32('123456789')).toBe(0xcbf43926);
    expect(crc32('é')).toBe(235179326);
    expect(crc32('cnn-k3/σ=0.1 🙂')).toBe(29732417);
    expect(crc32('hb-ref_0')).toBe(427646328);
  });

  it('assigns trial <n> of a study to the bracket Optuna does (200 trials)', () => {
    const { studyName, eta, minResource, maxResource, ids } = REF.bracketIds;
    const brackets = hyperbandBrackets({ reductionFactor: eta, minResource, maxResource });
    expect(ids.map((_, n) => hyperbandBracketOf(`${studyName}_${n}`, brackets))).toEqual(ids);
    // Shares follow the budgets 27 : 12 : 6 : 4 (of 49) roughly.
    const share = (b: number) => ids.filter((id) => id === b).length / ids.length;
    expect(share(0)).toBeGreaterThan(0.4);
    expect(share(3)).toBeLessThan(0.2);
  });

  it.each(REF.studies.map((s) => [s.studyName, s] as const))(
    'prunes each trial of a sequential study at the step Optuna does (%s)',
    (_name, study) => {
      const pruner = createPruner({
        rule: 'hyperband',
        reductionFactor: study.eta,
        minResource: study.minResource,
        maxResource: study.maxResource,
      }) as HyperbandPruner;
      const mode = study.direction === 'maximize' ? 'max' : 'min';
      const trials: TrialReport[] = [];
      const outcomes = study.values.map((row, n) => {
        const config = `${study.studyName}_${n}`;
        const values: Record<number, number> = {};
        trials.push({ key: `t${n}`, group: 'sweep', config, values });
        let last = study.maxResource;
        for (let epoch = 1; epoch <= study.maxResource; epoch += 1) {
          values[epoch] = row[epoch - 1]!;
          if (
            epoch < study.maxResource &&
            pruner.decide({ trials, mode, trial: `t${n}`, epoch }).action === 'stop'
          ) {
            last = epoch;
            break;
          }
        }
        return { bracket: pruner.bracketOf({ key: `t${n}`, config }), lastEpoch: last };
      });
      expect(outcomes).toEqual(study.outcomes);
      // A fair check: several brackets and both outcomes occur.
      expect(new Set(outcomes.map((o) => o.bracket)).size).toBeGreaterThanOrEqual(3);
      expect(outcomes.filter((o) => o.lastEpoch < study.maxResource).length).toBeGreaterThan(10);
      expect(outcomes.filter((o) => o.lastEpoch === study.maxResource).length).toBeGreaterThan(5);
    },
  );
});

describe('the Hyperband pruner', () => {
  const options = { reductionFactor: 3, minResource: 1, maxResource: 9 };
  const pruner = new HyperbandPruner(options);
  // Configurations hashed to brackets 0 and 1 of 3 (brackets: rungs [1, 3], [3], []).
  const configsIn = (bracket: number, n: number): string[] => {
    const found: string[] = [];
    for (let i = 0; found.length < n && i < 1000; i += 1)
      if (pruner.bracketOf({ key: '', config: `cfg-${i}` }) === bracket) found.push(`cfg-${i}`);
    expect(found).toHaveLength(n);
    return found;
  };

  it('is registered, validates its options naming the field, and defaults η = 3, r = 1', () => {
    expect(prunerRules()).toContain('hyperband');
    expect(createPruner({ rule: 'hyperband', maxResource: 27 })).toBeInstanceOf(HyperbandPruner);
    expect(new HyperbandPruner({ maxResource: 27 }).options).toEqual({
      reductionFactor: 3,
      minResource: 1,
      maxResource: 27,
    });
    const cases: [unknown, string][] = [
      [{ rule: 'hyperband' }, 'maxResource: is required'],
      [{ rule: 'hyperband', maxResource: 9, reductionFactor: 1 }, 'reductionFactor: must be an integer ≥ 2'],
      [
        { rule: 'hyperband', maxResource: 2, minResource: 3 },
        'maxResource: must be ≥ minResource (3), got 2',
      ],
      [
        { rule: 'hyperband', maxResource: 9, brackets: 2 },
        'brackets: unknown option of the hyperband pruner',
      ],
    ];
    for (const [spec, message] of cases) {
      expect(() => createPruner(spec)).toThrow(PrunerError);
      expect(() => createPruner(spec)).toThrow(message);
    }
  });

  it('hashes the configuration (every seed of it shares a bracket), else the key', () => {
    const [c] = configsIn(1, 1);
    expect(pruner.bracketOf({ key: 'seed-0', config: c! })).toBe(1);
    expect(pruner.bracketOf({ key: 'seed-7', config: c! })).toBe(1);
    expect(pruner.bracketOf({ key: c! })).toBe(1);
  });

  it('runs its bracket’s ASHA: rungs, reason, cut, and only trials of the same bracket and group count', () => {
    const [a, b, c] = configsIn(0, 3);
    const [x, y] = configsIn(1, 2);
    const trials = [
      trial('a', 'g', [0.9, 0.9, 0.9], a),
      trial('b', 'g', [0.5, 0.5, 0.5], b),
      trial('x', 'g', [0.1, 0.95, 0.95], x),
      trial('y', 'g', [0.2, 0.2, 0.3], y),
      trial('c', 'h', [0.99], c), // bracket 0 but group h
    ];
    const decide = (key: string, epoch: number) => pruner.decide({ trials, mode: 'max', trial: key, epoch });
    // Bracket 0 (rungs 1, 3): b is 2nd of 2 at epoch 1 in group g (c is in group h).
    expect(decide('b', 1)).toEqual({
      action: 'stop',
      reason:
        'bracket 0 of 3: rung 0 (epoch 1): 0.5 ranks 2nd of 2 trials in group g; only the top 1 (1/3, at least 1) go on',
      cut: 0.9,
      compared: 1,
    });
    // Bracket 1 (rung 3): epoch 1 is not a rung, whatever bracket 0's trials did there.
    expect(decide('y', 1)).toMatchObject({
      action: 'continue',
      reason: 'bracket 1 of 3: epoch 1: not a rung (rungs at epochs 3)',
    });
    expect(decide('x', 1).action).toBe('continue');
    // At epoch 3 y (0.3) competes with x (0.95) only: bracket 0's a (0.9) is not compared.
    expect(decide('y', 3)).toMatchObject({ action: 'stop', cut: 0.95, compared: 1 });
    expect(decide('x', 3)).toMatchObject({ action: 'continue', compared: 1 });
  });

  it('lets every trial of the last bracket train to R', () => {
    const last = configsIn(2, 4);
    const trials = last.map((c, i) => trial(`t${i}`, 'g', [0.1 * (i + 1), 0.1 * (i + 1), 0.1 * (i + 1)], c));
    for (const t of trials)
      for (const epoch of [1, 2, 3])
        expect(pruner.decide({ trials, mode: 'max', trial: t.key, epoch }).action).toBe('continue');
  });

  it('keeps the contract: pure, nothing mutated, errors for a bad context, NaN stops', () => {
    const trials = Object.freeze(
      configsIn(0, 3).map((c, i) => Object.freeze(trial(`t${i}`, 'g', [0.5 - i / 10, 0.5], c))),
    );
    for (const key of ['t0', 't1', 't2'])
      expect(pruner.decide({ trials, mode: 'max', trial: key, epoch: 1 })).toEqual(
        new HyperbandPruner(options).decide({ trials, mode: 'max', trial: key, epoch: 1 }),
      );
    expect(() => pruner.decide({ trials, mode: 'max', trial: 'nope', epoch: 1 })).toThrow(PrunerError);
    expect(() => pruner.decide({ trials, mode: 'max', trial: 't0', epoch: 0 })).toThrow(PrunerError);
    expect(() => pruner.decide({ trials, mode: 'max', trial: 't0', epoch: 3 })).toThrow(PrunerError);
    const nan = [trial('n', 'g', [null], configsIn(2, 1)[0])];
    expect(pruner.decide({ trials: nan, mode: 'max', trial: 'n', epoch: 1 }).action).toBe('stop');
  });
});

describe('Hyperband in a simulated asynchronous sweep (src/search/simulate.ts)', () => {
  const R = 27;
  const options = { reductionFactor: 3, minResource: 1, maxResource: R };
  const pruner = new HyperbandPruner(options);
  const configs = sampleCurveConfigs(seededUniform(2026), 120);
  const sim = simulateAsha({ pruner, configs, maxResource: R, workers: 4, seed: 5 });
  const byBracket = pruner.brackets.map((b) => ({
    ...b,
    trials: sim.trials.filter((t) => pruner.bracketOf(t) === b.bracket),
  }));
  const lastEpoch = (t: TrialReport) => Object.keys(t.values).length;

  it('stops each trial only at a rung of its own bracket, and never in the last bracket', () => {
    for (const b of byBracket) {
      expect(b.trials.length, `bracket ${b.bracket}`).toBeGreaterThan(0);
      for (const t of b.trials) expect([...b.rungs, R]).toContain(lastEpoch(t));
    }
    expect(byBracket.at(-1)!.trials.every((t) => lastEpoch(t) === R)).toBe(true);
    // Bracket 0 trials can stop at epoch 1; bracket 1's train at least 3 epochs, bracket 2's 9.
    expect(byBracket[0]!.trials.some((t) => lastEpoch(t) === 1)).toBe(true);
    expect(Math.min(...byBracket[1]!.trials.map(lastEpoch))).toBe(3);
    expect(Math.min(...byBracket[2]!.trials.map(lastEpoch))).toBe(9);
  });

  it('halves within each bracket as that bracket’s ASHA would (rung bookkeeping per bracket)', () => {
    for (const b of byBracket.slice(0, -1)) {
      const ladder = ashaLadder(b.trials, { ...options, minResource: b.minResource }, 'all');
      expect(ladder.map((r) => r.epoch)).toEqual(b.rungs);
      expect(ladder[0]!.reached).toBe(b.trials.length);
      for (let k = 1; k < ladder.length; k += 1) expect(ladder[k]!.reached).toBe(ladder[k - 1]!.continued);
      // Replaying each trial's stop decision on the final reports of its bracket agrees with ASHA
      // alone on those trials: the other brackets never entered the decision.
      const asha = new AshaPruner({ ...options, minResource: b.minResource });
      for (const t of b.trials)
        for (const epoch of b.rungs.filter((e) => e <= lastEpoch(t)))
          expect(pruner.decide({ trials: sim.trials, mode: 'max', trial: t.key, epoch }).cut).toBe(
            asha.decide({ trials: b.trials, mode: 'max', trial: t.key, epoch }).cut,
          );
    }
  });

  it('spends less than full training and keeps a share of trials to R in every bracket', () => {
    expect(sim.epochs / sim.fullEpochs).toBeLessThan(0.6);
    expect(sim.completed).toBeGreaterThan(byBracket.at(-1)!.trials.length);
    expect(simulateAsha({ pruner, configs, maxResource: R, workers: 4, seed: 5 })).toEqual(sim);
  });
});

describe('early_stopping: { rule: hyperband } in a sweep spec', () => {
  it('loads with the sweep as its pool and becomes the workflow’s Hyperband pruner over the trial’s epochs', () => {
    const spec = parseSweepSpec({
      file: 'hb.yaml',
      text: `name: hb
dataset: {name: cifar10, train_size: 1000, test_size: 200}
train: {epochs: 27}
variants:
  grid: {model: [cnn, fc]}
seeds: [0]
early_stopping: {rule: hyperband, reduction_factor: 3, min_resource: 1}
`,
    });
    expect(spec.earlyStopping).toMatchObject({
      rule: 'hyperband',
      within: 'sweep',
      reductionFactor: 3,
      minResource: 1,
    });
    const pruner = prunerOf(spec.earlyStopping!, 27);
    expect(pruner).toBeInstanceOf(HyperbandPruner);
    expect((pruner as HyperbandPruner).options).toEqual({
      reductionFactor: 3,
      minResource: 1,
      maxResource: 27,
    });
  });
});
