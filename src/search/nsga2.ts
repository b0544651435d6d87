/**
 * NSGA-II (Deb et al., 2002) as Optuna's `NSGAIISampler` does it with its defaults: the first
 * generation (population size 50) is random search; each later trial is a child of the parent
 * population — the elite of the last finished generation and the previous parents, chosen by
 * non-dominated sorting and then crowding distance. A child comes from two parents picked by binary
 * tournament (of two random members, the first if it dominates the second, else the second) and
 * uniform crossover (each parameter from the second parent with probability `swappingProb`) with
 * probability `crossoverProb`, else is a copy of one
 * random parent; then each parameter is redrawn at random with probability `mutationProb`
 * (1 / number of parameters), Optuna's default uniform mutation.
 *
 * Generations are read off the finished trials rather than stored: the complete trials, oldest first,
 * are cut into generations of `populationSize` (what Optuna's generation counter gives when trials
 * finish in the order they were asked). Failed trials (a NaN objective) take no part.
 *
 * Pure and workflow-safe; stateless (the population is recomputed from the trials on each ask).
 */
import { draw } from './distributions.js';
import { crowdingDistances, dominates, isComplete, nonDominatedFronts } from './pareto.js';
import { choiceIndex, drawPoint, validateSpace } from './space.js';
import type {
  Distribution,
  FinishedTrial,
  ObjectiveMode,
  ParamValue,
  Sampler,
  SamplerContext,
  Uniform,
} from './types.js';
import { SamplerError } from './types.js';

/** Options of the NSGA-II sampler; every default is Optuna's. Plain numbers (serialisable). */
export interface Nsga2SamplerOptions {
  /** Trials per generation; the first generation is random search. At least 2. @default 50 */
  populationSize?: number;
  /** Probability that a child is a crossover of two parents rather than a copy of one. @default 0.9 */
  crossoverProb?: number;
  /** Probability that uniform crossover takes a parameter from the second parent. @default 0.5 */
  swappingProb?: number;
  /** Probability that each parameter of a child is redrawn at random. @default 1 / number of parameters */
  mutationProb?: number;
}

interface Member {
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly values: readonly number[];
}

function checkProbability(value: number | undefined, name: string): void {
  if (value !== undefined && !(value >= 0 && value <= 1))
    throw new SamplerError(`nsga2 option ${name} must be in [0, 1], found ${value}`);
}

/** A parent's value when it is valid for the distribution (choice values mapped to the space's own). */
function inherit(d: Distribution, value: ParamValue | undefined): ParamValue | undefined {
  if (value === undefined) return undefined;
  if (d.kind === 'choice') {
    const i = choiceIndex(d.values, value);
    return i >= 0 ? d.values[i] : undefined;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  if (d.kind === 'normal') return value;
  if (value < d.low || value > d.high) return undefined;
  if ((d.kind === 'int' || d.kind === 'logint') && !Number.isInteger(value)) return undefined;
  return value;
}

/** Optuna's elite selection: whole fronts while they fit, the rest of the last one by crowding distance. */
function elite(population: readonly Member[], size: number, modes: readonly ObjectiveMode[]): Member[] {
  const chosen: Member[] = [];
  for (const front of nonDominatedFronts(
    population.map((m) => m.values),
    modes,
  )) {
    const members = front.map((i) => population[i]!);
    if (chosen.length + members.length < size) {
      chosen.push(...members);
      continue;
    }
    const distance = crowdingDistances(members.map((m) => m.values));
    // Stable ascending sort, then reversed: Optuna's order, ties included.
    const order = members
      .map((_, i) => i)
      .sort((a, b) => distance[a]! - distance[b]! || a - b)
      .reverse();
    chosen.push(...order.slice(0, size - chosen.length).map((i) => members[i]!));
    break;
  }
  return chosen;
}

/** Binary tournament: candidate 0 when it dominates candidate 1, else candidate 1 (Optuna's rule). */
function tournament(
  population: readonly Member[],
  modes: readonly ObjectiveMode[],
  uniform: Uniform,
): Member {
  const c0 = population[Math.floor(uniform() * population.length)]!;
  const c1 = population[Math.floor(uniform() * population.length)]!;
  return dominates(c0.values, c1.values, modes) ? c0 : c1;
}

/**
 * Multi-objective genetic search. Reads `context.modes` and each trial's `values` (falling back to
 * `mode` and `value`, so it also runs, as a plain genetic algorithm, on one objective).
 *
 * Draws per `ask`: in the first generation one uniform per parameter (exactly the random sampler's
 * draws); after it one uniform for the crossover decision, two per tournament (two tournaments with
 * crossover, else one uniform to pick the parent), one per parameter for crossover, one per parameter
 * for mutation, and one more for each parameter redrawn (mutated, or missing from or invalid in
 * the parent).
 */
export class Nsga2Sampler implements Sampler {
  readonly name = 'nsga2';
  readonly multiObjective = true;
  readonly options: Readonly<Nsga2SamplerOptions>;

  /** @throws SamplerError when an option is out of range. */
  constructor(options: Nsga2SamplerOptions = {}) {
    const { populationSize = 50 } = options;
    if (!(Number.isInteger(populationSize) && populationSize >= 2))
      throw new SamplerError(`nsga2 option populationSize must be an integer ≥ 2, found ${populationSize}`);
    checkProbability(options.crossoverProb, 'crossoverProb');
    checkProbability(options.swappingProb, 'swappingProb');
    checkProbability(options.mutationProb, 'mutationProb');
    this.options = { ...options };
  }

  /** The parent population a new trial is bred from, or undefined during the first generation. */
  parentPopulation(trials: readonly FinishedTrial[], modes: readonly ObjectiveMode[]): Member[] | undefined {
    const size = this.options.populationSize ?? 50;
    const complete: Member[] = [];
    for (const t of trials) {
      const values = t.values ?? [t.value];
      if (isComplete(values, modes.length)) complete.push({ params: t.params, values });
    }
    const generations = Math.floor(complete.length / size);
    if (generations === 0) return undefined;
    let parents: Member[] = [];
    for (let g = 0; g < generations; g += 1)
      parents = elite([...complete.slice(g * size, (g + 1) * size), ...parents], size, modes);
    return parents;
  }

  /** @throws SamplerError when the space is invalid. */
  ask(context: SamplerContext): Record<string, ParamValue> {
    validateSpace(context.space);
    const { space, uniform } = context;
    const modes = context.modes ?? [context.mode];
    const parents = this.parentPopulation(context.trials, modes);
    if (parents === undefined) return drawPoint(space, uniform);

    const names = Object.keys(space);
    let child: Record<string, ParamValue | undefined>;
    if (uniform() < (this.options.crossoverProb ?? 0.9)) {
      const first = tournament(parents, modes, uniform);
      const rest = parents.filter((m) => m !== first);
      const second = tournament(rest.length > 0 ? rest : parents, modes, uniform);
      const swapping = this.options.swappingProb ?? 0.5;
      child = Object.fromEntries(
        names.map((name) => [name, (uniform() >= swapping ? second : first).params[name]]),
      );
    } else {
      const parent = parents[Math.floor(uniform() * parents.length)]!;
      child = Object.fromEntries(names.map((name) => [name, parent.params[name]]));
    }

    const mutation = this.options.mutationProb ?? 1 / Math.max(1, names.length);
    const params: Record<string, ParamValue> = {};
    for (const name of names) {
      const d = space[name]!;
      const kept = uniform() >= mutation ? inherit(d, child[name]) : undefined;
      params[name] = kept ?? draw(d, uniform);
    }
    return params;
  }
}
