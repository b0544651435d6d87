import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTrainable, type Trainable } from '../../../../src/core/domain/trainable.js';
import type { EpochMetrics, Trial } from '../../../../src/core/domain/trial.js';
import { InjectedFaultError, TrialStoppedError } from '../../../../src/training/runner/errors.js';
import { runTrainable, type RunTrainableOptions } from '../../../../src/training/runner/run-trainable.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'seedsweep-trainable-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A stateful trainable: a running sum seeded by the seed; its state must survive a resume. */
const counter = defineTrainable({
  name: 'counter',
  params: z.object({ step: z.number().positive(), scale: z.number().default(1) }),
  async run({ step, scale }, ctx) {
    let total = ctx.restore<{ total: number }>()?.total ?? ctx.seed;
    while (ctx.epoch < ctx.epochs) {
      total += step * scale;
      ctx.checkpoint({ total, weights: new Float32Array([total, -0]) });
      await ctx.report({ total, half: total / 2 });
    }
  },
});

const trial = (overrides: Partial<Trial['config']> = {}, seed = 3): Trial => ({
  seed,
  config: {
    model: 'counter',
    modelOptions: { step: 2 },
    train: { epochs: 4 },
    dataset: { name: 'none' },
    trainable: { module: '/x.ts', export: 'counter' },
    ...overrides,
  },
});

const run = (options: Partial<RunTrainableOptions> & { trainable?: Trainable<never, never> }) =>
  runTrainable({
    trainable: (options.trainable ?? counter) as unknown as RunTrainableOptions['trainable'],
    trial: options.trial ?? trial(),
    dataset: undefined,
    datasetFingerprint: 'none',
    backend: { name: 'js', version: '0' },
    ...options,
  } as RunTrainableOptions);

describe('runTrainable', () => {
  it('numbers epochs, passes validated params with defaults, and returns every reported metric', async () => {
    const seen: EpochMetrics[] = [];
    const result = await run({ onEpoch: (m) => seen.push(m) });
    expect(result.epochs).toEqual([
      { epoch: 1, total: 5, half: 2.5 },
      { epoch: 2, total: 7, half: 3.5 },
      { epoch: 3, total: 9, half: 4.5 },
      { epoch: 4, total: 11, half: 5.5 },
    ]);
    expect(seen).toEqual(result.epochs);
    expect(result.final).toBe(result.epochs[3]);
    expect(result.resumedFromEpoch).toBe(0);
    expect(result.modelStats).toBeUndefined();
  });

  it('resumes from the staged state after a crash and ends like an undisturbed run', async () => {
    const dir = path.join(tmp, 'crash');
    await expect(run({ checkpointDir: dir, failAtEpoch: 2 })).rejects.toBeInstanceOf(InjectedFaultError);
    const resumed = await run({ checkpointDir: dir, resume: true });
    expect(resumed.resumedFromEpoch).toBe(2);
    expect(resumed.epochs).toEqual((await run({})).epochs);
  });

  it('stops at an epoch boundary when asked, and a resumed trial continues after it', async () => {
    const dir = path.join(tmp, 'stop');
    let reports = 0;
    const error = await run({
      checkpointDir: dir,
      onEpoch: () => (reports += 1),
      shouldStop: () => reports >= 1,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrialStoppedError);
    expect((error as TrialStoppedError).epoch).toBe(1);
    const resumed = await run({ checkpointDir: dir, resume: true });
    expect(resumed.epochs.map((m) => m['total'])).toEqual([5, 7, 9, 11]);
  });

  it('refuses a checkpoint of another seed or dataset', async () => {
    const dir = path.join(tmp, 'other');
    await run({
      checkpointDir: dir,
      trial: { ...trial(), config: { ...trial().config, train: { epochs: 1 } } },
    });
    await expect(run({ checkpointDir: dir, resume: true, trial: trial({}, 9) })).rejects.toMatchObject({
      code: 'E_CHECKPOINT_MISMATCH',
    });
    await expect(
      run({ checkpointDir: dir, resume: true, datasetFingerprint: 'other' }),
    ).rejects.toMatchObject({ code: 'E_CHECKPOINT_MISMATCH' });
  });

  it("rejects parameters that fail the trainable's schema, naming the field", async () => {
    await expect(run({ trial: trial({ modelOptions: { step: -1 } }) })).rejects.toMatchObject({
      code: 'E_BAD_PARAMS',
      message: expect.stringMatching(/step: Too small/),
    });
  });

  it('says what is wrong with a trainable that misreports', async () => {
    const bad = (name: string, body: (ctx: Parameters<Trainable['run']>[1]) => Promise<void>) =>
      defineTrainable({
        name,
        params: z.object({}).loose(),
        run: (_p, ctx) => body(ctx),
      }) as unknown as Trainable<never, never>;
    const quiet = bad('quiet', async () => {});
    await expect(run({ trainable: quiet })).rejects.toMatchObject({ code: 'E_NO_METRICS' });
    const chatty = bad('chatty', async (ctx) => {
      for (let i = 0; i < 5; i++) await ctx.report({ x: i });
    });
    await expect(run({ trainable: chatty })).rejects.toMatchObject({ code: 'E_TOO_MANY_EPOCHS' });
    const wordy = bad('wordy', async (ctx) => ctx.report({ x: 'high' as unknown as number }));
    await expect(run({ trainable: wordy })).rejects.toMatchObject({
      code: 'E_BAD_METRICS',
      message: expect.stringMatching(/'x'/),
    });
  });

  it('defineTrainable rejects bad names and missing parts', () => {
    expect(() => defineTrainable({ name: 'bad name', params: z.object({}), run: async () => {} })).toThrow(
      /name must be/,
    );
    expect(() => defineTrainable({ name: 'ok', params: {} as never, run: async () => {} })).toThrow(
      /zod schema/,
    );
  });
});
