/**
 * The earlier finished trials a cost estimate reads: from the tracking server the user already has
 * (`MLFLOW_TRACKING_URI`, or the embedded local MLflow if it is running). `plan` starts no server: when
 * none answers, it says so and estimates nothing.
 *
 * Searches are by what the plan knows: each group's key (`seedsweep.group_key`: same trainable,
 * parameters, train settings, dataset and backend), then, for groups none matched, the trainable's name
 * (`params.model`), newest runs first, filtered to the same backend here.
 */
import { URL } from 'node:url';
import type { TrialRecord } from '../../core/domain/trial.js';
import { readEmbeddedRecord } from '../../services/embedded-server.js';
import { isPortOpen } from '../../services/local-server.js';
import { isIdentityAlive } from '../../services/proc.js';
import type { MlflowRun } from '../../tracking/mlflow-client.js';
import { mapLimited } from '../../tracking/run-index.js';
import { RunRole, TAG, filterLiteral, recordFromTag, tagEquals } from '../../tracking/run-data.js';
import type { CostSample } from './estimate.js';

/** The run search a cost estimate needs (MlflowClient has it; tests pass a stand-in). */
export interface RunSearch {
  listExperimentIds(): Promise<string[]>;
  searchRuns(options: {
    experimentIds: string[];
    filter?: string;
    maxResults?: number;
    orderBy?: string[];
  }): Promise<MlflowRun[]>;
}

/** Groups searched by their own key; beyond these, groups are matched among their trainable's runs. */
export const MAX_GROUP_SEARCHES = 50;
/** Runs read per group, and per trainable for the fallback (the newest). */
export const RUNS_PER_GROUP = 200;
export const RUNS_PER_TRAINABLE = 1000;
/** Experiments per search request (as the tracker's own searches). */
const EXPERIMENTS_PER_SEARCH = 100;

const FINISHED_TRIALS = `${tagEquals(TAG.role, RunRole.trial)} and attributes.status = 'FINISHED'`;

/**
 * The cost sample of a finished trial run: its epochs' `epochSeconds` from its record (the
 * `seedsweep.record` tag) when every epoch has one; else the run's `total_train_seconds` (or its start
 * to end, which counts start-up too) spread evenly over the epochs it ran. Undefined when neither says.
 */
export function sampleOfRun(run: MlflowRun): CostSample | undefined {
  const record: TrialRecord | undefined = recordFromTag(run.tags[TAG.record]);
  const groupKey = run.tags[TAG.groupKey] ?? record?.groupKey;
  const model = record?.config.model ?? run.params['model'];
  if (groupKey === undefined || model === undefined) return undefined;
  const backend = record?.config.backend ?? run.tags[TAG.backend] ?? 'wasm';
  const epochs = record?.result.epochs ?? [];
  const timed = epochs.map((e) => e['epochSeconds']);
  if (epochs.length > 0 && timed.every((t) => typeof t === 'number' && Number.isFinite(t) && t > 0))
    return { groupKey, model, backend, epochSeconds: timed as number[] };
  const ran =
    (record ? record.result.final.epoch - record.result.resumedFromEpoch : undefined) ??
    run.metrics['epochs_completed'];
  if (ran === undefined || !(ran > 0)) return undefined;
  const total =
    run.metrics['total_train_seconds'] ??
    (run.endTime !== undefined ? (run.endTime - run.startTime) / 1000 : undefined);
  if (total === undefined || !(total > 0)) return undefined;
  return { groupKey, model, backend, epochSeconds: Array.from({ length: ran }, () => total / ran) };
}

async function searchAll(
  client: RunSearch,
  experimentIds: string[],
  filter: string,
  maxResults: number,
): Promise<MlflowRun[]> {
  const runs: MlflowRun[] = [];
  for (let i = 0; i < experimentIds.length && runs.length < maxResults; i += EXPERIMENTS_PER_SEARCH) {
    runs.push(
      ...(await client.searchRuns({
        experimentIds: experimentIds.slice(i, i + EXPERIMENTS_PER_SEARCH),
        filter,
        maxResults: maxResults - runs.length,
        orderBy: ['attributes.start_time DESC'],
      })),
    );
  }
  return runs;
}

/**
 * Samples for a plan: the finished trials of each of `groupKeys` (the first {@link MAX_GROUP_SEARCHES}),
 * then of each trainable in `models` some of whose groups none matched (its newest
 * {@link RUNS_PER_TRAINABLE} runs). One sample per run.
 */
