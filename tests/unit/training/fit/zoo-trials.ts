/**
 * The graph compiler's model zoo (tests/unit/training/graph/zoo.ts) as model trainables, and a trial
 * of one killed after epoch k and resumed the way a worker does it: the runner's stop (at an epoch's
 * end, or mid-epoch), its injected fault, or an error thrown after the epoch's checkpoint; then a new
 * run on the same checkpoint folder with `resume`. The resumed trial must end bit-identical to an
 * uninterrupted one: every epoch's metrics, the saved weights and the last checkpoint's weights and
 * optimiser state.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { z } from 'zod';
import type { BackendInfo, Trial, TrialResult } from '../../../../src/core/domain/trial.js';
import { defineModelTrainable, type ModelTrainable } from '../../../../src/training/fit/define.js';
import type { ArrayData, FitData } from '../../../../src/training/fit/definition.js';
import type { FitState } from '../../../../src/training/fit/fit-state.js';
import { listCheckpointEpochs, readLatestCheckpoint } from '../../../../src/training/runner/checkpoint.js';
import { InjectedFaultError, TrialStoppedError } from '../../../../src/training/runner/errors.js';
import { buildRepeatable, type Dataset, type ZooEntry } from '../graph/zoo.js';
import { fitTrial, runFitTrial, withoutTimings } from './helpers.js';

const noParams = z.object({});
type NoParams = z.infer<typeof noParams>;
/** A zoo entry as a model trainable. */
export type ZooTrainable = ModelTrainable<NoParams>;

/** Every trial's epoch budget. */
export const EPOCHS = 4;
/** 30 training examples in batches of 8: four steps an epoch, the last one short. */
const TRAIN_EXAMPLES = 30;
const VALIDATION_EXAMPLES = 12;
const BATCH_SIZE = 8;

/** How a trial is killed after epoch k. */
export type Kill =
  /** The runner's stop, asked for when epoch k's report arrives (a scheduler pruning the trial). */
  | 'stop'
  /** The runner's stop, seen at the second step of epoch k + 1: the partial epoch is dropped. */
  | 'stop mid-epoch'
  /** The runner's test fault, thrown right after epoch k's checkpoint (a crash). */
  | 'injected fault'
  /** An error thrown by the runner's `onEpoch` after epoch k's checkpoint (the worker's side failing). */
  | 'error after the checkpoint';

export interface KillPlan {
  afterEpoch: 1 | 2 | 3;
  kill: Kill;
}

/** One plan per zoo entry (by index, cycling): every k with every way of killing. */
const PLANS: readonly KillPlan[] = [
  { afterEpoch: 1, kill: 'stop' },
  { afterEpoch: 2, kill: 'injected fault' },
  { afterEpoch: 3, kill: 'error after the checkpoint' },
  { afterEpoch: 1, kill: 'stop mid-epoch' },
  { afterEpoch: 2, kill: 'stop' },
  { afterEpoch: 3, kill: 'injected fault' },
  { afterEpoch: 2, kill: 'stop mid-epoch' },
  { afterEpoch: 1, kill: 'error after the checkpoint' },
  { afterEpoch: 3, kill: 'stop' },
  { afterEpoch: 1, kill: 'injected fault' },
];

export function planFor(index: number): KillPlan {
  return PLANS[index % PLANS.length]!;
}

function arrays(data: Dataset): { x: ArrayData; y: ArrayData } {
  const { count, inputs, targets } = data;
  return {
    x: { data: inputs[0]!.data, shape: [count, ...inputs[0]!.dims] },
    y: { data: targets[0]!.data, shape: [count, ...targets[0]!.dims] },
  };
}

/** Zoo entry `index` as a model trainable: its model (the same weights every build), loss, metrics, optimiser. */
export function zooTrainable(entry: ZooEntry, index: number): ZooTrainable {
  return defineModelTrainable({
    name: `zoo-${index}`,
    params: noParams,
    build: () => buildRepeatable(entry, 5000 + 100 * index),
    compile: { optimizer: entry.optimizer, loss: entry.loss, metrics: entry.metrics },
    data: (): FitData => ({
      train: arrays(entry.data(TRAIN_EXAMPLES, 100 + index)),
      validation: arrays(entry.data(VALIDATION_EXAMPLES, 200 + index)),
    }),
    batchSize: BATCH_SIZE,
  });
}

export function zooTrial(index: number): Trial {
  return fitTrial(`zoo-${index}`, {}, EPOCHS, 11 + index);
}

/** Every (epoch, metric) whose value differs from the reference's in any bit (Object.is: `===`, and NaN is itself). */
function differences(actual: Record<string, number>[], reference: Record<string, number>[]): string[] {
  const out: string[] = [];
  if (actual.length !== reference.length) out.push(`${actual.length} epochs, expected ${reference.length}`);
  reference.forEach((expected, e) => {
    const got = actual[e] ?? {};
    for (const name of new Set([...Object.keys(expected), ...Object.keys(got)]))
      if (!Object.is(got[name], expected[name]))
        out.push(`epoch ${e + 1} ${name}: ${got[name]} !== ${expected[name]}`);
  });
  return out;
}

