import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../../src/core/domain/keys.js';
import {
  readLatestCheckpoint,
  removeCheckpoints,
  writeCheckpoint,
  type CheckpointState,
} from '../../../../src/training/runner/checkpoint.js';
import { makeTrial } from '../fixtures.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'seedsweep-ckpt-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function state(epoch: number): CheckpointState {
  return {
    identity: canonicalJson({ trial: makeTrial(), dataset: 'fp' }),
    epoch,
    epochs: [{ epoch, loss: 0.5 }],
    state: {
      modelWeights: [
        { name: 'dense/kernel', shape: [2, 3], data: Float32Array.from([1.5, -2, 3e-8, Math.PI, 0, -0]) },
      ],
      optimizerWeights: [
        { name: 'iter', shape: [], data: Int32Array.from([epoch * 10]) },
        { name: 'dense/kernel/m', shape: [2, 3], data: new Float32Array(6).fill(epoch) },
      ],
      extra: new Map([['anything', 'structured-cloneable']]),
    },
  };
}

type WeightsState = {
  modelWeights: { data: Float32Array }[];
  optimizerWeights: { data: Int32Array | Float32Array }[];
};

describe('checkpoints', () => {
  it('round-trips weights and optimiser state exactly and keeps only the newest', async () => {
    const dir = path.join(tmp, 'roundtrip');
    await writeCheckpoint({ dir, state: state(1) });
    await writeCheckpoint({ dir, state: state(2) });
    expect(await readdir(dir)).toEqual(['epoch-0002']);
    const back = await readLatestCheckpoint({ dir });
    expect(back).toEqual(state(2));
    const weights = back!.state as WeightsState;
    expect(Object.is(weights.modelWeights[0]!.data[5], -0)).toBe(true);
    expect(weights.optimizerWeights[0]!.data).toBeInstanceOf(Int32Array);
  });

  it('ignores an unfinished temporary folder and reports a corrupt state file', async () => {
    const dir = path.join(tmp, 'crash');
    await writeCheckpoint({ dir, state: state(1), keep: 5 });
    await mkdir(path.join(dir, '.tmp-123-abc'));
    expect((await readLatestCheckpoint({ dir }))?.epoch).toBe(1);
    await writeFile(path.join(dir, 'epoch-0001', 'state.bin'), 'garbage');
    await expect(readLatestCheckpoint({ dir })).rejects.toMatchObject({ code: 'E_CHECKPOINT_CORRUPT' });
    await writeFile(path.join(dir, 'epoch-0001', 'checkpoint.json'), '{"format":');
    await expect(readLatestCheckpoint({ dir })).rejects.toMatchObject({ code: 'E_CHECKPOINT_CORRUPT' });
    expect(await readLatestCheckpoint({ dir: path.join(tmp, 'missing') })).toBeUndefined();
  });

  it('removes only its own folders from a checkpoint folder', async () => {
    const dir = path.join(tmp, 'shared');
    await writeCheckpoint({ dir, state: state(3) });
    await mkdir(path.join(dir, '.tmp-1-x'));
    await writeFile(path.join(dir, 'notes.txt'), 'keep me');
    await removeCheckpoints({ dir });
    expect(await readdir(dir)).toEqual(['notes.txt']);
    await removeCheckpoints({ dir: path.join(tmp, 'never-made') });
  });

  it('compares trials by content, not key order', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 1, e: 0 }] } })).toBe(
      '{"a":{"c":[3,{"e":0,"f":1}],"d":2},"b":1}',
    );
  });
});
