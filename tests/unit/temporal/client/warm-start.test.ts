/**
 * A warm start's earlier trials at submission (src/temporal/client/warm-start.ts): the listed sweeps'
 * finished records → the workflow's compact history. Trials that fit the space and report the objective
 * count (seeds of one configuration as their mean), the others are skipped and counted with why; a sweep
 * none of whose trials fits is one line naming `warm_start.sweeps[i]`, the sweep and why, at its YAML line.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../../src/core/common/errors.js';
import { PACKAGE_ROOT } from '../../../../src/core/common/paths.js';
import type { ParamValue, TrialRecord } from '../../../../src/core/domain/trial.js';
import { trialsOfPoint } from '../../../../src/sweep-spec/expand.js';
import { loadSweepSpec, SpecError } from '../../../../src/sweep-spec/load.js';
import type { SweepSpec } from '../../../../src/sweep-spec/schema.js';
import type { SweepLookup } from '../../../../src/temporal/client/sweep-records.js';
import {
  MAX_WARM_START_CONFIGURATIONS,
  readWarmStart,
  warmHistoryOf,
  warmStartLines,
} from '../../../../src/temporal/client/warm-start.js';
import type { Tracker } from '../../../../src/tracking/types.js';

const FILE = path.join(PACKAGE_ROOT, 'tests', 'fixtures', 'search', 'tiny-warm.yaml');
let spec: SweepSpec;
beforeAll(async () => {
  spec = await loadSweepSpec(FILE);
});

/** A finished trial of a sweep like `of` at `point`, with these final metrics. */
function record(
  of: SweepSpec,
  point: Record<string, ParamValue>,
  seed: number,
  final: Record<string, number>,
) {
  const [trial] = trialsOfPoint({ spec: of, datasetFingerprint: 'fp', point, seeds: [seed], reason: '' });
  const { queue: _queue, reason: _reason, ...rest } = trial!;
  return {
    ...rest,
    result: { epochs: [], final: { epoch: 2, ...final }, backend: {}, resumedFromEpoch: 0 },
  } as unknown as TrialRecord;
}

