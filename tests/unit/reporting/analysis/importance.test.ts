/**
 * fANOVA parameter importance on functions whose importance is known: the ranking is right for 20 of
 * 20 seeds of generated samples, the variance shares match the analytic ones, a hand-built tree's
 * decomposition is exact. Sample sizes are small (100 trials, the forest's default 64 trees) to keep the
 * file cheap; `npx tsx bench/importance.ts` checks larger samples.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../../src/reporting/analysis/bootstrap.js';
import {
  fanovaImportance,
  treeMainEffects,
  type ImportanceFeature,
} from '../../../../src/reporting/analysis/importance.js';
import { buildReport } from '../../../../src/reporting/analysis/report.js';
import { MAX_SEARCH_TRIALS, searchReport } from '../../../../src/reporting/analysis/sweep-trials.js';
import { generateSamplerSweep } from './search-records.js';

const UNIT: [number, number] = [0, 1];
const XYZ: ImportanceFeature[] = ['x', 'y', 'z'].map((name) => ({ name, range: UNIT }));

/** `n` points uniform on the unit cube and f at each. */
function sample(f: (x: number, y: number, z: number) => number, n: number, seed: number) {
  const random = seededRandom(seed);
  const x = Array.from({ length: n }, () => [random(), random(), random()]);
  return { x, y: x.map(([a, b, c]) => f(a!, b!, c!)) };
}

const SEEDS = Array.from({ length: 20 }, (_, i) => i);

describe('fANOVA importance', () => {
  it('ranks x > y > z on f = 10x + y + 0.01z in 20 of 20 seeds, x near its variance share 100/101', () => {
    const orders = SEEDS.map((seed) => {
      const imp = fanovaImportance({
        features: XYZ,
        ...sample((x, y, z) => 10 * x + y + 0.01 * z, 100, seed),
        seed,
      });
      // Main effects only: x's share of Var f = 100/12 ÷ (100 + 1 + 0.0001)/12.
      expect(imp[0]!.fraction).toBeGreaterThan(0.97);
      expect(imp[0]!.fraction).toBeLessThan(1);
      return imp.map((p) => p.name).join('');
    });
    expect(orders).toEqual(SEEDS.map(() => 'xyz'));
  });

  it('puts z last on the interaction f = x·y + 0.1z in 20 of 20 seeds, x and y near their main-effect share 3/7', () => {
    for (const seed of SEEDS) {
      const imp = fanovaImportance({
        features: XYZ,
        ...sample((x, y, z) => x * y + 0.1 * z, 100, seed),
        seed,
      });
      expect(imp.at(-1)?.name, `seed ${seed}`).toBe('z');
      // Var(xy) = 7/144 of which each main effect is 3/144; the interaction, 1/144, is no one's.
      const x = imp.find((p) => p.name === 'x')!;
      expect(x.fraction, `seed ${seed}`).toBeGreaterThan(0.3);
      expect(x.fraction, `seed ${seed}`).toBeLessThan(0.55);
    }
  });

  it('finds the categorical parameter that matters, coded as one cell per category', () => {
    const random = seededRandom(3);
    const x = Array.from({ length: 60 }, () => [Math.floor(random() * 3), random()]);
    const y = x.map(([c, u]) => (c === 1 ? 5 : 0) + u!);
    const imp = fanovaImportance({
      features: [
        { name: 'optimizer', range: [-0.5, 2.5] },
        { name: 'u', range: UNIT },
      ],
      x,
      y,
    });
    expect(imp.map((p) => p.name)).toEqual(['optimizer', 'u']);
    expect(imp.reduce((s, p) => s + p.importance, 0)).toBeCloseTo(1, 12);
  });

  it('decomposes a hand-built additive tree exactly', () => {
    // f = 2·[x ≥ 0.5] + 1·[y ≥ 0.25]: main-effect variances 1 and 3/16, no interaction.
    const leaf = (value: number) => ({ leaf: true as const, value });
    const ySplit = (base: number) => ({
      leaf: false as const,
      feature: 1,
      threshold: 0.25,
      left: leaf(base),
      right: leaf(base + 1),
    });
    const tree = { leaf: false as const, feature: 0, threshold: 0.5, left: ySplit(0), right: ySplit(2) };
    const [fx, fy, fz] = treeMainEffects(tree, XYZ);
    const total = 1 + 3 / 16;
    expect(fx).toBeCloseTo(1 / total, 12);
    expect(fy).toBeCloseTo(3 / 16 / total, 12);
    expect(fz).toBe(0);
  });

  it('is deterministic for a seed, and all zeros for a constant objective', () => {
    const data = sample((x, y) => x + y, 40, 1);
    expect(fanovaImportance({ features: XYZ, ...data, seed: 5 })).toEqual(
      fanovaImportance({ features: XYZ, ...data, seed: 5 }),
    );
    const flat = fanovaImportance({ features: XYZ, x: data.x, y: data.x.map(() => 1) });
    expect(flat.map((p) => p.importance)).toEqual([0, 0, 0]);
    expect(() => fanovaImportance({ features: XYZ, x: [[0, 0, 0]], y: [1] })).toThrow(/two trials/);
  });
});