export async function readCostSamples(options: {
  client: RunSearch;
  /** Group keys of the plan. */
  groupKeys: readonly string[];
  /** Group key → trainable name (`config.model`), for the fallback search. */
  modelOf: ReadonlyMap<string, string>;
}): Promise<CostSample[]> {
  const { client } = options;
  const experimentIds = await client.listExperimentIds();
  if (experimentIds.length === 0) return [];
  const seen = new Set<string>();
  const samples: CostSample[] = [];
  const keep = (runs: MlflowRun[]) => {
    for (const run of runs) {
      if (seen.has(run.runId)) continue;
      seen.add(run.runId);
      const sample = sampleOfRun(run);
      if (sample) samples.push(sample);
    }
  };
  const unique = [...new Set(options.groupKeys)];
  const searched = unique.slice(0, MAX_GROUP_SEARCHES);
  const found = await mapLimited(searched, 8, (key) =>
    searchAll(
      client,
      experimentIds,
      `${FINISHED_TRIALS} and ${tagEquals(TAG.groupKey, key)}`,
      RUNS_PER_GROUP,
    ),
  );
  for (const runs of found) keep(runs);
  const matched = new Set(samples.map((s) => s.groupKey));
  const models = new Set(
    unique.filter((key) => !matched.has(key)).flatMap((key) => options.modelOf.get(key) ?? []),
  );
  const byModel = await mapLimited([...models], 4, (model) =>
    searchAll(
      client,
      experimentIds,
      `${FINISHED_TRIALS} and params.model = ${filterLiteral(model)}`,
      RUNS_PER_TRAINABLE,
    ),
  );
  for (const runs of byModel) keep(runs);
  return samples;
}

/** Where `plan` reads earlier trials, or why it cannot (no server is started for it). */
export type PlanTracker = { uri: string } | { unavailable: string };

/** The host and port of an http(s) URI; undefined when it is not one. */
function endpointOf(uri: string): { host: string; port: number } | undefined {
  try {
    const url = new URL(uri);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    return { host: url.hostname.replace(/^\[|\]$/g, ''), port };
  } catch {
    return undefined;
  }
}

/**
 * The tracking server `plan` may read: `MLFLOW_TRACKING_URI` when it accepts connections, else the
 * embedded local server of `stateDir` when its process lives and its port answers. Starts nothing.
 */
export async function trackerForPlan(options: {
  stateDir: string;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** @default 2000 */
  connectTimeoutMs?: number;
}): Promise<PlanTracker> {
  const timeout = options.connectTimeoutMs ?? 2000;
  const fromEnv = (options.env ?? process.env)['MLFLOW_TRACKING_URI'];
  if (fromEnv) {
    const endpoint = endpointOf(fromEnv);
    if (!endpoint) return { unavailable: 'MLFLOW_TRACKING_URI is not an http(s) address' };
    return (await isPortOpen(endpoint.host, endpoint.port, timeout))
      ? { uri: fromEnv }
      : { unavailable: 'no tracking server (MLFLOW_TRACKING_URI does not answer)' };
  }
  const record = readEmbeddedRecord(options.stateDir, 'mlflow');
  if (
    record &&
    isIdentityAlive(
      record.startTime === undefined ? { pid: record.pid } : { pid: record.pid, startTime: record.startTime },
    ) &&
    (await isPortOpen(record.host, record.port, timeout))
  )
    return { uri: `http://${record.host}:${record.port}` };
  return { unavailable: 'no tracking server' };
}

/**
 * What the trials trained by sweep `sweepId` took: their summed training seconds (each run's
 * {@link sampleOfRun}) and how many they were. Trials the sweep reused from earlier sweeps ran under
 * those sweeps' ids and are not counted. Undefined when the sweep's experiment is not found.
 */
export async function readSweepTrialSeconds(options: {
  client: RunSearch & { getExperimentIdByName(name: string): Promise<string | undefined> };
  sweepId: string;
  /** Its experiment's name. */
  sweepName: string;
}): Promise<{ trialSeconds: number; trained: number } | undefined> {
  const experimentId = await options.client.getExperimentIdByName(options.sweepName);
  if (experimentId === undefined) return undefined;
  const runs = await options.client.searchRuns({
    experimentIds: [experimentId],
    filter: `${FINISHED_TRIALS} and ${tagEquals(TAG.sweepId, options.sweepId)}`,
  });
  // One run per trial key: a trial started twice (a resumed attempt) keeps its latest finished run.
  const byKey = new Map<string, MlflowRun>();
  for (const run of runs) {
    const key = run.tags[TAG.trialKey] ?? run.runId;
    const known = byKey.get(key);
    if (!known || run.startTime > known.startTime) byKey.set(key, run);
  }
  let trialSeconds = 0;
  let trained = 0;
  for (const run of byKey.values()) {
    const sample = sampleOfRun(run);
    if (!sample) continue;
    trained += 1;
    trialSeconds += sample.epochSeconds.reduce((sum, t) => sum + t, 0);
  }
  return { trialSeconds, trained };
}
