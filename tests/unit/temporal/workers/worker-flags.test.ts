/**
 * `seedsweep worker` (and the worker's own entry) checks its flags before it loads the Temporal worker
 * and TF.js (src/temporal/workers/process.ts, about 3 s of CPU): a bad flag is refused at once, without
 * importing that module. The module is mocked here so that an import is seen and nothing heavy loads.
 */
import { Command } from 'commander';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const loaded = { process: 0, runs: [] as unknown[] };

/** Runs the worker command with `args`, from a fresh module graph (so an import of process.ts is seen). */
async function worker(...args: string[]): Promise<Command> {
  vi.resetModules();
  // Registered per run (vi.doMock, not hoisted): each fresh import of process.ts calls the factory.
  vi.doMock('../../../../src/temporal/workers/process.js', () => {
    loaded.process += 1;
    return {
      runWorkerProcess: (options: unknown) => {
        loaded.runs.push(options);
        return Promise.resolve();
      },
    };
  });
  const { defineWorkerCommand } = await import('../../../../src/temporal/workers/options.js');
  const command = defineWorkerCommand(new Command('seedsweep-worker')).exitOverride();
  return command.parseAsync(['node', 'seedsweep-worker', ...args]);
}

beforeEach(() => {
  loaded.runs.length = 0;
});

describe('worker flags', () => {
  it.each([
    [['--threads', '0'], /^--threads must be an integer ≥ 1; got '0'\.$/],
    [['--threads', 'x'], /^--threads must be an integer ≥ 1; got 'x'\.$/],
    [['--gpus', '0'], /^--gpus needs --queue gpu\.$/],
    [['--queue', 'gpu', '--gpus', 'a,b'], /^--gpus must be a comma-separated list of GPU indices/],
    [['--noop-epoch-ms', '-1'], /^--noop-epoch-ms must be an integer ≥ 0/],
    [['--reconnect-minutes', 'soon'], /^--reconnect-minutes \(or SEEDSWEEP_RECONNECT_MINUTES\) must be/],
  ])('%j is refused before the Temporal worker and TF.js load', async (args, message) => {
    const before = loaded.process;
    await expect(worker(...args)).rejects.toMatchObject({ code: 'E_BAD_ARGUMENT', message });
    expect(loaded.process - before, 'src/temporal/workers/process.ts was imported').toBe(0);
    expect(loaded.runs).toEqual([]);
  });

  it('good flags reach the worker process with their values', async () => {
    await worker('--threads', '3', '--trainer', 'noop', '--queue-prefix', 't1');
    expect(loaded.runs).toEqual([
      { queue: 'cpu', control: true, trainer: 'noop', threads: 3, queuePrefix: 't1' },
    ]);
  });
});
