/**
 * Parameter importance by fANOVA (Hutter, Hoos & Leyton-Brown 2014), as Optuna's default
 * FanovaImportanceEvaluator computes it: fit a random forest of regression trees to (parameters →
 * objective), then, per tree, split the variance of its prediction over the (bounded) parameter space
 * into each parameter's main effect: Var_x_j(E[f | x_j]) / Var(f), with every parameter uniform on its
 * range. A parameter's importance is that fraction averaged over the trees (normalised to sum 1).
 *
 * Written by hand, not with ml-random-forest: fANOVA walks each tree's leaves (their boxes and values),
 * which that package keeps in undocumented ml-cart internals, and its split search rebuilds matrices per
 * node (slow at a thousand trials). This forest is small and seeded: the same data and seed give the same
 * importances. Pure: no I/O, no clock.
 */
import { seededRandom } from './bootstrap.js';

/** A feature (parameter) as the forest and fANOVA see it. */
export interface ImportanceFeature {
  name: string;
  /**
   * The range every value lies in and over which fANOVA takes the parameter uniform: a numeric
   * parameter's [min, max] (on the scale its values are given, e.g. log10 for a log-scaled one); a
   * categorical one coded 0..k−1 has [−0.5, k − 0.5], one equal cell per category.
   */
  range: [number, number];
}

/** Options of {@link fanovaImportance}. */
export interface FanovaOptions {
  features: readonly ImportanceFeature[];
  /** One row per trial: the features' values in the order of `features` (categories as their codes). */
  x: readonly (readonly number[])[];
  /** The objective of each row (finite numbers). */
  y: readonly number[];
  /** Trees in the forest. @default 64 (Optuna's) */
  trees?: number;
  /** Deepest a tree grows. @default 64 (Optuna's) */
  maxDepth?: number;
  /** Fewest rows a leaf may hold. @default 1 (Optuna's) */
  minSamplesLeaf?: number;
  /** PRNG seed of the bootstrap samples and the order features are tried in. @default 0 */
  seed?: number;
}

/** One parameter's importance. */
export interface ParamImportance {
  name: string;
  /** Share of the summed main-effect fractions (the importances sum to 1). */
  importance: number;
  /** Mean over trees of the fraction of the prediction's variance that is this parameter's main effect. */
  fraction: number;
  /** Standard deviation of that fraction over the trees. */
  sd: number;
}

/** A tree node: a split (feature, threshold; values below go left) or a leaf (value). */
type TreeNode =
  | { leaf: true; value: number }
  | { leaf: false; feature: number; threshold: number; left: TreeNode; right: TreeNode };

/** Options of {@link fitTree}. */
interface TreeOptions {
  x: readonly (readonly number[])[];
  y: readonly number[];
  /** The rows to fit on (a bootstrap sample: repeats allowed). */
  rows: readonly number[];
  maxDepth: number;
  minSamplesLeaf: number;
  random: () => number;
}

/**
 * A regression tree grown by least squares: at each node the split of largest variance reduction over
 * every feature, threshold halfway between neighbouring values. The rows are sorted once per feature
 * and each split partitions those orders stably, so a level costs O(rows × features), not a sort.
 */
