/**
 * Sampler benchmark (`npm run bench:samplers`): random search vs TPE on Branin (2-D) and Hartmann-6,
 * budgets 50 and 100 trials, 20 seeds each. The ask/tell loop runs in-process on the pure test
 * functions (no Temporal, no trainable runtime). Seed s gives both samplers the stream
 * `seededUniform(s)`, so random search draws exactly what `variants.random` with seed s would.
 * A sampler never looks at the budget, so the best value after 50 trials of a 100-trial run is the
 * result of a 50-trial run.
 * Options: --seeds N (default 20), --budgets 50,100.
 *
 * `--warm` runs the warm-start bench instead (docs/samplers.md, "Warm starts"): on Hartmann-6, TPE's
 * best value after 30 trials of its own, cold and warm-started from 30 trials of an earlier run of the
 * same function (TPE with another seed, or random search), as a warm-started sweep's sampler sees them
 * (`samplerHistory` of src/temporal/workflows/warm-start.ts: the earlier trials first, then its own).
 */
import { parseArgs } from 'node:util';
import { BRANIN_MINIMUM, braninValue } from '../examples/branin/branin.js';
import { HARTMANN6_MINIMUM, hartmann6Value } from '../examples/hartmann6/hartmann6.js';
import {
  createSampler,
  type Distribution,
  type FinishedTrial,
  type ParamValue,
} from '../src/search/index.js';
import { seededUniform } from '../src/search/uniform.js';
import { samplerHistory } from '../src/temporal/workflows/warm-start.js';

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '20' },
    budgets: { type: 'string', default: '50,100' },
    warm: { type: 'boolean', default: false },
  },
});
const SEEDS = Number(args.seeds);
const BUDGETS = args.budgets.split(',').map(Number);
const MAX_BUDGET = Math.max(...BUDGETS);
const SAMPLERS = ['random', 'tpe'] as const;

interface Problem {
  name: string;
  space: Record<string, Distribution>;
  value(params: Record<string, ParamValue>): number;
  minimum: number;
}

const unit: Distribution = { kind: 'uniform', low: 0, high: 1 };
const PROBLEMS: Problem[] = [
  {
    name: 'Branin (2-D)',
    space: { x1: { kind: 'uniform', low: -5, high: 10 }, x2: { kind: 'uniform', low: 0, high: 15 } },
    value: (p) => braninValue(Number(p['x1']), Number(p['x2'])),
    minimum: BRANIN_MINIMUM,
  },
  {
    name: 'Hartmann-6',
    space: { x1: unit, x2: unit, x3: unit, x4: unit, x5: unit, x6: unit },
    value: (p) => hartmann6Value(['x1', 'x2', 'x3', 'x4', 'x5', 'x6'].map((k) => Number(p[k]))),
    minimum: HARTMANN6_MINIMUM,
  },
];

/** Best-so-far value after each trial of one ask/tell run. */
function run(problem: Problem, samplerName: string, seed: number): number[] {
  const sampler = createSampler(samplerName);
  const uniform = seededUniform(seed);
  const trials: FinishedTrial[] = [];
  const bestSoFar: number[] = [];
  for (let i = 0; i < MAX_BUDGET; i += 1) {
    const params = sampler.ask({ space: problem.space, trials, mode: 'min', uniform });
    const value = problem.value(params);
    trials.push({ params, value });
    bestSoFar.push(Math.min(value, bestSoFar.at(-1) ?? Infinity));
  }
  return bestSoFar;
}

function quantile(sorted: readonly number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  return sorted[lo]! + (h - lo) * (sorted[Math.ceil(h)]! - sorted[lo]!);
}

const fmt = (x: number) => (Math.abs(x) < 1e-3 && x !== 0 ? x.toExponential(2) : x.toFixed(4));

