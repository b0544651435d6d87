/**
 * The worker's command line: its options and their parsing into {@link WorkerProcessOptions}. Used by
 * the worker's own entry (src/temporal/workers/main.ts, also what GPU supervisors spawn) and by `seedsweep worker`.
 */
import { fileURLToPath } from 'node:url';
import { type Command, Option } from 'commander';
import { isUserError, UserError } from '../../core/common/errors.js';
import { QUEUE_PREFIX_ENV } from '../shared/queue-prefix.js';
import type { WorkerProcessOptions } from './process.js';
import { TrainerKind } from './trainer-kind.js';
import {
  DEFAULT_RECONNECT_MINUTES,
  parseReconnectMinutes,
  RECONNECT_MINUTES_ENV,
} from './reconnect-window.js';

/** Raw commander options of the worker command. */
export interface WorkerFlags {
  queue: 'cpu' | 'gpu';
  threads?: string;
  gpus?: string;
  control: boolean;
  trainer: TrainerKind;
  noopEpochMs?: string;
  queuePrefix?: string;
  reconnectMinutes?: string;
}

/** Turns the command's flags into {@link WorkerProcessOptions}; bad values are UserErrors. */
export function workerOptionsFromFlags(flags: WorkerFlags): WorkerProcessOptions {
  const int = (name: string, raw: string | undefined, min: number): number | undefined => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min)
      throw new UserError('E_BAD_ARGUMENT', `--${name} must be an integer ≥ ${min}; got '${raw}'.`);
    return n;
  };
  const gpus = flags.gpus
    ?.split(',')
    .map((g) => g.trim())
    .filter((g) => g.length > 0);
  if (gpus && gpus.some((g) => !/^\d+$/.test(g))) {
    throw new UserError(
      'E_BAD_ARGUMENT',
      `--gpus must be a comma-separated list of GPU indices such as 0,1; got '${flags.gpus}'.`,
    );
  }
  if (gpus && gpus.length > 0 && flags.queue !== 'gpu') {
    throw new UserError('E_BAD_ARGUMENT', '--gpus needs --queue gpu.');
  }
  const threads = int('threads', flags.threads, 1);
  const noopEpochMs = int('noop-epoch-ms', flags.noopEpochMs, 0);
  const reconnectMinutes =
    flags.reconnectMinutes === undefined
      ? undefined
      : parseReconnectMinutes(flags.reconnectMinutes, `--reconnect-minutes (or ${RECONNECT_MINUTES_ENV})`);
  return {
    queue: flags.queue,
    control: flags.control,
    trainer: flags.trainer,
    ...(threads !== undefined ? { threads } : {}),
    ...(gpus && gpus.length > 0 ? { gpus } : {}),
    ...(noopEpochMs !== undefined ? { noopEpochMs } : {}),
    ...(flags.queuePrefix ? { queuePrefix: flags.queuePrefix } : {}),
    ...(reconnectMinutes !== undefined ? { reconnectMinutes } : {}),
  };
}

/** Declares the worker options and action on `command` (`seedsweep worker` and src/temporal/workers/main.ts). */
export function defineWorkerCommand(command: Command): Command {
  return command
    .description(
      'Run a worker: serves sweep workflows and trains trials from a task queue until SIGINT/SIGTERM.',
    )
    .addOption(new Option('--queue <kind>', 'training queue to serve').choices(['cpu', 'gpu']).default('cpu'))
    .option('--threads <n>', 'training threads, i.e. trials at once (default: CPU cores; 1 per GPU)')
    .option('--gpus <list>', 'GPU indices, e.g. 0,1: one worker process per GPU (needs --queue gpu)')
    .option('--no-control', 'do not serve the control queue (workflows, tracker calls, aggregation)')
    .addOption(
      new Option('--trainer <kind>', 'trainer: the TF.js engine, or noop for orchestration benchmarks')
        .choices(Object.values(TrainerKind))
        .default(TrainerKind.engine),
    )
    .addOption(new Option('--noop-epoch-ms <ms>', 'milliseconds per epoch of the noop trainer').hideHelp())
    .addOption(
      new Option(
        '--queue-prefix <prefix>',
        'task-queue name prefix: serve <prefix>-control/-cpu/-gpu (isolates deployments; default seedsweep)',
      ).env(QUEUE_PREFIX_ENV),
    )
    .addOption(
      new Option(
        '--reconnect-minutes <n>',
        `when Temporal is lost, keep reconnecting for up to n minutes (fractions allowed), then exit with code 2 (E_TEMPORAL_UNREACHABLE) so that a supervisor restarts the worker (default: ${DEFAULT_RECONNECT_MINUTES})`,
      ).env(RECONNECT_MINUTES_ENV),
    )
    .action(async (flags: WorkerFlags) => {
      // The flags first: a bad one is refused before the heavy imports below, at once and with no
      // worker to stop.
      const options = workerOptionsFromFlags(flags);
      try {
        // Imported when the worker runs: the Temporal worker and TF.js cost seconds of CPU to load,
        // which `seedsweep --help` and every other command would pay otherwise.
        const { runWorkerProcess } = await import('./process.js');
        await runWorkerProcess(options);
      } catch (error) {
        // Workers stuck on a lost server may keep the process alive: the caller prints the error at
        // once, and the process must then end even so (2 for a UserError such as
        // E_TEMPORAL_UNREACHABLE, else 1), so that a supervisor restarts it.
        setTimeout(() => process.exit(isUserError(error) ? 2 : 1), 2000).unref();
        throw error;
      }
    });
}

/**
 * The command line of a worker process serving queues `<queuePrefix>-*` with `threads` training
 * threads, run from the sources (`node --import tsx src/temporal/workers/main.ts …`): for tests and benchmarks that
 * start workers as separate processes.
 */
export function workerProcessArgs(options: { queuePrefix: string; threads: number }): string[] {
  return [
    '--import',
    'tsx',
    fileURLToPath(new URL('./main.ts', import.meta.url)),
    '--queue-prefix',
    options.queuePrefix,
    '--threads',
    String(options.threads),
  ];
}
