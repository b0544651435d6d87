/** The statistics agree with scipy (tests/fixtures/stats/reference.json, from scripts/stats_reference.py). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { summarize } from '../../../../src/reporting/analysis/descriptive.js';
import {
  normalCdf,
  studentTCdf,
  studentTQuantile,
} from '../../../../src/reporting/analysis/distributions.js';
import {
  hedgesCorrection,
  hedgesGUnpaired,
  pairedEffectSizes,
} from '../../../../src/reporting/analysis/effect-size.js';
import {
  pairedTTest,
  welchTTest,
  wilcoxonSignedRank,
} from '../../../../src/reporting/analysis/hypothesis-tests.js';
import { holmAdjust } from '../../../../src/reporting/analysis/multiple-comparisons.js';
import { compareSamples } from '../../../../src/reporting/analysis/comparisons.js';
import { mulberry32 } from '../../../../src/core/common/random.js';
import { interquartileMean, iqmBootstrapCi } from '../../../../src/reporting/analysis/iqm.js';
import {
  scoreDistribution,
  scoreDistributionCi,
} from '../../../../src/reporting/analysis/performance-profile.js';
import {
  noncentralTCdf,
  pairedTTestPower,
  pilotPower,
  solvePairs,
} from '../../../../src/reporting/analysis/power.js';
import { BRANIN_OBJECTIVE, BRANIN_SLOW, generateBraninRecords } from './records.js';
import {
  probabilityOfImprovement,
  probabilityOfImprovementCi,
} from '../../../../src/reporting/analysis/probability-of-improvement.js';

interface Summary {
  n: number;
  mean: number;
  sd: number;
  ci95: [number, number];
  median: number;
  min: number;
  max: number;
}
interface TRef {
  statistic: number;
  df: number;
  p: number;
  ci95: [number, number];
}
interface Dataset {
  name: string;
  a: number[];
  b: number[];
  paired: boolean;
  summaryA: Summary;
  summaryB: Summary;
  welch: TRef;
  hedgesGUnpaired: number;
  pairedT?: TRef;
  wilcoxon?: { statistic: number; p: number; method: string; n: number; zeros: number; ties: boolean };
  pairedEffect?: { gAv: number; dz: number };
}
interface Reference {
  tQuantiles: { p: number; df: number; value: number }[];
  tCdf: { t: number; df: number; value: number }[];
  normalCdf: { z: number; value: number }[];
  hedgesCorrection: { df: number; value: number }[];
  holm: { p: number[]; adjusted: number[] }[];
  datasets: Dataset[];
}

const reference = JSON.parse(
  readFileSync(new URL('../../../fixtures/stats/reference.json', import.meta.url), 'utf8'),
) as Reference;
const TOLERANCE = 1e-9;

/** Relative agreement (absolute near zero, where relative error is meaningless). */
function expectClose(actual: number | null | undefined, expected: number, what: string): void {
  expect(actual, what).not.toBeNull();
  const error = Math.abs((actual ?? Number.NaN) - expected) / Math.max(Math.abs(expected), 1e-12);
  expect(error, `${what}: ${String(actual)} vs scipy ${expected}`).toBeLessThanOrEqual(TOLERANCE);
}

describe('distributions agree with scipy.stats', () => {
  it('t quantiles, including fractional df', () => {
    for (const r of reference.tQuantiles)
      expectClose(studentTQuantile(r.p, r.df), r.value, `t.ppf(${r.p}, ${r.df})`);
  });
  it('t CDF, including fractional df and far tails', () => {
    for (const r of reference.tCdf) expectClose(studentTCdf(r.t, r.df), r.value, `t.cdf(${r.t}, ${r.df})`);
  });
  it('normal CDF', () => {
    for (const r of reference.normalCdf) expectClose(normalCdf(r.z), r.value, `norm.cdf(${r.z})`);
  });
  it('Hedges correction J(df)', () => {
    for (const r of reference.hedgesCorrection) expectClose(hedgesCorrection(r.df), r.value, `J(${r.df})`);
  });
});

describe('Holm adjustment agrees with the reference', () => {
  it.each(reference.holm.map((h, i) => [i, h] as const))('family %i', (_, h) => {
    holmAdjust(h.p).forEach((p, i) => expectClose(p, h.adjusted[i] ?? Number.NaN, `holm[${i}]`));
  });
});

