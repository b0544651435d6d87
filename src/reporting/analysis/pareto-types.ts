/**
 * The Pareto section's types (pareto.ts builds it), apart so that the report's types can name it
 * without importing the chart code.
 */
import type { Objective } from '../../core/domain/objective.js';

/** One configuration (group) of the sweep: a label and its value of each objective (NaN when missing). */
export interface ParetoPoint {
  /** e.g. the group label `lr=0.01 width=64`. */
  label: string;
  /** One value per objective, in the order of `objectives`; NaN for a configuration without a result. */
  values: readonly number[];
}

/** The Pareto section of a report. */
export interface ParetoSection {
  objectives: Objective[];
  /** The configurations on the front, best by the first objective first. */
  front: ParetoPoint[];
  /** Configurations with every value, on the front or not. */
  complete: number;
  /** Configurations left out for a missing value. */
  missing: number;
  /** The point the hypervolume is measured from (see pareto.ts). */
  reference: number[];
  /** Hypervolume of the front w.r.t. `reference` (0 with fewer than one complete configuration). */
  hypervolume: number;
  /** Every complete configuration, with whether it is on the front (for the chart). */
  points: (ParetoPoint & { onFront: boolean })[];
}
