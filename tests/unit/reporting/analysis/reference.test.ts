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
