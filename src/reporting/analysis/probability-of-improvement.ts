/**
 * Probability of improvement P(X > Y), rliable's definition (Agarwal et al. 2021): per task, the
 * Mann–Whitney U of X over Y divided by nX·nY, i.e. P(X > Y) + ½ P(X = Y) for a random run of each;
 * averaged over tasks. Its CI resamples X and Y independently, run by run within each task
 * (rliable's `StratifiedIndependentBootstrap`).
 */
import { percentileInterval, seededRandom, type ResampleOptions } from './stratified-bootstrap.js';

/** Runs of X and Y per task (same number of tasks; every task needs a run on each side). */
export interface ImprovementSamples {
  x: readonly (readonly number[])[];
  y: readonly (readonly number[])[];
}

function checkTasks({ x, y }: ImprovementSamples): void {
  if (x.length !== y.length || x.length === 0)
    throw new RangeError(
      `probability of improvement needs the same tasks on both sides (${x.length} vs ${y.length})`,
    );
}

/** P(X > Y) + ½ P(X = Y) for one task, by counting over all pairs (NaN when a side is empty). */
function taskProbability(x: readonly number[], y: readonly number[]): number {
  let wins = 0;
  for (const a of x) for (const b of y) wins += a > b ? 1 : a === b ? 0.5 : 0;
  return wins / (x.length * y.length);
}

/** rliable's `probability_of_improvement(scores_x, scores_y)`: the mean over tasks of P(X > Y) + ½ P(X = Y). */
export function probabilityOfImprovement(samples: ImprovementSamples): number {
  checkTasks(samples);
  let sum = 0;
  samples.x.forEach((x, t) => (sum += taskProbability(x, samples.y[t] ?? [])));
  return sum / samples.x.length;
}

/** One side of one task, sorted, with where each original run went. */
interface SortedSide {
  sorted: number[];
  /** rank[i]: position of run i in `sorted` (the bootstrap draws runs by their original index). */
  rank: number[];
}

function sortSide(values: readonly number[]): SortedSide {
  const order = values.map((_, i) => i).sort((i, j) => (values[i] ?? 0) - (values[j] ?? 0));
  const rank = new Array<number>(values.length).fill(0);
  order.forEach((i, k) => (rank[i] = k));
  return { sorted: order.map((i) => values[i] ?? Number.NaN), rank };
}

/**
 * Percentile-bootstrap CI of {@link probabilityOfImprovement}. Each resample draws X's runs task by
 * task, then Y's. [NaN, NaN] when a task has no run on a side.
 */
export function probabilityOfImprovementCi(options: ImprovementSamples & ResampleOptions): [number, number] {
  checkTasks(options);
  if ([...options.x, ...options.y].some((s) => s.length === 0)) return [Number.NaN, Number.NaN];
  const resamples = options.resamples ?? 10_000;
  const tasks = options.x.map((x, t) => {
    const xs = sortSide(x);
    const ys = sortSide(options.y[t] ?? []);
    // For X's k-th smallest run: how many of Y's sorted runs are below it, and below or equal.
    const below: number[] = [];
    const notAbove: number[] = [];
    let lo = 0;
    let hi = 0;
    for (const v of xs.sorted) {
      while (lo < ys.sorted.length && (ys.sorted[lo] ?? 0) < v) lo++;
      while (hi < ys.sorted.length && (ys.sorted[hi] ?? 0) <= v) hi++;
      below.push(lo);
      notAbove.push(hi);
    }
    return {
      xs,
      ys,
      below,
      notAbove,
      cx: new Float64Array(xs.sorted.length),
      cy: new Float64Array(ys.sorted.length),
      // cumulative[j]: Y's draws among its j smallest runs.
      cumulative: new Float64Array(ys.sorted.length + 1),
    };
  });
  const random = seededRandom(options.seed ?? 0);
  const draw = (side: SortedSide, counts: Float64Array): void => {
    counts.fill(0);
    const n = side.rank.length;
    for (let k = 0; k < n; k++) {
      const p = side.rank[Math.min(n - 1, Math.floor(random() * n))] ?? 0;
      counts[p] = (counts[p] ?? 0) + 1;
    }
  };
  const stats = new Array<number>(resamples);
  for (let r = 0; r < resamples; r++) {
    for (const task of tasks) draw(task.xs, task.cx);
    for (const task of tasks) draw(task.ys, task.cy);
    let sum = 0;
    for (const task of tasks) {
      const { cx, cy, cumulative, below, notAbove } = task;
      for (let j = 0; j < cy.length; j++) cumulative[j + 1] = (cumulative[j] ?? 0) + (cy[j] ?? 0);
      let wins = 0;
      for (let i = 0; i < cx.length; i++) {
        const c = cx[i] ?? 0;
        if (c === 0) continue;
        const under = cumulative[below[i] ?? 0] ?? 0;
        const ties = (cumulative[notAbove[i] ?? 0] ?? 0) - under;
        wins += c * (under + 0.5 * ties);
      }
      sum += wins / (cx.length * cy.length);
    }
    stats[r] = sum / tasks.length;
  }
  return percentileInterval(stats, options.level ?? 0.95);
}
