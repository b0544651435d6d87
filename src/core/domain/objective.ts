/** What a sweep optimises: one reported metric and its direction. Drives `best`, early stopping and `serve --best`. */

export const ObjectiveMode = { max: 'max', min: 'min' } as const;
export type ObjectiveMode = (typeof ObjectiveMode)[keyof typeof ObjectiveMode];

export interface Objective {
  /** A metric name the trainable reports, e.g. `testAccuracy` or `value`. */
  metric: string;
  mode: ObjectiveMode;
}

/** The study's objective, and the default when a spec names none: final test accuracy, higher is better. */
export const DEFAULT_OBJECTIVE: Objective = { metric: 'testAccuracy', mode: 'max' };

/** True when `a` is better than `b` under `objective` (NaN is never better). */
export function isBetter(objective: Objective, a: number, b: number): boolean {
  if (Number.isNaN(a)) return false;
  if (Number.isNaN(b)) return true;
  return objective.mode === 'max' ? a > b : a < b;
}

/** The index of the best value (first among equals), or -1 when none is a number. */
export function bestIndex(objective: Objective, values: readonly number[]): number {
  let best = -1;
  values.forEach((v, i) => {
    if (!Number.isNaN(v) && (best < 0 || isBetter(objective, v, values[best]!))) best = i;
  });
  return best;
}

/** A metric's spelling in a spec (`test_accuracy`) → the name the study's trainable reports (`testAccuracy`). */
export function metricField(metric: string): string {
  return metric.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}
