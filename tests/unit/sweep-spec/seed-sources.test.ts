/**
 * `seed_sources` in a spec: which sources vary and how (shared or factorial), what each trial's sources
 * get, that the design enters trial keys only when given, and one clear line for a bad source name.
 */
import { describe, expect, it } from 'vitest';
import { seedsOfTrial, uniformSeeds } from '../../../src/core/domain/seed-sources.js';
import { expandSweep } from '../../../src/sweep-spec/expand.js';
import { parseSweepSpec, SpecError } from '../../../src/sweep-spec/load.js';
import { specObjectDocument } from '../../../src/interfaces/api/spec-object.js';
import { stringify } from 'yaml';

const BASE = `name: seeds-test
dataset: { name: synthetic, train_size: 100, test_size: 50 }
train: { epochs: 1 }
variants:
  grid:
    model: [fc, cnn]
seeds: [0, 1, 2]
`;

const parse = (extra: string) => parseSweepSpec({ text: BASE + extra, file: 's.yaml' });

/** The spec's problem lines; [] when valid. */
function problemsOf(extra: string): string[] {
  try {
    parse(extra);
    return [];
  } catch (error) {
    if (!(error instanceof SpecError)) throw error;
    return error.message
      .split('\n')
      .slice(1)
      .map((line) => line.trim());
  }
}

describe('seed_sources in a spec', () => {
  it('names an unknown source in one line with the field and its YAML line', () => {
    expect(problemsOf('seed_sources:\n  vary: [init, data_ordr]\n')).toEqual([
      "s.yaml:9:16: seed_sources.vary[1]: unknown seed source 'data_ordr' (did you mean 'data_order'?); the sources are init, data_order, split, dropout",
    ]);
  });

  it('leaves the trials of a spec without it as they were: no seedSources, same keys', () => {
    const plain = expandSweep({ spec: parse(''), datasetFingerprint: 'fp' });
    expect(plain.every((t) => t.config.seedSources === undefined)).toBe(true);
    const shared = expandSweep({ spec: parse('seed_sources: { vary: all }\n'), datasetFingerprint: 'fp' });
    // Given, the design is part of the identity (even when every source takes the trial seed).
    expect(shared.map((t) => t.trialKey)).not.toEqual(plain.map((t) => t.trialKey));
    expect(new Set(shared.map((t) => t.groupKey)).size).toBe(2);
  });

  it('varies the named sources with the trial seed and holds the others (shared)', () => {
    const spec = parse('seed_sources: { vary: [init], fixed: 5 }\n');
    expect(spec.seeds).toEqual([0, 1, 2]);
    const trial = expandSweep({ spec, datasetFingerprint: 'fp' }).find((t) => t.seed === 2)!;
    expect(seedsOfTrial(trial.config.seedSources, trial.seed)).toEqual({
      init: 2,
      dataOrder: 5,
      split: 5,
      dropout: 5,
    });
  });

  it('crosses every varied source over the seeds (factorial): the trial seeds are the cells', () => {
    const spec = parse('seed_sources: { vary: [init, dropout], design: factorial }\n');
    expect(spec.seeds).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const trials = expandSweep({ spec, datasetFingerprint: 'fp' });
    expect(trials).toHaveLength(18);
    const cells = spec.seeds.map((cell) => seedsOfTrial(spec.seedSources, cell));
    expect(cells[0]).toEqual({ init: 0, dataOrder: 0, split: 0, dropout: 0 });
    expect(cells[5]).toEqual({ init: 2, dataOrder: 0, split: 0, dropout: 1 });
    expect(new Set(cells.map((c) => `${c.init}/${c.dropout}`)).size).toBe(9);
    expect(new Set(trials.map((t) => t.trialKey)).size).toBe(18);
  });

  it('refuses a factorial design with adaptive seeds, or of one level', () => {
    const adaptive = BASE.replace(
      'seeds: [0, 1, 2]',
      'seeds: { min: 2, max: 4, until: { compare: [{ model: fc }, { model: cnn }], ci_excludes: 0 } }',
    );
    expect(() =>
      parseSweepSpec({ text: `${adaptive}seed_sources: { design: factorial }\n`, file: 's.yaml' }),
    ).toThrow(/seed_sources\.design: a factorial design crosses a fixed list of seeds/);
    expect(problemsOf('seed_sources: { design: factorial }\n')).toEqual([]);
    const one = parseSweepSpec.bind(null, {
      text: BASE.replace('seeds: [0, 1, 2]', 'seeds: [4]') + 'seed_sources: { design: factorial }\n',
      file: 's.yaml',
    });
    expect(one).toThrow(/a factorial design needs at least 2 seeds/);
  });

  it('writes a spec object back in its file form, levels under seeds (runSweep checks objects so)', () => {
    const spec = parse('seed_sources: { vary: [data_order, init], design: factorial, fixed: 3 }\n');
    const document = specObjectDocument(spec as unknown as Record<string, unknown>);
    expect(document['seeds']).toEqual([0, 1, 2]);
    expect(document['seed_sources']).toEqual({ design: 'factorial', vary: ['init', 'data_order'], fixed: 3 });
    expect(parseSweepSpec({ text: stringify(document), file: 'o.yaml' })).toEqual(spec);
  });

  it('gives every source the trial seed by default', () => {
    expect(seedsOfTrial(undefined, 7)).toEqual(uniformSeeds(7));
  });
});

describe('the tracker params of a trial with seed sources', () => {
  it('carry the seed each source got; a trial without seed sources has none', async () => {
    const { trialParams } = await import('../../../src/tracking/run-data.js');
    const spec = parse('seed_sources: { vary: [init, dropout], design: factorial, fixed: 9 }\n');
    const trial = expandSweep({ spec, datasetFingerprint: 'fp' }).find((t) => t.seed === 5)!;
    expect(trialParams(trial)).toMatchObject({
      seed: '5',
      'seed.init': '2',
      'seed.data_order': '9',
      'seed.split': '9',
      'seed.dropout': '1',
    });
    const plain = expandSweep({ spec: parse(''), datasetFingerprint: 'fp' })[0]!;
    expect(Object.keys(trialParams(plain)).filter((k) => k.startsWith('seed.'))).toEqual([]);
  });
});
