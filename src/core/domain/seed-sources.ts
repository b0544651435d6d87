/**
 * Sources of randomness in a trial, each with its own seed: weight initialisation, data order, the
 * train / validation split and dropout (with other training noise). By default every source takes the
 * trial seed; a spec's `seed_sources` varies some of them while holding the others, so the report can
 * say how much of the objective's spread each source causes (Bouthillier et al. 2021).
 * Bottom layer: plain data and pure functions (workflow code plans with them).
 */

/** The sources, in the order reports list them. */
export const SEED_SOURCES = ['init', 'dataOrder', 'split', 'dropout'] as const;
export type SeedSource = (typeof SEED_SOURCES)[number];

/** Their names in a spec file (snake_case, as YAML keys are). */
export const SEED_SOURCE_SPEC_NAMES: Record<SeedSource, string> = {
  init: 'init',
  dataOrder: 'data_order',
  split: 'split',
  dropout: 'dropout',
};

/** One non-negative integer seed per source (`ctx.seeds`). */
export type SeedSources = Readonly<Record<SeedSource, number>>;

/**
 * How the sources' seeds are planned:
 * - `shared`: every varied source takes the trial seed, the others `fixed` (vary one source, or some
 *   together, while holding the rest);
 * - `factorial`: every varied source takes each of the spec's seeds (its levels) crossed with every
 *   other's; the trial seed is then the cell's index (mixed radix, first varied source fastest), so
 *   trials of equal seed pair up across groups with equal per-source seeds.
 */
export const SeedDesign = { shared: 'shared', factorial: 'factorial' } as const;
export type SeedDesign = (typeof SeedDesign)[keyof typeof SeedDesign];

/** A trial config's seed design (`TrialConfig.seedSources`): hashed into trial and group keys. */
export interface SeedSourcesConfig {
  design: SeedDesign;
  /** Sources that vary, in {@link SEED_SOURCES} order. */
  vary: SeedSource[];
  /** Seed of every source held. */
  fixed: number;
  /** `factorial`: the levels each varied source takes (the spec's seeds, in order). */
  levels?: number[];
}

/** Every source seeded with `seed`: what a trial without `seed_sources` gets. */
export function uniformSeeds(seed: number): SeedSources {
  return { init: seed, dataOrder: seed, split: seed, dropout: seed };
}

/** Cells of a factorial design: levels ^ varied sources. */
export function factorialCells(config: Pick<SeedSourcesConfig, 'vary' | 'levels'>): number {
  return (config.levels?.length ?? 0) ** config.vary.length;
}

/**
 * The per-source seeds of trial seed `seed` under `config` (none: every source takes the seed).
 * @throws RangeError for a factorial cell index outside the design.
 */
export function seedsOfTrial(config: SeedSourcesConfig | undefined, seed: number): SeedSources {
  if (!config) return uniformSeeds(seed);
  const seeds: Record<SeedSource, number> = {
    init: config.fixed,
    dataOrder: config.fixed,
    split: config.fixed,
    dropout: config.fixed,
  };
  if (config.design === SeedDesign.shared) {
    for (const source of config.vary) seeds[source] = seed;
    return seeds;
  }
  const levels = config.levels ?? [];
  if (!Number.isInteger(seed) || seed < 0 || seed >= factorialCells(config))
    throw new RangeError(
      `seed ${seed} is not a cell of a ${levels.length}^${config.vary.length} factorial design`,
    );
  let rest = seed;
  for (const source of config.vary) {
    seeds[source] = levels[rest % levels.length]!;
    rest = Math.floor(rest / levels.length);
  }
  return seeds;
}

/** `init=0 data_order=2 …`: the seeds a trial of this design got, as a short label. */
export function seedSourcesLabel(seeds: SeedSources): string {
  return SEED_SOURCES.map((s) => `${SEED_SOURCE_SPEC_NAMES[s]}=${seeds[s]}`).join(' ');
}
