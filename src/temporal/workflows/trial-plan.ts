/**
 * A sweep's plan addressed by index: trial i is computed from i when asked, so a run holds the spec's
 * variants (one per group) and its seeds, not every planned trial. A fixed plan is seed-major, exactly
 * as `expandSweep` lists it (trial i = seed ⌊i / V⌋ of variant i mod V); an adaptive-seeds round is
 * another such block; a sampler's proposals are kept as lists (they are few and each has its config).
 *
 * Trial keys cost a SHA-256 each (≈ 0.3 ms), which made expanding a 32,000-trial plan take seconds in
 * every run: here a key is hashed only for a trial the run starts or shows (a small cache keeps the
 * recent ones), and the whole key → index map only where a caller needs it once (`keyIndex`).
 * Pure and deterministic: workflow code.
 */
import { expandVariants, groupKeyOf, trialKeyOf } from '../../sweep-spec/expand.js';
import type { SweepSpec } from '../../sweep-spec/schema.js';
import type { PlannedTrial } from '../../sweep-spec/types.js';

/** A group of the plan: everything of its trials but the seed and the key. */
interface PlanVariant {
  config: PlannedTrial['config'];
  groupKey: string;
  groupLabel: string;
  factors: PlannedTrial['factors'];
}

/** A run of consecutive plan indices. */
type Block =
  | {
      kind: 'product';
      start: number;
      queue: PlannedTrial['queue'];
      variants: readonly PlanVariant[];
      seeds: readonly number[];
      reason?: string;
    }
  | { kind: 'list'; start: number; trials: PlannedTrial[] };

const blockSize = (b: Block) => (b.kind === 'product' ? b.variants.length * b.seeds.length : b.trials.length);

/** Keys hashed recently (started, shown in a page); bounded so a run never holds them all. */
const KEY_CACHE_SIZE = 4096;

export class TrialPlan {
  private readonly blocks: Block[] = [];
  private count = 0;
  private readonly keys = new Map<number, string>();
  private variantsOfSpec: PlanVariant[] | undefined;

  /** @param source The spec whose variants {@link addSeeds} crosses with seeds (absent: trials only). */
  constructor(private readonly source?: { spec: SweepSpec; datasetFingerprint: string }) {}

  /** A plan of these trials, in this order. */
  static of(trials: readonly PlannedTrial[]): TrialPlan {
    const plan = new TrialPlan();
    plan.addTrials(trials);
    return plan;
  }

  /** Trials planned so far. */
  get size(): number {
    return this.count;
  }

  /**
   * Appends one trial per (seed, variant of the spec), seed-major, as `expandSweep` with these seeds
   * would list them. Nothing for a sampler spec (its trials are proposed while it runs).
   */
  addSeeds(seeds: readonly number[], reason?: string): void {
    if (!this.source) throw new Error('a plan made of trials has no spec to add seeds from');
    const { spec, datasetFingerprint } = this.source;
    if (spec.variants.sampler || seeds.length === 0) return;
    this.variantsOfSpec ??= expandVariants(spec).variants.map((v) => ({
      config: v.config,
      groupKey: groupKeyOf({ config: v.config, datasetFingerprint }),
      groupLabel: v.label,
      factors: v.factors,
    }));
    this.push({
      kind: 'product',
      start: this.count,
      queue: spec.queue,
      variants: this.variantsOfSpec,
      seeds: [...seeds],
      ...(reason !== undefined ? { reason } : {}),
    });
  }

  /** Appends trials given whole (a sampler's proposals). */
  addTrials(trials: readonly PlannedTrial[]): void {
    if (trials.length === 0) return;
    const last = this.blocks.at(-1);
    if (last?.kind === 'list') {
      last.trials.push(...trials);
      this.count += trials.length;
    } else this.push({ kind: 'list', start: this.count, trials: [...trials] });
  }

  private push(block: Block): void {
    this.blocks.push(block);
    this.count += blockSize(block);
  }

  /** The planned trial at `index` (0 ≤ index < size). */
  trial(index: number): PlannedTrial {
    const block = this.blockOf(index);
    const offset = index - block.start;
    if (block.kind === 'list') return block.trials[offset]!;
    const variant = block.variants[offset % block.variants.length]!;
    const seed = block.seeds[Math.floor(offset / block.variants.length)]!;
    return {
      trialKey: this.keyOf(index, variant, seed, this.source!.datasetFingerprint),
      groupKey: variant.groupKey,
      groupLabel: variant.groupLabel,
      factors: { ...variant.factors },
      seed,
      config: variant.config,
      queue: block.queue,
      ...(block.reason !== undefined ? { reason: block.reason } : {}),
    };
  }

  /** Trial `index`'s group key and seed, without hashing its trial key (the pruner groups by them). */
  groupAndSeed(index: number): Pick<PlannedTrial, 'groupKey' | 'seed'> {
    const block = this.blockOf(index);
    const offset = index - block.start;
    if (block.kind === 'list') return block.trials[offset]!;
    const n = block.variants.length;
    return { groupKey: block.variants[offset % n]!.groupKey, seed: block.seeds[Math.floor(offset / n)]! };
  }

  /** Every planned trial, in plan order (adaptive plans, which decide on all of them, and tests). */
  trials(): PlannedTrial[] {
    return Array.from({ length: this.count }, (_, i) => this.trial(i));
  }

  /**
   * Trial key → plan index of the whole plan: hashes every key, so callers ask once and drop it
   * (skipping trials finished before, reading a carried state of older workers).
   */
  keyIndex(): Map<string, number> {
    const index = new Map<string, number>();
    for (let i = 0; i < this.count; i++) index.set(this.trial(i).trialKey, i);
    return index;
  }

  private keyOf(index: number, variant: PlanVariant, seed: number, datasetFingerprint: string): string {
    const known = this.keys.get(index);
    if (known !== undefined) return known;
    const key = trialKeyOf({ config: variant.config, seed, datasetFingerprint });
    if (this.keys.size >= KEY_CACHE_SIZE) this.keys.clear();
    this.keys.set(index, key);
    return key;
  }

  private blockOf(index: number): Block {
    if (!Number.isInteger(index) || index < 0 || index >= this.count)
      throw new RangeError(`no trial ${index} in a plan of ${this.count}`);
    // Few blocks (one per seed round; sampler proposals share one list): a linear search from the end.
    for (let b = this.blocks.length - 1; b >= 0; b--)
      if (this.blocks[b]!.start <= index) return this.blocks[b]!;
    throw new RangeError(`no trial ${index}`);
  }
}
