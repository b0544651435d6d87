/**
 * The report's variance by seed source as plain JSON (seed-variance-report.ts computes it). Optional in
 * the report: reports of sweeps without `seed_sources`, and earlier reports, have none.
 */
import type { SeedDesign } from '../../core/domain/seed-sources.js';

/** One source's (or the residual's) share of a group's variance. */
export interface SourceVarianceRow {
  /** Source as a spec names it (`init`, `data_order`, …), `residual`, or `a + b` for sources varied together. */
  source: string;
  df: number;
  /** Method-of-moments estimate, truncated at 0. */
  variance: number;
  /** Two-sided CI (MLS for a factorial source, chi-square for the residual and for shared designs). */
  ci: [number, number] | null;
  /** Fraction of the group's estimated variance. */
  share: number;
}

/** A group's decomposition. */
export interface GroupSeedVariance {
  groupKey: string;
  label: string;
  design: SeedDesign;
  /** Trials with a finite objective, and the design's size (cells, or the seeds planned). */
  n: number;
  planned: number;
  rows: SourceVarianceRow[];
  /** The source with the largest variance (factorial designs); undefined when none is above 0. */
  dominant?: string;
  /** Why the group has no decomposition (an incomplete factorial). */
  note?: string;
}

/** What the report holds (`SweepReport.seedVariance`). */
export interface SeedVarianceReport {
  metric: string;
  confidence: number;
  groups: GroupSeedVariance[];
}