describe.each(reference.datasets.map((d) => [d.name, d] as const))('dataset %s', (_, d) => {
  it('descriptive summary: mean, sd, t CI, median, min, max', () => {
    for (const [values, ref] of [
      [d.a, d.summaryA],
      [d.b, d.summaryB],
    ] as const) {
      const s = summarize(values);
      expect(s.n).toBe(ref.n);
      for (const key of ['mean', 'sd', 'median', 'min', 'max'] as const) expectClose(s[key], ref[key], key);
      expectClose(s.ci95?.[0], ref.ci95[0], 'ci low');
      expectClose(s.ci95?.[1], ref.ci95[1], 'ci high');
    }
  });

  it("Welch's t test and its CI, Hedges' g", () => {
    const w = welchTTest({ a: d.a, b: d.b });
    expectClose(w.statistic, d.welch.statistic, 'statistic');
    expectClose(w.df, d.welch.df, 'df');
    expectClose(w.p, d.welch.p, 'p');
    const c = compareSamples({ metric: 'finalTestAccuracy', a: d.a, b: d.b, paired: false, resamples: 200 });
    expectClose(c.ci95?.[0], d.welch.ci95[0], 'ci low');
    expectClose(c.ci95?.[1], d.welch.ci95[1], 'ci high');
    expectClose(hedgesGUnpaired({ a: d.a, b: d.b }), d.hedgesGUnpaired, 'g');
  });
});

describe.each(reference.datasets.filter((d) => d.paired).map((d) => [d.name, d] as const))(
  'paired dataset %s',
  (_, d) => {
    it('paired t test and its CI, Wilcoxon signed-rank, paired effect sizes', () => {
      const ref = d.pairedT;
      const wref = d.wilcoxon;
      const eref = d.pairedEffect;
      if (!ref || !wref || !eref) throw new Error('fixture lacks paired results');
      const t = pairedTTest({ a: d.a, b: d.b });
      expectClose(t.statistic, ref.statistic, 'statistic');
      expect(t.df).toBe(ref.df);
      expectClose(t.p, ref.p, 'p');
      const c = compareSamples({ metric: 'finalTestAccuracy', a: d.a, b: d.b, paired: true, resamples: 200 });
      expectClose(c.ci95?.[0], ref.ci95[0], 'ci low');
      expectClose(c.ci95?.[1], ref.ci95[1], 'ci high');
      const w = wilcoxonSignedRank({ a: d.a, b: d.b });
      expect(w.method).toBe(wref.method);
      expect({ n: w.n, zeros: w.zeros, ties: w.ties }).toEqual({
        n: wref.n,
        zeros: wref.zeros,
        ties: wref.ties,
      });
      expectClose(w.statistic, wref.statistic, 'W');
      expectClose(w.p, wref.p, 'Wilcoxon p');
      const e = pairedEffectSizes({ a: d.a, b: d.b });
      expectClose(e.gAv, eref.gAv, 'g_av');
      expectClose(e.dz, eref.dz, 'd_z');
    });
  },
);

it('the fixtures cover n = 3, n = 5, ties, zero differences, the exact and normal Wilcoxon paths and unequal variances', () => {
  const ds = reference.datasets;
  expect(ds.some((d) => d.a.length === 3 && d.paired)).toBe(true);
  expect(ds.some((d) => d.a.length === 5 && d.paired)).toBe(true);
  expect(ds.some((d) => d.wilcoxon?.ties)).toBe(true);
  expect(ds.some((d) => (d.wilcoxon?.zeros ?? 0) > 0)).toBe(true);
  expect(new Set(ds.flatMap((d) => (d.wilcoxon ? [d.wilcoxon.method] : [])))).toEqual(
    new Set(['exact', 'normal approximation']),
  );
  expect(ds.some((d) => !d.paired && d.summaryA.sd * 5 < d.summaryB.sd)).toBe(true);
});

/**
 * The robust statistics agree with rliable and the power analysis with statsmodels
 * (tests/fixtures/stats/robust-reference.json, from scripts/robust_stats_reference.py).
 */
