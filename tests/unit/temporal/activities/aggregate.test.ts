/** The aggregation activity passes the workflow's missing trials (stopped, failed, …) into the report. */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAggregate } from '../../../../src/temporal/activities/aggregate.js';
import type { SweepReport } from '../../../../src/reporting/analysis/report.js';
import { PACKAGE_ROOT } from '../../../../src/core/common/paths.js';
import type { TrialResult } from '../../../../src/core/domain/trial.js';
import type { MissingTrial } from '../../../../src/temporal/shared/shared.js';
import { expandSweep } from '../../../../src/sweep-spec/expand.js';
import { encodeIndexSet } from '../../../../src/temporal/workflows/index-set.js';
import { parseSweepSpec } from '../../../../src/sweep-spec/load.js';
import { MemoryTracker } from '../../../integration/temporal/memory-tracker.js';

const spec = parseSweepSpec({
  text: readFileSync(path.join(PACKAGE_ROOT, 'sweeps/tests/tiny.yaml'), 'utf8').replace(
    'seeds: [0, 1]',
    'seeds: [0, 1, 2, 3]',
  ),
  file: 'tiny.yaml',
});
const planned = expandSweep({ spec, datasetFingerprint: 'fp' });

function resultOf(model: string, seed: number): TrialResult {
  const testAccuracy =
    (model === 'cnn' ? 0.6 : 0.45) + 0.01 * seed + (model === 'cnn' ? 0.002 * seed ** 2 : 0);
  const final = { epoch: 1, trainLoss: 1, trainAccuracy: testAccuracy + 0.05, testLoss: 1.2, testAccuracy };
  return { epochs: [final], final, backend: { name: 'wasm', version: '1' }, resumedFromEpoch: 0 };
}

const missingOf = (t: (typeof planned)[number], reason: string): MissingTrial => ({
  trialKey: t.trialKey,
  groupKey: t.groupKey,
  groupLabel: t.groupLabel,
  seed: t.seed,
  reason,
});

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('aggregateSweep', () => {
  // Large sweeps send the trials without a result as reason → plan indices (sweep-outputs.ts): the same report.
  it.each(['a list', 'index sets over the plan'] as const)(
    'reports n per group, the missing seeds with reasons and the seeds a paired comparison dropped (missing trials as %s)',
    async (form) => {
      const tracker = new MemoryTracker();
      const sweepId = 'sweep-missing';
      await tracker.startSweep({ sweepId, sweepName: spec.name });
      const stopped = planned.find((t) => t.config.modelOptions['model'] === 'cnn' && t.seed === 1)!;
      const failed = planned.find((t) => t.config.modelOptions['model'] === 'fc' && t.seed === 3)!;
      for (const t of planned) {
        if (t === stopped || t === failed) continue;
        await tracker.startTrial(sweepId, t);
        await tracker.finishTrial(sweepId, t.trialKey, {
          status: 'FINISHED',
          result: resultOf(String(t.config.modelOptions['model']), t.seed),
        });
      }
      const missing: MissingTrial[] = [
        missingOf(
          stopped,
          'stopped at epoch 1 by median: 0.41 below the median 0.46 of 4 trials in the group',
        ),
        missingOf(failed, 'failed: worker exited'),
      ];
      const reportRoot = await mkdtemp(path.join(tmpdir(), 'seedsweep-aggregate-'));
      dirs.push(reportRoot);

      const out = await createAggregate({ tracker, reportRoot })({
        sweepId,
        spec,
        datasetFingerprint: 'fp',
        status: 'FINISHED',
        ...(form === 'a list'
          ? { missing }
          : {
              missingSets: Object.fromEntries(
                missing.map((m) => [
                  m.reason,
                  encodeIndexSet([planned.findIndex((t) => t.trialKey === m.trialKey)]),
                ]),
              ),
              missingCount: missing.length,
            }),
      });

      expect(out.records).toBe(6);
      expect(out.table).toContain('6 finished trials in 2 groups, 2 planned trials missing (see Notes)');
      expect(out.table).toMatch(/^model=cnn\s+3 \(1 missing\)\s/m);
      expect(out.table).toMatch(/^model=fc\s+3 \(1 missing\)\s/m);
      expect(out.table).toContain(
        '  - group model=cnn: 1 seed missing (n = 3 finished) — seed 1 stopped at epoch 1 by median: 0.41 below the median 0.46 of 4 trials in the group',
      );
      expect(out.table).toContain(
        '  - group model=fc: 1 seed missing (n = 3 finished) — seed 3 failed: worker exited',
      );
      expect(out.table).toContain(
        '  - comparison model=cnn vs model=fc: paired on 2 complete pairs (seeds 0, 2); dropped seed 1: model=cnn incomplete (stopped at epoch 1 by median: 0.41 below the median 0.46 of 4 trials in the group); seed 3: model=fc incomplete (failed: worker exited)',
      );
      const json = JSON.parse(
        await readFile(path.join(reportRoot, sweepId, 'report.json'), 'utf8'),
      ) as SweepReport;
      expect(json.groups.map((g) => [g.label, g.n, g.missing?.map((m) => m.seed)])).toEqual([
        ['model=cnn', 3, [1]],
        ['model=fc', 3, [3]],
      ]);
      expect(json.comparisons[0]).toMatchObject({ design: 'paired', seeds: [0, 2] });
      expect(json.comparisons[0]?.droppedSeeds?.map((d) => d.seed)).toEqual([1, 3]);
    },
  );

  it('does not look up under other sweep names the trials the workflow says have no result', async () => {
    // One search per group for each of them would make a cancelled 100,000-trial sweep's report cost
    // tens of thousands of searches that find nothing.
    const lookedUp: string[][] = [];
    const tracker = new (class extends MemoryTracker {
      override async finishedTrialsByKeys(trialKeys: string[]) {
        lookedUp.push(trialKeys);
        return super.finishedTrialsByKeys(trialKeys);
      }
    })();
    const sweepId = 'sweep-cancelled';
    await tracker.startSweep({ sweepId, sweepName: spec.name });
    const [done, ...rest] = planned;
    await tracker.startTrial(sweepId, done!);
    await tracker.finishTrial(sweepId, done!.trialKey, { status: 'FINISHED', result: resultOf('cnn', 0) });
    const reportRoot = await mkdtemp(path.join(tmpdir(), 'seedsweep-aggregate-'));
    dirs.push(reportRoot);
    const out = await createAggregate({ tracker, reportRoot })({
      sweepId,
      spec,
      datasetFingerprint: 'fp',
      status: 'KILLED',
      missing: rest.map((t) => missingOf(t, 'cancelled')),
    });
    expect(out.records).toBe(1);
    expect(lookedUp).toEqual([]);
  });

  it('says how many planned trials have no result when none finished', async () => {
    const tracker = new MemoryTracker();
    await tracker.startSweep({ sweepId: 'none', sweepName: spec.name });
    const reportRoot = await mkdtemp(path.join(tmpdir(), 'seedsweep-aggregate-'));
    dirs.push(reportRoot);
    const out = await createAggregate({ tracker, reportRoot })({
      sweepId: 'none',
      spec: { ...spec, reuse: false },
      datasetFingerprint: 'fp',
      status: 'KILLED',
      missing: planned.map((t) => missingOf(t, 'cancelled')),
    });
    expect(out).toMatchObject({
      records: 0,
      files: [],
      table: '(no finished trials: no report; 8 planned trials without a result)',
    });
  });
});
