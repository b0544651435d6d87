/**
 * The sampler interface: what proposes the next trial's parameters of an adaptive sweep, in the style
 * of Optuna's `BaseSampler` (one small interface, one file per implementation, a registry by name).
 *
 * PURE and WORKFLOW-SAFE: samplers run inside Temporal workflow code and must be replay-safe. This
 * folder uses no Node built-ins, no I/O, no clocks and no Math.random; every random choice comes from
 * the seeded uniform stream the caller passes in (a test enforces the imports).
 */
import type { ObjectiveMode } from '../core/domain/objective.js';
import type { ParamValue } from '../core/domain/trial.js';
import type { Uniform } from './uniform.js';
import type { Distribution } from './distributions.js';

export type { ObjectiveMode } from '../core/domain/objective.js';
export type { ParamValue } from '../core/domain/trial.js';
export type { Uniform } from './uniform.js';
export type { Distribution } from './distributions.js';

/** A finished trial as a sampler sees it: the parameters it ran with and its objective value. */
export interface FinishedTrial {
  /**
   * The trial's parameter values. A parameter may be missing (a `when` condition dropped it); a value
   * outside the current search space (e.g. from an earlier version of the spec) is ignored for that
   * parameter.
   */
  readonly params: Readonly<Record<string, ParamValue>>;
  /**
   * The objective value (the metric named by the sweep's objective). NaN marks a failed trial: every
   * sampler ignores it. ±Infinity are ordinary (very good or very bad) values.
   */
  readonly value: number;
  /**
   * Every objective's value, in the order of `SamplerContext.modes`, for a multi-objective sweep
   * (`value` is then the first). NaN in any entry marks a failed trial. Single-objective samplers
   * read `value` only.
   */
  readonly values?: readonly number[];
}

/** Everything a sampler may look at to propose the next trial. */
export interface SamplerContext {
  /**
   * The search space: parameter → distribution (`uniform`, `loguniform`, `int`, `logint`, `normal`,
   * `choice`, with `q` where allowed). Its key order is the order parameters are drawn in.
   */
  readonly space: Readonly<Record<string, Distribution>>;
  /** The finished trials so far, oldest first (the order matters to TPE's weights). */
  readonly trials: readonly FinishedTrial[];
  /** Whether smaller (`min`) or larger (`max`) objective values are better. */
  readonly mode: ObjectiveMode;
  /**
   * The direction of each objective of a multi-objective sweep (`mode` is then the first). Only a
   * sampler with `multiObjective: true` reads it; absent for a single-objective sweep.
   */
  readonly modes?: readonly ObjectiveMode[];
  /**
   * The seeded stream of uniforms in [0, 1) the sampler draws from (`seededUniform(seed)` from
   * src/sweep-spec/random.ts). The same stream object is passed to every `ask` of a sweep; how many uniforms one
   * `ask` consumes is documented by each sampler and depends only on the space and the trials.
   */
  readonly uniform: Uniform;
  /**
   * Trials asked for but not finished yet. The grid sampler skips their points so concurrent asks
   * get distinct points; random search and TPE ignore them.
   * @default []
   */
  readonly pending?: readonly { readonly params: Readonly<Record<string, ParamValue>> }[];
}

/**
 * Proposes parameters for the next trial.
 *
 * Contract of every implementation:
 * - `ask` is a pure function of its options, the context and the state of `context.uniform`: equal
 *   seeds and equal trials give equal proposals, on every platform (replay-safe in workflow code).
 * - `ask` never mutates the context: not the space, not the trials or their params, not `pending`. It
 *   only advances `context.uniform`.
 * - `ask` returns a value for every parameter of the space (in the space's key order), each valid for
 *   its distribution: inside the range, an integer for `int`/`logint`, a multiple of `q` where given
 *   (as random search rounds it), one of the values of a `choice`; floats have at most 6 significant
 *   digits. Conditional parameters (`when`) are dropped by the caller, as in spec expansion.
 * - `ask` throws `SamplerError` when the space is invalid (an empty `choice`, `low > high`, a
 *   non-positive bound of a log distribution, a non-positive `sd` or `q`, a non-finite number), and
 *   `SamplerExhaustedError` when the sampler has nothing left to propose (only a finite grid).
 * - Implementations are stateless: one instance may serve any number of sweeps, in any order.
 */
export interface Sampler {
  /** The registry name (`grid`, `random`, `tpe`). */
  readonly name: string;
  /**
   * True when the sampler reads `SamplerContext.modes` and `FinishedTrial.values` (NSGA-II); a
   * multi-objective spec is refused with any other sampler.
   * @default false
   */
  readonly multiObjective?: boolean;
  /** The parameters of the next trial. */
  ask(context: SamplerContext): Record<string, ParamValue>;
}

/** Thrown by a sampler when its options or the search space are invalid. */
export class SamplerError extends Error {
  /** The parameter at fault, when one is. */
  readonly param: string | undefined;
  constructor(message: string, param?: string) {
    super(param === undefined ? message : `parameter '${param}': ${message}`);
    this.name = 'SamplerError';
    this.param = param;
  }
}

/** Thrown by `ask` when a sampler has nothing left to propose (every point of a grid is finished or pending). */
export class SamplerExhaustedError extends SamplerError {
  /** How many points the sampler had. */
  readonly size: number;
  constructor(size: number) {
    super(`all ${size} grid points are finished or pending; nothing left to propose`);
    this.name = 'SamplerExhaustedError';
    this.size = size;
  }
}
