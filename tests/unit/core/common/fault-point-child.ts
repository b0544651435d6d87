/**
 * Child process of fault-points.test.ts, run as `node --import tsx fault-point-child.ts <scenario> <dir>`
 * with `SEEDSWEEP_FAULT` set: it reaches fault points until one kills it. Exits 0 (printing `survived`)
 * if none does.
 */
import { Worker, isMainThread, workerData } from 'node:worker_threads';
import { createNoopTrainer } from '../../../../src/temporal/activities/noop-trainer.js';
import { faultPoint } from '../../../../src/core/common/fault-points.js';
import { writeCheckpoint } from '../../../../src/training/runner/checkpoint.js';
import { NOOP_TRIAL, engineState } from './fault-point-fixtures.js';

async function main(scenario: string, dir: string): Promise<void> {
  switch (scenario) {
    case 'engine-checkpoint':
      // Epochs 1, 2, 3 (`checkpoint-rename@2` dies inside epoch 2's write).
      for (const epoch of [1, 2, 3]) await writeCheckpoint({ dir, state: engineState(epoch) });
      break;
    case 'noop-checkpoint':
      await createNoopTrainer().run({ trial: NOOP_TRIAL, checkpointDir: dir });
      break;
    case 'threads':
      // One hit here, then one in a worker thread: with `@2` the thread's hit kills the process.
      faultPoint('checkpoint-rename');
      await new Promise<void>((resolve, reject) => {
        // tsx registered inside the thread: `--import tsx` in a thread's execArgv is racy on Node 20.
        const code = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
          .then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); })`;
        const thread = new Worker(code, { eval: true, workerData: { thread: true } });
        thread.once('error', reject);
        thread.once('exit', () => resolve());
      });
      break;
    case 'import':
      break;
    default:
      throw new Error(`unknown scenario ${scenario}`);
  }
  process.stdout.write('survived\n');
}

if (isMainThread) {
  const [scenario = '', dir = ''] = process.argv.slice(2);
  await main(scenario, dir);
} else if ((workerData as { thread?: boolean } | undefined)?.thread) {
  faultPoint('checkpoint-rename');
}
