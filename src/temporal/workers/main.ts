/**
 * Worker process entry: `node --import tsx src/temporal/workers/main.ts [--queue cpu|gpu] [--threads N] [--gpus 0,1]`
 * (the same options as `seedsweep worker`). Exits non-zero on error.
 */
import { Command } from 'commander';
import { isUserError } from '../../core/common/errors.js';
import { defineWorkerCommand } from './options.js';

try {
  await defineWorkerCommand(new Command('seedsweep-worker')).parseAsync(process.argv);
} catch (error) {
  process.stderr.write(
    isUserError(error)
      ? `error[${error.code}]: ${error.message}\n`
      : `worker failed:\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = isUserError(error) ? 2 : 1;
}
