/**
 * Task-queue names, in one place. Sweep workflows and the light activities (tracker calls, aggregation)
 * run on the control queue, which every worker process serves; training runs on the queue of its
 * trial's kind, served only by workers with that hardware.
 */
import type { QueueKind } from '../spec/types.js';

/** The task queues one deployment uses. Tests use a unique prefix so suites never steal each other's tasks. */
export interface TaskQueues {
  /** Sweep workflows, tracker activities, aggregation. */
  control: string;
  /** Training on CPU workers. */
  cpu: string;
  /** Training on GPU workers. */
  gpu: string;
}

/** The production queue names: `seedsweep-control`, `seedsweep-cpu`, `seedsweep-gpu`. */
export const DEFAULT_TASK_QUEUES: TaskQueues = {
  control: 'seedsweep-control',
  cpu: 'seedsweep-cpu',
  gpu: 'seedsweep-gpu',
};

/**
 * Queue names with a prefix other than `seedsweep`, e.g. for isolating a test or a team.
 * @param prefix Replaces `seedsweep` in every name.
 */
export function taskQueues(prefix = 'seedsweep'): TaskQueues {
  return { control: `${prefix}-control`, cpu: `${prefix}-cpu`, gpu: `${prefix}-gpu` };
}

/** The training queue a trial of the given kind is routed to. */
export function trainingQueue(queues: TaskQueues, kind: QueueKind): string {
  return kind === 'gpu' ? queues.gpu : queues.cpu;
}
