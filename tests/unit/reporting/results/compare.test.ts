/** Comparing two sweeps' trials on equal trial keys: counts, bit-identity, |Δ| per metric, per-group paired differences. */
import { describe, expect, it } from 'vitest';
import { throwUnlessReproduced } from '../../../../src/interfaces/cli/commands/compare.js';
import { CommandVerdict } from '../../../../src/interfaces/cli/output.js';
import { isUserError } from '../../../../src/core/common/errors.js';
import { compareSweeps, formatValue, renderComparison } from '../../../../src/reporting/results/compare.js';
import { cnnRecord, record } from './fixtures.js';

const sweepA = (runPrefix = 'a') => [
  ...[0, 1, 2].map((seed) => cnnRecord({ kernelSize: 3, seed, runId: `${runPrefix}-k3-${seed}` })),
  ...[0, 1].map((seed) => cnnRecord({ kernelSize: 5, seed, runId: `${runPrefix}-k5-${seed}` })),
];

describe('compareSweeps', () => {
  it('a rerun that reproduces exactly: everything matched and bit-identical, zero differences', () => {
    const c = compareSweeps({ a: sweepA('a'), b: sweepA('b'), nameA: 'sa', nameB: 'sb' });
    expect(c).toMatchObject({
      matched: 5,
      compared: 5,
      sameRun: 0,
      identical: 5,
      onlyInA: [],
      onlyInB: [],
      metric: 'testAccuracy',
    });
    expect(c.a).toEqual({ sweep: 'sa', trials: 5 });
    expect(c.metrics).toEqual([
      'trainLoss',
      'trainAccuracy',
      'testLoss',
      'testAccuracy',
      'epochSeconds',
      'imagesPerSecond',
    ]);
    for (const m of c.perMetric)
      expect(m).toMatchObject({
        compared: 5,
        identicalFinal: 5,
        maxAbsFinalDiff: 0,
        meanFinalDiff: 0,
        maxAbsEpochDiff: 0,
      });
    expect(c.groups.map((g) => [g.groupLabel, g.nA, g.nB, g.sharedSeeds, g.meanDifference, g.ci95])).toEqual([
      ['kernel_size=3', 3, 3, [0, 1, 2], 0, [0, 0]],
      ['kernel_size=5', 2, 2, [0, 1], 0, [0, 0]],
    ]);
    expect(c.groups[0]!.meanA).toBeCloseTo((0.45 + 0.451 + 0.452) / 3, 12);
    expect(c.groups[0]!.meanA).toBe(c.groups[0]!.meanB);
    expect(c.trials.every((t) => t.identical)).toBe(true);
  });

  it('finds trials only on one side, measures |Δ| of final and per-epoch metrics, and pairs groups on shared seeds', () => {
    const offsets = [0.01, 0.02, 0.04];
    const a = [...sweepA('a'), cnnRecord({ kernelSize: 7, seed: 0 })];
    const b = [
      ...[0, 1, 2].map((seed) =>
        cnnRecord({ kernelSize: 3, seed, offset: offsets[seed], runId: `b-${seed}`, backend: 'cpu' }),
      ),
      cnnRecord({ kernelSize: 5, seed: 0, runId: 'b-k5-0' }),
      cnnRecord({ kernelSize: 5, seed: 9, runId: 'b-k5-9' }),
    ];
    const c = compareSweeps({ a, b });
    expect(c).toMatchObject({ matched: 4, compared: 4, identical: 1 });
    expect(c.onlyInA.map((r) => r.trialKey)).toEqual(['t-k5-s1', 't-k7-s0']);
    expect(c.onlyInB.map((r) => r.trialKey)).toEqual(['t-k5-s9']);
    const acc = c.perMetric.find((m) => m.metric === 'testAccuracy')!;
    expect(acc.compared).toBe(4);
    expect(acc.identicalFinal).toBe(1);
    expect(acc.maxAbsFinalDiff).toBeCloseTo(0.04, 12);
    expect(acc.maxAbsEpochDiff).toBeCloseTo(0.04, 12);
    expect(acc.meanFinalDiff).toBeCloseTo(-(0.01 + 0.02 + 0.04) / 4, 12);
    expect(c.perMetric.find((m) => m.metric === 'epochSeconds')).toMatchObject({
      identicalFinal: 4,
      maxAbsFinalDiff: 0,
    });

    const trial = c.trials.find((t) => t.trialKey === 't-k3-s2')!;
    expect(trial).toMatchObject({
      identical: false,
      backendA: 'wasm 4.22.0',
      backendB: 'cpu 4.22.0',
      epochsA: 3,
      epochsB: 3,
    });
    expect(trial.metrics['testAccuracy']!.diff).toBeCloseTo(-0.04, 12);

    const k3 = c.groups.find((g) => g.groupLabel === 'kernel_size=3')!;
    // d = A − B = −offsets: mean −0.02333, sd 0.015275, t(2) = −2.6458, two-sided p = 1 − |t|/√(t² + 2), half-width 4.3027 × sd/√3.
    expect(k3.sharedSeeds).toEqual([0, 1, 2]);
    expect(k3.meanDifference).toBeCloseTo(-0.07 / 3, 12);
    expect(k3.t).toBeCloseTo(-2.6458, 3);
    expect(k3.df).toBe(2);
    expect(k3.p).toBeCloseTo(1 - 2.6458 / 3, 3);
    expect(k3.ci95![0]).toBeCloseTo(-0.06128, 4);
    expect(k3.ci95![1]).toBeCloseTo(0.01461, 4);
    expect(k3.meanB! - k3.meanA!).toBeCloseTo(0.07 / 3, 12);
    const k5 = c.groups.find((g) => g.groupLabel === 'kernel_size=5')!;
    expect(k5).toMatchObject({ nA: 2, nB: 2, sharedSeeds: [0], meanDifference: 0, ci95: null, p: null });
    expect(c.groups.map((g) => g.groupLabel)).toEqual(['kernel_size=3', 'kernel_size=5']);
  });

  it('counts a trial with a different number of epochs as not identical', () => {
    const c = compareSweeps({
      a: [cnnRecord({ kernelSize: 3, seed: 0, epochs: 3, runId: 'x' })],
      b: [cnnRecord({ kernelSize: 3, seed: 0, epochs: 2, runId: 'y' })],
    });
    expect(c.identical).toBe(0);
    expect(c.trials[0]).toMatchObject({ epochsA: 3, epochsB: 2 });
    expect(c.perMetric.find((m) => m.metric === 'testAccuracy')!.maxAbsEpochDiff).toBe(0);
  });

  it('works on any trainable metrics: the first metric is the default, NaN equals NaN bit for bit', () => {
    const mk = (seed: number, loss: number, runId: string) =>
      record({ trialKey: `k${seed}`, seed, runId, epochs: [{ epoch: 1, loss, value: Number.NaN }] });
    const c = compareSweeps({ a: [mk(0, 1, 'a0'), mk(1, 2, 'a1')], b: [mk(0, 1, 'b0'), mk(1, 2.5, 'b1')] });
    expect(c.metric).toBe('loss');
    expect(c.metrics).toEqual(['loss', 'value']);
    expect(c.identical).toBe(1);
    expect(c.perMetric.find((m) => m.metric === 'value')).toMatchObject({
      compared: 0,
      identicalFinal: 0,
      maxAbsFinalDiff: null,
    });
    expect(c.trials.find((t) => t.seed === 0)!.metrics['value']).toMatchObject({
      identical: true,
      a: null,
      diff: null,
    });
    expect(c.groups[0]).toMatchObject({ sharedSeeds: [0, 1], meanDifference: -0.25 });
    expect(
      compareSweeps({ a: [mk(0, 1, 'a0')], b: [mk(0, 1, 'b0')], metric: 'value' }).groups[0],
    ).toMatchObject({ sharedSeeds: [], meanDifference: null });
  });

  it('refuses an unknown metric, sweeps with no trial key in common, and a sweep compared with its own runs', () => {
    expect(() => compareSweeps({ a: sweepA('a'), b: sweepA('b'), metric: 'f1' })).toThrow(
      /no metric 'f1' in A or B; the trials report: trainLoss, /,
    );
    const other = [cnnRecord({ kernelSize: 9, seed: 0 })];
    expect(() => compareSweeps({ a: sweepA(), b: other })).toThrow(
      expect.objectContaining({ code: 'E_COMPARE_NO_MATCH' }),
    );
    expect(() => compareSweeps({ a: sweepA(), b: other })).toThrow(
      /^no trial keys in common: the sweeps ran different configs, seeds or data/,
    );
    expect(() => compareSweeps({ a: sweepA('a'), b: sweepA('a') })).toThrow(
      expect.objectContaining({ code: 'E_COMPARE_SAME_RUNS' }),
    );
    // Partly reused: the shared run is counted and left out.
    const b = [...sweepA('a').slice(0, 1), ...sweepA('b').slice(1)];
    expect(compareSweeps({ a: sweepA('a'), b })).toMatchObject({ matched: 5, sameRun: 1, compared: 4 });
  });
});

