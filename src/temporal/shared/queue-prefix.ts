/**
 * The task queues this process uses when none are given: `<prefix>-control`, `-cpu`, `-gpu` with the
 * prefix from `SEEDSWEEP_QUEUE_PREFIX` (default `seedsweep`). Setting it for every process of a
 * deployment (runs, workers, resumes) isolates it from others on the same Temporal namespace, as
 * `seedsweep worker --queue-prefix` does for one worker. Read at the edge only: workflows get their
 * queues in their input.
 */
import { UserError } from '../../core/common/errors.js';
import { DEFAULT_TASK_QUEUES, taskQueues, type TaskQueues } from './shared.js';

/** The environment variable that names the queue prefix. */
export const QUEUE_PREFIX_ENV = 'SEEDSWEEP_QUEUE_PREFIX';

/** Characters Temporal accepts in a task-queue name that also read well in logs. */
const PREFIX = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/**
 * Queues with `prefix`, checked.
 * @throws UserError `E_BAD_QUEUE_PREFIX` for an empty prefix or one with other characters.
 */
export function prefixedTaskQueues(prefix: string, origin = `--queue-prefix`): TaskQueues {
  if (!PREFIX.test(prefix)) {
    throw new UserError(
      'E_BAD_QUEUE_PREFIX',
      `${origin} ${JSON.stringify(prefix)}: a task-queue prefix is letters, digits, '.', '_' and '-', starting with a letter or digit; e.g. team-a.`,
    );
  }
  return taskQueues(prefix);
}

/** The queues of `SEEDSWEEP_QUEUE_PREFIX`, or the production ones when it is unset or empty. */
export function configuredTaskQueues(env: NodeJS.ProcessEnv = process.env): TaskQueues {
  const prefix = env[QUEUE_PREFIX_ENV];
  return prefix ? prefixedTaskQueues(prefix, QUEUE_PREFIX_ENV) : DEFAULT_TASK_QUEUES;
}