export function fitTree(options: TreeOptions): TreeNode {
  const { maxDepth, minSamplesLeaf, random } = options;
  const n = options.rows.length;
  const p = options.x[0]?.length ?? 0;
  const values = Array.from({ length: p }, (_, j) =>
    Float64Array.from(options.rows, (r) => options.x[r]![j]!),
  );
  const y = Float64Array.from(options.rows, (r) => options.y[r]!);
  const orders = values.map((v) => Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => v[a]! - v[b]!));
  const left = new Uint8Array(n);
  const buffer = new Int32Array(n);
  const featureOrder = Array.from({ length: p }, (_, j) => j);

  const grow = (start: number, end: number, depth: number): TreeNode => {
    const count = end - start;
    let sum = 0;
    let sumSq = 0;
    const any = orders[0];
    if (!any) return { leaf: true, value: 0 };
    for (let i = start; i < end; i++) {
      const v = y[any[i]!]!;
      sum += v;
      sumSq += v * v;
    }
    const mean = sum / count;
    const sse = sumSq - (sum * sum) / count;
    if (depth >= maxDepth || count < 2 * minSamplesLeaf || sse <= 1e-12 * Math.max(1, sumSq))
      return { leaf: true, value: mean };
    // Features in a random order, as scikit-learn does: ties between equally good splits go either way.
    for (let i = p - 1; i > 0; i--) {
      const k = Math.floor(random() * (i + 1));
      [featureOrder[i], featureOrder[k]] = [featureOrder[k]!, featureOrder[i]!];
    }
    let bestGain = 0;
    let bestFeature = -1;
    let bestThreshold = 0;
    for (const j of featureOrder) {
      const order = orders[j]!;
      const v = values[j]!;
      let leftSum = 0;
      for (let i = start; i < end - 1; i++) {
        const s = order[i]!;
        leftSum += y[s]!;
        const here = v[s]!;
        const next = v[order[i + 1]!]!;
        const nLeft = i + 1 - start;
        if (here === next || nLeft < minSamplesLeaf || count - nLeft < minSamplesLeaf) continue;
        const rightSum = sum - leftSum;
        // SSE reduction = between-children sum of squares.
        const gain =
          (leftSum * leftSum) / nLeft + (rightSum * rightSum) / (count - nLeft) - (sum * sum) / count;
        if (gain > bestGain) {
          bestGain = gain;
          bestFeature = j;
          bestThreshold = (here + next) / 2;
        }
      }
    }
    if (bestFeature < 0 || !(bestGain > 1e-12 * Math.max(1, sse))) return { leaf: true, value: mean };
    const splitValues = values[bestFeature]!;
    let nLeft = 0;
    for (let i = start; i < end; i++) {
      const s = any[i]!;
      const goes = splitValues[s]! < bestThreshold ? 1 : 0;
      left[s] = goes;
      nLeft += goes;
    }
    // Stable partition of every feature's order: left rows first, each side still sorted.
    for (const order of orders) {
      let l = start;
      let r = 0;
      for (let i = start; i < end; i++) {
        const s = order[i]!;
        if (left[s]) order[l++] = s;
        else buffer[r++] = s;
      }
      order.set(buffer.subarray(0, r), l);
    }
    const mid = start + nLeft;
    return {
      leaf: false,
      feature: bestFeature,
      threshold: bestThreshold,
      left: grow(start, mid, depth + 1),
      right: grow(mid, end, depth + 1),
    };
  };
  return grow(0, n, 0);
}

/** A leaf's box (per feature [lo, hi), clipped to the ranges) and its value. */
interface Leaf {
  lo: Float64Array;
  hi: Float64Array;
  value: number;
}

/** The tree's leaves, and per feature the sorted distinct edges of their boxes (thresholds and range ends). */
function leavesOf(
  tree: TreeNode,
  features: readonly ImportanceFeature[],
): { leaves: Leaf[]; cuts: Float64Array[] } {
  const leaves: Leaf[] = [];
  const edges = features.map((f) => new Set([f.range[0], f.range[1]]));
  const walk = (node: TreeNode, lo: Float64Array, hi: Float64Array): void => {
    if (node.leaf) {
      leaves.push({ lo, hi, value: node.value });
      return;
    }
    const j = node.feature;
    const t = Math.min(hi[j]!, Math.max(lo[j]!, node.threshold));
    edges[j]!.add(t);
    const leftHi = hi.slice();
    leftHi[j] = t;
    const rightLo = lo.slice();
    rightLo[j] = t;
    walk(node.left, lo, leftHi);
    walk(node.right, rightLo, hi);
  };
  walk(
    tree,
    Float64Array.from(features, (f) => f.range[0]),
    Float64Array.from(features, (f) => f.range[1]),
  );
  return { leaves, cuts: edges.map((e) => Float64Array.from(e).sort()) };
}