describe('the warm history of the listed sweeps', () => {
  it('keeps the trials that fit, one row per configuration (mean over seeds), and counts the rest', () => {
    const records = [
      record(spec, { learning_rate: 0.002, units1: 40 }, 0, { testAccuracy: 0.8 }),
      record(spec, { learning_rate: 0.002, units1: 40 }, 1, { testAccuracy: 0.9 }),
      record(spec, { learning_rate: 0.5, units1: 40 }, 0, { testAccuracy: 0.1 }), // outside
      record(spec, { learning_rate: 0.7, units1: 40 }, 0, { testAccuracy: 0.1 }), // outside: the same reason
      record(spec, { learning_rate: 0.01, units1: 20 }, 0, { testLoss: 1 }), // no objective
      record(spec, { learning_rate: 0.03, units1: 9 }, 0, { testAccuracy: 0.5 }),
    ];
    const { history, counts } = warmHistoryOf(spec, [{ ref: 'earlier', records }]);
    expect(history.params).toEqual(['learning_rate', 'units1']);
    expect(history.trials).toHaveLength(2);
    expect(history.trials[0]![0]).toEqual([0.002, 40]);
    expect(history.trials[0]![1][0]).toBeCloseTo(0.85, 12);
    expect(history.trials[1]).toEqual([[0.03, 9], [0.5]]);
    expect(counts).toEqual([
      {
        ref: 'earlier',
        used: 3,
        configurations: 2,
        skipped: 3,
        reasons: {
          "with 'learning_rate' outside [0.001, 0.1]": 2,
          "without a 'testAccuracy' value": 1,
        },
      },
    ]);
    expect(warmStartLines(counts)).toEqual([
      "warm start: sweep 'earlier': 3 finished trial(s) used as 2 configuration(s); 3 skipped (2 with 'learning_rate' outside [0.001, 0.1], 1 without a 'testAccuracy' value)",
    ]);
  });

  it('reads a parameter an earlier sweep held fixed from its config', () => {
    // The earlier sweep searched the learning rate only, with units1 fixed at 24 in `params`.
    const earlier: SweepSpec = {
      ...spec,
      params: { ...spec.params, units1: 24 },
      variants: {
        ...spec.variants,
        sampler: {
          ...spec.variants.sampler!,
          params: { learning_rate: spec.variants.sampler!.params['learning_rate']! },
        },
      },
    };
    const fixed = record(earlier, { learning_rate: 0.004 }, 0, { testAccuracy: 0.6 });
    expect(fixed.factors).toEqual({ learning_rate: 0.004 });
    const { history } = warmHistoryOf(spec, [{ ref: 'fixed', records: [fixed] }]);
    expect(history.trials).toEqual([[[0.004, 24], [0.6]]]);
  });

  it('refuses a sweep with an incompatible space: one line naming the field, its YAML line, the sweep and why', () => {
    const text = readFileSync(FILE, 'utf8');
    // A sweep of another trainable's parameters: no units1 anywhere.
    const other = record(spec, { learning_rate: 0.002, units1: 40 }, 0, { testAccuracy: 0.8 });
    delete (other.factors as Record<string, ParamValue>)['units1'];
    delete (other.config.modelOptions as Record<string, ParamValue>)['units1'];
    const good = record(spec, { learning_rate: 0.002, units1: 40 }, 0, { testAccuracy: 0.8 });
    const refuse = () =>
      warmHistoryOf(
        spec,
        [
          { ref: 'good', records: [good] },
          { ref: 'other-space', records: [other, other] },
        ],
        { file: 'warm.yaml', text: text.replace('[tiny-warm-earlier]', '[good, other-space]') },
      );
    expect(refuse).toThrow(SpecError);
    expect(refuse).toThrow(
      "\n  warm.yaml:23:22: variants.sampler.warm_start.sweeps[1]: sweep 'other-space' gives the sampler nothing to start from: none of its 2 finished trials fits this search space: 2 without 'units1'; remove it or list a sweep over these parameters (learning_rate, units1)",
    );
    expect(() => warmHistoryOf(spec, [{ ref: 'empty', records: [] }])).toThrow(
      /sweeps\[0\]: sweep 'empty' .*: it has no finished trials/,
    );
  });

  it(`refuses more than ${MAX_WARM_START_CONFIGURATIONS} configurations`, () => {
    const base = record(spec, { learning_rate: 0.002, units1: 40 }, 0, { testAccuracy: 0.8 });
    const many = Array.from({ length: MAX_WARM_START_CONFIGURATIONS + 1 }, (_, i) => ({
      ...base,
      factors: { learning_rate: 0.001 + i * 1e-6, units1: 40 },
    }));
    expect(() => warmHistoryOf(spec, [{ ref: 'huge', records: many }])).toThrow(
      expect.objectContaining({ code: 'E_WARM_START_TOO_LARGE' }) as UserError,
    );
    // At the limit it passes, and stays far below Temporal's 2 MB payload limit.
    const { history } = warmHistoryOf(spec, [{ ref: 'big', records: many.slice(1) }]);
    expect(JSON.stringify(history).length).toBeLessThan(512 * 1024);
  });
});

describe('reading the listed sweeps at submission', () => {
  const lookupOf = (byName: Record<string, TrialRecord[]>): SweepLookup => ({
    input: async () => undefined,
    closed: async () => undefined,
    tracker: {
      finishedTrials: async (filter: { sweepName?: string; sweepId?: string }) =>
        (filter.sweepName !== undefined ? byName[filter.sweepName] : undefined) ?? [],
    } as unknown as Tracker,
  });

  it('finds a sweep by name and gives the history with one line per sweep', async () => {
    const records = [record(spec, { learning_rate: 0.002, units1: 40 }, 0, { testAccuracy: 0.8 })];
    const warm = await readWarmStart({ spec, lookup: lookupOf({ 'tiny-warm-earlier': records }) });
    expect(warm?.history.trials).toEqual([[[0.002, 40], [0.8]]]);
    expect(warm?.lines).toEqual([
      "warm start: sweep 'tiny-warm-earlier': 1 finished trial(s) used as 1 configuration(s)",
    ]);
  });

  it('names the field of a sweep nobody knows', async () => {
    const origin = { file: 'warm.yaml', text: readFileSync(FILE, 'utf8') };
    await expect(readWarmStart({ spec, lookup: lookupOf({}), origin })).rejects.toThrow(
      "warm.yaml:23:16: variants.sampler.warm_start.sweeps[0]: no sweep with id or name 'tiny-warm-earlier'",
    );
  });

  it('reads nothing for a spec that lists no sweeps', async () => {
    const listedOnly: SweepSpec = {
      ...spec,
      variants: {
        ...spec.variants,
        sampler: {
          ...spec.variants.sampler!,
          warmStart: { sweeps: [], trials: spec.variants.sampler!.warmStart!.trials },
        },
      },
    };
    expect(await readWarmStart({ spec: listedOnly, lookup: lookupOf({}) })).toBeUndefined();
  });
});
