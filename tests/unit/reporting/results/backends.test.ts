/** Which backends a sweep's results came from, as `run`, `status` and `report` say it. */
import { describe, expect, it } from 'vitest';
import { summaryText } from '../../../../src/temporal/client/print-summary.js';
import type { TrialRecord } from '../../../../src/core/domain/trial.js';
import type { SweepSummary } from '../../../../src/temporal/shared/shared.js';
import { backendLabel, backendLine, backendUsage } from '../../../../src/reporting/results/backends.js';
import { cnnRecord } from './fixtures.js';

const NATIVE = { name: 'tensorflow', version: '4.22.0', tfVersion: '2.21.0', device: 'cpu' } as const;
const WASM = { name: 'wasm', version: '4.22.0', device: 'cpu' } as const;

function on(backend: TrialRecord['result']['backend'], kernelSize: number, seed: number): TrialRecord {
  const r = cnnRecord({ kernelSize, seed });
  return { ...r, result: { ...r.result, backend } };
}

describe('backend of a sweep', () => {
  it("names a backend by TensorFlow's version when native, the TF.js package's otherwise, and the device", () => {
    expect(backendLabel(NATIVE)).toBe('tensorflow 2.21.0 (cpu)');
    expect(backendLabel({ ...NATIVE, name: 'tensorflow-gpu', device: 'gpu' })).toBe(
      'tensorflow-gpu 2.21.0 (gpu)',
    );
    expect(backendLabel(WASM)).toBe('wasm 4.22.0 (cpu)');
    expect(backendLabel({ name: 'cpu', version: '4.22.0' })).toBe('cpu 4.22.0');
  });

  it('one backend: one line with the trial count', () => {
    const records = [on(NATIVE, 3, 0), on(NATIVE, 3, 1), on(NATIVE, 5, 0)];
    expect(backendUsage(records)).toEqual([{ backend: 'tensorflow 2.21.0 (cpu)', trials: 3 }]);
    expect(backendLine(backendUsage(records))).toBe('backend: tensorflow 2.21.0 (cpu), all 3 trials');
    expect(backendLine(backendUsage(records.slice(0, 1)))).toBe(
      'backend: tensorflow 2.21.0 (cpu), the only trial',
    );
    expect(backendLine([])).toBeUndefined();
  });

  it('mixed backends: each with its count, the most used first; a trial key counts once', () => {
    const records = [on(WASM, 3, 0), on(NATIVE, 5, 0), on(NATIVE, 5, 1), on(NATIVE, 5, 1)];
    expect(backendLine(backendUsage(records))).toBe(
      'backends: tensorflow 2.21.0 (cpu) 2 trials, wasm 4.22.0 (cpu) 1 trial',
    );
  });

  it("is the line after the summary line of run, resume and status (from the aggregation's output)", () => {
    const summary: SweepSummary = {
      sweepId: 'tiny-1',
      sweepName: 'tiny',
      status: 'completed',
      counts: {
        total: 4,
        pending: 0,
        running: 0,
        finished: 0,
        failed: 0,
        earlyStopped: 0,
        cancelled: 0,
        skipped: 4,
      },
      failures: {},
      continuedRuns: 0,
      report: {
        records: 4,
        reportDir: '/r',
        files: ['/r/report.json'],
        table: 'TABLE',
        backends: backendUsage([on(NATIVE, 3, 0), on(NATIVE, 3, 1), on(WASM, 5, 0), on(WASM, 5, 1)]),
      },
    };
    const lines = summaryText(summary).trimEnd().split('\n');
    const at = lines.findIndex((l) => l.startsWith('sweep tiny-1 completed: 0 trained, 4 already done'));
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toBe('backends: tensorflow 2.21.0 (cpu) 2 trials, wasm 4.22.0 (cpu) 2 trials');
    // A summary from before backends were recorded in it: no line, nothing invented.
    const { backends: _b, ...older } = summary.report!;
    expect(summaryText({ ...summary, report: older })).not.toMatch(/backend/);
  });
});