describe('renderComparison', () => {
  it('prints counts, a per-metric table, per-group means and the trials that differ', () => {
    const a = [...sweepA('a'), cnnRecord({ kernelSize: 7, seed: 0 })];
    const b = [
      ...sweepA('b').slice(0, 2),
      cnnRecord({ kernelSize: 3, seed: 2, offset: 1e-6, runId: 'z' }),
      sweepA('b')[3]!,
    ];
    const text = renderComparison(compareSweeps({ a, b, nameA: 'run-on-laptop', nameB: 'run-on-server' }));
    expect(text).toMatch(/^A = run-on-laptop \(6 finished trials\)\nB = run-on-server \(4 finished trials\)/);
    expect(text).toMatch(/matched trial keys: 4 {3}only in A: 2 {3}only in B: 0/);
    expect(text).toMatch(/bit-identical trials \(every metric of every epoch\): 3 of 4 compared, 1 differ/);
    expect(text).toMatch(
      /only in A:\n {2}kernel_size=5 seed 1 \(t-k5-s1\)\n {2}kernel_size=7 seed 0 \(t-k7-s0\)/,
    );
    expect(text).toMatch(/testAccuracy +4 +3 +1\.00e-6 +−2\.50e-7 +1\.00e-6/);
    expect(text).toMatch(/per group, final testAccuracy/);
    expect(text).toMatch(/kernel_size=3 +3 +3 +3 +0\.451 +0\.451 +−3\.33e-7/);
    expect(text).toMatch(/trials that differ/);
    expect(text).toMatch(/kernel_size=3 +2 +t-k3-s2 +wasm 4\.22\.0 +wasm 4\.22\.0 +3 +−1\.00e-6/);
  });

  it('formats values compactly', () => {
    expect([
      formatValue(0),
      formatValue(0.5123456),
      formatValue(-0.0123),
      formatValue(1e-9),
      formatValue(null),
      formatValue(12345678),
    ]).toEqual(['0', '0.5123', '−0.0123', '1.00e-9', '–', '1.23e+7']);
  });
});

describe('the reproducibility verdict (compare’s exit status)', () => {
  it('reproduced when every compared trial is bit-identical, whatever only one side has', () => {
    const b = [...sweepA('b'), cnnRecord({ kernelSize: 5, seed: 7, runId: 'b-extra' })];
    const c = compareSweeps({ a: sweepA('a').slice(1), b });
    expect(c).toMatchObject({ compared: 4, identical: 4, reproduced: true });
    expect(c.onlyInB).toHaveLength(2);
    expect(() => throwUnlessReproduced(c)).not.toThrow();
  });

  it('not reproduced when one equal trial key gave another result: exit status 1, not a user error', () => {
    const b = sweepA('b');
    b[0] = cnnRecord({ kernelSize: 3, seed: 0, runId: 'b-k3-0', offset: 1e-7 });
    const c = compareSweeps({ a: sweepA('a'), b });
    expect(c).toMatchObject({ compared: 5, identical: 4, reproduced: false });
    let thrown: unknown;
    try {
      throwUnlessReproduced(c);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CommandVerdict);
    expect(thrown).toMatchObject({ exitCode: 1, message: '1 of 5 compared trials differ' });
    expect(isUserError(thrown)).toBe(false);
  });
});
