import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { checkFuzz, fuzzPlan } from '../../fuzz-support.js';

const surface = `fuzz-support-self-test-${process.pid}`;
const file = path.join(import.meta.dirname, '..', '..', 'fixtures', 'fuzz-regressions', `${surface}.json`);

describe('fuzz support', () => {
  afterEach(() => rmSync(file, { force: true }));

  it('gives a fixed seed per surface in the suite and scales the count under npm run fuzz', () => {
    expect(fuzzPlan('a', 10).seed).toBe(fuzzPlan('a', 10).seed);
    expect(fuzzPlan('a', 10).seed).not.toBe(fuzzPlan('b', 10).seed);
    process.env['SEEDSWEEP_FUZZ_SCALE'] = '5';
    try {
      expect(fuzzPlan('a', 10).numRuns).toBe(50);
    } finally {
      delete process.env['SEEDSWEEP_FUZZ_SCALE'];
    }
  });

  it('saves a shrunk failing case and replays it first on the next run', async () => {
    const property = fc.property(fc.integer({ min: 0, max: 10_000 }), (n) => n < 1_000);
    await expect(checkFuzz(surface, property, 500)).rejects.toThrow(/counterexample: \[1000\]/);
    expect(existsSync(file)).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8'))[0].counterexample).toBe('[1000]');
    // The saved case fails again before any generated case runs.
    await expect(checkFuzz(surface, property, 1)).rejects.toThrow(/saved regression case fails again/);
  });

  it('passes and counts the cases of a property that holds', async () => {
    expect(
      await checkFuzz(
        surface,
        fc.property(fc.string(), (s) => typeof s === 'string'),
        100,
      ),
    ).toBe(100);
  });
});
