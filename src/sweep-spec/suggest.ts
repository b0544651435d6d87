/** "Did you mean …?" for misspelt keys, parameter names and values. */

/** Rows of {@link editDistance}'s table, kept between calls for names up to this long. */
const KEPT_ROW = 256;
const keptRows = [0, 1, 2].map(() => new Uint32Array(KEPT_ROW + 1));

/**
 * Levenshtein distance with adjacent transpositions counted as one edit (optimal string alignment).
 * With `cap`, any distance above it comes back as `cap + 1`, found without filling the rest of the
 * table: a suggestion only cares about small distances, and a spec with 100,000 unknown keys asks
 * for two million of them.
 */
export function editDistance(a: string, b: string, cap = Number.POSITIVE_INFINITY): number {
  // Three rows of the table (the transposition looks two rows back) rather than the whole table,
  // in buffers kept between calls.
  const rows = b.length <= KEPT_ROW ? keptRows : [0, 1, 2].map(() => new Uint32Array(b.length + 1));
  let before = rows[0]!;
  let previous = rows[1]!;
  let current = rows[2]!;
  for (let j = 0; j <= b.length; j += 1) previous[j] = j;
  let previousMin = 0;
  for (let i = 1; i <= a.length; i += 1) {
    current[0] = i;
    let rowMin = i;
    const ai = a.charCodeAt(i - 1);
    const aBefore = i > 1 ? a.charCodeAt(i - 2) : -1;
    for (let j = 1; j <= b.length; j += 1) {
      const bj = b.charCodeAt(j - 1);
      let best = previous[j - 1]! + (ai === bj ? 0 : 1);
      const up = previous[j]! + 1;
      if (up < best) best = up;
      const left = current[j - 1]! + 1;
      if (left < best) best = left;
      if (j > 1 && ai === b.charCodeAt(j - 2) && aBefore === bj) {
        const swap = before[j - 2]! + 1;
        if (swap < best) best = swap;
      }
      current[j] = best;
      if (best < rowMin) rowMin = best;
    }
    // A row's cells are at least the smaller of the row above's least and the one two above's least
    // plus one: two rows above the cap keep every later row, and the distance, above it.
    if (rowMin > cap && previousMin > cap) return cap + 1;
    previousMin = rowMin;
    const spare = before;
    before = previous;
    previous = current;
    current = spare;
  }
  return Math.min(previous[b.length]!, cap + 1);
}

/** Lower case without `_`/`-`, so `learningRate`, `learning-rate` and `learning_rate` compare equal. */
function normalise(name: string): string {
  return name.toLowerCase().replace(/[_-]/g, '');
}

/**
 * Candidate lists normalised once: the same list of known keys is asked about for every unknown key.
 * The names are kept with their normal forms, so a list changed since is normalised afresh.
 */
const normalised = new WeakMap<readonly string[], { names: string[]; normal: string[] }>();

function normalisedList(candidates: readonly string[]): { names: string[]; normal: string[] } {
  let entry = normalised.get(candidates);
  if (!entry) {
    entry = { names: [...candidates], normal: candidates.map(normalise) };
    normalised.set(candidates, entry);
  }
  return entry;
}

/**
 * The candidate closest to `input`, if it is close enough to be a plausible typo
 * (at most a third of its length in edits, at least one).
 */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  const limitOf = (candidate: string) => Math.max(1, Math.floor(candidate.length / 3));
  // No candidate further than the largest limit can be accepted, nor can one further than the best so
  // far replace it: distances are computed up to that cap only (the answer is the same as uncapped).
  const largestLimit = candidates.reduce((most, c) => Math.max(most, limitOf(c)), 1);
  const normalInput = normalise(input);
  const normalCandidates = normalisedList(candidates);
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const [i, candidate] of candidates.entries()) {
    // The distance is at least the difference in length: a far longer input (a pasted blob) is no typo,
    // and skipping it keeps this linear rather than length × length.
    const limit = limitOf(candidate);
    const normalCandidate =
      normalCandidates.names[i] === candidate ? normalCandidates.normal[i]! : normalise(candidate);
    if (
      Math.abs(input.length - candidate.length) > limit &&
      Math.abs(normalInput.length - normalCandidate.length) > limit
    )
      continue;
    const cap = Math.min(largestLimit, bestDistance - 1);
    const raw = editDistance(input, candidate, cap);
    // Both already normal (lower case, no separators): the second distance is the first.
    const distance =
      normalInput === input && normalCandidate === candidate
        ? raw
        : Math.min(raw, editDistance(normalInput, normalCandidate, cap));
    if (distance < bestDistance && distance <= cap) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === undefined) return undefined;
  return bestDistance <= limitOf(best) ? best : undefined;
}

/** ` (did you mean 'x'?)` or an empty string. */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const match = closest(input, candidates);
  return match === undefined ? '' : ` (did you mean '${match}'?)`;
}
