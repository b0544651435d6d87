/**
 * Exact hypervolume: the volume of objective space that a set of points dominates, bounded by a
 * reference point (larger is better). Two objectives by a sweep over the front sorted on the first
 * objective (O(n log n)); more by slicing along the last objective (Hypervolume by Slicing Objectives,
 * While et al. 2006), exact and fast enough for the ≤ 4 objectives and few hundred points of a sweep.
 * Agrees with Optuna's `compute_hypervolume` (checked against it in the tests). Pure, workflow-safe.
 */
import { type ObjectiveVector, paretoFront } from './pareto.js';
import type { ObjectiveMode } from './types.js';

/** Options of `hypervolume`. */
export interface HypervolumeOptions {
  /**
   * Direction of each objective; a maximised objective is negated (point and reference) before the
   * volume is taken, so the reference must be worse than the points in that direction too.
   * @default every objective minimised
   */
  modes?: readonly ObjectiveMode[];
}

/** Volume dominated by minimisation points that all lie strictly inside the reference box. */
function volume(points: readonly ObjectiveVector[], reference: ObjectiveVector): number {
  const d = reference.length;
  if (points.length === 0) return 0;
  if (d === 1) return reference[0]! - Math.min(...points.map((p) => p[0]!));
  const front = paretoFront(
    points,
    Array.from({ length: d }, () => 'min' as const),
  ).map((i) => points[i]!);
  if (d === 2) {
    // On a 2-D front sorted by x ascending, y descends: add one rectangle per point.
    const sorted = [...front].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
    let total = 0;
    let ceiling = reference[1]!;
    for (const p of sorted) {
      if (p[1]! >= ceiling) continue;
      total += (reference[0]! - p[0]!) * (ceiling - p[1]!);
      ceiling = p[1]!;
    }
    return total;
  }
  // Slice along the last objective: between consecutive values, the slab's cross-section is the
  // (d−1)-dimensional volume of the points already below it.
  const sorted = [...front].sort((a, b) => a[d - 1]! - b[d - 1]!);
  const lower = reference.slice(0, d - 1);
  let total = 0;
  for (let i = 0; i < sorted.length; i += 1) {
    const top = i + 1 < sorted.length ? sorted[i + 1]![d - 1]! : reference[d - 1]!;
    const depth = top - sorted[i]![d - 1]!;
    if (depth <= 0) continue;
    total +=
      depth *
      volume(
        sorted.slice(0, i + 1).map((p) => p.slice(0, d - 1)),
        lower,
      );
  }
  return total;
}

/**
 * The hypervolume of `points` with respect to `reference`. Points with a NaN, or not strictly better
 * than the reference in every objective, add nothing (Optuna refuses them instead). An empty set
 * has volume 0.
 * @throws RangeError when the reference is not finite or a point's length differs from it.
 */
export function hypervolume(
  points: readonly ObjectiveVector[],
  reference: ObjectiveVector,
  options: HypervolumeOptions = {},
): number {
  if (!reference.every(Number.isFinite))
    throw new RangeError(`the reference point must be finite, found [${reference.join(', ')}]`);
  const modes = options.modes ?? reference.map(() => 'min' as const);
  if (modes.length !== reference.length)
    throw new RangeError(`${modes.length} modes for a ${reference.length}-objective reference point`);
  const sign = modes.map((m) => (m === 'max' ? -1 : 1));
  const ref = reference.map((r, i) => r * sign[i]!);
  const inside: number[][] = [];
  for (const p of points) {
    if (p.length !== reference.length)
      throw new RangeError(`a point has ${p.length} values; the reference point has ${reference.length}`);
    const q = p.map((v, i) => v * sign[i]!);
    if (q.every((v, i) => v < ref[i]!)) inside.push(q);
  }
  return volume(inside, ref);
}
