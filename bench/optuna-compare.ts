/**
 * seedsweep's samplers side by side with Optuna's (`npx tsx bench/optuna-compare.ts`): the same test
 * functions, budgets and seeds (20), medians over seeds.
 * - TPE vs Optuna's TPESampler on Branin (2-D) and Hartmann-6, best value found after 50 and 100
 *   trials: seedsweep's `tpe` with `multivariate: true` against Optuna's default (multivariate since
 *   5.0), and seedsweep's default (univariate) `tpe` against `multivariate=False` (lower is better; a sampler never sees the budget, so the 50-trial figure is the best of
 *   the first 50 trials of the 100-trial run, as in bench/samplers.ts).
 * - NSGA-II vs Optuna's NSGAIISampler (both at defaults: population 50, uniform crossover with
 *   probability 0.9, swapping probability 0.5, mutation probability 1/30) on ZDT1 and ZDT2 with 30
 *   variables, 200 trials: hypervolume of all trials w.r.t. the reference point (1.1, 1.1), the
 *   usual one for ZDT (higher is better); also w.r.t. (1.1, 11), which every trial lies inside
 *   (f2 ≤ g ≤ 10), since after only 4 generations few points reach the (1.1, 1.1) box.
 * - MOTPE (seedsweep's `tpe` given two objectives) vs Optuna's TPESampler on a two-objective study
 *   (its defaults there: univariate, γ = ⌈0.1·n⌉) on the same ZDT1 and ZDT2, 200 trials as NSGA-II
 *   (~21 min on 2 busy cores: Optuna's TPE takes ~30 s per 200-trial run in 30-D; `--motpe-budget 100`
 *   takes ~9 min), same hypervolumes; and MOTPE vs seedsweep's random search at that budget.
 * The seedsweep side runs in-process, calling the samplers directly (no Temporal); the Optuna side is
 * bench/optuna/compare.py, run at the same time in its own process.
 *
 * Optuna's environment: a virtual environment OUTSIDE the repo, at $SEEDSWEEP_OPTUNA_VENV or
 * ~/.cache/seedsweep/optuna-bench-venv, which this script creates on first use with
 * `python3 -m venv <dir>` and `<dir>/bin/pip install optuna==5.0.0` (from PyPI).
 *
 * Options: --seeds N (20), --tpe-budgets 50,100, --nsga-budget 200, --motpe-budget 200, --dims 30,
 * --only tpe|nsga2|motpe (all).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { braninValue } from '../examples/branin/branin.js';
import { hartmann6Value } from '../examples/hartmann6/hartmann6.js';
import {
  createSampler,
  hypervolume,
  type Distribution,
  type FinishedTrial,
  type ParamValue,
} from '../src/search/index.js';
import { seededUniform } from '../src/search/uniform.js';

const OPTUNA_VERSION = '5.0.0';
const HERE = path.dirname(fileURLToPath(import.meta.url));

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '20' },
    'tpe-budgets': { type: 'string', default: '50,100' },
    'nsga-budget': { type: 'string', default: '200' },
    'motpe-budget': { type: 'string', default: '200' },
    dims: { type: 'string', default: '30' },
    only: { type: 'string' },
  },
});
if (args.only !== undefined && !['tpe', 'nsga2', 'motpe'].includes(args.only))
  throw new Error(`--only takes tpe, nsga2 or motpe, found '${args.only}'`);
const RUN_TPE = args.only === undefined || args.only === 'tpe';
const RUN_NSGA = args.only === undefined || args.only === 'nsga2';
const RUN_MOTPE = args.only === undefined || args.only === 'motpe';
const MOTPE_BUDGET = Number(args['motpe-budget']);
const SEEDS = Number(args.seeds);
const TPE_BUDGETS = args['tpe-budgets'].split(',').map(Number);
const TPE_MAX = Math.max(...TPE_BUDGETS);
const NSGA_BUDGET = Number(args['nsga-budget']);
const DIMS = Number(args.dims);
const REFERENCES: [number, number][] = [
  [1.1, 1.1],
  [1.1, 11],
];

/** The venv's python, created (once) outside the repo with Optuna from PyPI. */
function optunaPython(): string {
  const venv =
    process.env['SEEDSWEEP_OPTUNA_VENV'] ?? path.join(homedir(), '.cache', 'seedsweep', 'optuna-bench-venv');
  const python = path.join(venv, 'bin', 'python');
  const has = () =>
    existsSync(python) &&
    spawnSync(python, ['-c', 'import optuna; print(optuna.__version__)'], {
      encoding: 'utf8',
    }).stdout.trim() === OPTUNA_VERSION;
  if (!has()) {
    process.stderr.write(`creating ${venv} with optuna==${OPTUNA_VERSION} from PyPI…\n`);
    const step = (cmd: string, argv: string[]) => {
      const r = spawnSync(cmd, argv, { stdio: 'inherit' });
      if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (exit ${r.status})`);
    };
    if (!existsSync(python)) step('python3', ['-m', 'venv', venv]);
    step(path.join(venv, 'bin', 'pip'), ['install', '--quiet', `optuna==${OPTUNA_VERSION}`]);
  }
  return python;
}

interface OptunaResult {
  optuna: string;
  tpe: Record<string, number[][]>;
  tpe_univariate: Record<string, number[][]>;
  nsga2: Record<string, number[][][]>;
  motpe: Record<string, number[][][]>;
}

function runOptuna(): Promise<OptunaResult> {
  const request = {
    seeds: SEEDS,
    tpe_budget: RUN_TPE ? TPE_MAX : 0,
    nsga_budget: RUN_NSGA ? NSGA_BUDGET : 0,
    motpe_budget: RUN_MOTPE ? MOTPE_BUDGET : 0,
    nsga_dims: DIMS,
  };
  const child = spawn(optunaPython(), [path.join(HERE, 'optuna', 'compare.py'), JSON.stringify(request)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  return new Promise((resolve, reject) =>
    child.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out) as OptunaResult) : reject(new Error(`compare.py exited ${code}`)),
    ),
  );
}

// ---- seedsweep's side -------------------------------------------------------------------------

const unit: Distribution = { kind: 'uniform', low: 0, high: 1 };
interface SingleProblem {
  name: string;
  space: Record<string, Distribution>;
  value(params: Record<string, ParamValue>): number;
}
const SINGLE: SingleProblem[] = [
  {
    name: 'Branin (2-D)',
    space: { x1: { kind: 'uniform', low: -5, high: 10 }, x2: { kind: 'uniform', low: 0, high: 15 } },
    value: (p: Record<string, ParamValue>) => braninValue(Number(p['x1']), Number(p['x2'])),
  },
  {
    name: 'Hartmann-6',
    space: { x1: unit, x2: unit, x3: unit, x4: unit, x5: unit, x6: unit },
    value: (p: Record<string, ParamValue>) =>
      hartmann6Value(['x1', 'x2', 'x3', 'x4', 'x5', 'x6'].map((k) => Number(p[k]))),
  },
];

/** ZDT1 (convex front f2 = 1 − √f1) or ZDT2 (concave, f2 = 1 − f1²); same as compare.py. */
function zdt(x: readonly number[], concave: boolean): [number, number] {
  const g = 1 + (9 * x.slice(1).reduce((s, v) => s + v, 0)) / (x.length - 1);
  const ratio = x[0]! / g;
  return [x[0]!, g * (1 - (concave ? ratio ** 2 : Math.sqrt(ratio)))];
}
const MULTI = [
  { name: `ZDT1 (${DIMS}-D)`, concave: false },
  { name: `ZDT2 (${DIMS}-D)`, concave: true },
];
const ZDT_SPACE: Record<string, Distribution> = Object.fromEntries(
  Array.from({ length: DIMS }, (_, j) => [`x${j}`, unit]),
);

/** Best-so-far after each trial of one seedsweep TPE run. */
function tpeRun(problem: SingleProblem, seed: number, multivariate: boolean): number[] {
  const sampler = createSampler('tpe', { multivariate });
  const uniform = seededUniform(seed);
  const trials: FinishedTrial[] = [];
  const best: number[] = [];
  for (let i = 0; i < TPE_MAX; i += 1) {
    const params = sampler.ask({ space: problem.space, trials, mode: 'min', uniform });
    const value = problem.value(params);
    trials.push({ params, value });
    best.push(Math.min(value, best.at(-1) ?? Infinity));
  }
  return best;
}

/** Objective vectors of every trial of one seedsweep run of a multi-objective sampler (or random search). */
function nsgaRun(concave: boolean, seed: number, name: 'nsga2' | 'tpe' | 'random' = 'nsga2'): number[][] {
  const sampler = createSampler(name);
  const uniform = seededUniform(seed);
  const trials: FinishedTrial[] = [];
  for (let i = 0; i < (name === 'nsga2' ? NSGA_BUDGET : MOTPE_BUDGET); i += 1) {
    const params = sampler.ask({ space: ZDT_SPACE, trials, mode: 'min', modes: ['min', 'min'], uniform });
    const values = zdt(
      Object.keys(ZDT_SPACE).map((k) => Number(params[k])),
      concave,
    );
    trials.push({ params, value: values[0], values });
  }
  return trials.map((t) => [...t.values!]);
}

// ---- summary --------------------------------------------------------------------------------

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) / 2;
  return (s[Math.floor(h)]! + s[Math.ceil(h)]!) / 2;
}

const fmt = (x: number) => (Math.abs(x) < 1e-3 && x !== 0 ? x.toExponential(2) : x.toFixed(4));

function table(header: string[], body: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...body.map(line)].join('\n');
}

/** Per seed, how often `ours` is at least as good as `theirs` (a tie counts as a win here). */
function atLeastAsGood(ours: number[], theirs: number[], better: 'lower' | 'higher'): number {
  return ours.filter((v, i) => (better === 'lower' ? v <= theirs[i]! : v >= theirs[i]!)).length;
}

const started = performance.now();
const optunaPromise = runOptuna();
const tpeRuns = (multivariate: boolean) =>
  Object.fromEntries(
    (RUN_TPE ? SINGLE : []).map((p) => [
      p.name,
      Array.from({ length: SEEDS }, (_, s) => tpeRun(p, s, multivariate)),
    ]),
  );
const ours = {
  tpe: tpeRuns(false),
  tpeMultivariate: tpeRuns(true),
  nsga2: Object.fromEntries(
    (RUN_NSGA ? MULTI : []).map((p) => [
      p.name,
      Array.from({ length: SEEDS }, (_, s) => nsgaRun(p.concave, s)),
    ]),
  ),
  ...(Object.fromEntries(
    (['tpe', 'random'] as const).map((name) => [
      name === 'tpe' ? 'motpe' : 'random',
      Object.fromEntries(
        (RUN_MOTPE ? MULTI : []).map((p) => [
          p.name,
          Array.from({ length: SEEDS }, (_, s) => nsgaRun(p.concave, s, name)),
        ]),
      ),
    ]),
  ) as Record<'motpe' | 'random', Record<string, number[][][]>>),
};
const oursSeconds = (performance.now() - started) / 1000;
const theirs = await optunaPromise;

const tpeRows: string[][] = [];
for (const p of RUN_TPE ? SINGLE : [])
  for (const budget of TPE_BUDGETS) {
    const at = (runs: number[][]) => runs.map((c) => c[budget - 1]!);
    const m = at(ours.tpeMultivariate[p.name]!);
    const b = at(theirs.tpe[p.name]!);
    const a = at(ours.tpe[p.name]!);
    const u = at(theirs.tpe_univariate[p.name]!);
    tpeRows.push([
      p.name,
      String(budget),
      fmt(median(m)),
      fmt(median(b)),
      `${atLeastAsGood(m, b, 'lower')}/${SEEDS}`,
      fmt(median(a)),
      fmt(median(u)),
      `${atLeastAsGood(a, u, 'lower')}/${SEEDS}`,
    ]);
  }

const nsgaRows: string[][] = [];
for (const p of RUN_NSGA ? MULTI : [])
  for (const reference of REFERENCES) {
    const a = ours.nsga2[p.name]!.map((points) => hypervolume(points, reference));
    const b = theirs.nsga2[p.name]!.map((points) => hypervolume(points, reference));
    nsgaRows.push([
      p.name,
      String(NSGA_BUDGET),
      `(${reference.join(', ')})`,
      fmt(median(a)),
      fmt(median(b)),
      `${atLeastAsGood(a, b, 'higher')}/${SEEDS}`,
    ]);
  }

const motpeRows: string[][] = [];
for (const p of RUN_MOTPE ? MULTI : [])
  for (const reference of REFERENCES) {
    const hv = (runs: number[][][]) => runs.map((points) => hypervolume(points, reference));
    const a = hv(ours.motpe[p.name]!);
    const b = hv(theirs.motpe[p.name]!);
    const r = hv(ours.random[p.name]!);
    motpeRows.push([
      p.name,
      String(MOTPE_BUDGET),
      `(${reference.join(', ')})`,
      fmt(median(a)),
      fmt(median(b)),
      `${atLeastAsGood(a, b, 'higher')}/${SEEDS}`,
      fmt(median(r)),
      `${a.filter((v, i) => v > r[i]!).length}/${SEEDS}`,
    ]);
  }

const tpeTable = table(
  [
    'function',
    'trials',
    'seedsweep TPE multivariate median best',
    `Optuna ${theirs.optuna} TPE (default, multivariate) median best`,
    'seedsweep mv ≤ Optuna (seeds)',
    'seedsweep TPE (default, univariate) median best',
    'Optuna TPE multivariate=False median best',
    'seedsweep ≤ Optuna univariate (seeds)',
  ],
  tpeRows,
);
process.stdout.write(
  (RUN_TPE ? `${tpeTable}\n\n` : '') +
    (RUN_NSGA
      ? `${table(
          [
            'function',
            'trials',
            'HV reference',
            'seedsweep NSGA-II median HV',
            `Optuna ${theirs.optuna} NSGA-II median HV`,
            'seedsweep ≥ Optuna (seeds)',
          ],
          nsgaRows,
        )}\n\n`
      : '') +
    (RUN_MOTPE
      ? `${table(
          [
            'function',
            'trials',
            'HV reference',
            'seedsweep MOTPE (tpe) median HV',
            `Optuna ${theirs.optuna} TPESampler (2 objectives) median HV`,
            'seedsweep ≥ Optuna (seeds)',
            'seedsweep random median HV',
            'MOTPE > random (seeds)',
          ],
          motpeRows,
        )}\n\n`
      : '') +
    `${SEEDS} seeds per cell (seed s: seedsweep's stream seededUniform(s), Optuna's sampler seed=s); ` +
    `seedsweep side ${oursSeconds.toFixed(1)} s in-process, ${((performance.now() - started) / 1000).toFixed(1)} s in all.\n`,
);