/** The last checkpoint's weights and optimiser state, as bytes per array under its place (auto layer names differ per build). */
async function finalState(checkpointDir: string): Promise<Map<string, Buffer>> {
  const checkpoint = await readLatestCheckpoint({ dir: checkpointDir });
  expect(checkpoint?.epoch).toBe(EPOCHS);
  const state = checkpoint!.state as FitState;
  const bytes = (a: FitState['weights'][number]) =>
    Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  return new Map([
    ...state.weights.map((a, i) => [`weight ${i}`, bytes(a)] as const),
    ...state.optimizerState.map((a, i) => [`optimizer state ${i}`, bytes(a)] as const),
  ]);
}

/** The arrays of two states that are missing from one or differ in any byte (Buffer.equals: fast on megabytes). */
function differingArrays(actual: Map<string, Buffer>, reference: Map<string, Buffer>): string[] {
  return [...new Set([...actual.keys(), ...reference.keys()])].filter((name) => {
    const a = actual.get(name);
    const b = reference.get(name);
    return a === undefined || b === undefined || !a.equals(b);
  });
}

/** Runs the trial until `plan` kills it; returns what it was killed with. */
async function killedRun(
  trainable: ZooTrainable,
  trial: Trial,
  checkpointDir: string,
  plan: KillPlan,
  backend: BackendInfo,
): Promise<unknown> {
  const k = plan.afterEpoch;
  let stopAsked = false;
  let pollsSinceAsked = 0;
  const run = runFitTrial(trainable as never, {
    trial,
    backend,
    checkpointDir,
    ...(plan.kill === 'injected fault' ? { failAtEpoch: k } : {}),
    onEpoch: ({ epoch }) => {
      if (epoch !== k) return;
      if (plan.kill === 'error after the checkpoint') throw new Error(`worker lost after epoch ${k}`);
      if (plan.kill === 'stop' || plan.kill === 'stop mid-epoch') stopAsked = true;
    },
    shouldStop: () => {
      if (!stopAsked) return false;
      // Mid-epoch: let epoch k's own end-of-epoch poll pass, stop at the next (epoch k + 1, step 1).
      return plan.kill === 'stop' || ++pollsSinceAsked > 1;
    },
  });
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `the trial should have been killed after epoch ${k}`).toBeDefined();
  return error;
}

/** What a kill must have thrown, and that it left epoch k's checkpoint (and no later one). */
function expectKilledBy(error: unknown, plan: KillPlan): void {
  const k = plan.afterEpoch;
  switch (plan.kill) {
    case 'stop':
    case 'stop mid-epoch':
      expect(error).toBeInstanceOf(TrialStoppedError);
      expect((error as TrialStoppedError).epoch).toBe(k);
      return;
    case 'injected fault':
      expect(error).toBeInstanceOf(InjectedFaultError);
      expect((error as InjectedFaultError).epoch).toBe(k);
      return;
    case 'error after the checkpoint':
      expect((error as Error).message).toBe(`worker lost after epoch ${k}`);
      return;
  }
}

/** What {@link expectExactResume} needs. */
export interface ResumeCase {
  trainable: ZooTrainable;
  trial: Trial;
  plan: KillPlan;
  /** A folder of its own for this case. */
  dir: string;
  backend: BackendInfo;
}

/**
 * Trains the trial straight through, then killed per `plan` and resumed from its checkpoint folder;
 * expects the resumed trial to end bit-identical. Returns both results (for path checks).
 */
export async function expectExactResume(
  c: ResumeCase,
): Promise<{ straight: TrialResult; resumed: TrialResult }> {
  const { trainable, trial, plan, dir, backend } = c;
  await mkdir(dir, { recursive: true });
  const at = (name: string) => path.join(dir, name);

  const straight = await runFitTrial(trainable as never, {
    trial,
    backend,
    checkpointDir: at('straight-checkpoints'),
    modelDir: at('straight-model'),
  });
  const reference = withoutTimings(straight.epochs);
  expect(reference).toHaveLength(EPOCHS);
  for (const epoch of reference)
    for (const [name, value] of Object.entries(epoch))
      expect(Number.isFinite(value), `${name} = ${value}`).toBe(true);
  expect(Object.keys(reference[0]!)).toContain('validationLoss');
  expect(reference[EPOCHS - 1]!['trainLoss']).toBeLessThan(reference[0]!['trainLoss']!); // it trains

  const checkpointDir = at('checkpoints');
  expectKilledBy(await killedRun(trainable, trial, checkpointDir, plan, backend), plan);
  // The runner keeps the previous checkpoint too (something to fall back to if the latest is damaged).
  expect(await listCheckpointEpochs(checkpointDir)).toEqual(
    [plan.afterEpoch - 1, plan.afterEpoch].filter((e) => e >= 1),
  );

  const resumed = await runFitTrial(trainable as never, {
    trial,
    backend,
    checkpointDir,
    resume: true,
    modelDir: at('resumed-model'),
  });
  expect(resumed.resumedFromEpoch).toBe(plan.afterEpoch);
  expect(differences(withoutTimings(resumed.epochs), reference)).toEqual([]);
  const weightsFile = (model: string) => readFile(path.join(dir, model, 'weights.bin'));
  expect((await weightsFile('resumed-model')).equals(await weightsFile('straight-model'))).toBe(true);
  const finalReference = await finalState(at('straight-checkpoints'));
  expect(finalReference.size).toBeGreaterThan(0);
  expect(differingArrays(await finalState(checkpointDir), finalReference)).toEqual([]);
  return { straight, resumed };
}
