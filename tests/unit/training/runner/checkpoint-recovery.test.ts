/**
 * A damaged latest checkpoint (issue 20, item 2): the runner keeps the previous one; a resume by hand
 * refuses the damaged one and says whether the previous one is intact; a sweep's resume passes it over
 * (previous checkpoint, or a fresh start) bit-identically to an uninterrupted run and says which in
 * `checkpointRecovery`. The generated cases are in checkpoint-damage.fuzz.test.ts.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTrainable } from '../../../../src/core/domain/trainable.js';
import type { EpochMetrics, ImageEpochMetrics, Trial } from '../../../../src/core/domain/trial.js';
import { trainTrial } from '../../../../src/execution/trainer.js';
import { readLatestCheckpoint } from '../../../../src/training/runner/checkpoint.js';
import { InjectedFaultError, TrialStoppedError } from '../../../../src/training/runner/errors.js';
import { runTrainable, type RunTrainableOptions } from '../../../../src/training/runner/run-trainable.js';
import { makeSplit, makeTrial, useTestBackend } from '../fixtures.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'seedsweep-recovery-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A running sum with a vector beside it: its state must survive a resume. */
const counter = defineTrainable({
  name: 'counter',
  params: z.object({ step: z.number() }),
  async run({ step }, ctx) {
    let total = ctx.restore<{ total: number }>()?.total ?? ctx.seed;
    while (ctx.epoch < ctx.epochs) {
      total += step;
      ctx.checkpoint({ total, weights: new Float32Array([total, total / 3]) });
      await ctx.report({ total, third: total / 3 });
    }
  },
});

const trial: Trial = {
  seed: 3,
  config: {
    model: 'counter',
    modelOptions: { step: 2 },
    train: { epochs: 4 },
    dataset: { name: 'none' },
    trainable: { module: '/x.ts', export: 'counter' },
  },
};

const run = (options: Partial<RunTrainableOptions>) =>
  runTrainable({
    trainable: counter as unknown as RunTrainableOptions['trainable'],
    trial,
    dataset: undefined,
    datasetFingerprint: 'none',
    backend: { name: 'js', version: '0' },
    ...options,
  });

const sweep = { resume: true, onDamagedCheckpoint: 'fall-back' } as const;
const folder = (dir: string, epoch: number) => path.join(dir, `epoch-${String(epoch).padStart(4, '0')}`);

/** A trial folder holding the checkpoints of epochs 2 and 3, as a crash after epoch 3 leaves it. */
async function crashedAfter3(name: string): Promise<string> {
  const dir = path.join(tmp, name);
  await expect(run({ checkpointDir: dir, failAtEpoch: 3 })).rejects.toBeInstanceOf(InjectedFaultError);
  expect((await readdir(dir)).sort()).toEqual(['epoch-0002', 'epoch-0003']);
  return dir;
}

async function flipBit(file: string, byte: number): Promise<void> {
  const bytes = await readFile(file);
  bytes[byte] = bytes[byte]! ^ 0x10;
  await writeFile(file, bytes);
}

const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e as { code?: string; message: string },
  );

let undisturbed: EpochMetrics[];
beforeAll(async () => {
  undisturbed = (await run({})).epochs;
});

