/**
 * A trainable with no TF.js: the 6-dimensional Hartmann function, a standard test of global
 * optimisers (six local minima; global minimum −3.32237 at x ≈ (0.20169, 0.150011, 0.476874,
 * 0.275332, 0.311652, 0.6573)). Each "epoch" is one noisy evaluation; the noise is seeded by the trial
 * seed, so repeats differ and a multi-seed sweep has something to average.
 */
import { z } from 'zod';
import { defineTrainable, mulberry32 } from 'seedsweep';

const ALPHA = [1.0, 1.2, 3.0, 3.2];
const A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((row) => row.map((p) => p * 1e-4));

/** The Hartmann-6 function on [0, 1]⁶: −Σᵢ αᵢ·exp(−Σⱼ Aᵢⱼ·(xⱼ − Pᵢⱼ)²). */
export function hartmann6Value(x: readonly number[]): number {
  if (x.length !== 6) throw new Error(`hartmann6 takes 6 coordinates, found ${x.length}`);
  let sum = 0;
  for (let i = 0; i < 4; i += 1) {
    let inner = 0;
    for (let j = 0; j < 6; j += 1) inner += A[i]![j]! * (x[j]! - P[i]![j]!) ** 2;
    sum += ALPHA[i]! * Math.exp(-inner);
  }
  return -sum;
}

/** Its global minimum value (to the 5 decimals usually quoted). */
export const HARTMANN6_MINIMUM = -3.32237;

/** Where the global minimum lies (to 6 digits). */
export const HARTMANN6_ARGMIN = [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573] as const;

const unit = z.number().min(0).max(1);

export const hartmann6 = defineTrainable({
  name: 'hartmann6',
  params: z.object({
    x1: unit,
    x2: unit,
    x3: unit,
    x4: unit,
    x5: unit,
    x6: unit,
    /** Standard deviation of the evaluation noise. */
    noise: z.number().min(0).default(0),
  }),
  metrics: ['value', 'regret'],
  async run({ x1, x2, x3, x4, x5, x6, noise }, ctx) {
    const uniform = mulberry32(ctx.seed * 1_000_003 + ctx.epoch);
    while (ctx.epoch < ctx.epochs) {
      // Box–Muller from two uniforms: a normal perturbation of the true value.
      const gaussian = Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
      const value = hartmann6Value([x1, x2, x3, x4, x5, x6]) + noise * gaussian;
      ctx.checkpoint({ epoch: ctx.epoch + 1 });
      await ctx.report({ value, regret: value - HARTMANN6_MINIMUM });
    }
  },
});
