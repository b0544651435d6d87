/** `seedsweep export` and `seedsweep compare` over an in-memory tracker: sweep lookup by id or name, outputs, errors. */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCompare } from '../../../../src/interfaces/cli/commands/compare.js';
import { defaultParquetName, runExport } from '../../../../src/interfaces/cli/commands/export.js';
import { buildProgram, main } from '../../../../src/interfaces/cli/main.js';
import { loadSweep, type SweepLookup } from '../../../../src/temporal/client/sweep-records.js';
import type { TrialRecord } from '../../../../src/core/domain/trial.js';
import type { Tracker } from '../../../../src/tracking/types.js';
import type { SweepComparison } from '../../../../src/reporting/results/compare.js';
import type { ExportJson } from '../../../../src/reporting/results/export.js';
import { cnnRecord } from '../../reporting/results/fixtures.js';

/** Sweeps by id: `name` is the sweep name of each. */
function fakeLookup(sweeps: Record<string, { name: string; records: TrialRecord[] }>): SweepLookup {
  // Only what export and compare use; the rest of the tracker is not needed here.
  const tracker = {
    finishedTrials: async ({ sweepId, sweepName }: { sweepId?: string; sweepName?: string }) =>
      Object.entries(sweeps)
        .filter(([id, s]) => (sweepId !== undefined ? id === sweepId : s.name === sweepName))
        .flatMap(([, s]) => s.records),
  } satisfies Pick<Tracker, 'finishedTrials'> as unknown as Tracker;
  return { tracker, input: async () => undefined, closed: async () => undefined };
}

const laptop = [0, 1].flatMap((seed) =>
  [3, 5].map((k) => cnnRecord({ kernelSize: k, seed, sweepId: 'study-aaaa-1', runId: `l-${k}-${seed}` })),
);
const server = [0, 1].flatMap((seed) =>
  [3, 5].map((k) =>
    cnnRecord({
      kernelSize: k,
      seed,
      sweepId: 'study-bbbb-2',
      runId: `s-${k}-${seed}`,
      offset: k === 5 && seed === 1 ? 1e-7 : 0,
    }),
  ),
);
const lookup = fakeLookup({
  'study-aaaa-1': { name: 'study', records: laptop },
  'study-bbbb-2': { name: 'study-rerun', records: server },
  'other-cccc-3': {
    name: 'other',
    records: [cnnRecord({ kernelSize: 7, seed: 0, sweepId: 'other-cccc-3', runId: 'o' })],
  },
});

