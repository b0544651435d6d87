/**
 * `seedsweep report` on a finished sweep shows the report its aggregation stored (one read, where
 * building it again reads every trial's record), but only while that is still the sweep's report: not
 * while the sweep runs again, and not a report of an earlier layout.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../../src/core/common/paths.js';
import { REPORT_FORMAT, type SweepReport } from '../../../../src/reporting/analysis/report.js';
import { expandSweep } from '../../../../src/sweep-spec/expand.js';
import { parseSweepSpec } from '../../../../src/sweep-spec/load.js';
import { createAggregate } from '../../../../src/temporal/activities/aggregate.js';
import { storedReport, type SweepLookup } from '../../../../src/temporal/client/sweep-records.js';
import type { Tracker } from '../../../../src/tracking/types.js';
import { MemoryTracker } from '../../../integration/temporal/memory-tracker.js';

const spec = parseSweepSpec({
  text: readFileSync(path.join(PACKAGE_ROOT, 'sweeps/tests/tiny.yaml'), 'utf8'),
  file: 'tiny.yaml',
});
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** A sweep of the tiny spec whose trials all finished, aggregated: its report is stored with the sweep. */
async function aggregatedSweep(sweepId: string): Promise<{ tracker: MemoryTracker; stored: SweepReport }> {
  const tracker = new MemoryTracker();
  await tracker.startSweep({ sweepId, sweepName: spec.name });
  for (const t of expandSweep({ spec, datasetFingerprint: 'fp' })) {
    await tracker.startTrial(sweepId, t);
    const final = {
      epoch: 1,
      trainLoss: 1,
      trainAccuracy: 0.5,
      testLoss: 1,
      testAccuracy: 0.4 + 0.01 * t.seed,
    };
    await tracker.finishTrial(sweepId, t.trialKey, {
      status: 'FINISHED',
      result: { epochs: [final], final, backend: { name: 'wasm', version: '1' }, resumedFromEpoch: 0 },
    });
  }
  const reportRoot = await mkdtemp(path.join(tmpdir(), 'seedsweep-stored-'));
  dirs.push(reportRoot);
  await createAggregate({ tracker, reportRoot })({
    sweepId,
    spec,
    datasetFingerprint: 'fp',
    status: 'FINISHED',
  });
  const stored = JSON.parse(
    await readFile(path.join(reportRoot, sweepId, 'report.json'), 'utf8'),
  ) as SweepReport;
  return { tracker, stored };
}

const lookup = (tracker: Tracker, closed: boolean | undefined): SweepLookup => ({
  tracker,
  closed: async () => closed,
  input: async () => undefined,
});

describe('storedReport', () => {
  it("is the aggregation's report of a sweep Temporal says ended, or no longer knows", async () => {
    const { tracker, stored } = await aggregatedSweep('sweep-done');
    expect(stored.format).toBe(REPORT_FORMAT);
    expect(stored.backends).toEqual([{ backend: 'wasm 1', trials: stored.trialCount }]);
    expect(await storedReport(lookup(tracker, true), 'sweep-done')).toEqual(stored);
    expect(await storedReport(lookup(tracker, undefined), 'sweep-done')).toEqual(stored);
  });

  it('is undefined while the sweep runs (again), and for a sweep without one', async () => {
    const { tracker } = await aggregatedSweep('sweep-again');
    expect(await storedReport(lookup(tracker, false), 'sweep-again')).toBeUndefined();
    expect(await storedReport(lookup(tracker, true), 'sweep-other')).toBeUndefined();
  });

  it('is undefined for a report of an earlier layout, or one that cannot be read', async () => {
    const { tracker, stored } = await aggregatedSweep('sweep-old');
    const older = Object.assign(Object.create(tracker) as Tracker, {
      sweepReport: async () => ({ ...stored, format: undefined }),
    });
    expect(await storedReport(lookup(older, true), 'sweep-old')).toBeUndefined();
    const unreadable = Object.assign(Object.create(tracker) as Tracker, {
      sweepReport: async () => {
        throw new Error('MLflow unreachable');
      },
    });
    expect(await storedReport(lookup(unreadable, true), 'sweep-old')).toBeUndefined();
  });
});
