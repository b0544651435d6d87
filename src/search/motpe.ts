/**
 * Multi-objective TPE (MOTPE; Ozaki et al., 2020/2022) as Optuna 5.0.0's `TPESampler` does it for a
 * study with several directions (optuna/samplers/_tpe/sampler.py, `_split_complete_trials_multi_objective`,
 * and optuna/_hypervolume/hssp.py): the finished trials are split into the γ(n) = ⌈0.1·n⌉ "below"
 * (good) trials by non-domination rank, whole fronts first; the front that does not fit whole is cut by
 * greedy hypervolume subset selection (HSSP). The rest of the sampler is the univariate TPE of
 * ./tpe.ts, whose `ask` calls this split when the context has several `modes`; l(x) then weighs every
 * below trial 1 (Optuna 5 dropped 4.x's hypervolume-contribution weights), g(x) keeps the ramp.
 *
 * Pure and workflow-safe.
 */
import { type ObjectiveVector, nonDominatedFronts } from './pareto.js';
import { hypervolume } from './hypervolume.js';
import type { ObjectiveMode } from './types.js';

/** Optuna's EPS: a reference coordinate that would be 0. */
const EPS = 1e-12;

/** Optuna 5's `default_gamma_multiobjective`: ⌈fraction·n⌉ below trials, capped only when asked. */
export function motpeGamma(n: number, fraction = 0.1, max = Number.POSITIVE_INFINITY): number {
  return Math.min(Math.ceil(fraction * n), max);
}

/** Optuna's `_get_reference_point`: the worst loss of each objective, moved 10 % further out (0 → EPS). */
export function motpeReferencePoint(losses: readonly ObjectiveVector[]): number[] {
  const d = losses[0]?.length ?? 0;
  return Array.from({ length: d }, (_, k) => {
    const worst = Math.max(...losses.map((p) => p[k]!));
    const r = Math.max(1.1 * worst, 0.9 * worst);
    return r === 0 ? EPS : r;
  });
}

/** Lexicographic order of loss vectors (numpy's `np.unique(axis=0)` order). */
function lexCompare(a: ObjectiveVector, b: ObjectiveVector): number {
  for (let k = 0; k < a.length; k += 1) if (a[k] !== b[k]) return a[k]! < b[k]! ? -1 : 1;
  return 0;
}

/** Index of the first largest value (numpy's `argmax`). */
function firstMax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i += 1) if (values[i]! > values[best]!) best = i;
  return best;
}

/**
 * Greedy HSSP on two objectives over unique points of one front, lexsorted (Optuna's
 * `_solve_hssp_2d`): each point's contribution is the rectangle between it and its diagonal corner,
 * which shrinks as neighbours are chosen. Returns positions in `points`, in the order chosen.
 */
function hssp2d(
  points: readonly ObjectiveVector[],
  subsetSize: number,
  reference: ObjectiveVector,
): number[] {
  let order = points.map((_, i) => i);
  let diags = points.map(() => [reference[0]!, reference[1]!]);
  const chosen: number[] = [];
  for (let s = 0; s < subsetSize; s += 1) {
    const contribs = order.map((i, j) => (diags[j]![0]! - points[i]![0]!) * (diags[j]![1]! - points[i]![1]!));
    const m = firstMax(contribs);
    const picked = points[order[m]!]!;
    chosen.push(order[m]!);
    order = order.filter((_, j) => j !== m);
    diags = diags.filter((_, j) => j !== m);
    for (let j = 0; j < m; j += 1) diags[j]![0] = Math.min(picked[0]!, diags[j]![0]!);
    for (let j = m; j < diags.length; j += 1) diags[j]![1] = Math.min(picked[1]!, diags[j]![1]!);
  }
  return chosen;
}

/**
 * Greedy HSSP on any number of objectives: repeatedly the point adding the most hypervolume to those
 * chosen (Optuna's `_solve_hssp_on_unique_loss_vals`, whose lazy updates only skip work).
 */
function hsspGreedy(
  points: readonly ObjectiveVector[],
  subsetSize: number,
  reference: ObjectiveVector,
): number[] {
  let remaining = points.map((_, i) => i);
  const chosen: number[] = [];
  let contribs = remaining.map((i) => points[i]!.reduce((p, v, k) => p * (reference[k]! - v), 1));
  for (let s = 0; s < subsetSize; s += 1) {
    const m = firstMax(contribs);
    chosen.push(remaining[m]!);
    remaining = remaining.filter((_, j) => j !== m);
    if (s === subsetSize - 1) break;
    const selected = chosen.map((i) => points[i]!);
    const base = hypervolume(selected, reference);
    contribs = remaining.map((i) => hypervolume([...selected, points[i]!], reference) - base);
  }
  return chosen;
}

