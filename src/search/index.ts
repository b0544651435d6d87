/**
 * The sampler registry: samplers by name, created with their options. Pure and workflow-safe; the
 * adaptive-sweep workflow will name its sampler in the spec and create it here. Also re-exports the
 * pruners (`createPruner`) and adaptive seeds (`decideSeeds`, `completePairs`).
 *
 * ```ts
 * const sampler = createSampler('tpe', { nStartupTrials: 10 });
 * const uniform = seededUniform(0);
 * const params = sampler.ask({ space, trials, mode: 'min', uniform });
 * ```
 */
import { GridSampler, type GridSamplerOptions } from './grid.js';
import { RandomSampler, type RandomSamplerOptions } from './random.js';
import { TpeSampler, type TpeSamplerOptions } from './tpe.js';
import { Nsga2Sampler, type Nsga2SamplerOptions } from './nsga2.js';
import type { Sampler } from './types.js';
import { SamplerError } from './types.js';

export { GridSampler, axisOf, type GridSamplerOptions } from './grid.js';
export { RandomSampler, type RandomSamplerOptions } from './random.js';
export { TpeSampler, tpeGamma, tpeWeights, type TpeSamplerOptions } from './tpe.js';
export { validateSpace } from './space.js';
export { Nsga2Sampler, type Nsga2SamplerOptions } from './nsga2.js';
export { hypervolumeWeights, motpeGamma, motpeReferencePoint, motpeSplit, solveHssp } from './motpe.js';
export { hypervolume, type HypervolumeOptions } from './hypervolume.js';
export {
  crowdingDistances,
  dominates,
  isComplete,
  nonDominatedFronts,
  paretoFront,
  type ObjectiveVector,
} from './pareto.js';
export * from './types.js';

// Pruners (early stopping of trials) and adaptive seeds: see docs/samplers.md.
export { createPruner, prunerRules, NonePruner, type PrunerSpec } from './pruners.js';
export { MedianPruner, type MedianPrunerOptions } from './median-pruner.js';
export {
  AshaPruner,
  ashaKeep,
  ashaLadder,
  ashaRungs,
  type AshaPrunerOptions,
  type AshaRungCount,
} from './asha.js';
export {
  HyperbandPruner,
  crc32,
  hyperbandBracketOf,
  hyperbandBrackets,
  hyperbandIdentity,
  type HyperbandBracket,
  type HyperbandPrunerOptions,
} from './hyperband.js';
export {
  PrunerError,
  percentile,
  type Pruner,
  type PruneDecision,
  type PrunerContext,
  type TrialReport,
} from './pruning.js';
export {
  firstBoundedN,
  tConfidenceSequence,
  tMixtureLogRatio,
  type ConfidenceSequenceOptions,
  type MeanInterval,
} from './confidence-sequence.js';
export {
  AdaptiveSeedsError,
  completePairs,
  decideSeeds,
  resolveSeedsSpec,
  type AdaptiveSeedsSpec,
  type DroppedSeed,
  type ResolvedSeedsSpec,
  type SeedDecision,
  type SeedOutcome,
  type SeedPair,
  type SeedStatus,
} from './adaptive-seeds.js';

/** The options each built-in sampler takes, by name. */
export interface SamplerOptionsByName {
  grid: GridSamplerOptions;
  random: RandomSamplerOptions;
  tpe: TpeSamplerOptions;
  nsga2: Nsga2SamplerOptions;
}

/** Names of the built-in samplers. */
export type SamplerName = keyof SamplerOptionsByName;

const factories = new Map<string, (options: never) => Sampler>([
  ['grid', (options: GridSamplerOptions) => new GridSampler(options)],
  ['random', () => new RandomSampler()],
  ['tpe', (options: TpeSamplerOptions) => new TpeSampler(options)],
  ['nsga2', (options: Nsga2SamplerOptions) => new Nsga2Sampler(options)],
]);

/** What value a sampler option takes: a number, true/false, or (grid's `grid`) explicit axes. */
export type SamplerOptionKind = 'number' | 'boolean' | 'axes';

/**
 * Each built-in sampler's option names and kinds. Typed against its options interface, so an option
 * added to or dropped from an interface does not compile until it is listed here too.
 */
const OPTION_KINDS: { [N in SamplerName]: Record<keyof SamplerOptionsByName[N], SamplerOptionKind> } = {
  grid: { grid: 'axes', pointsPerAxis: 'number' },
  random: {},
  tpe: {
    nStartupTrials: 'number',
    nEiCandidates: 'number',
    gammaFraction: 'number',
    gammaMax: 'number',
    priorWeight: 'number',
    considerMagicClip: 'boolean',
    considerEndpoints: 'boolean',
    multivariate: 'boolean',
    hypervolumeWeights: 'boolean',
  },
  nsga2: {
    populationSize: 'number',
    crossoverProb: 'number',
    swappingProb: 'number',
    mutationProb: 'number',
  },
};

/**
 * The options a built-in sampler takes, by name and kind, for checking options before a sampler is
 * created (a spec at load; `createSampler` checks the ranges). Undefined for a registered sampler,
 * whose options only its factory knows.
 */
export function samplerOptionKinds(name: string): Readonly<Record<string, SamplerOptionKind>> | undefined {
  return Object.hasOwn(OPTION_KINDS, name) ? OPTION_KINDS[name as SamplerName] : undefined;
}

/** Names of every registered sampler, in registration order. */
export function samplerNames(): string[] {
  return [...factories.keys()];
}

/**
 * Adds a sampler to the registry (at module load, so workflow replays see the same registry).
 * Returns what removes it again (a test's spy sampler; the registry is process-wide).
 * @throws SamplerError when the name is taken.
 */
export function registerSampler<O>(name: string, factory: (options: O) => Sampler): () => void {
  if (factories.has(name)) throw new SamplerError(`a sampler named '${name}' is already registered`);
  const entry = factory as (options: never) => Sampler;
  factories.set(name, entry);
  return () => {
    if (factories.get(name) === entry) factories.delete(name);
  };
}

/**
 * True when the named sampler optimises several objectives (reads `modes` and `values`: `nsga2`, and
 * `tpe` as MOTPE); false for single-objective samplers and for unknown names.
 */
export function isMultiObjectiveSampler(name: string): boolean {
  const factory = factories.get(name);
  return factory !== undefined && (factory as (options: unknown) => Sampler)({}).multiObjective === true;
}

/**
 * A sampler by name.
 * @param name `grid`, `random`, `tpe`, `nsga2` or a registered name.
 * @param options That sampler's options (`{}` or omitted for its defaults).
 * @throws SamplerError for an unknown name (the message lists the known ones) or invalid options.
 */
export function createSampler<N extends SamplerName>(name: N, options?: SamplerOptionsByName[N]): Sampler;
export function createSampler(name: string, options?: unknown): Sampler;
export function createSampler(name: string, options: unknown = {}): Sampler {
  const factory = factories.get(name);
  if (!factory)
    throw new SamplerError(`unknown sampler '${name}'; known samplers: ${samplerNames().join(', ')}`);
  return (factory as (options: unknown) => Sampler)(options ?? {});
}
