/** Reading earlier trials for a cost estimate: what a run says it took, which searches run, which server. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TrialRecord } from '../../../../src/core/domain/trial.js';
import {
  readCostSamples,
  readSweepTrialSeconds,
  sampleOfRun,
  trackerForPlan,
  type RunSearch,
} from '../../../../src/reporting/cost/history.js';
import type { MlflowRun } from '../../../../src/tracking/mlflow-client.js';

function record(groupKey: string, epochSeconds: (number | undefined)[], model = 'cnn'): TrialRecord {
  const epochs = epochSeconds.map((s, i) => ({
    epoch: i + 1,
    loss: 1,
    ...(s === undefined ? {} : { epochSeconds: s }),
  }));
  return {
    trialKey: `${groupKey}-t`,
    groupKey,
    groupLabel: groupKey,
    factors: {},
    seed: 0,
    config: { model, modelOptions: {}, train: { epochs: epochs.length }, dataset: { name: 'none' } },
    result: { epochs, final: epochs.at(-1)!, backend: { name: 'wasm', version: '4' }, resumedFromEpoch: 0 },
  };
}

let nextRun = 0;
function run(options: {
  record?: TrialRecord;
  groupKey?: string;
  model?: string;
  metrics?: Record<string, number>;
  startTime?: number;
  endTime?: number;
  tags?: Record<string, string>;
}): MlflowRun {
  const tags: Record<string, string> = { 'seedsweep.role': 'trial', ...options.tags };
  if (options.record) tags['seedsweep.record'] = JSON.stringify(options.record);
  if (options.groupKey) tags['seedsweep.group_key'] = options.groupKey;
  return {
    runId: `r${++nextRun}`,
    experimentId: '1',
    runName: 'x',
    status: 'FINISHED',
    startTime: options.startTime ?? 0,
    ...(options.endTime !== undefined ? { endTime: options.endTime } : {}),
    artifactUri: '',
    lifecycleStage: 'active',
    tags,
    params: options.model ? { model: options.model } : {},
    metrics: options.metrics ?? {},
  };
}

describe('sampleOfRun', () => {
  it("reads every epoch's epochSeconds from the record tag", () => {
    expect(sampleOfRun(run({ record: record('g', [1.5, 2.5]), groupKey: 'g' }))).toEqual({
      groupKey: 'g',
      model: 'cnn',
      backend: 'wasm',
      epochSeconds: [1.5, 2.5],
    });
  });

  it('spreads total_train_seconds, else the run start to end, over the epochs ran when epochs are untimed', () => {
    const untimed = record('g', [undefined, undefined, undefined, undefined]);
    expect(sampleOfRun(run({ record: untimed, metrics: { total_train_seconds: 8 } }))?.epochSeconds).toEqual([
      2, 2, 2, 2,
    ]);
    expect(
      sampleOfRun(
        run({ groupKey: 'g', model: 'fc', metrics: { epochs_completed: 2 }, startTime: 1000, endTime: 7000 }),
      ),
    ).toEqual({ groupKey: 'g', model: 'fc', backend: 'wasm', epochSeconds: [3, 3] });
    expect(
      sampleOfRun(run({ groupKey: 'g', model: 'fc', metrics: { epochs_completed: 2 } })),
    ).toBeUndefined();
  });

  it('takes the backend from the record config, else the run tag', () => {
    const native = record('g', [1]);
    native.config.backend = 'tensorflow';
    expect(sampleOfRun(run({ record: native }))?.backend).toBe('tensorflow');
    expect(
      sampleOfRun(
        run({
          groupKey: 'g',
          model: 'fc',
          metrics: { epochs_completed: 1, total_train_seconds: 1 },
          tags: { 'seedsweep.backend': 'cpu' },
        }),
      )?.backend,
    ).toBe('cpu');
  });
});

/** A run search over fixed runs that understands the clauses the reader sends, and logs them. */
function stubSearch(runs: MlflowRun[]): RunSearch & { filters: string[] } {
  const filters: string[] = [];
  return {
    filters,
    listExperimentIds: async () => ['1'],
    searchRuns: async ({ filter = '', maxResults }) => {
      filters.push(filter);
      const group = /seedsweep\.group_key` = '([^']+)'/.exec(filter)?.[1];
      const model = /params\.model = '([^']+)'/.exec(filter)?.[1];
      return runs
        .filter((r) => group === undefined || r.tags['seedsweep.group_key'] === group)
        .filter((r) => model === undefined || (sampleOfRun(r)?.model ?? r.params['model']) === model)
        .slice(0, maxResults);
    },
  };
}

describe('readCostSamples', () => {
  it("searches each group by its key, and a trainable's runs only for groups none matched", async () => {
    const search = stubSearch([
      run({ record: record('a', [1, 1]), groupKey: 'a' }),
      run({ record: record('z', [5]), groupKey: 'z' }),
      run({ record: record('y', [7], 'fc'), groupKey: 'y' }),
    ]);
    const samples = await readCostSamples({
      client: search,
      groupKeys: ['a', 'b', 'a'],
      modelOf: new Map([
        ['a', 'cnn'],
        ['b', 'cnn'],
      ]),
    });
    expect(samples.map((s) => s.groupKey).sort()).toEqual(['a', 'z']);
    const groupSearches = search.filters.filter((f) => f.includes('group_key'));
    expect(groupSearches).toHaveLength(2);
    expect(search.filters.filter((f) => f.includes("params.model = 'cnn'"))).toHaveLength(1);
    for (const filter of search.filters) {
      expect(filter).toContain("tags.`seedsweep.role` = 'trial'");
      expect(filter).toContain("attributes.status = 'FINISHED'");
    }
  });

  it('makes no trainable search when every group matched', async () => {
    const search = stubSearch([run({ record: record('a', [1]), groupKey: 'a' })]);
    await readCostSamples({ client: search, groupKeys: ['a'], modelOf: new Map([['a', 'cnn']]) });
    expect(search.filters.some((f) => f.includes('params.model'))).toBe(false);
  });
});

describe('readSweepTrialSeconds', () => {
  it("sums the sweep's trained trials, one run per trial key (the latest)", async () => {
    const runs = [
      run({ record: record('a', [1, 2]), startTime: 1, tags: { 'seedsweep.trial_key': 'k1' } }),
      run({ record: record('a', [10, 20]), startTime: 2, tags: { 'seedsweep.trial_key': 'k1' } }),
      run({ record: record('b', [4]), startTime: 1, tags: { 'seedsweep.trial_key': 'k2' } }),
    ];
    const filters: string[] = [];
    const result = await readSweepTrialSeconds({
      client: {
        listExperimentIds: async () => ['1'],
        getExperimentIdByName: async (name) => (name === 'tiny' ? '1' : undefined),
        searchRuns: async ({ filter = '' }) => (filters.push(filter), runs),
      },
      sweepId: 'tiny-1',
      sweepName: 'tiny',
    });
    expect(result).toEqual({ trialSeconds: 34, trained: 2 });
    expect(filters[0]).toContain("tags.`seedsweep.sweep_id` = 'tiny-1'");
  });
});

describe('trackerForPlan', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
  });

  const emptyState = () => mkdtempSync(path.join(os.tmpdir(), 'seedsweep-cost-'));

  it('says there is no tracking server rather than starting one', async () => {
    expect(await trackerForPlan({ stateDir: emptyState(), env: {} })).toEqual({
      unavailable: 'no tracking server',
    });
  });

  it('uses MLFLOW_TRACKING_URI when it accepts connections, and says so when it does not', async () => {
    server = createServer((_req, res) => res.end());
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    expect(await trackerForPlan({ stateDir: emptyState(), env: { MLFLOW_TRACKING_URI: uri } })).toEqual({
      uri,
    });
    server.closeAllConnections();
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    expect(await trackerForPlan({ stateDir: emptyState(), env: { MLFLOW_TRACKING_URI: uri } })).toEqual({
      unavailable: 'no tracking server (MLFLOW_TRACKING_URI does not answer)',
    });
  });
});
