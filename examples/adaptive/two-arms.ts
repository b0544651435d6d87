/**
 * Two arms with a known true difference, for adaptive seeds: the outcome of arm `b` on a seed is
 * `mean_b + seedEffect(seed) + noise`, so paired differences a − b have mean `mean_a − mean_b` and
 * the seed effect cancels in pairs (common random numbers, like the same data order in real training).
 */
import { z } from 'zod';
import { defineTrainable, mulberry32 } from 'seedsweep';

export const twoArms = defineTrainable({
  name: 'two-arms',
  params: z.object({
    arm: z.enum(['a', 'b']),
    mean_a: z.number().default(0.62),
    mean_b: z.number().default(0.6),
    seed_sd: z.number().min(0).default(0.03),
    noise_sd: z.number().min(0).default(0.01),
    /** Milliseconds each epoch takes (so a sweep can be watched, or a worker killed mid-trial). */
    epoch_ms: z.number().min(0).default(0),
  }),
  metrics: ['accuracy'],
  async run(p, ctx) {
    const shared = mulberry32(ctx.seed * 104_729 + 1);
    const own = mulberry32(ctx.seed * 104_729 + (p.arm === 'a' ? 2 : 3));
    const normal = (u: () => number) => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
    const value =
      (p.arm === 'a' ? p.mean_a : p.mean_b) + p.seed_sd * normal(shared) + p.noise_sd * normal(own);
    while (ctx.epoch < ctx.epochs) {
      if (p.epoch_ms > 0) await new Promise((resolve) => setTimeout(resolve, p.epoch_ms));
      ctx.checkpoint({ epoch: ctx.epoch + 1 });
      await ctx.report({ accuracy: value });
    }
  },
});
