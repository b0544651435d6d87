/**
 * Search-space helpers shared by the samplers: validation (one message per mistake) and the random
 * draw of a whole point, exactly as spec expansion's random search draws it. Pure, workflow-safe.
 */
import { draw } from './distributions.js';
import type { Distribution, ParamValue, Uniform } from './types.js';
import { SamplerError } from './types.js';

function finite(value: number, what: string, param: string): void {
  if (!Number.isFinite(value))
    throw new SamplerError(`${what} must be a finite number, found ${value}`, param);
}

function checkQ(q: number | undefined, param: string): void {
  if (q === undefined) return;
  finite(q, 'q', param);
  if (q <= 0) throw new SamplerError(`q must be positive, found ${q}`, param);
}

/**
 * Checks every distribution of a space.
 * @throws SamplerError naming the first invalid parameter.
 */
export function validateSpace(space: Readonly<Record<string, Distribution>>): void {
  for (const [param, d] of Object.entries(space)) {
    switch (d.kind) {
      case 'uniform':
      case 'loguniform':
      case 'int':
      case 'logint': {
        finite(d.low, 'low', param);
        finite(d.high, 'high', param);
        if (d.low > d.high) throw new SamplerError(`low (${d.low}) is above high (${d.high})`, param);
        if (
          (d.kind === 'int' || d.kind === 'logint') &&
          !(Number.isInteger(d.low) && Number.isInteger(d.high))
        )
          throw new SamplerError(`${d.kind} bounds must be integers, found [${d.low}, ${d.high}]`, param);
        if (d.kind === 'loguniform' && d.low <= 0)
          throw new SamplerError(`loguniform needs low > 0, found ${d.low}`, param);
        if (d.kind === 'logint' && d.low < 1)
          throw new SamplerError(`logint needs low ≥ 1, found ${d.low}`, param);
        if (d.kind === 'uniform' || d.kind === 'loguniform') checkQ(d.q, param);
        break;
      }
      case 'normal':
        finite(d.mean, 'mean', param);
        finite(d.sd, 'sd', param);
        if (d.sd <= 0) throw new SamplerError(`sd must be positive, found ${d.sd}`, param);
        checkQ(d.q, param);
        break;
      case 'choice':
        if (d.values.length === 0) throw new SamplerError('choice needs at least one value', param);
        break;
      default:
        throw new SamplerError(`unknown distribution ${JSON.stringify(d)}`, param);
    }
  }
}

/**
 * One random point: every parameter drawn in key order with one uniform each, exactly as
 * `expandVariants` draws a random-search sample (so the same seed gives the same points).
 */
export function drawPoint(
  space: Readonly<Record<string, Distribution>>,
  uniform: Uniform,
): Record<string, ParamValue> {
  return Object.fromEntries(Object.entries(space).map(([name, d]) => [name, draw(d, uniform)]));
}

/** The index of `value` among a choice's values (`3` and `'3'` are the same value), or -1. */
export function choiceIndex(values: readonly ParamValue[], value: ParamValue): number {
  const exact = values.indexOf(value);
  return exact >= 0 ? exact : values.findIndex((v) => String(v) === String(value));
}
