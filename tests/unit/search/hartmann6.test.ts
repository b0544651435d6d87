/** The Hartmann-6 test function of examples/hartmann6 (used by the sampler benchmark) and its sweep file. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSweepSpec } from '../../../src/interfaces/api/index.js';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';
import {
  HARTMANN6_ARGMIN,
  HARTMANN6_MINIMUM,
  hartmann6Value,
} from '../../../examples/hartmann6/hartmann6.js';
import { expandSweep } from '../../../src/sweep-spec/expand.js';

describe('examples/hartmann6', () => {
  it('has its global minimum −3.32237 at the published argmin, and nothing lower nearby', () => {
    expect(hartmann6Value([...HARTMANN6_ARGMIN])).toBeCloseTo(HARTMANN6_MINIMUM, 5);
    for (let j = 0; j < 6; j += 1) {
      const x: number[] = [...HARTMANN6_ARGMIN];
      x[j] = x[j]! + 0.01;
      expect(hartmann6Value(x)).toBeGreaterThan(hartmann6Value([...HARTMANN6_ARGMIN]));
    }
    expect(hartmann6Value([0, 0, 0, 0, 0, 0])).toBeCloseTo(-0.005, 3);
    expect(() => hartmann6Value([0.5])).toThrow(/6 coordinates/);
  });

  it('its sweep file loads: 60 random points over [0, 1]⁶, 2 seeds', async () => {
    const spec = await loadSweepSpec(path.join(PACKAGE_ROOT, 'examples', 'hartmann6', 'sweep.yaml'));
    expect(spec.trainable?.name).toBe('hartmann6');
    expect(expandSweep({ spec, datasetFingerprint: 'none' })).toHaveLength(120);
  });
});
