/** Shared fixtures of the sampler tests: a space with every distribution, and an ask/tell loop. */
import type { Distribution, FinishedTrial, ParamValue, Sampler } from '../../../src/search/index.js';
import { seededUniform } from '../../../src/search/uniform.js';

/** One parameter of every distribution kind (and q where allowed). */
export const EVERY_KIND: Record<string, Distribution> = {
  u: { kind: 'uniform', low: -2, high: 3 },
  uq: { kind: 'uniform', low: 0, high: 1, q: 0.25 },
  lu: { kind: 'loguniform', low: 1e-4, high: 1e-1 },
  luq: { kind: 'loguniform', low: 1, high: 1000, q: 5 },
  i: { kind: 'int', low: -3, high: 4 },
  li: { kind: 'logint', low: 16, high: 1024 },
  n: { kind: 'normal', mean: 10, sd: 2 },
  nq: { kind: 'normal', mean: 0, sd: 1, q: 0.5 },
  c: { kind: 'choice', values: ['adam', 'sgd', 3, true] },
};

/** An objective over EVERY_KIND with a known best region, so TPE has something to learn. */
export function everyKindObjective(p: Record<string, ParamValue>): number {
  const num = (k: string) => Number(p[k]);
  return (
    (num('u') - 1) ** 2 +
    (num('uq') - 0.75) ** 2 +
    Math.log10(num('lu') / 1e-3) ** 2 +
    Math.log10(num('luq') / 100) ** 2 +
    (num('i') - 2) ** 2 / 10 +
    Math.log2(num('li') / 64) ** 2 / 10 +
    (num('n') - 11) ** 2 / 4 +
    num('nq') ** 2 +
    (p['c'] === 'sgd' ? 0 : 1)
  );
}

/** Runs `n` ask/tell rounds on a fresh stream of `seed`; returns every trial. */
export function optimise(options: {
  sampler: Sampler;
  space: Record<string, Distribution>;
  objective: (params: Record<string, ParamValue>) => number;
  n: number;
  seed?: number;
  mode?: 'min' | 'max';
}): FinishedTrial[] {
  const uniform = seededUniform(options.seed ?? 0);
  const trials: FinishedTrial[] = [];
  for (let i = 0; i < options.n; i += 1) {
    const params = options.sampler.ask({
      space: options.space,
      trials,
      mode: options.mode ?? 'min',
      uniform,
    });
    trials.push({ params, value: options.objective(params) });
  }
  return trials;
}

/** True when `value` is one a draw from `d` may give (range, integrality, q, 6 significant digits). */
export function isValidDraw(d: Distribution, value: ParamValue): boolean {
  if (d.kind === 'choice') return d.values.includes(value);
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (d.kind === 'int' || d.kind === 'logint')
    return Number.isInteger(value) && value >= d.low && value <= d.high;
  if (Number(value.toPrecision(6)) !== value) return false;
  if (d.kind !== 'normal' && (value < d.low || value > d.high)) return false;
  const q = 'q' in d ? d.q : undefined;
  if (q !== undefined) {
    const k = value / q;
    const atBound = d.kind !== 'normal' && (value === d.low || value === d.high);
    if (Math.abs(k - Math.round(k)) > 1e-6 && !atBound) return false;
  }
  return true;
}
