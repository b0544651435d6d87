/**
 * A synthetic learning curve as a trainable (no TF.js): the accuracy after `epoch` epochs of a
 * configuration is asymptote·(1 − exp(−epoch/τ)) + noise, where a good learning rate (near 10^−2.5)
 * gives a high asymptote and wide or narrow layers change the speed. Early epochs rank the
 * configurations roughly but not exactly, which is what ASHA bets on. Each epoch sleeps `epochMs`
 * so a sweep looks like training.
 */
import { z } from 'zod';
import { defineTrainable, mulberry32 } from 'seedsweep';

export function curveAccuracy(params: { logLr: number; width: number }, epoch: number): number {
  const asymptote = 0.95 - 0.08 * (params.logLr + 2.5) ** 2;
  const tau = 2 + 6 / Math.sqrt(params.width / 32);
  return asymptote * (1 - Math.exp(-epoch / tau));
}

export const curves = defineTrainable({
  name: 'learning-curve',
  params: z.object({
    log_lr: z.number().min(-5).max(0),
    width: z.number().int().min(8).max(512),
    noise: z.number().min(0).default(0.01),
    epoch_ms: z.number().min(0).default(0),
  }),
  metrics: ['accuracy'],
  async run(p, ctx) {
    while (ctx.epoch < ctx.epochs) {
      // A stream per (seed, epoch): a trial resumed from a checkpoint reports what an undisturbed one does.
      const uniform = mulberry32(ctx.seed * 7919 + ctx.epoch);
      if (p.epoch_ms > 0) await new Promise((resolve) => setTimeout(resolve, p.epoch_ms));
      const gaussian = Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
      const accuracy = curveAccuracy({ logLr: p.log_lr, width: p.width }, ctx.epoch + 1) + p.noise * gaussian;
      ctx.checkpoint({ epoch: ctx.epoch + 1 });
      await ctx.report({ accuracy });
      if (ctx.shouldStop()) return;
    }
  },
});