/** Index of `value` in the sorted `cuts` (it is one of them). */
function indexOf(cuts: Float64Array, value: number): number {
  let lo = 0;
  let hi = cuts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cuts[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The fraction of one tree's prediction variance that is each feature's main effect (0 for a constant
 * tree). The marginal of feature j is piecewise constant between the tree's thresholds on j: each leaf
 * adds value × (its volume in the other features) on its own interval of j.
 */
export function treeMainEffects(tree: TreeNode, features: readonly ImportanceFeature[]): number[] {
  const p = features.length;
  const width = features.map((f) => f.range[1] - f.range[0]);
  const { leaves, cuts } = leavesOf(tree, features);
  const shares = leaves.map((leaf) =>
    Float64Array.from({ length: p }, (_, j) => (width[j]! > 0 ? (leaf.hi[j]! - leaf.lo[j]!) / width[j]! : 1)),
  );
  const volumes = shares.map((s) => s.reduce((a, b) => a * b, 1));
  let mean = 0;
  leaves.forEach((l, i) => (mean += volumes[i]! * l.value));
  let total = 0;
  leaves.forEach((l, i) => (total += volumes[i]! * (l.value - mean) ** 2));
  if (!(total > 0)) return features.map(() => 0);
  return features.map((_, j) => {
    if (!(width[j]! > 0)) return 0;
    const c = cuts[j]!;
    const delta = new Float64Array(c.length);
    leaves.forEach((leaf, i) => {
      const own = shares[i]![j]!;
      if (!(own > 0)) return;
      const weight = (volumes[i]! / own) * leaf.value;
      delta[indexOf(c, leaf.lo[j]!)]! += weight;
      delta[indexOf(c, leaf.hi[j]!)]! -= weight;
    });
    let marginal = 0;
    let variance = 0;
    for (let i = 0; i < c.length - 1; i++) {
      marginal += delta[i]!;
      variance += ((c[i + 1]! - c[i]!) / width[j]!) * (marginal - mean) ** 2;
    }
    return Math.min(1, variance / total);
  });
}

/**
 * fANOVA main-effect importance of each feature, most important first (ties: feature order). Needs at
 * least two rows; with a constant objective every importance is 0.
 */
export function fanovaImportance(options: FanovaOptions): ParamImportance[] {
  const { features, x, y } = options;
  if (x.length !== y.length) throw new RangeError(`x has ${x.length} rows but y has ${y.length}`);
  if (x.length < 2) throw new RangeError('fANOVA needs at least two trials');
  if (!y.every(Number.isFinite)) throw new RangeError('every objective value must be finite');
  const trees = options.trees ?? 64;
  const random = seededRandom(options.seed ?? 0);
  const n = x.length;
  const perTree: number[][] = [];
  for (let t = 0; t < trees; t++) {
    const rows = Array.from({ length: n }, () => Math.floor(random() * n));
    const tree = fitTree({
      x,
      y,
      rows,
      maxDepth: options.maxDepth ?? 64,
      minSamplesLeaf: options.minSamplesLeaf ?? 1,
      random,
    });
    perTree.push(treeMainEffects(tree, features));
  }
  const fractions = features.map((_, j) => perTree.reduce((s, f) => s + f[j]!, 0) / trees);
  const sds = features.map((_, j) => {
    const m = fractions[j]!;
    return Math.sqrt(perTree.reduce((s, f) => s + (f[j]! - m) ** 2, 0) / Math.max(1, trees - 1));
  });
  const sum = fractions.reduce((s, f) => s + f, 0);
  return features
    .map((f, j) => ({
      name: f.name,
      importance: sum > 0 ? fractions[j]! / sum : 0,
      fraction: fractions[j]!,
      sd: sds[j]!,
      j,
    }))
    .sort((a, b) => b.importance - a.importance || a.j - b.j)
    .map(({ j: _j, ...rest }) => rest);
}
