/**
 * ASHA acceptance (src/search/asha.ts on src/search/simulate.ts's learning curves): 50 seeded
 * asynchronous sweeps of 81 configurations, R = 81 epochs, η = 3, r = 9 (rungs at epochs 9 and 27),
 * 4 workers. ASHA must spend ≤ 40 % of full training's epochs and let the true best configuration
 * (best noiseless metric at R among those sampled) train to R in ≥ 90 % of the runs.
 */
import { describe, expect, it } from 'vitest';
import { AshaPruner, ashaLadder, createPruner } from '../../../src/search/index.js';
import { curveMean, sampleCurveConfigs, simulateAsha } from '../../../src/search/simulate.js';
import { seededUniform } from '../../../src/search/uniform.js';

const RUNS = 50;
const CONFIGS = 81;
const R = 81;
const OPTIONS = { reductionFactor: 3, minResource: 9, maxResource: R };

function run(index: number) {
  const configs = sampleCurveConfigs(seededUniform(1000 + index), CONFIGS);
  return {
    configs,
    sim: simulateAsha({ pruner: new AshaPruner(OPTIONS), configs, maxResource: R, seed: index }),
  };
}

describe('ASHA on synthetic learning curves (50 seeded runs)', () => {
  const runs = Array.from({ length: RUNS }, (_, i) => run(i));

  it('spends ≤ 40 % of full training and keeps the true best in ≥ 90 % of runs', () => {
    const epochs = runs.reduce((s, r) => s + r.sim.epochs, 0);
    const full = runs.reduce((s, r) => s + r.sim.fullEpochs, 0);
    const kept = runs.filter((r) => r.sim.bestKept).length;
    expect(full).toBe(RUNS * CONFIGS * R);
    expect(epochs / full).toBeLessThanOrEqual(0.4);
    expect(Math.max(...runs.map((r) => r.sim.epochs / r.sim.fullEpochs))).toBeLessThanOrEqual(0.4);
    expect(kept / RUNS).toBeGreaterThanOrEqual(0.9);
  });

  it('is a fair test: early ranks are informative but imperfect', () => {
    // In most runs the best configuration at R is not the best at the first rung.
    const bestEarly = runs.filter(({ configs, sim }) => {
      const at9 = configs.map((c) => curveMean(c, 9));
      return at9.indexOf(Math.max(...at9)) === sim.best;
    }).length;
    expect(bestEarly / RUNS).toBeLessThan(0.5);
    // And the aggressive setting (r = 1, rungs 1…27) loses the best far more often.
    let keptAggressive = 0;
    for (let i = 0; i < RUNS; i += 1) {
      const configs = sampleCurveConfigs(seededUniform(1000 + i), CONFIGS);
      const pruner = createPruner({ rule: 'asha', reductionFactor: 3, minResource: 1, maxResource: R });
      if (simulateAsha({ pruner, configs, maxResource: R, seed: i }).bestKept) keptAggressive += 1;
    }
    expect(keptAggressive / RUNS).toBeLessThan(0.8);
  });

  it('keeps its rung bookkeeping: everyone at rung 0, about a third go on at each rung', () => {
    const ratios: number[][] = [[], []];
    for (const { sim } of runs) {
      const [rung0, rung1] = ashaLadder(sim.trials, OPTIONS, 'all');
      expect(rung0).toMatchObject({ rung: 0, epoch: 9, reached: CONFIGS, keep: 27 });
      expect(rung1).toMatchObject({ rung: 1, epoch: 27, reached: rung0!.continued });
      expect(rung1!.keep).toBe(Math.floor(rung1!.reached / 3));
      expect(rung1!.continued).toBe(sim.completed);
      ratios[0]!.push(rung0!.continued / rung0!.keep);
      ratios[1]!.push(rung1!.continued / rung1!.keep);
      // Every trial stopped exactly at a rung or trained to R.
      for (const t of sim.trials) expect([9, 27, R]).toContain(Object.keys(t.values).length);
    }
    // Stopping on arrival passes more than ⌊n/η⌋ when good trials arrive late and fewer when they
    // arrive early (they raise the bar for the rest); on average close to ⌊n/η⌋.
    for (const r of ratios) {
      const mean = r.reduce((s, x) => s + x, 0) / r.length;
      expect(mean).toBeGreaterThan(0.8);
      expect(mean).toBeLessThan(1.5);
    }
  });

  it('is deterministic', () => {
    expect(run(7).sim).toEqual(runs[7]!.sim);
  });
});
