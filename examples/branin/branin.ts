/**
 * A trainable with no TF.js: the Branin function, a standard test of global optimisers (three global
 * minima, value 0.397887, e.g. at x1 = π, x2 = 2.275). Each "epoch" is one noisy evaluation; the
 * noise is seeded by the trial seed, so repeats differ and a multi-seed sweep has something to average.
 */
import { z } from 'zod';
import { defineTrainable, mulberry32 } from 'seedsweep';

/** The Branin–Hoo function on x1 ∈ [−5, 10], x2 ∈ [0, 15]. */
export function braninValue(x1: number, x2: number): number {
  const a = 1;
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  const r = 6;
  const s = 10;
  const t = 1 / (8 * Math.PI);
  return a * (x2 - b * x1 ** 2 + c * x1 - r) ** 2 + s * (1 - t) * Math.cos(x1) + s;
}

/** Its global minimum value. */
export const BRANIN_MINIMUM = 0.397887357729738;

export const branin = defineTrainable({
  name: 'branin',
  params: z.object({
    x1: z.number().min(-5).max(10),
    x2: z.number().min(0).max(15),
    /** Standard deviation of the evaluation noise. */
    noise: z.number().min(0).default(0),
  }),
  metrics: ['value', 'regret'],
  async run({ x1, x2, noise }, ctx) {
    const uniform = mulberry32(ctx.seed * 1_000_003 + ctx.epoch);
    while (ctx.epoch < ctx.epochs) {
      // Box–Muller from two uniforms: a normal perturbation of the true value.
      const gaussian = Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
      const value = braninValue(x1, x2) + noise * gaussian;
      ctx.checkpoint({ epoch: ctx.epoch + 1 });
      await ctx.report({ value, regret: value - BRANIN_MINIMUM });
    }
  },
});
