/**
 * Scheduler benchmark (`npm run bench:schedulers`): simulations of the pruners and of adaptive seeds
 * on synthetic trainables, in-process (no Temporal, no model), every figure a pure function of its
 * seeds (src/search/simulate.ts).
 *
 * 1. Adaptive seeds vs a fixed 10-seed design: paired outcomes with a known true difference (sd of
 *    the paired difference 1) and four noise shapes; seeds spent, coverage of the true difference by
 *    the reported interval, and whether the decision was right. The naive design (a fixed-n
 *    t-interval looked at after every seed) shows what the confidence sequence protects against.
 * 2. ASHA and the median rule on synthetic learning curves: epochs spent as a share of full training,
 *    and how often the true best configuration trained to the max resource.
 *
 * Options: --sweeps N (adaptive-seed sweeps per cell, default 1000), --runs N (ASHA runs per row,
 * default 50).
 */
import jStat from 'jstat';
import { parseArgs } from 'node:util';
import { AshaPruner } from '../src/search/asha.js';
import { MedianPruner } from '../src/search/median-pruner.js';
import type { Pruner } from '../src/search/pruning.js';
import type { AdaptiveSeedsSpec } from '../src/search/adaptive-seeds.js';
import {
  NOISE_KINDS,
  curveMean,
  pairedSweepData,
  runAdaptiveSeeds,
  sampleCurveConfigs,
  simulateAsha,
} from '../src/search/simulate.js';
import { seededUniform } from '../src/search/uniform.js';

const { values: args } = parseArgs({
  options: { sweeps: { type: 'string', default: '1000' }, runs: { type: 'string', default: '50' } },
});
const SWEEPS = Number(args.sweeps);
const RUNS = Number(args.runs);

function table(header: string[], body: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...body.map(line)].join('\n');
}
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

// ---------------------------------------------------------------- adaptive seeds

const MIN = 3;
const MAX = 20;
const FIXED = 10;
const SPEC: AdaptiveSeedsSpec = {
  min: MIN,
  max: MAX,
  until: { compare: ['a', 'b'], metric: 'testAccuracy', ciExcludes: 0 },
};
const EFFECTS: [string, number][] = [
  ['none (0)', 0],
  ['small (0.5)', 0.5],
  ['medium (1)', 1],
  ['large (2)', 2],
];

/** The 95 % t-interval of the mean of `diffs`. */
function tInterval(diffs: readonly number[]): [number, number] {
  const n = diffs.length;
  const mean = diffs.reduce((s, d) => s + d, 0) / n;
  const sd = Math.sqrt(diffs.reduce((s, d) => s + (d - mean) ** 2, 0) / (n - 1));
  const h = (jStat.studentt.inv(0.975, n - 1) * sd) / Math.sqrt(n);
  return [mean - h, mean + h];
}

/** Right: the sign claimed is the true one (or no claim when there is no effect). Wrong: a false claim. */
function verdict(low: number, high: number, effect: number): 'right' | 'wrong' | 'none' {
  const claim = low > 0 ? 1 : high < 0 ? -1 : 0;
  if (claim === 0) return effect === 0 ? 'right' : 'none';
  return claim === Math.sign(effect) ? 'right' : 'wrong';
}

interface Tally {
  seeds: number;
  covered: number;
  right: number;
  wrong: number;
}
const tally = (): Tally => ({ seeds: 0, covered: 0, right: 0, wrong: 0 });
function count(t: Tally, seeds: number, low: number, high: number, effect: number): void {
  t.seeds += seeds;
  if (low <= effect && effect <= high) t.covered += 1;
  const v = verdict(low, high, effect);
  if (v === 'right') t.right += 1;
  if (v === 'wrong') t.wrong += 1;
}

