/**
 * Sampler benchmark (`npm run bench:samplers`): random search vs TPE on Branin (2-D) and Hartmann-6,
 * budgets 50 and 100 trials, 20 seeds each. The ask/tell loop runs in-process on the pure test
 * functions (no Temporal, no trainable runtime). Seed s gives both samplers the stream
 * `seededUniform(s)`, so random search draws exactly what `variants.random` with seed s would.
 * A sampler never looks at the budget, so the best value after 50 trials of a 100-trial run is the
 * result of a 50-trial run.
 * Options: --seeds N (default 20), --budgets 50,100.
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

const { values: args } = parseArgs({
  options: { seeds: { type: 'string', default: '20' }, budgets: { type: 'string', default: '50,100' } },
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
for (const problem of PROBLEMS) {
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

process.stdout.write(
  `${table(['function', 'budget', 'sampler', 'median best value', 'IQR', 'mean regret'], rows)}\n\n` +
    `${table(['function', 'budget', 'TPE better than random (seeds)', 'win rate'], wins)}\n\n` +
    `${SEEDS} seeds per cell; ${((performance.now() - started) / 1000).toFixed(1)} s in all.\n`,
);
