/** Spec-side types; the trial types themselves live in the domain layer. */
import type { ParamValue } from '../core/domain/trial.js';
export { QueueKind } from '../core/domain/trial.js';
export type { PlannedTrial } from '../core/domain/trial.js';

/** One comparison the report should make: group `a` against group `b`, each selected by factor values. */
export interface ComparisonSpec {
  /** Label in reports, e.g. `cnn vs fc`. Defaults to one made from the factor values. */
  name?: string;
  /** Factor values selecting the first group, e.g. `{ model: 'cnn' }`. */
  a: Record<string, ParamValue>;
  /** Factor values selecting the second group (the baseline), e.g. `{ model: 'fc' }`. */
  b: Record<string, ParamValue>;
}
