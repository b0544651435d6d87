/**
 * Search distributions of one parameter and the one way to draw from them, shared by a spec's random
 * search (src/sweep-spec/expand.ts) and the samplers, so both draw alike from the same stream.
 *
 * PURE and WORKFLOW-SAFE: it runs inside Temporal workflow code (no Node built-ins, no I/O, no clocks,
 * no Math.random; a test enforces the imports).
 */
import type { ParamValue } from '../core/domain/trial.js';
import { roundSignificant, type Uniform } from './uniform.js';

/** A search distribution of one parameter in `variants.random.params`. */
export type Distribution =
  | { kind: 'uniform' | 'loguniform'; low: number; high: number; q?: number }
  | { kind: 'int' | 'logint'; low: number; high: number }
  | { kind: 'normal'; mean: number; sd: number; q?: number }
  | { kind: 'choice'; values: ParamValue[] };

/**
 * Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9).
 * Written here rather than imported: a normal draw must use exactly one uniform (so every sample
 * consumes the same number of draws and streams stay aligned) and this module runs in workflow code.
 */
function normalQuantile(p: number): number {
  const a = [
    -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
    2.506628277459239,
  ];
  const b = [
    -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1,
    -1.328068155288572e1,
  ];
  const c = [
    -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) =>
    (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
    ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  const clamped = Math.min(1 - 1e-12, Math.max(1e-12, p));
  if (clamped < 0.02425) return tail(Math.sqrt(-2 * Math.log(clamped)));
  if (clamped > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - clamped)));
  const q = clamped - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/** Rounds to a multiple of `q` (then to 6 significant digits, as every float draw). */
function quantize(value: number, q: number | undefined): number {
  return q === undefined ? value : roundSignificant(Math.round(value / q) * q);
}

/**
 * One draw from a distribution, using exactly one uniform of the stream; floats are rounded to 6
 * significant digits (and kept inside the range). The random sampler draws exactly as a spec's random
 * search does; its behaviour is part of every random sweep's trial keys.
 */
export function draw(distribution: Distribution, uniform: Uniform): ParamValue {
  const u = uniform();
  switch (distribution.kind) {
    case 'uniform':
    case 'loguniform': {
      const { low, high } = distribution;
      const raw =
        distribution.kind === 'uniform'
          ? low + u * (high - low)
          : Math.exp(Math.log(low) + u * (Math.log(high) - Math.log(low)));
      return Math.min(high, Math.max(low, quantize(roundSignificant(raw), distribution.q)));
    }
    case 'int':
      return distribution.low + Math.floor(u * (distribution.high - distribution.low + 1));
    case 'logint': {
      // Log-uniform over [low, high + 1), floored: each integer's chance is proportional to log((k+1)/k).
      const { low, high } = distribution;
      const raw = Math.floor(Math.exp(Math.log(low) + u * (Math.log(high + 1) - Math.log(low))));
      return Math.min(high, Math.max(low, raw));
    }
    case 'normal':
      return quantize(
        roundSignificant(distribution.mean + distribution.sd * normalQuantile(u)),
        distribution.q,
      );
    case 'choice':
      return distribution.values[Math.floor(u * distribution.values.length)] as ParamValue;
  }
}
