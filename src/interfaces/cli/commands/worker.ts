/** `seedsweep worker`: a Temporal worker process hosting the activities and one training pool. */
import type { Command } from 'commander';
import { defineWorkerCommand } from '../../../temporal/workers/options.js';

export function register(program: Command): void {
  defineWorkerCommand(program.command('worker'));
}
