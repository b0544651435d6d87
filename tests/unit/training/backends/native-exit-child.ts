/**
 * Child process of native-exit.test.ts: trains one trial of a user trainable (Branin, no TF.js in this
 * thread) on a pool thread with the native backend, ends the pool and lets the process exit by itself,
 * as `seedsweep run` does. Prints the backend the trial trained on.
 */
import { TrialPool } from '../../../../src/execution/pool.js';
import { parseModuleRef } from '../../../../src/core/common/user-module.js';

const pool = await TrialPool.create({ threads: 1, backend: 'tensorflow' });
const trainable = parseModuleRef('./examples/branin/branin.ts#branin', process.cwd());
const result = await pool.run({
  trial: {
    seed: 0,
    config: {
      model: trainable.export,
      modelOptions: { x1: 1, x2: 2 },
      train: { epochs: 2 },
      dataset: { name: 'none' },
      trainable,
    },
  },
});
await pool.destroy();
console.log(`trained on ${result.backend?.name ?? 'unknown'}`);