function capture(): { text: () => string; write: (s: string) => void } {
  let out = '';
  return { text: () => out, write: (s) => void (out += s) };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('sweep lookup', () => {
  it('finds a sweep by id, then by name, in the tracker when Temporal does not know it', async () => {
    expect(await loadSweep(lookup, 'study-aaaa-1')).toMatchObject({
      sweepId: 'study-aaaa-1',
      resolvedBy: 'tracker-sweep-id',
      records: laptop,
    });
    const byName = await loadSweep(lookup, 'study-rerun');
    expect(byName).toMatchObject({ sweepName: 'study-rerun', resolvedBy: 'tracker-sweep-name' });
    expect(byName.sweepId).toBeUndefined();
    expect(byName.records).toHaveLength(4);
    await expect(loadSweep(lookup, 'nope')).rejects.toMatchObject({
      code: 'E_SWEEP_NOT_FOUND',
      message: expect.stringMatching(/no sweep with id or name 'nope'/),
    });
  });
});

describe('seedsweep export', () => {
  const silenceInfo = () => vi.spyOn(process.stderr, 'write').mockImplementation(() => true);

  it('prints CSV by default: a header and one line per trial and epoch', async () => {
    const out = capture();
    const result = await runExport({
      ref: 'study-aaaa-1',
      flags: { format: 'csv' },
      lookup,
      stdout: out.write,
    });
    const lines = out.text().trimEnd().split('\n');
    expect(lines).toHaveLength(1 + 4 * 3);
    expect(lines[0]).toMatch(
      /^sweep_id,trial_sweep_id,run_id,trial_key,group_key,group_label,seed,factor\.kernel_size,model,/,
    );
    expect(lines[0]).toMatch(
      /,epoch,trainLoss,trainAccuracy,testLoss,testAccuracy,epochSeconds,imagesPerSecond$/,
    );
    expect(lines[1]).toMatch(/^study-aaaa-1,study-aaaa-1,l-3-0,t-k3-s0,/);
    expect(result).toMatchObject({ rows: 12 });
  });

  it('prints one JSON document with --format json, one row per trial with --final', async () => {
    const out = capture();
    await runExport({
      ref: 'study-rerun',
      flags: { format: 'json', final: true },
      lookup,
      stdout: out.write,
    });
    const doc = JSON.parse(out.text()) as ExportJson;
    expect(doc.final).toBe(true);
    expect(doc.sweepId).toBe('study-rerun');
    expect(doc.rows.map((r) => [r['sweep_id'], r['trial_key'], r['epoch']])).toEqual([
      ['study-bbbb-2', 't-k3-s0', 3],
      ['study-bbbb-2', 't-k3-s1', 3],
      ['study-bbbb-2', 't-k5-s0', 3],
      ['study-bbbb-2', 't-k5-s1', 3],
    ]);
  });

  it('writes Parquet to <sweep>.parquet in the working folder without --out, and prints the path', async () => {
    silenceInfo();
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-export-cli-'));
    const out = capture();
    const result = await runExport({
      ref: 'study-aaaa-1',
      flags: { format: 'parquet' },
      lookup,
      cwd,
      stdout: out.write,
    });
    const file = path.join(cwd, 'study-aaaa-1.parquet');
    expect(result.file).toBe(file);
    expect(out.text()).toBe(`${file}\n`);
    const rows = (await parquetReadObjects({ file: await asyncBufferFromFile(file) })) as Record<
      string,
      unknown
    >[];
    expect(rows).toHaveLength(12);
    expect(rows[0]).toMatchObject({
      trial_key: 't-k3-s0',
      epoch: 1n,
      testAccuracy: laptop[0]!.result.epochs[0]!['testAccuracy'],
    });
    expect(defaultParquetName('my sweep/1', true)).toBe('my-sweep-1-final.parquet');
  });

  it('writes CSV to --out, creating its folder', async () => {
    silenceInfo();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-export-cli-'));
    const out = capture();
    await runExport({
      ref: 'study-aaaa-1',
      flags: { format: 'csv', out: 'nested/x.csv', final: true },
      lookup,
      cwd: dir,
      stdout: out.write,
    });
    const file = path.join(dir, 'nested', 'x.csv');
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8').trimEnd().split('\n')).toHaveLength(5);
  });

  it('says which sweep is unknown', async () => {
    await expect(
      runExport({ ref: 'missing', flags: { format: 'csv' }, lookup, stdout: () => undefined }),
    ).rejects.toMatchObject({ code: 'E_SWEEP_NOT_FOUND' });
  });
});

describe('seedsweep compare', () => {
  it('prints the comparison of two sweeps, by id or by name', async () => {
    const out = capture();
    const c = await runCompare({ refA: 'study', refB: 'study-bbbb-2', flags: {}, lookup, stdout: out.write });
    expect(c).toMatchObject({ matched: 4, compared: 4, identical: 3, metric: 'testAccuracy' });
    expect(out.text()).toMatch(
      /^A = study \(4 finished trials\)\nB = study-bbbb-2 \(4 finished trials\)\nmatched trial keys: 4/,
    );
    expect(out.text()).toMatch(/3 of 4 compared, 1 differ/);
  });

  it('prints one JSON document with --json and honours --metric', async () => {
    const out = capture();
    await runCompare({
      refA: 'study-aaaa-1',
      refB: 'study-bbbb-2',
      flags: { json: true, metric: 'trainLoss' },
      lookup,
      stdout: out.write,
    });
    const doc = JSON.parse(out.text()) as SweepComparison;
    expect(doc.metric).toBe('trainLoss');
    expect(doc.a.sweep).toBe('study-aaaa-1');
    expect(doc.groups).toHaveLength(2);
    expect(doc.perMetric.find((m) => m.metric === 'testAccuracy')?.maxAbsFinalDiff).toBeCloseTo(1e-7, 15);
  });

  it('fails with a clear error for an unknown sweep or no trial key in common', async () => {
    await expect(
      runCompare({ refA: 'study', refB: 'nope', flags: {}, lookup, stdout: () => undefined }),
    ).rejects.toMatchObject({ code: 'E_SWEEP_NOT_FOUND' });
    await expect(
      runCompare({ refA: 'study', refB: 'other', flags: {}, lookup, stdout: () => undefined }),
    ).rejects.toMatchObject({
      code: 'E_COMPARE_NO_MATCH',
      message: expect.stringMatching(
        /^no trial keys in common: the sweeps ran different configs, seeds or data/,
      ),
    });
  });
});

describe('the commands in the CLI', () => {
  it('are registered with their options', () => {
    const program = buildProgram();
    const exportCmd = program.commands.find((c) => c.name() === 'export');
    const compareCmd = program.commands.find((c) => c.name() === 'compare');
    expect(exportCmd?.options.map((o) => o.long)).toEqual(['--format', '--out', '--final']);
    expect(compareCmd?.options.map((o) => o.long)).toEqual(['--metric', '--json']);
    expect(exportCmd?.helpInformation()).toMatch(/parquet is always a\s+file\s+\(default\s+<sweep>\.parquet/);
  });

  it('rejects a bad export format with one line and exit 2, before contacting any server', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await main(['node', 'seedsweep', 'export', 'x', '--format', 'xlsx'])).toBe(2);
    expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toBe(
      "error[E_BAD_ARGUMENT]: unknown export format 'xlsx'; use one of: csv, parquet, json.\n",
    );
  });
});
