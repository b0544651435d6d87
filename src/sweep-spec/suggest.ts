/** "Did you mean …?" for misspelt keys, parameter names and values. */

/** Levenshtein distance with adjacent transpositions counted as one edit (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  // Three rows of the table (the transposition looks two rows back) rather than the whole table.
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i += 1) {
    current[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, before[j - 2]! + 1);
      current[j] = best;
    }
    [before, previous, current] = [previous, current, before];
  }
  return previous[b.length]!;
}

/** Lower case without `_`/`-`, so `learningRate`, `learning-rate` and `learning_rate` compare equal. */
function normalise(name: string): string {
  return name.toLowerCase().replace(/[_-]/g, '');
}

/**
 * The candidate closest to `input`, if it is close enough to be a plausible typo
 * (at most a third of its length in edits, at least one).
 */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    // The distance is at least the difference in length: a far longer input (a pasted blob) is no typo,
    // and skipping it keeps this linear rather than length × length.
    const limit = Math.max(1, Math.floor(candidate.length / 3));
    if (
      Math.abs(input.length - candidate.length) > limit &&
      Math.abs(normalise(input).length - normalise(candidate).length) > limit
    )
      continue;
    const distance = Math.min(
      editDistance(input, candidate),
      editDistance(normalise(input), normalise(candidate)),
    );
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === undefined) return undefined;
  return bestDistance <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}

/** ` (did you mean 'x'?)` or an empty string. */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const match = closest(input, candidates);
  return match === undefined ? '' : ` (did you mean '${match}'?)`;
}
