/**
 * A sampler's warm start in the spec (`variants.sampler.warm_start`): parsed into its camelCase form and
 * checked once at load, each problem one line naming the field and its YAML line (the spec is
 * tests/fixtures/search/tiny-warm.yaml, edited as text per case).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';
import { parseSweepSpec, SpecError } from '../../../src/sweep-spec/load.js';
import { checkSpecObject } from '../../../src/interfaces/api/spec-object.js';

const FILE = path.join(PACKAGE_ROOT, 'tests', 'fixtures', 'search', 'tiny-warm.yaml');
const TEXT = readFileSync(FILE, 'utf8');

/** The spec's problems (formatted lines) after replacing `from` by `to` in its text; [] when valid. */
function problemsOf(from: string, to: string): string[] {
  expect(TEXT).toContain(from);
  try {
    parseSweepSpec({ text: TEXT.replace(from, to), file: 'warm.yaml' });
    return [];
  } catch (error) {
    if (!(error instanceof SpecError)) throw error;
    return error.message
      .split('\n')
      .slice(1)
      .map((line) => line.trim());
  }
}

describe('warm_start in a sampler spec', () => {
  it('is read into the sampler spec: earlier sweeps and the configurations to try first', () => {
    const spec = parseSweepSpec({ text: TEXT, file: 'warm.yaml' });
    expect(spec.variants.sampler!.warmStart).toEqual({
      sweeps: ['tiny-warm-earlier'],
      trials: [
        { learning_rate: 0.01, units1: 32 },
        { learning_rate: 0.05, units1: 16 },
      ],
    });
  });

  it('survives the API: a SweepSpec object with a warm start is checked and comes back equal', async () => {
    const spec = parseSweepSpec({ text: TEXT, file: 'warm.yaml' });
    expect(await checkSpecObject(spec, { overrides: [] })).toEqual(spec);
    const bad = structuredClone(spec);
    bad.variants.sampler!.warmStart!.trials[0]!['units1'] = 99;
    await expect(checkSpecObject(bad, { overrides: [] })).rejects.toThrow(
      /variants\.sampler\.warm_start\.trials\[0\]\.units1: outside the search space: 99 is outside \[8, 64\]/,
    );
  });

  it('leaves a sampler spec without it as it was (no warmStart key)', () => {
    const text = TEXT.replace(/ {4}warm_start:[\s\S]*?(?=seeds:)/, '');
    const spec = parseSweepSpec({ text, file: 'warm.yaml' });
    expect(Object.keys(spec.variants.sampler!)).toEqual(['name', 'trials', 'seed', 'params', 'options']);
  });

  it('refuses a listed value outside the space with one line naming the field and its line', () => {
    const lines = problemsOf('{ learning_rate: 0.05, units1: 16 }', '{ learning_rate: 0.5, units1: 16 }');
    expect(lines).toEqual([
      'warm.yaml:26:28: variants.sampler.warm_start.trials[1].learning_rate: outside the search space: 0.5 is outside [0.001, 0.1]',
    ]);
  });

  it('names an unknown parameter (with a suggestion), a missing one and a non-integer for int', () => {
    const lines = problemsOf('{ learning_rate: 0.05, units1: 16 }', '{ learning_rat: 0.05, units1: 16.5 }');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^warm\.yaml:26:\d+: variants\.sampler\.warm_start\.trials\[1\]: missing 'learning_rate'/,
    );
    expect(lines[1]).toMatch(
      /trials\[1\]\.learning_rat: 'learning_rat' is not a parameter .*did you mean 'learning_rate'/,
    );
    expect(lines[2]).toMatch(
      /trials\[1\]\.units1: outside the search space: expected an integer in \[8, 64\]; found 16\.5/,
    );
  });

  it('refuses more listed configurations than the budget, an empty warm start and a sweep listed twice', () => {
    expect(problemsOf('trials: 6', 'trials: 1')).toEqual([
      'warm.yaml:25:9: variants.sampler.warm_start.trials: 2 configurations listed, but the sampler runs 1 (variants.sampler.trials); list at most 1 or raise trials',
    ]);
    expect(problemsOf('sweeps: [tiny-warm-earlier]', 'sweeps: [a, a]')).toEqual([
      "warm.yaml:23:19: variants.sampler.warm_start.sweeps[1]: 'a' is listed twice; list it once",
    ]);
    const empty = problemsOf(
      TEXT.slice(TEXT.indexOf('    warm_start:'), TEXT.indexOf('seeds:')),
      '    warm_start: {}\n',
    );
    expect(empty).toHaveLength(1);
    expect(empty[0]).toMatch(/variants\.sampler\.warm_start: give earlier sweeps/);
    expect(problemsOf('sweeps: [tiny-warm-earlier]', 'sweep: [x]')[0]).toMatch(
      /warm_start\.sweep: unknown key 'sweep'.*sweeps, trials/,
    );
  });
});
