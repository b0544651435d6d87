/**
 * Seeded random search as a sampler: the n-th `ask` on a stream `seededUniform(seed)` returns the n-th
 * sample that `variants.random` with that seed expands to (before `when` conditions and merging).
 * Pure, workflow-safe.
 */
import { drawPoint, validateSpace } from './space.js';
import type { ParamValue, Sampler, SamplerContext } from './types.js';

/** Options of the random sampler (it has none; the seed is the caller's uniform stream). */
export type RandomSamplerOptions = Record<string, never>;

/**
 * Independent draws from each parameter's distribution, ignoring the trials so far.
 *
 * Draws: exactly one uniform per parameter of the space, in key order, through the same draw function
 * as spec expansion (src/sweep-spec/expand.ts `draw`): floats to 6 significant digits, `q` applied, kept in range.
 */
export class RandomSampler implements Sampler {
  readonly name = 'random';
  readonly options: RandomSamplerOptions = {};

  /** @throws SamplerError when the space is invalid. */
  ask(context: SamplerContext): Record<string, ParamValue> {
    validateSpace(context.space);
    return drawPoint(context.space, context.uniform);
  }
}