interface RobustReference {
  replayResamples: number;
  rliableResamples: number;
  rliableProfileResamples: number;
  mulberry32: { seed: number; first: number[] };
  iqm: {
    name: string;
    strata: number[][];
    seed: number;
    iqm: number;
    replayCi95: [number, number];
    rliableCi95?: [number, number];
  }[];
  improvement: {
    name: string;
    x: number[][];
    y: number[][];
    seed: number;
    p: number;
    pReversed: number;
    replayCi95: [number, number];
    rliableCi95: [number, number];
  }[];
  profiles: {
    name: string;
    strata: number[][];
    seed: number;
    taus: number[];
    above: number[];
    below: number[];
    replayCi95Above: [number, number][];
    replayCi95Below: [number, number][];
    rliableCi95Above?: [number, number][];
  }[];
  power: { effectSize: number; pairs: number; value: number }[];
  solve: { effectSize: number; pairs: number; solvePower: number }[];
  noncentralTCdf: { t: number; df: number; nc: number; value: number }[];
}

const robust = JSON.parse(
  readFileSync(new URL('../../../fixtures/stats/robust-reference.json', import.meta.url), 'utf8'),
) as RobustReference;

/** Absolute agreement, for probabilities (relative error means nothing near 0). */
function expectNear(actual: number, expected: number, tolerance: number, what: string): void {
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance);
}

/** A bootstrap CI from another PRNG stream: each end within a tenth of the interval's width (plus `slack`). */
function expectSameInterval(
  actual: [number, number],
  expected: [number, number],
  what: string,
  slack = 0,
): void {
  const tolerance = 0.1 * (expected[1] - expected[0]) + slack + 1e-12;
  expectNear(actual[0], expected[0], tolerance, `${what} low`);
  expectNear(actual[1], expected[1], tolerance, `${what} high`);
}

describe('robust statistics agree with rliable', () => {
  it("the bootstrap's PRNG stream is the one the reference script replays", () => {
    const random = mulberry32(robust.mulberry32.seed);
    for (const v of robust.mulberry32.first) expect(random()).toBe(v);
  });

  it.each(robust.iqm.map((c) => [c.name, c] as const))('IQM and its stratified-bootstrap CI: %s', (_, c) => {
    expectClose(interquartileMean(c.strata), c.iqm, 'IQM');
    const replay = iqmBootstrapCi({ strata: c.strata, seed: c.seed, resamples: robust.replayResamples });
    expectClose(replay[0], c.replayCi95[0], 'CI low (same stream)');
    expectClose(replay[1], c.replayCi95[1], 'CI high (same stream)');
    if (c.rliableCi95)
      expectSameInterval(
        iqmBootstrapCi({ strata: c.strata, seed: c.seed, resamples: robust.rliableResamples }),
        c.rliableCi95,
        "rliable's CI",
      );
  });

  it.each(robust.improvement.map((c) => [c.name, c] as const))('P(X > Y) and its CI: %s', (_, c) => {
    expectClose(probabilityOfImprovement({ x: c.x, y: c.y }), c.p, 'P(X > Y)');
    expectClose(probabilityOfImprovement({ x: c.y, y: c.x }), c.pReversed, 'P(Y > X)');
    const replay = probabilityOfImprovementCi({
      x: c.x,
      y: c.y,
      seed: c.seed,
      resamples: robust.replayResamples,
    });
    expectClose(replay[0], c.replayCi95[0], 'CI low (same stream)');
    expectClose(replay[1], c.replayCi95[1], 'CI high (same stream)');
    const own = probabilityOfImprovementCi({
      x: c.x,
      y: c.y,
      seed: c.seed,
      resamples: robust.rliableResamples,
    });
    // Small samples put P on a lattice of 1/(2·nX·nY) steps: another stream may land a few steps away.
    const lattice = 1 / (2 * (c.x[0]?.length ?? 1) * (c.y[0]?.length ?? 1));
    expectSameInterval(own, c.rliableCi95, "rliable's CI", 4 * lattice);
  });

  it.each(robust.profiles.map((c) => [c.name, c] as const))(
    'performance profile and its band: %s',
    (_, c) => {
      const n = c.strata.flat().length;
      const options = { strata: c.strata, taus: c.taus, seed: c.seed, resamples: robust.replayResamples };
      scoreDistribution({ ...options, better: 'above' }).forEach((v, k) =>
        expectNear(v, c.above[k] ?? NaN, 1e-12, `above τ${k}`),
      );
      scoreDistribution({ ...options, better: 'below' }).forEach((v, k) =>
        expectNear(v, c.below[k] ?? NaN, 1e-12, `below τ${k}`),
      );
      for (const [better, expected] of [
        ['above', c.replayCi95Above],
        ['below', c.replayCi95Below],
      ] as const)
        scoreDistributionCi({ ...options, better }).forEach(([lo, hi], k) => {
          expectNear(lo, expected[k]?.[0] ?? NaN, 1e-12, `${better} τ${k} low`);
          expectNear(hi, expected[k]?.[1] ?? NaN, 1e-12, `${better} τ${k} high`);
        });
      // Another stream: a band's ends may differ by one seed's share where the distribution steps.
      const rliable = c.rliableCi95Above;
      if (rliable)
        scoreDistributionCi({ ...options, resamples: robust.rliableProfileResamples }).forEach(
          ([lo, hi], k) => {
            expectNear(lo, rliable[k]?.[0] ?? NaN, 1 / n + 1e-9, `rliable τ${k} low`);
            expectNear(hi, rliable[k]?.[1] ?? NaN, 1 / n + 1e-9, `rliable τ${k} high`);
          },
        );
    },
  );
});

