/** The grid sampler: cartesian order, derived axes, skipping finished and pending points, exhaustion. */
import { describe, expect, it } from 'vitest';
import {
  axisOf,
  GridSampler,
  SamplerError,
  SamplerExhaustedError,
  type Distribution,
} from '../../../src/search/index.js';
import { seededUniform } from '../../../src/search/uniform.js';

const SPACE: Record<string, Distribution> = {
  opt: { kind: 'choice', values: ['adam', 'sgd'] },
  lr: { kind: 'loguniform', low: 0.001, high: 0.1 },
};

describe('GridSampler', () => {
  it('derives axes: evenly spaced (log space for log kinds), all integers of a small range, normal quantiles', () => {
    expect(axisOf({ kind: 'uniform', low: 0, high: 1 }, 5)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(axisOf({ kind: 'loguniform', low: 0.001, high: 0.1 }, 3)).toEqual([0.001, 0.01, 0.1]);
    expect(axisOf({ kind: 'uniform', low: 0, high: 1, q: 0.3 }, 5)).toEqual([0, 0.3, 0.6, 0.9]);
    expect(axisOf({ kind: 'int', low: 1, high: 3 }, 5)).toEqual([1, 2, 3]);
    expect(axisOf({ kind: 'int', low: 0, high: 100 }, 3)).toEqual([0, 50, 100]);
    expect(axisOf({ kind: 'logint', low: 1, high: 1024 }, 3)).toEqual([1, 32, 1024]);
    expect(axisOf({ kind: 'normal', mean: 0, sd: 1 }, 3)).toEqual([-0.967422, 0, 0.967422]);
    expect(axisOf({ kind: 'uniform', low: 2, high: 4 }, 1)).toEqual([3]);
  });

  it('proposes points in cartesian order, the last parameter fastest, skipping finished and pending ones', () => {
    const sampler = new GridSampler({ pointsPerAxis: 3 });
    expect(sampler.size(SPACE)).toBe(6);
    const uniform = seededUniform(0);
    const first = sampler.ask({ space: SPACE, trials: [], mode: 'min', uniform });
    expect(first).toEqual({ opt: 'adam', lr: 0.001 });
    const next = sampler.ask({
      space: SPACE,
      trials: [{ params: first, value: 1 }],
      pending: [{ params: { opt: 'adam', lr: 0.01 } }],
      mode: 'min',
      uniform,
    });
    expect(next).toEqual({ opt: 'adam', lr: 0.1 });
  });

  it('counts a trial missing a parameter (dropped by `when`) as covering every value of it', () => {
    const sampler = new GridSampler({ pointsPerAxis: 3 });
    const next = sampler.ask({
      space: SPACE,
      trials: [{ params: { opt: 'adam' }, value: 1 }],
      mode: 'min',
      uniform: seededUniform(0),
    });
    expect(next).toEqual({ opt: 'sgd', lr: 0.001 });
  });

  it('uses explicit axes and throws SamplerExhaustedError once every point is run', () => {
    const sampler = new GridSampler({ grid: { lr: [0.5] } });
    const trials = [
      { params: { opt: 'adam', lr: 0.5 }, value: 1 },
      { params: { opt: 'sgd', lr: '0.5' }, value: 2 },
    ];
    const ask = () => sampler.ask({ space: SPACE, trials, mode: 'min', uniform: seededUniform(0) });
    expect(ask).toThrow(SamplerExhaustedError);
    expect(ask).toThrow('all 2 grid points are finished or pending');
  });

  it('does not advance the uniform stream', () => {
    const uniform = seededUniform(4);
    new GridSampler().ask({ space: SPACE, trials: [], mode: 'min', uniform });
    expect(uniform()).toBe(seededUniform(4)());
  });

  it('rejects bad options', () => {
    expect(() => new GridSampler({ pointsPerAxis: 0 })).toThrow(SamplerError);
    expect(() => new GridSampler({ grid: { lr: [] } })).toThrow(/parameter 'lr'/);
  });
});