const started = performance.now();
const seedRows: string[][] = [];
const summary = new Map<string, { adaptive: Tally; fixed: Tally; naive: Tally }>();
let sweepSeed = 0;
for (const [label, effect] of EFFECTS) {
  const perEffect = { adaptive: tally(), fixed: tally(), naive: tally() };
  for (const noise of NOISE_KINDS) {
    const adaptive = tally();
    const fixed = tally();
    const naive = tally();
    for (let i = 0; i < SWEEPS; i += 1) {
      const data = pairedSweepData({ effect, noise, seeds: MAX, seed: (sweepSeed += 1) });
      const diffs = data.a.map((a, s) => a - data.b[s]!);
      const { final } = runAdaptiveSeeds(SPEC, data);
      for (const t of [adaptive, perEffect.adaptive])
        count(t, final.seedsSpent, final.interval.low, final.interval.high, effect);
      const [fl, fh] = tInterval(diffs.slice(0, FIXED));
      for (const t of [fixed, perEffect.fixed]) count(t, FIXED, fl, fh, effect);
      // Naive: the fixed-n t-interval looked at after every seed from MIN on, stopping once it excludes 0.
      let n = MIN;
      let [nl, nh] = tInterval(diffs.slice(0, n));
      while (nl <= 0 && nh >= 0 && n < MAX) [nl, nh] = tInterval(diffs.slice(0, (n += 1)));
      for (const t of [naive, perEffect.naive]) count(t, n, nl, nh, effect);
    }
    const row = (t: Tally) => [(t.seeds / SWEEPS).toFixed(1), pct(t.covered / SWEEPS), pct(t.right / SWEEPS)];
    seedRows.push([
      label,
      noise,
      ...row(adaptive),
      pct(adaptive.wrong / SWEEPS),
      ...row(fixed),
      ...row(naive),
    ]);
  }
  summary.set(label, perEffect);
}
const all = SWEEPS * NOISE_KINDS.length;
const summaryRows = [...summary].map(([label, t]) => [
  label,
  (t.adaptive.seeds / all).toFixed(1),
  String(FIXED),
  pct(t.adaptive.covered / all),
  pct(t.fixed.covered / all),
  pct(t.naive.covered / all),
  pct(t.adaptive.right / all),
  pct(t.fixed.right / all),
  pct(t.adaptive.wrong / all),
  pct(t.fixed.wrong / all),
  pct(t.naive.wrong / all),
]);

// The width criterion: seeds needed for a CS narrower than w (normal noise).
const widthRows: string[][] = [];
for (const width of [2, 1.5, 1.2]) {
  const spec: AdaptiveSeedsSpec = {
    min: MIN,
    max: 40,
    until: { compare: ['a', 'b'], metric: 'm', widthBelow: width },
  };
  const t = tally();
  let settled = 0;
  for (let i = 0; i < SWEEPS; i += 1) {
    const data = pairedSweepData({ effect: 1, noise: 'normal', seeds: 40, seed: (sweepSeed += 1) });
    const { final } = runAdaptiveSeeds(spec, data);
    count(t, final.seedsSpent, final.interval.low, final.interval.high, 1);
    if (final.status === 'settled') settled += 1;
  }
  widthRows.push([
    String(width),
    (t.seeds / SWEEPS).toFixed(1),
    pct(settled / SWEEPS),
    pct(t.covered / SWEEPS),
  ]);
}

// ---------------------------------------------------------------- ASHA and the median rule

interface PrunerRow {
  label: string;
  configs: number;
  maxResource: number;
  make: () => Pruner;
  rungEpoch: number;
}
const asha = (eta: number, r: number, R: number) => () =>
  new AshaPruner({ reductionFactor: eta, minResource: r, maxResource: R });
const PRUNER_ROWS: PrunerRow[] = [
  { label: 'ASHA η=3 r=9 (rungs 9, 27)', configs: 81, maxResource: 81, make: asha(3, 9, 81), rungEpoch: 9 },
  { label: 'ASHA η=3 r=9 (rungs 9, 27)', configs: 27, maxResource: 81, make: asha(3, 9, 81), rungEpoch: 9 },
  {
    label: 'ASHA η=3 r=3 (rungs 3, 9, 27)',
    configs: 81,
    maxResource: 81,
    make: asha(3, 3, 81),
    rungEpoch: 3,
  },
  { label: 'ASHA η=3 r=1 (rungs 1…27)', configs: 81, maxResource: 81, make: asha(3, 1, 81), rungEpoch: 1 },
  {
    label: 'ASHA η=2 r=4 (rungs 4, 8, 16)',
    configs: 81,
    maxResource: 32,
    make: asha(2, 4, 32),
    rungEpoch: 4,
  },
  {
    label: 'median rule, warm-up 9, minTrials 5',
    configs: 81,
    maxResource: 81,
    make: () => new MedianPruner({ warmupEpochs: 9, minTrials: 5 }),
    rungEpoch: 9,
  },
];

