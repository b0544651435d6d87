/**
 * Grid search as a sampler: the cartesian product of one axis of values per parameter, proposed in
 * order (last parameter fastest, as `variants.grid` expands), skipping points already finished or
 * pending. Pure, workflow-safe.
 */
import { draw } from './distributions.js';
import { validateSpace } from './space.js';
import type { Distribution, ParamValue, Sampler, SamplerContext } from './types.js';
import { SamplerError, SamplerExhaustedError } from './types.js';

/** Options of the grid sampler. */
export interface GridSamplerOptions {
  /**
   * Explicit axes: parameter → the values to try, in order. Parameters of the space not named here get
   * an axis derived from their distribution.
   */
  grid?: Record<string, ParamValue[]>;
  /**
   * Points per derived axis of a numeric distribution: evenly spaced from low to high (in log space for
   * `loguniform`/`logint`), every integer when an `int`/`logint` range has no more; for `normal`, the
   * quantiles (i + ½)/n. A `choice` axis is its values.
   * @default 5
   */
  pointsPerAxis?: number;
}

/** The values of one derived axis (rounded and quantised like random draws, duplicates removed). */
export function axisOf(distribution: Distribution, pointsPerAxis: number): ParamValue[] {
  const n = pointsPerAxis;
  const fractions = (k: number) => (k === 1 ? [0.5] : Array.from({ length: k }, (_, i) => i / (k - 1)));
  let values: ParamValue[];
  switch (distribution.kind) {
    case 'choice':
      return [...distribution.values];
    case 'uniform':
    case 'loguniform':
      // `draw` with a fixed uniform maps a fraction of the range exactly as a random draw would.
      values = fractions(n).map((u) => draw(distribution, () => u));
      break;
    case 'normal':
      values = Array.from({ length: n }, (_, i) => draw(distribution, () => (i + 0.5) / n));
      break;
    case 'int':
    case 'logint': {
      const { low, high } = distribution;
      if (high - low + 1 <= n) return Array.from({ length: high - low + 1 }, (_, i) => low + i);
      const log = distribution.kind === 'logint';
      values = fractions(n).map((u) => {
        const x = log
          ? Math.exp(Math.log(low) + u * (Math.log(high) - Math.log(low)))
          : low + u * (high - low);
        return Math.min(high, Math.max(low, Math.round(x)));
      });
      break;
    }
  }
  return [...new Set(values)];
}

/** Identity of a (partial) point over the space's parameters. */
function keyOf(names: readonly string[], params: Readonly<Record<string, ParamValue>>): string {
  return JSON.stringify(names.map((name) => String(params[name])));
}

/**
 * Proposes the first grid point (in cartesian order, the last parameter varying fastest) that no
 * finished or pending trial has run. A point counts as run when a trial agrees with it on every
 * parameter the trial has: a parameter a `when` condition dropped from a trial matches any value.
 *
 * Draws: none (the grid is deterministic; `context.uniform` is not advanced).
 */
export class GridSampler implements Sampler {
  readonly name = 'grid';
  readonly options: Required<Pick<GridSamplerOptions, 'pointsPerAxis'>> & GridSamplerOptions;

  /** @throws SamplerError when `pointsPerAxis` is not a positive integer or an explicit axis is empty. */
  constructor(options: GridSamplerOptions = {}) {
    const pointsPerAxis = options.pointsPerAxis ?? 5;
    if (!Number.isInteger(pointsPerAxis) || pointsPerAxis < 1)
      throw new SamplerError(`grid: pointsPerAxis must be a positive integer, found ${pointsPerAxis}`);
    for (const [name, values] of Object.entries(options.grid ?? {}))
      if (values.length === 0)
        throw new SamplerError('grid: an explicit axis needs at least one value', name);
    this.options = { ...options, pointsPerAxis };
  }

  /** The axes of a space, in its key order. */
  axes(space: Readonly<Record<string, Distribution>>): [string, ParamValue[]][] {
    validateSpace(space);
    return Object.entries(space).map(([name, d]) => [
      name,
      this.options.grid?.[name] ?? axisOf(d, this.options.pointsPerAxis),
    ]);
  }

  /** How many points the grid of a space has. */
  size(space: Readonly<Record<string, Distribution>>): number {
    return this.axes(space).reduce((n, [, values]) => n * values.length, 1);
  }

  /**
   * @throws SamplerError when the space is invalid.
   * @throws SamplerExhaustedError when every grid point is finished or pending.
   */
  ask(context: SamplerContext): Record<string, ParamValue> {
    const axes = this.axes(context.space);
    const names = axes.map(([name]) => name);
    const seen = new Set<string>();
    const partial: Readonly<Record<string, ParamValue>>[] = [];
    for (const trial of [...context.trials, ...(context.pending ?? [])]) {
      if (names.every((name) => trial.params[name] !== undefined)) seen.add(keyOf(names, trial.params));
      else partial.push(trial.params);
    }
    const size = axes.reduce((n, [, values]) => n * values.length, 1);
    for (let index = 0; index < size; index += 1) {
      // Mixed-radix digits of the index, the last axis least significant.
      const point: Record<string, ParamValue> = {};
      let rest = index;
      for (let a = axes.length - 1; a >= 0; a -= 1) {
        const [name, values] = axes[a]!;
        point[name] = values[rest % values.length]!;
        rest = Math.floor(rest / values.length);
      }
      const ordered = Object.fromEntries(names.map((name) => [name, point[name]!]));
      if (seen.has(keyOf(names, ordered))) continue;
      const covered = partial.some((params) =>
        names.every((name) => params[name] === undefined || String(params[name]) === String(ordered[name])),
      );
      if (!covered) return ordered;
    }
    throw new SamplerExhaustedError(size);
  }
}