const started = performance.now();
const rows: string[][] = [];
const wins: string[][] = [];
for (const problem of args.warm ? [] : PROBLEMS) {
  const curves = Object.fromEntries(
    SAMPLERS.map((s) => [s, Array.from({ length: SEEDS }, (_, seed) => run(problem, s, seed))]),
  );
  for (const budget of BUDGETS) {
    const best: Record<string, number[]> = {};
    for (const s of SAMPLERS) {
      best[s] = curves[s]!.map((curve) => curve[budget - 1]!);
      const sorted = [...best[s]!].sort((a, b) => a - b);
      const regret = best[s]!.reduce((sum, v) => sum + (v - problem.minimum), 0) / SEEDS;
      rows.push([
        problem.name,
        String(budget),
        s,
        fmt(quantile(sorted, 0.5)),
        fmt(quantile(sorted, 0.75) - quantile(sorted, 0.25)),
        fmt(regret),
      ]);
    }
    // Per seed: TPE wins when its best is lower (a tie counts half).
    let score = 0;
    best['tpe']!.forEach(
      (v, seed) => (score += v < best['random']![seed]! ? 1 : v === best['random']![seed]! ? 0.5 : 0),
    );
    wins.push([problem.name, String(budget), `${score}/${SEEDS}`, `${((100 * score) / SEEDS).toFixed(0)} %`]);
  }
}

function table(header: string[], body: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...body.map(line)].join('\n');
}

if (args.warm) warmBench();
else
  process.stdout.write(
    `${table(['function', 'budget', 'sampler', 'median best value', 'IQR', 'mean regret'], rows)}\n\n` +
      `${table(['function', 'budget', 'TPE better than random (seeds)', 'win rate'], wins)}\n\n` +
      `${SEEDS} seeds per cell; ${((performance.now() - started) / 1000).toFixed(1)} s in all.\n`,
  );

/** Trials of one TPE or random run, from `history` on (it is not counted in the run's best). */
function askTell(
  problem: Problem,
  samplerName: string,
  seed: number,
  n: number,
  history: FinishedTrial[] = [],
) {
  const sampler = createSampler(samplerName);
  const uniform = seededUniform(seed);
  const own: FinishedTrial[] = [];
  for (let i = 0; i < n; i += 1) {
    const params = sampler.ask({
      space: problem.space,
      trials: samplerHistory(history, own),
      mode: 'min',
      uniform,
    });
    own.push({ params, value: problem.value(params) });
  }
  return own;
}

/** Warm-started vs cold TPE at 30 trials on Hartmann-6, `SEEDS` seeds, medians (and paired wins). */
function warmBench(): void {
  const problem = PROBLEMS.find((p) => p.name === 'Hartmann-6')!;
  const TRIALS = 30;
  const best = (trials: FinishedTrial[]) => Math.min(...trials.map((t) => t.value));
  // Seed s: the earlier run uses seed 1000 + s, so it never repeats the warm run's own draws.
  const arms: { name: string; history: string; results: number[] }[] = [
    { name: 'TPE, cold', history: 'none', results: [] },
    { name: 'TPE, warm', history: `${TRIALS} TPE trials (seed 1000 + s)`, results: [] },
    { name: 'TPE, warm', history: `${TRIALS} random trials (seed 1000 + s)`, results: [] },
    { name: 'TPE, cold, 60 trials', history: 'none (the same 60 evaluations in one run)', results: [] },
  ];
  for (let seed = 0; seed < SEEDS; seed += 1) {
    arms[0]!.results.push(best(askTell(problem, 'tpe', seed, TRIALS)));
    arms[1]!.results.push(
      best(askTell(problem, 'tpe', seed, TRIALS, askTell(problem, 'tpe', 1000 + seed, TRIALS))),
    );
    arms[2]!.results.push(
      best(askTell(problem, 'tpe', seed, TRIALS, askTell(problem, 'random', 1000 + seed, TRIALS))),
    );
    arms[3]!.results.push(best(askTell(problem, 'tpe', seed, 2 * TRIALS)));
  }
  const cold = arms[0]!.results;
  const body = arms.map((arm) => {
    const sorted = [...arm.results].sort((a, b) => a - b);
    const wins = arm.results.reduce((w, v, s) => w + (v < cold[s]! ? 1 : v === cold[s]! ? 0.5 : 0), 0);
    return [
      arm.name,
      arm.history,
      fmt(quantile(sorted, 0.5)),
      fmt(quantile(sorted, 0.75) - quantile(sorted, 0.25)),
      arm === arms[0] ? '—' : `${wins}/${SEEDS}`,
    ];
  });
  process.stdout.write(
    `Hartmann-6 (minimum ${HARTMANN6_MINIMUM}), best value of the run's own ${TRIALS} trials (60 for the last row)\n\n` +
      `${table(['sampler', 'warm history', 'median best value', 'IQR', 'better than cold (seeds)'], body)}\n\n` +
      `${SEEDS} seeds; ${((performance.now() - started) / 1000).toFixed(1)} s in all.\n`,
  );
}