describe('a damaged latest checkpoint', () => {
  it('the runner keeps the latest two checkpoints', async () => {
    const dir = path.join(tmp, 'two');
    await run({ checkpointDir: dir });
    expect((await readdir(dir)).sort()).toEqual(['epoch-0003', 'epoch-0004']);
  });

  it('is refused by a resume by hand, which says the previous one is intact and how to use it', async () => {
    const dir = await crashedAfter3('by-hand');
    await flipBit(path.join(folder(dir, 3), 'state.bin'), 20);
    const error = await errorOf(run({ checkpointDir: dir, resume: true }));
    expect(error).toMatchObject({ name: 'UserError', code: 'E_CHECKPOINT_CORRUPT' });
    expect(error?.message).toBe(
      `checkpoint ${folder(dir, 3)} is damaged (state.bin fails its SHA-256); the previous checkpoint epoch-0002 is intact: ` +
        `delete ${folder(dir, 3)} to resume from epoch 2, or delete the folder ${dir} to start the trial afresh.`,
    );
    // Doing as told resumes from epoch 2 and ends as an undisturbed run.
    await rm(folder(dir, 3), { recursive: true });
    const resumed = await run({ checkpointDir: dir, resume: true });
    expect(resumed.resumedFromEpoch).toBe(2);
    expect(resumed.epochs).toEqual(undisturbed);
    expect(resumed.checkpointRecovery).toBeUndefined();
  });

  it('is passed over in a sweep for the previous one, with the same result, and the record says so', async () => {
    const dir = await crashedAfter3('fall-back');
    await flipBit(path.join(folder(dir, 3), 'state.bin'), 20);
    const result = await run({ checkpointDir: dir, ...sweep });
    expect(result.resumedFromEpoch).toBe(2);
    expect(result.epochs).toEqual(undisturbed);
    expect(result.checkpointRecovery).toEqual({
      damaged: ['epoch-0003'],
      reason: 'epoch-0003: state.bin fails its SHA-256',
      resumedFrom: 2,
    });
    // Healed: the damaged folder was replaced by a good epoch 3.
    expect((await readdir(dir)).sort()).toEqual(['epoch-0003', 'epoch-0004']);
    expect((await readLatestCheckpoint({ dir }))?.epoch).toBe(4);
  });

  it('starts the trial over in a sweep when the previous one is damaged too', async () => {
    const dir = await crashedAfter3('both');
    await rm(path.join(folder(dir, 3), 'checkpoint.json'));
    await writeFile(path.join(folder(dir, 2), 'state.bin'), '');
    const byHand = await errorOf(run({ checkpointDir: dir, resume: true }));
    expect(byHand?.message).toContain('and no intact checkpoint is left; delete the folder');
    const result = await run({ checkpointDir: dir, ...sweep });
    expect(result.resumedFromEpoch).toBe(0);
    expect(result.epochs).toEqual(undisturbed);
    expect(result.checkpointRecovery).toEqual({
      damaged: ['epoch-0003', 'epoch-0002'],
      reason: expect.stringMatching(
        /^epoch-0003: checkpoint\.json is missing; epoch-0002: state\.bin has 0 bytes, not \d+$/,
      ),
      resumedFrom: null,
    });
    expect((await readdir(dir)).sort()).toEqual(['epoch-0003', 'epoch-0004']);
  });

  it('stays in the record after a later crash and resume (the note travels in the checkpoints)', async () => {
    const dir = await crashedAfter3('carried');
    await flipBit(path.join(folder(dir, 3), 'checkpoint.json'), 30);
    await expect(run({ checkpointDir: dir, ...sweep, failAtEpoch: 3 })).rejects.toBeInstanceOf(
      InjectedFaultError,
    );
    const result = await run({ checkpointDir: dir, ...sweep });
    expect(result.resumedFromEpoch).toBe(3);
    expect(result.epochs).toEqual(undisturbed);
    expect(result.checkpointRecovery).toMatchObject({ damaged: ['epoch-0003'], resumedFrom: 2 });
  });

  it('is still there, and noted again, when the trial stops before writing the next checkpoint', async () => {
    const dir = await crashedAfter3('stopped');
    await flipBit(path.join(folder(dir, 3), 'state.bin'), 5);
    const stopped = await errorOf(run({ checkpointDir: dir, ...sweep, shouldStop: () => true }));
    expect(stopped).toBeInstanceOf(TrialStoppedError);
    expect((stopped as unknown as TrialStoppedError).epoch).toBe(2);
    expect((await readdir(dir)).sort()).toEqual(['epoch-0002', 'epoch-0003']);
    const result = await run({ checkpointDir: dir, ...sweep });
    expect(result.checkpointRecovery).toMatchObject({ damaged: ['epoch-0003'], resumedFrom: 2 });
    expect(result.epochs).toEqual(undisturbed);
  });

  it('is caught when checkpoint.json still reads as JSON but a metric changed (its own SHA-256)', async () => {
    const dir = await crashedAfter3('metric');
    const file = path.join(folder(dir, 3), 'checkpoint.json');
    const text = await readFile(file, 'utf8');
    // "total": 7 → 6: a one-bit flip of the digit ('7' 0x37 → '6' 0x36) in epoch 2's metrics.
    expect(text).toContain('"total": 7,');
    await writeFile(file, text.replace('"total": 7,', '"total": 6,'));
    expect(await errorOf(run({ checkpointDir: dir, resume: true }))).toMatchObject({
      code: 'E_CHECKPOINT_CORRUPT',
      message: expect.stringContaining('(checkpoint.json fails its SHA-256)'),
    });
    const result = await run({ checkpointDir: dir, ...sweep });
    expect(result.resumedFromEpoch).toBe(2);
    expect(result.epochs).toEqual(undisturbed);
  });

  it('reads a checkpoint of the previous format, but not a current one whose tag lost a bit', async () => {
    const dir = await crashedAfter3('legacy');
    const file = path.join(folder(dir, 3), 'checkpoint.json');
    const current = await readFile(file, 'utf8');
    const { sha256: _sha256, ...body } = JSON.parse(current) as Record<string, unknown>;
    // As seedsweep-checkpoint/2 was written: the same fields, no checksum of its own.
    await writeFile(file, `${JSON.stringify({ ...body, format: 'seedsweep-checkpoint/2' }, null, 1)}\n`);
    expect((await readLatestCheckpoint({ dir }))?.epoch).toBe(3);
    // '3' (0x33) → '2' (0x32) in the tag of a current file.
    await writeFile(file, current.replace('"seedsweep-checkpoint/3"', '"seedsweep-checkpoint/2"'));
    expect(await errorOf(readLatestCheckpoint({ dir }))).toMatchObject({
      code: 'E_CHECKPOINT_CORRUPT',
      message: expect.stringContaining('checkpoint.json has fields its format does not'),
    });
  });
});

