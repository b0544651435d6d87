/**
 * Sweeps with thousands of seeds per group (load tests, 100,000-trial sweeps): the bootstrap, whose cost
 * is seeds × resamples per comparison, stops at BOOTSTRAP_MAX_SAMPLE seeds a side; larger comparisons
 * keep the t interval and the report says so. Samples up to the bound are bootstrapped as before.
 */
import { describe, expect, it } from 'vitest';
import { BOOTSTRAP_MAX_SAMPLE } from '../../../../src/reporting/analysis/bootstrap.js';
import { buildReport } from '../../../../src/reporting/analysis/report.js';
import { CNN3, FC, generateRecords } from './records.js';

const build = (seeds: number) =>
  buildReport({
    sweepName: 'large',
    sweepId: 'sweep-large',
    records: generateRecords({
      variants: [FC, CNN3],
      seeds: Array.from({ length: seeds }, (_, i) => i),
      epochs: 2,
    }),
  });

describe('comparisons of many seeds', () => {
  it(`bootstrap up to ${BOOTSTRAP_MAX_SAMPLE} seeds a side, with no note`, () => {
    const report = build(BOOTSTRAP_MAX_SAMPLE);
    const [comparison] = report.comparisons;
    expect(comparison?.nA).toBe(BOOTSTRAP_MAX_SAMPLE);
    for (const metric of Object.values(comparison!.metrics)) expect(metric.bootstrapCi95).not.toBeNull();
    expect(report.notes.join('\n')).not.toMatch(/no bootstrap CI/);
    expect(report.bootstrap.maxSample).toBe(BOOTSTRAP_MAX_SAMPLE);
  });

  it('give the t interval only above it, and say so in the notes', () => {
    const report = build(BOOTSTRAP_MAX_SAMPLE + 1);
    const [comparison] = report.comparisons;
    expect(comparison?.design).toBe('paired');
    for (const metric of Object.values(comparison!.metrics)) {
      expect(metric.bootstrapCi95).toBeNull();
      expect(metric.ci95).not.toBeNull();
    }
    expect(report.notes).toContain(
      `1 of 1 comparisons have more than ${BOOTSTRAP_MAX_SAMPLE} seeds a side: they give the t interval only (no bootstrap CI), which agrees with the bootstrap at that size`,
    );
  });
});
