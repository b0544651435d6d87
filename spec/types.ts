/**
 * A validated sweep spec and its expansion into trials. Expansion is pure and deterministic (it also
 * runs inside workflow code): no Node built-ins, no I/O, no clocks, no Math.random.
 */
import type { TrialConfig } from '../engine/types.js';

/** Task queues trials can be routed to. */
export const QueueKind = { cpu: 'cpu', gpu: 'gpu' } as const;
export type QueueKind = (typeof QueueKind)[keyof typeof QueueKind];

/** One comparison the report should make: group `a` against group `b`, each selected by factor values. */
export interface ComparisonSpec {
  /** Label in reports, e.g. `cnn vs fc`. Defaults to one made from the factor values. */
  name?: string;
  /** Factor values selecting the first group, e.g. `{ model: 'cnn' }`. */
  a: Record<string, number | string>;
  /** Factor values selecting the second group (the baseline), e.g. `{ model: 'fc' }`. */
  b: Record<string, number | string>;
}

/** One trial of an expanded sweep. */
export interface PlannedTrial {
  trialKey: string;
  groupKey: string;
  /** Human label of the group, from the varying factors, e.g. `model=cnn kernel_size=3`. */
  groupLabel: string;
  /** Values of the factors that vary in this sweep. */
  factors: Record<string, number | string>;
  seed: number;
  config: TrialConfig;
  queue: QueueKind;
}
