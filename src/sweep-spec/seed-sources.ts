/**
 * A spec's `seed_sources`: which sources of randomness (src/core/domain/seed-sources.ts) vary and how.
 *
 *   seed_sources: { vary: [init], fixed: 0 }                # init takes the trial seed, the rest 0
 *   seed_sources: { vary: all, design: factorial }          # each source crossed over the spec's seeds
 *
 * `shared` (the default) varies the named sources together with the trial seed: the group's spread is
 * theirs alone. `factorial` crosses every varied source over the spec's seeds (L levels, K sources:
 * L^K trials per group), which is what separates each source's variance in the report (a balanced
 * crossed random-effects design; src/reporting/analysis/seed-variance.ts). The trial seeds of a
 * factorial sweep are the cells' indices. This module holds the YAML schema, the camelCase form and
 * the checks made at load.
 */
import { z } from 'zod';
import {
  factorialCells,
  SEED_SOURCE_SPEC_NAMES,
  SEED_SOURCES,
  SeedDesign,
  type SeedSource,
  type SeedSourcesConfig,
} from '../core/domain/seed-sources.js';
import type { SpecPath } from './errors.js';
import { didYouMean } from './suggest.js';

/** Largest seed (unsigned 32-bit), as schema.ts's. */
const MAX_SEED = 2 ** 32 - 1;

const SPEC_NAMES = SEED_SOURCES.map((s) => SEED_SOURCE_SPEC_NAMES[s]) as [string, ...string[]];
const sourceName = z.string().superRefine((name, ctx) => {
  if (!SPEC_NAMES.includes(name))
    ctx.addIssue({
      code: 'custom',
      message: `unknown seed source '${name}'${didYouMean(name, SPEC_NAMES)}; the sources are ${SPEC_NAMES.join(', ')}`,
    });
});

/** `seed_sources` as written. */
export const seedSourcesSchema = z.strictObject({
  /** Sources that vary (`all`, or a list of source names). @default all */
  vary: z.union([z.literal('all'), z.array(sourceName).min(1)]).default('all'),
  /** Seed of every source held. @default 0 */
  fixed: z.number().int().min(0).max(MAX_SEED).default(0),
  /** `shared` or `factorial` (see the module comment). @default shared */
  design: z.enum([SeedDesign.shared, SeedDesign.factorial]).default(SeedDesign.shared),
});

export type SeedSourcesFile = z.output<typeof seedSourcesSchema>;

/** The varied sources, in {@link SEED_SOURCES} order. */
function variedSources(file: SeedSourcesFile): SeedSource[] {
  if (file.vary === 'all') return [...SEED_SOURCES];
  return SEED_SOURCES.filter((s) => file.vary.includes(SEED_SOURCE_SPEC_NAMES[s]));
}

/**
 * The config's seed design and the sweep's trial seeds: a factorial design's seeds are its cells
 * (0 … L^K − 1), its levels the spec's seeds; a shared design keeps the spec's seeds.
 */
export function toSeedSources(
  file: SeedSourcesFile,
  seeds: readonly number[],
): { config: SeedSourcesConfig; seeds: number[] } {
  const vary = variedSources(file);
  if (file.design === SeedDesign.shared)
    return { config: { design: SeedDesign.shared, vary, fixed: file.fixed }, seeds: [...seeds] };
  const config: SeedSourcesConfig = {
    design: SeedDesign.factorial,
    vary,
    fixed: file.fixed,
    levels: [...seeds],
  };
  // Capped here only so that a typo cannot allocate billions: check.ts says what is too many.
  const cells = Math.min(factorialCells(config), MAX_FACTORIAL_CELLS + 1);
  return { config, seeds: Array.from({ length: cells }, (_, i) => i) };
}

/** Most cells (trials per group) a factorial design may have. */
export const MAX_FACTORIAL_CELLS = 10_000;

/** A problem at a YAML path (the shape of check.ts's `SemanticProblem`). */
export interface SeedSourcesProblem {
  path: SpecPath;
  message: string;
}

/** Checks of a spec's seed design that the schema cannot make. */
export function checkSeedSources(spec: {
  seedSources?: SeedSourcesConfig;
  adaptiveSeeds?: unknown;
}): SeedSourcesProblem[] {
  const config = spec.seedSources;
  if (!config) return [];
  const problems: SeedSourcesProblem[] = [];
  if (config.design === SeedDesign.factorial) {
    const levels = config.levels ?? [];
    if (spec.adaptiveSeeds !== undefined)
      problems.push({
        path: ['seed_sources', 'design'],
        message:
          'a factorial design crosses a fixed list of seeds: give seeds as a list or { count }, not adaptive seeds',
      });
    if (levels.length < 2)
      problems.push({
        path: ['seeds'],
        message: `a factorial design needs at least 2 seeds (levels per source); found ${levels.length}`,
      });
    const cells = factorialCells(config);
    if (cells > MAX_FACTORIAL_CELLS)
      problems.push({
        path: ['seed_sources', 'vary'],
        message: `${levels.length} seeds ^ ${config.vary.length} sources = ${cells} trials per group; at most ${MAX_FACTORIAL_CELLS}: vary fewer sources or give fewer seeds`,
      });
    levels.forEach((seed, index) => {
      const first = levels.indexOf(seed);
      if (first !== index)
        problems.push({
          path: ['seeds', index],
          message: `duplicate seed ${seed} (already at seeds[${first}]); seeds must be distinct`,
        });
    });
  }
  return problems;
}