describe('the report’s search view', () => {
  it('numbers trials by plan index, keeps the running best and gives pruned trials their last value', () => {
    const { records, stopped, plannedKeys } = generateSamplerSweep({ trials: 30 });
    const search = searchReport({
      records,
      objective: { metric: 'value', mode: 'min' },
      input: { plannedKeys, stopped },
    })!;
    expect(search.order).toBe('plan');
    expect(search.params.map((p) => [p.name, p.kind, p.log])).toEqual([
      ['x1', 'number', false],
      ['x2', 'number', false],
      ['lr', 'number', true],
      ['optimizer', 'category', false],
    ]);
    const complete = search.trials.filter((t) => t.state === 'complete');
    expect(complete.map((t) => t.number)).toEqual(records.map((r) => plannedKeys.indexOf(r.trialKey) + 1));
    let best = Infinity;
    for (const t of complete) {
      best = Math.min(best, t.value!);
      expect(t.bestSoFar).toBe(best);
    }
    const pruned = search.trials.filter((t) => t.state === 'pruned');
    expect(pruned).toHaveLength(stopped.length);
    expect(pruned[0]!.value).toBe(stopped[0]!.curve.at(-1));
    expect(search.importance?.params).toHaveLength(4);
  });

  it(`keeps at most ${MAX_SEARCH_TRIALS} trials, the best among them, and is absent when no parameter varies`, () => {
    const { records } = generateSamplerSweep({ trials: 2 });
    const many = Array.from({ length: MAX_SEARCH_TRIALS + 201 }, (_, i) => {
      const r = records[i % records.length]!;
      const value = i === 777 ? -1 : 10 + (i % 7);
      return {
        ...r,
        trialKey: `k${i}`,
        factors: { ...r.factors, x1: i },
        result: { ...r.result, final: { epoch: 8, value } },
      };
    });
    const search = searchReport({ records: many, objective: { metric: 'value', mode: 'min' } })!;
    expect(search.order).toBe('label');
    expect(search.total.complete).toBe(MAX_SEARCH_TRIALS + 201);
    expect(search.trials).toHaveLength(MAX_SEARCH_TRIALS);
    expect(search.trials.some((t) => t.value === -1)).toBe(true);
    const flat = many.map((r) => ({ ...r, factors: { x: 1 } }));
    expect(searchReport({ records: flat, objective: { metric: 'value', mode: 'min' } })).toBeUndefined();
    expect(
      buildReport({
        sweepName: 'one',
        sweepId: 'one',
        records: flat.slice(0, 3),
        objective: { metric: 'value', mode: 'min' },
      }).search,
    ).toBeUndefined();
  });
});