function spearman(x: readonly number[], y: readonly number[]): number {
  const rank = (v: readonly number[]) => {
    const r = new Array<number>(v.length);
    v.map((_, i) => i)
      .sort((i, j) => v[i]! - v[j]!)
      .forEach((i, k) => (r[i] = k));
    return r;
  };
  const rx = rank(x);
  const ry = rank(y);
  const n = x.length;
  const d = rx.reduce((s, r, i) => s + (r - ry[i]!) ** 2, 0);
  return 1 - (6 * d) / (n * (n * n - 1));
}

const prunerRows: string[][] = [];
for (const row of PRUNER_ROWS) {
  let fraction = 0;
  let worst = 0;
  let kept = 0;
  let completed = 0;
  let rho = 0;
  for (let run = 0; run < RUNS; run += 1) {
    const configs = sampleCurveConfigs(seededUniform(1000 + run), row.configs);
    const sim = simulateAsha({ pruner: row.make(), configs, maxResource: row.maxResource, seed: run });
    fraction += sim.epochs / sim.fullEpochs;
    worst = Math.max(worst, sim.epochs / sim.fullEpochs);
    kept += sim.bestKept ? 1 : 0;
    completed += sim.completed;
    rho += spearman(
      configs.map((c) => curveMean(c, row.rungEpoch)),
      configs.map((c) => curveMean(c, row.maxResource)),
    );
  }
  prunerRows.push([
    row.label,
    String(row.configs),
    String(row.maxResource),
    (rho / RUNS).toFixed(2),
    pct(fraction / RUNS),
    pct(worst),
    `${kept}/${RUNS} (${pct(kept / RUNS)})`,
    (completed / RUNS).toFixed(1),
  ]);
}

process.stdout.write(
  `Adaptive seeds (min ${MIN}, max ${MAX}, until the 95 % confidence sequence excludes 0) vs a fixed ${FIXED}-seed t-interval and a naive t-interval looked at after every seed; ${SWEEPS} sweeps per row; effect in sd of the paired difference.\n\n` +
    `${table(
      [
        'effect',
        'noise',
        'adaptive seeds',
        'adaptive coverage',
        'adaptive right',
        'adaptive wrong',
        'fixed-10 seeds',
        'fixed-10 coverage',
        'fixed-10 right',
        'naive seeds',
        'naive coverage',
        'naive right',
      ],
      seedRows,
    )}\n\n` +
    `Over the four noise shapes (${all} sweeps per effect):\n\n` +
    `${table(
      [
        'effect',
        'adaptive seeds',
        'fixed seeds',
        'adaptive coverage',
        'fixed-10 coverage',
        'naive coverage',
        'adaptive right',
        'fixed-10 right',
        'adaptive wrong',
        'fixed-10 wrong',
        'naive wrong',
      ],
      summaryRows,
    )}\n\n` +
    `until widthBelow w (effect 1, normal noise, min ${MIN}, max 40):\n\n` +
    `${table(['w', 'mean seeds', 'settled', 'coverage'], widthRows)}\n\n` +
    `Pruners on synthetic learning curves (${RUNS} runs per row, 4 workers, noise sd 0.01; budget = epochs trained / (configs × R); kept = the true best configuration trained to R):\n\n` +
    `${table(
      [
        'pruner',
        'configs',
        'R',
        'rank corr. first rung vs R',
        'budget (mean)',
        'budget (worst run)',
        'best kept',
        'trained to R (mean)',
      ],
      prunerRows,
    )}\n\n` +
    `${((performance.now() - started) / 1000).toFixed(1)} s in all.\n`,
);
