/**
 * Pareto dominance over several objectives, each minimised or maximised: dominance, the Pareto front,
 * fast non-dominated sorting and crowding distance (Deb et al., 2002), as Optuna's NSGA-II defines
 * them. Used by the NSGA-II sampler and the report's Pareto table. Pure, workflow-safe.
 */
import type { ObjectiveMode } from './types.js';

/** A point's objective values, one per mode. */
export type ObjectiveVector = readonly number[];

/** True when a vector has one non-NaN value per objective (a failed trial has NaN). */
export function isComplete(values: ObjectiveVector | undefined, nObjectives: number): boolean {
  return values !== undefined && values.length === nObjectives && values.every((v) => !Number.isNaN(v));
}

/**
 * True when `a` dominates `b`: at least as good in every objective and better in one.
 * Both vectors must be complete (see `isComplete`).
 */
export function dominates(a: ObjectiveVector, b: ObjectiveVector, modes: readonly ObjectiveMode[]): boolean {
  let better = false;
  for (let i = 0; i < modes.length; i += 1) {
    const ai = modes[i] === 'max' ? -a[i]! : a[i]!;
    const bi = modes[i] === 'max' ? -b[i]! : b[i]!;
    if (ai > bi) return false;
    if (ai < bi) better = true;
  }
  return better;
}

/**
 * Fast non-dominated sort: the indices of `points` by front, best front first (each front in index
 * order). Incomplete points (NaN or a wrong length) are left out.
 */
export function nonDominatedFronts(
  points: readonly ObjectiveVector[],
  modes: readonly ObjectiveMode[],
): number[][] {
  const alive = points.flatMap((p, i) => (isComplete(p, modes.length) ? [i] : []));
  // Plain arrays indexed by position in `alive`: NSGA-II sorts on every ask, so this is hot.
  const n = alive.length;
  const m = modes.length;
  // Minimisation copies, so the O(n²) loop below compares plain numbers.
  const flipped = alive.map((i) => points[i]!.map((v, k) => (modes[k] === 'max' ? -v : v)));
  const below = (a: readonly number[], b: readonly number[]): boolean => {
    let better = false;
    for (let k = 0; k < m; k += 1) {
      if (a[k]! > b[k]!) return false;
      if (a[k]! < b[k]!) better = true;
    }
    return better;
  };
  const dominatedCount = new Array<number>(n).fill(0);
  const dominatesList: number[][] = Array.from({ length: n }, () => []);
  for (let x = 0; x < n; x += 1) {
    const p = flipped[x]!;
    for (let y = x + 1; y < n; y += 1) {
      const q = flipped[y]!;
      if (below(p, q)) {
        dominatesList[x]!.push(y);
        dominatedCount[y] = dominatedCount[y]! + 1;
      } else if (below(q, p)) {
        dominatesList[y]!.push(x);
        dominatedCount[x] = dominatedCount[x]! + 1;
      }
    }
  }
  const fronts: number[][] = [];
  let current = alive.flatMap((_, x) => (dominatedCount[x] === 0 ? [x] : []));
  while (current.length > 0) {
    fronts.push(current.map((x) => alive[x]!));
    const next: number[] = [];
    for (const x of current)
      for (const y of dominatesList[x]!) {
        dominatedCount[y] = dominatedCount[y]! - 1;
        if (dominatedCount[y] === 0) next.push(y);
      }
    current = next.sort((a, b) => a - b);
  }
  return fronts;
}

/** The indices of the non-dominated complete points (the first front), in index order. */
export function paretoFront(points: readonly ObjectiveVector[], modes: readonly ObjectiveMode[]): number[] {
  return nonDominatedFronts(points, modes)[0] ?? [];
}

/** Ascending order that also handles ±∞ (a difference of two infinities is NaN). */
const compare = (x: number, y: number): number => (x < y ? -1 : x > y ? 1 : 0);

/**
 * Crowding distance of each point of one front, as Optuna's NSGA-II computes it: per objective, the
 * gap between a point's two neighbours in sorted order (±∞ beyond the ends, ∞ − ∞ counted as 0)
 * divided by the spread of the finite values; summed over objectives. An objective whose values
 * are all equal adds nothing.
 */
export function crowdingDistances(points: readonly ObjectiveVector[]): number[] {
  const distances = points.map(() => 0);
  const nObjectives = points[0]?.length ?? 0;
  for (let m = 0; m < nObjectives; m += 1) {
    const order = points.map((_, i) => i).sort((a, b) => compare(points[a]![m]!, points[b]![m]!));
    const first = points[order[0]!]![m]!;
    const last = points[order.at(-1)!]![m]!;
    if (first === last) continue;
    const vs = [-Infinity, ...order.map((i) => points[i]![m]!), Infinity];
    const vMin = vs.find((v) => v !== -Infinity)!;
    const vMax = [...vs].reverse().find((v) => v !== Infinity)!;
    let width = vMax - vMin;
    if (!(width > 0)) width = 1;
    order.forEach((i, j) => {
      const gap = vs[j] === vs[j + 2] ? 0 : vs[j + 2]! - vs[j]!;
      distances[i] = distances[i]! + gap / width;
    });
  }
  return distances;
}
