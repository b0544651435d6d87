/** The study's claims get verdicts from the data, whichever way they fall. */
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../../../src/reporting/analysis/report.js';
import type { ClaimReport } from '../../../../src/reporting/analysis/report.js';
import { currentFormOf } from '../../../../src/core/domain/builtin-trainable.js';
import { CNN3, CNN5, FC, generateRecords, modelStatsOf, STUDY } from './records.js';

const claims = (records = generateRecords()): { claims: ClaimReport[]; omitted: { id: string }[] } =>
  buildReport({ sweepName: 'study', sweepId: 'sweep-1', records, ...STUDY }).interpretation ?? {
    claims: [],
    omitted: [],
  };
const verdict = (list: ClaimReport[], id: string): string | undefined =>
  list.find((c) => c.id === id)?.verdict;

describe('interpretation of the study sweep', () => {
  const { claims: list, omitted } = claims();

  it('states every claim with a verdict and the statistic behind it', () => {
    expect(list.map((c) => c.id)).toEqual(['1', '2', '3', '4a', '4b', '5']);
    expect(omitted).toEqual([]);
    for (const c of list.filter((x) => x.id !== '2'))
      expect(c.evidence).toMatch(/paired t t\(4\) = .*Holm p .*Hedges' g/);
  });

  it('supports CNN > FC, far fewer parameters and faster convergence on data that show them', () => {
    expect(verdict(list, '1')).toBe('supported');
    expect(verdict(list, '2')).toBe('supported');
    expect(verdict(list, '3')).toBe('supported');
    expect(list.find((c) => c.id === '2')?.evidence).toContain('315,722');
  });

  it('tests the kernel claim instead of repeating it: with valid padding the 5×5 CNN has fewer parameters', () => {
    expect(modelStatsOf(CNN5).totalParams).toBeLessThan(modelStatsOf(CNN3).totalParams);
    const c4a = list.find((c) => c.id === '4a');
    expect(c4a?.evidence).toMatch(/model=cnn kernel_size=5 has fewer parameters/);
    expect(c4a?.verdict).toBe('not supported');
    expect(verdict(list, '4b')).toBe('supported'); // the generated 3×3 gap is smaller
  });

  it('reads the image classifier’s configs of today (`model: image-classifier`, spec names) as those before', () => {
    const today = generateRecords().map((r) => ({ ...r, config: currentFormOf(r.config) }));
    expect(today[0]!.config.model).toBe('image-classifier');
    const again = claims(today);
    expect(again.claims.map((c) => [c.id, c.verdict, c.evidence])).toEqual(
      list.map((c) => [c.id, c.verdict, c.evidence]),
    );
  });

  it('reports the gap of every architecture', () => {
    const c5 = list.find((c) => c.id === '5');
    for (const label of [FC.label, CNN3.label, CNN5.label]) expect(c5?.evidence).toContain(`${label} gap`);
  });
});

describe('verdicts follow the decision rule', () => {
  it('not supported when the FC net is significantly better', () => {
    const records = generateRecords({ variants: [{ ...FC, finalTest: 0.75 }, CNN3] });
    expect(verdict(claims(records).claims, '1')).toBe('not supported');
  });

  it('not supported when the CI rules out a 1-point improvement', () => {
    const records = generateRecords({
      variants: [
        { ...FC, finalTest: 0.69, noise: 0.0005 },
        { ...CNN3, noise: 0.0005 },
      ],
    });
    const c1 = claims(records).claims.find((c) => c.id === '1');
    expect(c1?.verdict).toBe('not supported');
    expect(c1?.evidence).toMatch(/excludes the smallest effect of interest/);
  });

  it('inconclusive when the data are too noisy to decide', () => {
    const records = generateRecords({
      variants: [
        { ...FC, finalTest: 0.68, noise: 0.05 },
        { ...CNN3, noise: 0.05 },
      ],
      seeds: [0, 1, 2],
    });
    expect(verdict(claims(records).claims, '1')).toBe('inconclusive');
  });
});

describe('degenerate sweeps', () => {
  it('one seed per group: tested claims are inconclusive, the parameter count still decides', () => {
    const { claims: list } = claims(generateRecords({ seeds: [0] }));
    expect(verdict(list, '2')).toBe('supported');
    for (const id of ['1', '3', '4a', '4b', '5']) expect(verdict(list, id)).toBe('inconclusive');
    expect(list.find((c) => c.id === '1')?.evidence).toMatch(/too few seeds/);
  });

  it('identical convergence epochs in every seed: no faster convergence, not supported', () => {
    const records = generateRecords({ variants: [FC, CNN3], seeds: [0, 1, 2] }).map((r) => ({
      ...r,
      result: {
        ...r.result,
        epochs: r.result.epochs.map((e) => ({ ...e, testAccuracy: e.epoch === 10 ? 0.6 : 0.1 })),
      },
    }));
    const c3 = claims(records).claims.find((c) => c.id === '3');
    expect(c3?.verdict).toBe('not supported');
  });
});

describe('claims the groups cannot address', () => {
  it('are omitted with a note: CNN-only sweeps address the kernel claim only', () => {
    const result = claims(generateRecords({ variants: [CNN3, CNN5] }));
    expect(result.claims.map((c) => c.id)).toEqual(['4a', '4b']);
    expect(result.omitted.map((o) => o.id)).toEqual(['1', '2', '3', '5']);
  });
  it('FC-vs-CNN sweeps omit the kernel claim', () => {
    const result = claims(generateRecords({ variants: [FC, CNN3] }));
    expect(result.omitted.map((o) => o.id)).toEqual(['4']);
  });
});
