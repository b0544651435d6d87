/** Which groups are compared, how (paired on shared seeds or Welch), and the Holm family. */
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../../../src/reporting/analysis/report.js';
import { CNN3, CNN5, FC, generateRecords, STUDY } from './records.js';

const build = (records = generateRecords(), comparisons?: Parameters<typeof buildReport>[0]['comparisons']) =>
  buildReport({ sweepName: 'study', sweepId: 'sweep-1', records, comparisons, ...STUDY });

describe('default comparisons', () => {
  it('pair groups differing in exactly one factor, ignoring factors a group does not have', () => {
    const report = build();
    const pairs = report.comparisons.map((c) => [c.a.label, c.b.label]);
    expect(pairs).toEqual(
      expect.arrayContaining([
        [CNN3.label, CNN5.label],
        [CNN3.label, FC.label],
        [CNN5.label, FC.label],
      ]),
    );
    expect(pairs).toHaveLength(3);
    expect(report.comparisons.every((c) => !c.requested)).toBe(true);
  });

  it('skip groups that differ in two factors', () => {
    const a = { ...CNN3, label: 'cnn k3 lr1', factors: { model: 'cnn', kernel_size: 3, lr: 1 } };
    const b = { ...CNN5, label: 'cnn k5 lr2', factors: { model: 'cnn', kernel_size: 5, lr: 2 } };
    expect(build(generateRecords({ variants: [a, b], seeds: [0, 1, 2] })).comparisons).toHaveLength(0);
  });
});

describe('requested comparisons', () => {
  it('are resolved by factor values and named as given', () => {
    const report = build(undefined, [
      { name: 'cnn vs fc', a: { model: 'cnn', kernel_size: 3 }, b: { model: 'fc' } },
    ]);
    expect(report.comparisons).toHaveLength(1);
    expect(report.comparisons[0]).toMatchObject({
      name: 'cnn vs fc',
      requested: true,
      a: { label: CNN3.label },
      b: { label: FC.label },
    });
  });

  it('that match no group or several are skipped with a note saying why', () => {
    const report = build(undefined, [
      { a: { model: 'cnn' }, b: { model: 'fc' } },
      { a: { model: 'rnn' }, b: { model: 'fc' } },
    ]);
    expect(report.comparisons).toHaveLength(0);
    expect(report.notes.join('\n')).toMatch(/\{model=cnn\} matches 2 groups/);
    expect(report.notes.join('\n')).toMatch(/\{model=rnn\} matches no finished group/);
  });
});

describe('design', () => {
  it('is paired on shared seeds, using only those', () => {
    const records = generateRecords({ seeds: [0, 1, 2, 3, 4] }).filter(
      (r) => !(r.groupLabel === FC.label && r.seed === 4),
    );
    const c = build(records).comparisons.find((x) => x.b.label === FC.label && x.a.label === CNN3.label);
    expect(c?.design).toBe('paired');
    expect(c?.seeds).toEqual([0, 1, 2, 3]);
    expect(c?.metrics.finalTestAccuracy?.tTest.method).toBe('paired t');
    expect(c?.metrics.finalTestAccuracy?.wilcoxon?.method).toBe('exact');
    expect(c?.metrics.finalTestAccuracy?.tTest.df).toBe(3);
  });

  it("is Welch's t when fewer than two seeds are shared, with a note", () => {
    const fc = generateRecords({ variants: [FC], seeds: [10, 11, 12] });
    const cnn = generateRecords({ variants: [CNN3], seeds: [0, 1, 2, 3] });
    const report = build([...fc, ...cnn]);
    const c = report.comparisons[0];
    expect(c).toMatchObject({ design: 'unpaired', nA: 4, nB: 3 });
    expect(c?.metrics.finalTestAccuracy?.tTest.method).toBe('Welch t');
    expect(c?.metrics.finalTestAccuracy?.wilcoxon).toBeNull();
    expect(report.notes.join('\n')).toMatch(/compared unpaired \(Welch\)/);
  });
});

describe('Holm correction', () => {
  it("runs across the sweep's comparisons, per metric", () => {
    const report = build();
    const tests = report.comparisons.map((c) => c.metrics.finalTestAccuracy!.tTest);
    const ps = tests.map((t) => t.p ?? 1);
    const smallest = Math.min(...ps);
    const first = tests.find((t) => t.p === smallest);
    expect(first?.pHolm).toBeCloseTo(Math.min(1, 3 * smallest), 15);
    for (const t of tests) expect(t.pHolm ?? 0).toBeGreaterThanOrEqual(t.p ?? 1);
  });
});