describe('power analysis agrees with statsmodels and scipy', () => {
  it('non-central t CDF (scipy.stats.nct)', () => {
    for (const r of robust.noncentralTCdf)
      expectNear(noncentralTCdf(r.t, r.df, r.nc), r.value, 1e-10, `nct.cdf(${r.t}, ${r.df}, ${r.nc})`);
  });
  it('paired t test power (TTestPower.power)', () => {
    for (const r of robust.power)
      expectNear(
        pairedTTestPower({ effectSize: r.effectSize, pairs: r.pairs }),
        r.value,
        1e-9,
        `power(${r.effectSize}, ${r.pairs})`,
      );
  });
  it('pairs for power 0.8 at alpha 0.05 (TTestPower.solve_power), and the same seeds rounded up', () => {
    for (const r of robust.solve) {
      const pairs = solvePairs({ effectSize: r.effectSize });
      expect(Math.abs(pairs - r.pairs) / r.pairs, `solve(${r.effectSize})`).toBeLessThanOrEqual(1e-8);
      expect(Math.ceil(pairs)).toBe(Math.ceil(r.solvePower));
    }
  });
});

describe('plan --power agrees with statsmodels on a pilot', () => {
  const pilot = (
    JSON.parse(
      readFileSync(new URL('../../../fixtures/stats/robust-reference.json', import.meta.url), 'utf8'),
    ) as {
      pilot: {
        a: number[];
        b: number[];
        sdDifference: number;
        cases: { effect: number; effectSize: number; pairs: number; seeds: number; pilotPower: number }[];
      };
    }
  ).pilot;
  // Two Branin groups sharing seeds, their final values replaced by the pilot's.
  const records = generateBraninRecords({ seeds: pilot.a.map((_, i) => i), epochs: 1 }).map((r) => {
    const values = r.groupLabel === BRANIN_SLOW.label ? pilot.a : pilot.b;
    const value = values[r.seed] ?? Number.NaN;
    return { ...r, result: { ...r.result, final: { ...r.result.final, value } } };
  });

  it.each(pilot.cases.map((c) => [c.effect, c] as const))('effect %s', (_, c) => {
    const plan = pilotPower({ pilot: 'pilot', records, objective: BRANIN_OBJECTIVE, effect: c.effect });
    const [comparison] = plan.comparisons;
    expect(plan.comparisons).toHaveLength(1);
    expectClose(comparison?.sdDifference, pilot.sdDifference, 'sd of differences');
    expectClose(comparison?.effectSize, c.effectSize, 'd_z');
    expect(Math.abs((comparison?.solvedPairs ?? NaN) - c.pairs) / c.pairs).toBeLessThanOrEqual(1e-8);
    expect(plan.seeds).toBe(c.seeds);
    expectNear(comparison?.pilotPower ?? NaN, c.pilotPower, 1e-9, 'power with the pilot');
  });
});