/**
 * Optuna's `_solve_hssp`: `subsetSize` of the loss vectors `losses` (one front, minimised) chosen
 * greedily by hypervolume contribution with respect to `reference`. Duplicates count once (their
 * first occurrence), and are taken in index order only when fewer unique points than `subsetSize`
 * exist; a non-finite reference takes the first in lexicographic order. Returns positions in `losses`.
 */
export function solveHssp(
  losses: readonly ObjectiveVector[],
  subsetSize: number,
  reference: ObjectiveVector,
): number[] {
  const all = losses.map((_, i) => i);
  if (subsetSize >= losses.length) return all;
  // np.unique(axis=0, return_index=True): lexsorted unique rows, each with its first index.
  const sorted = [...all].sort((a, b) => lexCompare(losses[a]!, losses[b]!) || a - b);
  const firsts = sorted.filter((i, j) => j === 0 || lexCompare(losses[sorted[j - 1]!]!, losses[i]!) !== 0);
  if (firsts.length < subsetSize) {
    const isFirst = new Set(firsts);
    const duplicates = all.filter((i) => !isFirst.has(i)).slice(0, subsetSize - firsts.length);
    const chosen = new Set([...firsts, ...duplicates]);
    return all.filter((i) => chosen.has(i));
  }
  if (!reference.every(Number.isFinite)) return firsts.slice(0, subsetSize);
  if (firsts.length === subsetSize) return firsts;
  const unique = firsts.map((i) => losses[i]!);
  const picked =
    reference.length === 2
      ? hssp2d(unique, subsetSize, reference)
      : hsspGreedy(unique, subsetSize, reference);
  return picked.map((j) => firsts[j]!);
}

/**
 * Which of the finished trials' objective vectors are "below" (good), as Optuna 5.0.0's
 * `_split_complete_trials_multi_objective`: whole non-domination fronts while they fit in `nBelow`,
 * then HSSP on the next front (reference: its worst loss moved 10 % out) for the remaining places.
 * Every vector must be complete (no NaN).
 * @returns one flag per vector, true for the `min(nBelow, n)` below ones.
 */
export function motpeSplit(
  values: readonly ObjectiveVector[],
  modes: readonly ObjectiveMode[],
  nBelow: number,
): boolean[] {
  const isBelow = values.map(() => nBelow >= values.length);
  if (nBelow <= 0 || nBelow >= values.length) return isBelow;
  let taken = 0;
  for (const front of nonDominatedFronts(values, modes)) {
    if (taken + front.length <= nBelow) {
      for (const i of front) isBelow[i] = true;
      taken += front.length;
      if (taken === nBelow) break;
      continue;
    }
    const losses = front.map((i) => values[i]!.map((v, k) => (modes[k] === 'max' ? -v : v)));
    for (const j of solveHssp(losses, nBelow - taken, motpeReferencePoint(losses))) isBelow[front[j]!] = true;
    break;
  }
  return isBelow;
}

/**
 * Optuna 4.x's weights of the below trials (`_calculate_weights_below_for_multi_objective`, dropped
 * in 5.0 for weights of 1; the `hypervolumeWeights` option): each point's hypervolume contribution
 * to the below trials' Pareto front (reference: their worst loss moved 10 % out), divided by the
 * largest, at least EPS; points off that front get EPS. One or no trial, or an infinite hypervolume:
 * all 1.
 */
export function hypervolumeWeights(
  values: readonly ObjectiveVector[],
  modes: readonly ObjectiveMode[],
): number[] {
  const weights = values.map(() => 1);
  if (values.length <= 1) return weights;
  const losses = values.map((v) => v.map((x, k) => (modes[k] === 'max' ? -x : x)));
  const reference = motpeReferencePoint(losses);
  if (!reference.every(Number.isFinite)) return weights;
  const front = nonDominatedFronts(
    losses,
    modes.map(() => 'min' as const),
  )[0]!;
  const points = front.map((i) => losses[i]!);
  const total = hypervolume(points, reference);
  if (!Number.isFinite(total)) return weights;
  const contribs = values.map(() => 0);
  front.forEach((i, j) => {
    contribs[i] =
      total -
      hypervolume(
        points.filter((_, m) => m !== j),
        reference,
      );
  });
  const largest = Math.max(Math.max(...contribs), EPS);
  return contribs.map((c) => Math.max(c / largest, EPS));
}
