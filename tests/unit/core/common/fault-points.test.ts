import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNoopTrainer } from '../../../../src/temporal/activities/noop-trainer.js';
import { isUserError } from '../../../../src/core/common/errors.js';
import {
  FAULT_ENV,
  FAULT_POINTS,
  createFaultPoints,
  faultPoint,
  parseFaultSpec,
  type FaultPointName,
} from '../../../../src/core/common/fault-points.js';
import { PACKAGE_ROOT } from '../../../../src/core/common/paths.js';
import {
  readLatestCheckpoint,
  removeCheckpoints,
  writeCheckpoint,
} from '../../../../src/training/runner/checkpoint.js';
import { NOOP_TRIAL, engineState } from './fault-point-fixtures.js';

const CHILD = fileURLToPath(new URL('./fault-point-child.ts', import.meta.url));
const VALID = Object.keys(FAULT_POINTS).join(', ');

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'seedsweep-fault-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function parseError(raw: string): string {
  try {
    parseFaultSpec(raw);
  } catch (error) {
    expect(isUserError(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error(`parseFaultSpec accepted ${JSON.stringify(raw)}`);
}

describe('parseFaultSpec', () => {
  it('reads <point>[@<n>] lists, @1 when the hit is omitted', () => {
    expect(parseFaultSpec('checkpoint-rename@2')).toEqual([{ point: 'checkpoint-rename', hit: 2 }]);
    expect(parseFaultSpec(' log-batch , continue-as-new@10,,')).toEqual([
      { point: 'log-batch', hit: 1 },
      { point: 'continue-as-new', hit: 10 },
    ]);
    expect(parseFaultSpec('')).toEqual([]);
  });

  it('refuses unknown points, naming the valid ones', () => {
    const message = parseError('checkpoint-rename,checkpoint-renam@2');
    expect(message).toContain('unknown fault point "checkpoint-renam"');
    expect(message).toContain(VALID);
    expect(message).toContain(FAULT_ENV);
    expect(parseError('toString')).toContain('unknown fault point "toString"');
  });

  it('refuses bad hit numbers and malformed items', () => {
    expect(parseError('checkpoint-rename@0')).toContain('≥ 1');
    for (const raw of ['checkpoint-rename@', 'checkpoint-rename@x', 'checkpoint-rename@-1', 'a b', '@2'])
      expect(parseError(raw)).toContain(VALID);
  });
});

describe('createFaultPoints', () => {
  const recorder = (raw: string, counters?: Int32Array) => {
    const fired: [FaultPointName, number][] = [];
    const reach = createFaultPoints(parseFaultSpec(raw), {
      ...(counters ? { counters } : {}),
      onTrigger: (point, hit) => fired.push([point, hit]),
    });
    return { reach, fired };
  };

  it('fires on exactly the n-th hit of its point, once', () => {
    const { reach, fired } = recorder('checkpoint-rename@2');
    reach('checkpoint-rename');
    expect(fired).toEqual([]);
    reach('log-batch'); // other points neither fire nor count
    reach('checkpoint-rename');
    expect(fired).toEqual([['checkpoint-rename', 2]]);
    for (let i = 0; i < 5; i++) reach('checkpoint-rename');
    expect(fired).toEqual([['checkpoint-rename', 2]]);
  });

  it('counts each point separately and fires at every listed hit', () => {
    const { reach, fired } = recorder('log-batch@1,log-batch@3,continue-as-new@2');
    for (let i = 0; i < 3; i++) {
      reach('log-batch');
      reach('continue-as-new');
    }
    expect(fired).toEqual([
      ['log-batch', 1],
      ['continue-as-new', 2],
      ['log-batch', 3],
    ]);
  });

  it('counts in the counters it is given (shared memory: the process-wide count)', () => {
    const counters = new Int32Array(new SharedArrayBuffer(4 * Object.keys(FAULT_POINTS).length));
    const a = recorder('checkpoint-rename@3', counters);
    const b = recorder('checkpoint-rename@3', counters);
    a.reach('checkpoint-rename');
    b.reach('checkpoint-rename');
    a.reach('checkpoint-rename');
    expect([a.fired, b.fired]).toEqual([[['checkpoint-rename', 3]], []]);
  });

  it('does nothing when the variable is unset (as in this test process)', () => {
    expect(process.env[FAULT_ENV]).toBeUndefined();
    for (const point of Object.keys(FAULT_POINTS) as FaultPointName[]) faultPoint(point);
  });
});

/** Runs fault-point-child.ts with `SEEDSWEEP_FAULT=fault`; resolves with how it ended. */
function runChild(
  scenario: string,
  dir: string,
  fault: string,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, scenario, dir], {
      cwd: PACKAGE_ROOT,
      env: { ...process.env, [FAULT_ENV]: fault },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('a process reaching an armed fault point', () => {
  it('is SIGKILLed between the engine checkpoint temp folder and its rename; the old checkpoint loads', async () => {
    const dir = path.join(tmp, 'engine');
    const child = await runChild('engine-checkpoint', dir, 'checkpoint-rename@2');
    expect(child.signal).toBe('SIGKILL');
    expect(child.stdout).toBe('');
    expect(child.stderr).toContain('fault point checkpoint-rename reached (hit 2): SIGKILL\n');
    // Epoch 1 in place, epoch 2 complete in its temporary folder but never renamed.
    const names = await readdir(dir);
    const temporary = names.filter((name) => name.startsWith('.tmp-'));
    expect(names.filter((name) => !temporary.includes(name))).toEqual(['epoch-0001']);
    expect(temporary).toHaveLength(1);
    expect((await readdir(path.join(dir, temporary[0]!))).sort()).toEqual(['checkpoint.json', 'state.bin']);
    expect(await readLatestCheckpoint({ dir })).toEqual(engineState(1));
    // The trial goes on from there; the leftover temporary folder is removed with the checkpoints.
    await writeCheckpoint({ dir, state: engineState(2) });
    expect(await readLatestCheckpoint({ dir })).toEqual(engineState(2));
    await removeCheckpoints({ dir });
    expect(await readdir(dir)).toEqual([]);
  });

  it("is SIGKILLed before the noop trainer's checkpoint rename; the resumed trial matches an undisturbed one", async () => {
    const dir = path.join(tmp, 'noop');
    const child = await runChild('noop-checkpoint', dir, 'checkpoint-rename@2');
    expect(child.signal).toBe('SIGKILL');
    expect(child.stderr).toContain('fault point checkpoint-rename reached (hit 2): SIGKILL\n');
    expect((await readdir(dir)).sort()).toEqual(['noop-checkpoint.json', 'noop-checkpoint.json.tmp']);
    const saved = JSON.parse(await readFile(path.join(dir, 'noop-checkpoint.json'), 'utf8')) as {
      epochs: unknown[];
    };
    expect(saved.epochs).toHaveLength(1);
    const trainer = createNoopTrainer();
    const resumed = await trainer.run({ trial: NOOP_TRIAL, checkpointDir: dir, resume: true });
    const undisturbed = await trainer.run({ trial: NOOP_TRIAL });
    expect(resumed.resumedFromEpoch).toBe(1);
    expect(resumed.epochs).toEqual(undisturbed.epochs);
  });

  it('counts hits per process across worker threads, and a thread kills the whole process', async () => {
    const child = await runChild('threads', tmp, 'checkpoint-rename@2');
    expect(child.signal).toBe('SIGKILL');
    expect(child.stderr).toContain('fault point checkpoint-rename reached (hit 2): SIGKILL\n');
    const survivor = await runChild('threads', tmp, 'checkpoint-rename@3');
    expect([survivor.code, survivor.signal, survivor.stdout]).toEqual([0, null, 'survived\n']);
  });

  it('fails at startup on an unknown point, naming the valid ones', async () => {
    const child = await runChild('import', tmp, 'checkpoint-rename,no-such-point');
    expect(child.signal).toBeNull();
    expect(child.code).not.toBe(0);
    expect(child.stdout).toBe('');
    expect(child.stderr).toContain(`unknown fault point "no-such-point"; valid points: ${VALID}.`);
  });
});
