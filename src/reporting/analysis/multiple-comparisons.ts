/** Holm–Bonferroni step-down adjustment of a family of p-values. */

/**
 * Holm-adjusted p-values in the input order. Entries that are not finite (a test that could not be
 * computed) are left out of the family and come back as NaN.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const family = pValues.map((p, i) => ({ p, i })).filter((e) => Number.isFinite(e.p));
  family.sort((x, y) => x.p - y.p);
  const m = family.length;
  const adjusted = new Array<number>(pValues.length).fill(Number.NaN);
  let running = 0;
  family.forEach((e, k) => {
    running = Math.max(running, Math.min(1, (m - k) * e.p));
    adjusted[e.i] = running;
  });
  return adjusted;
}