describe('a damaged latest checkpoint of the image classifier', () => {
  const split = makeSplit({ trainSize: 40, testSize: 20 });
  beforeAll(useTestBackend);

  const deterministic = (metrics: EpochMetrics[]) =>
    (metrics as ImageEpochMetrics[]).map(({ epoch, trainLoss, trainAccuracy, testLoss, testAccuracy }) => ({
      epoch,
      trainLoss,
      trainAccuracy,
      testLoss,
      testAccuracy,
    }));

  async function finalArrays(dir: string): Promise<Buffer[]> {
    const state = (await readLatestCheckpoint({ dir }))!.state as {
      weights: { data: Float32Array }[];
      optimizerState: { data: Float32Array | Int32Array }[];
    };
    return [...state.weights, ...state.optimizerState].map((a) =>
      Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength),
    );
  }

  it('is passed over in a sweep for the previous one, bit-identically to an uninterrupted run', async () => {
    const trial = makeTrial({ train: { batchSize: 4 } });
    const fullDir = path.join(tmp, 'image-full');
    const full = await trainTrial({ trial, dataset: split, checkpointDir: fullDir });
    const dir = path.join(tmp, 'image-damaged');
    await expect(
      trainTrial({ trial, dataset: split, checkpointDir: dir, failAtEpoch: 2 }),
    ).rejects.toBeInstanceOf(InjectedFaultError);
    const state = path.join(folder(dir, 2), 'state.bin');
    await flipBit(state, Math.floor((await readFile(state)).length / 2));
    const resumed = await trainTrial({ trial, dataset: split, checkpointDir: dir, ...sweep });
    expect(resumed.resumedFromEpoch).toBe(1);
    expect(resumed.checkpointRecovery).toMatchObject({ damaged: ['epoch-0002'], resumedFrom: 1 });
    expect(deterministic(resumed.epochs)).toEqual(deterministic(full.epochs));
    const [a, b] = [await finalArrays(fullDir), await finalArrays(dir)];
    expect(b.length).toBe(a.length);
    a.forEach((bytes, i) => expect(b[i]!.equals(bytes), `array ${i}`).toBe(true));
  });
});
