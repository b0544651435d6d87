/** The leaderboard's data (report.json's `leaderboard`), apart so the report's types can name it (see leaderboard.ts). */
import type { ParamValue } from '../../core/domain/trial.js';

/** What makes a report search-shaped: the sweep's sampler and its pruning rule (from the spec). */
export interface LeaderboardInput {
  /** The sampler's name (`tpe`, `random`, `grid`, …). */
  sampler: string;
  /** The pruning rule, when the sweep prunes; its options give each configuration's rung. */
  pruner?: {
    rule: string;
    reductionFactor?: number;
    minResource?: number;
    /** The epochs of a trial that is never stopped (the spec's `train.epochs`). */
    maxResource?: number;
  };
}

/** How a configuration ended. `partial`: some seeds finished, others were pruned, failed or did not run. */
export type LeaderboardStatus = 'completed' | 'partial' | 'pruned' | 'failed' | 'not finished';

/** One configuration of the search. */
export interface LeaderboardEntry {
  /** 1 = best by the objective; null for configurations without a final value. */
  rank: number | null;
  groupKey: string;
  label: string;
  /** The configuration's parameters (a finished record's factors, else read from its label). */
  params: Record<string, ParamValue>;
  /** Mean final objective over the finished seeds; null when none finished with a finite value. */
  value: number | null;
  /** Finished seeds. */
  n: number;
  /** Planned seeds (finished, and without a result for any reason). */
  planned: number;
  /** The furthest epoch any seed reached (a finished trial's epochs; a pruned trial's stop epoch); null when unknown. */
  epoch: number | null;
  /** For ASHA and Hyperband: the rung reached (0-based; the rung count when the trial reached the last epoch). */
  rung?: number;
  /** For Hyperband: the configuration's bracket. */
  bracket?: number;
  status: LeaderboardStatus;
  /** Why it stopped, for people: `completed`, `pruned by asha at epoch 3`, `failed: …`. */
  why: string;
}

/** The leaderboard section of a report (`report.leaderboard`). */
export interface LeaderboardReport {
  sampler: string;
  /** The pruning rule's name; null without one. */
  pruner: string | null;
  /** Configurations by status. */
  counts: Record<LeaderboardStatus, number>;
  /** Best first (see the module comment). */
  entries: LeaderboardEntry[];
}

/** A planned trial without a result, as the report's builder receives it (build-report.ts `MissingTrial`). */
export interface LeaderboardMissing {
  groupKey: string;
  groupLabel: string;
  seed: number;
  reason: string;
}
