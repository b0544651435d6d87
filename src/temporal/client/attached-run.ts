/**
 * `run` and `resume` without `--detach`: host a worker in this process (one pool, the default queues)
 * while watching the sweep's progress, until the sweep ends. Other workers may share the work.
 *
 * A Temporal outage does not end it: the in-process Workers are supervised (new ones when they fail,
 * see src/temporal/workers/worker-supervisor.ts), waiting for the sweep's result starts again once the server
 * answers, and the user sees one line when Temporal is lost and one when it is back. Only an outage
 * longer than the reconnect window (`SEEDSWEEP_RECONNECT_MINUTES`, default 10) ends it, with
 * `E_TEMPORAL_UNREACHABLE`; the sweep stays on the server.
 */
import os from 'node:os';
import { WorkflowFailedError } from '@temporalio/client';
import { checkpointRoot, modelRoot, reportRoot } from '../activities/checkpoints.js';
import { UserError } from '../../core/common/errors.js';
import { TrialPool } from '../../execution/pool.js';
import { createTracker } from '../../tracking/index.js';
import {
  createConnectionMonitor,
  describeConnectionError,
  isConnectionError,
  probeTemporal,
} from '../workers/connection-monitor.js';
import { reconnectMinutesFromEnv, temporalUnreachableError } from '../workers/reconnect-window.js';
import { bundleSweepWorkflows, createSweepWorkers } from '../workers/sweep-worker.js';
import { superviseWorkers } from '../workers/worker-supervisor.js';
import { configuredTaskQueues } from '../shared/queue-prefix.js';
import type { SweepSummary, TaskQueues } from '../shared/shared.js';
import { createProgressDisplay } from './progress-display.js';
import type { TemporalSession } from './session.js';
import { querySweepProgress } from './sweeps.js';

export interface AttachedRunOptions {
  session: TemporalSession;
  sweepId: string;
  /** Training threads of the in-process worker. @default the core count */
  threads?: number;
  /** @default the queues of SEEDSWEEP_QUEUE_PREFIX (src/temporal/shared/queue-prefix.ts) */
  taskQueues?: TaskQueues;
  /** Show progress bars (else lines); `undefined` shows nothing (for --json). */
  display?: 'bars' | 'lines';
  /** Milliseconds between progress queries. @default 1000 */
  pollMs?: number;
  /** Minutes a lost Temporal server is waited for. @default SEEDSWEEP_RECONNECT_MINUTES, else 10 */
  reconnectMinutes?: number;
}

type ResultOutcome = { summary: SweepSummary } | { error: unknown };

/** Runs an in-process worker until the sweep ends; resolves with its summary. */
export async function runAttached(options: AttachedRunOptions): Promise<SweepSummary> {
  const { session, sweepId } = options;
  const address = session.settings.address;
  const reconnectMinutes = options.reconnectMinutes ?? reconnectMinutesFromEnv();
  const threads = options.threads ?? os.availableParallelism();
  const taskQueues = options.taskQueues ?? configuredTaskQueues();
  const tracker = await createTracker();
  const pool = await TrialPool.create({ threads });
  const display = options.display
    ? createProgressDisplay({ interactive: options.display === 'bars' })
    : undefined;
  const log = (line: string) => (display ? display.log(line) : void process.stderr.write(`${line}\n`));
  const monitor = createConnectionMonitor({
    address,
    reconnectMinutes,
    probe: () => probeTemporal(session.connection, address),
    log,
    who: 'run',
    meanwhile: 'waiting (running trials keep their checkpoints)',
    now: 'the sweep goes on',
    giveUpError: (reason) =>
      temporalUnreachableError({ address, minutes: reconnectMinutes, reason, what: 'run', sweepId }),
  });
  let wake: () => void = () => undefined;
  let interrupted = false;
  let finished = false;
  let workersFailed: { error: unknown } | undefined;
  let outcome: ResultOutcome | undefined;
  const onSigint = () => {
    interrupted = true;
    wake();
  };
  const workflowBundle = process.env['SEEDSWEEP_WORKFLOW_BUNDLE'] ? undefined : await bundleSweepWorkflows();
  const workers = superviseWorkers({
    monitor,
    log,
    who: 'run',
    start: async () => ({
      workers: await createSweepWorkers({
        connection: session.connection,
        namespace: session.settings.namespace,
        taskQueues,
        trainingQueue: 'cpu',
        trainer: pool,
        maxConcurrentTrials: threads,
        tracker,
        checkpointRoot: checkpointRoot(),
        modelRoot: modelRoot(),
        reportRoot: reportRoot(),
        ...(workflowBundle ? { workflowBundle } : {}),
        log,
      }),
    }),
  });
  const running = workers.run();
  running.catch((error: unknown) => {
    workersFailed = { error };
    wake();
  });
  process.once('SIGINT', onSigint);

  // The sweep's result; a connection error while waiting means: wait for Temporal, then ask again.
  const handle = session.client.workflow.getHandle(sweepId);
  void (async () => {
    for (;;) {
      try {
        outcome = { summary: (await handle.result()) as SweepSummary };
        break;
      } catch (error) {
        if (finished || !isConnectionError(error)) {
          outcome = { error };
          break;
        }
        monitor.reportFailure(describeConnectionError(error));
        try {
          await monitor.whenUp();
        } catch (gaveUp) {
          outcome = { error: gaveUp };
          break;
        }
      }
    }
    wake();
  })();

  try {
    while (outcome === undefined && !interrupted && workersFailed === undefined) {
      // While Temporal is down a query could only time out: ask again once it is back.
      const progress =
        display && !monitor.down
          ? await querySweepProgress({ client: session.client, sweepId, ...display.query() })
          : undefined;
      if (progress && outcome === undefined) display?.update(progress);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, options.pollMs ?? 1000);
      });
    }
    display?.stop();
    if (interrupted) {
      throw new UserError(
        'E_INTERRUPTED',
        `stopped this process's worker; sweep ${sweepId} stays on the Temporal server with its checkpoints. Continue it with 'seedsweep worker' processes, or 'seedsweep resume ${sweepId}'.`,
      );
    }
    if (outcome === undefined) throw (workersFailed as { error: unknown }).error;
    if ('summary' in outcome) return outcome.summary;
    const error = outcome.error;
    if (error instanceof WorkflowFailedError) {
      throw new UserError('E_SWEEP_FAILED', `sweep ${sweepId} failed: ${failureChain(error)}`, {
        cause: error,
      });
    }
    throw error;
  } finally {
    finished = true;
    process.removeListener('SIGINT', onSigint);
    workers.shutdown();
    await running.catch(() => undefined);
    monitor.stop();
    await pool.destroy();
  }
}

/**
 * The messages of a Temporal failure and its causes, outermost first ("Activity task failed: trainTrial:
 * …"): the outer ones alone say only that something failed, the innermost says what.
 */
function failureChain(error: WorkflowFailedError): string {
  const messages: string[] = [];
  for (let e: unknown = error.cause ?? error; e instanceof Error && messages.length < 6; e = e.cause) {
    if (e.message && !messages.includes(e.message)) messages.push(e.message);
  }
  return messages.join(': ');
}
