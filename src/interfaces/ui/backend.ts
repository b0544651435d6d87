/**
 * What the live page asks of Temporal and the tracker, as one interface: the server (server.ts) is
 * tested against a fake of it, and `createUiBackend` is the real one over the client operations of
 * src/temporal/client (list, status with progress, pause, cancel) and the tracker's records.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { isUserError } from '../../core/common/errors.js';
import type { Tracker } from '../../tracking/types.js';
import type { SweepLookup } from '../../temporal/client/sweep-records.js';
import {
  cancelSweep,
  getSweepStatus,
  latestInput,
  listSweeps,
  pauseSweep,
  querySweepProgress,
  type SweepListEntry,
  type SweepStatus,
} from '../../temporal/client/sweeps.js';
import type { SweepCounts, SweepPhase } from '../../temporal/shared/shared.js';
import { buildLiveResults, createResultsCache, type LiveResults } from './live-results.js';

/** A line of the list: `seedsweep list`'s, with the phase and counts of a running sweep whose worker answered. */
export interface UiListEntry extends SweepListEntry {
  progress?: { phase: SweepPhase; counts: SweepCounts };
}

/** Running sweeps whose progress the list asks for (one query each per poll). */
const LIST_PROGRESS_LIMIT = 20;

/** The page's view of Temporal and the tracker. */
export interface UiBackend {
  /** Sweeps as `seedsweep list` shows them, newest first, with the progress of running ones. */
  list(): Promise<UiListEntry[]>;
  /** A sweep's status with one page of its trials' progress while it runs (`seedsweep status`). */
  status(sweepId: string): Promise<SweepStatus>;
  /** Groups, charts and run ids from the finished trials; `version` changes when they may have. */
  results(sweepId: string, version: string): Promise<LiveResults & { stale: boolean }>;
  pause(sweepId: string): Promise<void>;
  unpause(sweepId: string): Promise<void>;
  cancel(sweepId: string): Promise<void>;
}

/** Options of {@link createUiBackend}. */
export interface UiBackendOptions {
  client: Client;
  tracker: Tracker;
  /** Trials per progress page on the sweep page. @default 200 */
  pageSize?: number;
  /** Least time between two builds of a sweep's results. @default 5000 (ms) */
  resultsIntervalMs?: number;
}

/** A {@link SweepLookup} over a long-lived client (`withSweepLookup` opens a session per call). */
function lookupOver(client: Client, tracker: Tracker): SweepLookup {
  return {
    tracker,
    closed: async (sweepId) => {
      try {
        return (await client.workflow.getHandle(sweepId).describe()).status.name !== 'RUNNING';
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return undefined;
        throw error;
      }
    },
    input: async (sweepId) => {
      try {
        return await latestInput(client, sweepId);
      } catch (error) {
        if (isUserError(error) && error.code === 'E_SWEEP_NOT_FOUND') return undefined;
        throw error;
      }
    },
  };
}

/** The real backend. */
export function createUiBackend(options: UiBackendOptions): UiBackend {
  const { client } = options;
  const lookup = lookupOver(client, options.tracker);
  const cache = createResultsCache({
    build: (sweepId) => buildLiveResults(lookup, sweepId),
    ...(options.resultsIntervalMs !== undefined ? { minIntervalMs: options.resultsIntervalMs } : {}),
  });
  return {
    list: async () => {
      const sweeps: UiListEntry[] = await listSweeps({ client });
      const running = sweeps.filter((s) => s.status === 'RUNNING').slice(0, LIST_PROGRESS_LIMIT);
      await Promise.all(
        running.map(async (entry) => {
          const p = await querySweepProgress({
            client,
            sweepId: entry.sweepId,
            pageSize: 1,
            timeoutMs: 1500,
          });
          if (p) entry.progress = { phase: p.phase, counts: p.counts };
        }),
      );
      return sweeps;
    },
    status: (sweepId) =>
      getSweepStatus({
        client,
        sweepId,
        progress: { pageSize: options.pageSize ?? 200 },
        queryTimeoutMs: 3000,
      }),
    results: (sweepId, version) => cache.get(sweepId, version),
    pause: (sweepId) => pauseSweep({ client, sweepId, pause: true }),
    unpause: (sweepId) => pauseSweep({ client, sweepId, pause: false }),
    cancel: (sweepId) => cancelSweep({ client, sweepId }),
  };
}
