/**
 * Hyperband (Li et al., "Hyperband: A Novel Bandit-Based Approach to Hyperparameter Optimization",
 * JMLR 2018), in the asynchronous stopping form Optuna's `HyperbandPruner` runs: several brackets of
 * successive halving side by side, each starting its halving at a different epoch, so that a sweep
 * hedges between stopping early and often (bracket 0) and training everything to the end (the last).
 *
 * - Brackets: with η = `reductionFactor`, r = `minResource` and R = `maxResource`, there are
 *   n = ⌊log_η(R/r)⌋ + 1 of them (counted exactly, in integers: the k ≥ 0 with r·η^k ≤ R; Optuna's
 *   floating-point log gives one bracket fewer when R/r is certain powers of η, e.g. 243/1 with η = 3).
 *   Bracket b (0-based, Optuna's `bracket_id`) is ASHA ({@link AshaPruner}) whose first rung is
 *   r·η^b: rungs at r·η^(b+k) below R. Bracket 0 stops most; the last has few rungs or none.
 * - Trials per bracket: bracket b gets a share of the trials proportional to Optuna's "trial
 *   allocation budget" ⌈n·η^s/(s+1)⌉ with s = n − 1 − b (the paper's number of configurations of the
 *   bracket with early-stopping rate s).
 * - Which bracket a trial is in: a pure function of its identity, so every decision (and a workflow
 *   replay) agrees without storing anything. As in Optuna, the CRC-32 of an identity string modulo the
 *   sum of the budgets, walked through the budgets in bracket order. Optuna hashes
 *   `<study name>_<trial number>`; here the identity is the trial's `config` (seedsweep's group key:
 *   the configuration without its seed), or its `key` when it has none. So every seed of a
 *   configuration lands in the same bracket and trains to the same budget, and a trial keeps its
 *   bracket when the workflow refers to it by its plan index once it has settled.
 * - A trial is compared only with trials of its group (`group`) *and* its bracket, by its bracket's
 *   ASHA rule (see ./asha.ts for promotions, ties, NaN and the differences from the paper's ASHA).
 *
 * Pure and workflow-safe.
 */
import { AshaPruner, ashaRungs, halvingOptions } from './asha.js';
import type { Pruner, PruneDecision, PrunerContext, TrialReport } from './pruning.js';
import { subjectOf } from './pruning.js';

/** Options of Hyperband. Plain integers, so a spec can carry them. */
export interface HyperbandPrunerOptions {
  /** η: within a bracket, only the top 1/η at a rung go on; rungs and brackets are η times apart. @default 3 */
  reductionFactor?: number;
  /** r: bracket 0's first rung, the least any trial trains. @default 1 */
  minResource?: number;
  /** R: the epochs a trial that is never stopped trains for (the trial's `epochs`). Required. */
  maxResource: number;
}

/** One bracket of a Hyperband pruner. */
export interface HyperbandBracket {
  /** 0-based id (Optuna's `bracket_id`): 0 starts halving earliest. */
  bracket: number;
  /** The paper's early-stopping rate s = n − 1 − bracket (how many rungs below R the bracket could have). */
  s: number;
  /** The bracket's first rung: r·η^bracket. */
  minResource: number;
  /** Rung epochs, ascending (below R; empty for a bracket that trains everything to R). */
  rungs: number[];
  /** Optuna's trial allocation budget ⌈n·η^s/(s+1)⌉: the bracket's share of trials is budget / Σ budgets. */
  budget: number;
}

/** The brackets of Hyperband with these options, bracket 0 first. */
export function hyperbandBrackets(options: Readonly<Required<HyperbandPrunerOptions>>): HyperbandBracket[] {
  const { reductionFactor: eta, minResource: r, maxResource: R } = options;
  let n = 0;
  for (let e = r; e <= R; e *= eta) n += 1;
  return Array.from({ length: n }, (_, bracket) => {
    const s = n - 1 - bracket;
    const minResource = r * eta ** bracket;
    const numerator = n * eta ** s;
    return {
      bracket,
      s,
      minResource,
      rungs: ashaRungs({ reductionFactor: eta, minResource, maxResource: R }),
      budget: Math.floor((numerator + s) / (s + 1)),
    };
  });
}

const CRC_TABLE = ((): Uint32Array => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i += 1) {
    let c = i;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[i] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE, zlib's and Python's `binascii.crc32`) of a string's UTF-8 bytes, unsigned. */
export function crc32(text: string): number {
  let crc = 0xffffffff;
  const add = (byte: number) => {
    crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  };
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) add(cp);
    else if (cp < 0x800) {
      add(0xc0 | (cp >> 6));
      add(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      add(0xe0 | (cp >> 12));
      add(0x80 | ((cp >> 6) & 0x3f));
      add(0x80 | (cp & 0x3f));
    } else {
      add(0xf0 | (cp >> 18));
      add(0x80 | ((cp >> 12) & 0x3f));
      add(0x80 | ((cp >> 6) & 0x3f));
      add(0x80 | (cp & 0x3f));
    }
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * The bracket of an identity string: CRC-32 modulo the sum of the budgets, walked through the
 * budgets in bracket order (Optuna's `_get_bracket_id`, given `<study name>_<trial number>`).
 */
export function hyperbandBracketOf(id: string, brackets: readonly HyperbandBracket[]): number {
  const total = brackets.reduce((sum, b) => sum + b.budget, 0);
  let n = crc32(id) % total;
  for (const b of brackets) {
    n -= b.budget;
    if (n < 0) return b.bracket;
  }
  return brackets.length - 1;
}

/** The identity a trial's bracket is hashed from: its configuration (group key), else its key. */
export function hyperbandIdentity(report: Pick<TrialReport, 'key' | 'config'>): string {
  return report.config ?? report.key;
}

export class HyperbandPruner implements Pruner {
  readonly name = 'hyperband';
  readonly options: Readonly<Required<HyperbandPrunerOptions>>;
  readonly brackets: readonly HyperbandBracket[];
  private readonly rules: readonly AshaPruner[];

  /** @throws PrunerError naming the first invalid option. */
  constructor(options: HyperbandPrunerOptions) {
    this.options = halvingOptions(options, 'hyperband');
    const { reductionFactor, maxResource } = this.options;
    this.brackets = hyperbandBrackets(this.options);
    this.rules = this.brackets.map(
      (b) => new AshaPruner({ reductionFactor, minResource: b.minResource, maxResource }),
    );
  }

  /** The bracket a trial is in (see the module's comment). */
  bracketOf(report: Pick<TrialReport, 'key' | 'config'>): number {
    return hyperbandBracketOf(hyperbandIdentity(report), this.brackets);
  }

  decide(context: PrunerContext): PruneDecision {
    const { report } = subjectOf(context);
    const bracket = this.bracketOf(report);
    // Only this trial's group matters to its bracket's rule; hash only those trials.
    const trials = context.trials.filter(
      (t) => t.key === report.key || (t.group === report.group && this.bracketOf(t) === bracket),
    );
    const decision = this.rules[bracket]!.decide({ ...context, trials });
    return { ...decision, reason: `bracket ${bracket} of ${this.brackets.length}: ${decision.reason}` };
  }
}
