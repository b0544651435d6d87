/**
 * `seedsweep worker`: a Temporal worker process hosting the activities and one training pool. The
 * options are declared in src/temporal/workers/options.ts (shared with the worker's own entry), which
 * loads the Temporal worker and TF.js only when the command runs.
 */
import type { Command } from 'commander';
import { defineWorkerCommand } from '../../../temporal/workers/options.js';

export function register(program: Command): void {
  defineWorkerCommand(program.command('worker'));
}
