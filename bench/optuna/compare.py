#!/usr/bin/env python3
"""Optuna's side of bench/optuna-compare.ts: the same test functions, budgets and seeds, with
Optuna's own samplers at their defaults (TPESampler(seed=s), NSGAIISampler(seed=s)).

Run by the bench with the bench's venv (it creates it); by hand:

    ~/.cache/seedsweep/optuna-bench-venv/bin/python bench/optuna/compare.py '{"seeds": 20, ...}'

Argument: a JSON object {"seeds": N, "tpe_budget": B, "nsga_budget": B, "motpe_budget": B,
"nsga_dims": D}; a budget of 0 (or a missing motpe_budget) skips that sampler (the bench's --only).
Prints one JSON object: {"optuna": version, "tpe": {problem: [[best after each trial] per seed]},
"tpe_univariate": (the same with multivariate=False),
"nsga2": {problem: [[[f1, f2] per trial] per seed]},
"motpe": (the same with TPESampler(seed=s) on the two-objective study: Optuna's MOTPE)}.
"""
import json
import math
import sys

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)

# Same definitions as examples/branin/branin.ts and examples/hartmann6/hartmann6.ts.
ALPHA = [1.0, 1.2, 3.0, 3.2]
A = [
    [10, 3, 17, 3.5, 1.7, 8],
    [0.05, 10, 17, 0.1, 8, 14],
    [3, 3.5, 1.7, 10, 17, 8],
    [17, 8, 0.05, 10, 0.1, 14],
]
P = [
    [p * 1e-4 for p in row]
    for row in [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
]


def branin(trial):
    x1 = trial.suggest_float("x1", -5, 10)
    x2 = trial.suggest_float("x2", 0, 15)
    b = 5.1 / (4 * math.pi**2)
    c = 5 / math.pi
    t = 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


def hartmann6(trial):
    x = [trial.suggest_float(f"x{j + 1}", 0, 1) for j in range(6)]
    total = 0.0
    for i in range(4):
        inner = sum(A[i][j] * (x[j] - P[i][j]) ** 2 for j in range(6))
        total += ALPHA[i] * math.exp(-inner)
    return -total


def zdt(dims, concave):
    """ZDT1 (convex front f2 = 1 - sqrt(f1)) or ZDT2 (concave, f2 = 1 - f1^2) on [0, 1]^dims."""

    def objective(trial):
        x = [trial.suggest_float(f"x{j}", 0, 1) for j in range(dims)]
        g = 1 + 9 * sum(x[1:]) / (dims - 1)
        ratio = x[0] / g
        return x[0], g * (1 - (ratio**2 if concave else math.sqrt(ratio)))

    return objective


def main():
    args = json.loads(sys.argv[1])
    seeds, tpe_budget, nsga_budget, dims = args["seeds"], args["tpe_budget"], args["nsga_budget"], args["nsga_dims"]
    motpe_budget = args.get("motpe_budget", 0)
    out = {"optuna": optuna.__version__, "tpe": {}, "tpe_univariate": {}, "nsga2": {}, "motpe": {}}
    # Optuna 5's TPE default is multivariate for one objective; seedsweep's TPE is the univariate
    # one (Optuna's default before 5.0), so both are run.
    for key, multivariate in [("tpe", None), ("tpe_univariate", False)]:
        for name, fn in [("Branin (2-D)", branin), ("Hartmann-6", hartmann6)] if tpe_budget > 0 else []:
            runs = []
            for seed in range(seeds):
                sampler = optuna.samplers.TPESampler(seed=seed, multivariate=multivariate)
                study = optuna.create_study(direction="minimize", sampler=sampler)
                study.optimize(fn, n_trials=tpe_budget)
                best, curve = math.inf, []
                for t in study.trials:
                    best = min(best, t.value)
                    curve.append(best)
                runs.append(curve)
            out[key][name] = runs
    for name, concave in [(f"ZDT1 ({dims}-D)", False), (f"ZDT2 ({dims}-D)", True)] if nsga_budget > 0 else []:
        runs = []
        for seed in range(seeds):
            study = optuna.create_study(
                directions=["minimize", "minimize"], sampler=optuna.samplers.NSGAIISampler(seed=seed)
            )
            study.optimize(zdt(dims, concave), n_trials=nsga_budget)
            runs.append([list(t.values) for t in study.trials])
        out["nsga2"][name] = runs
    # TPESampler on several directions is Optuna's MOTPE (univariate and gamma = ceil(0.1 n) by default).
    for name, concave in [(f"ZDT1 ({dims}-D)", False), (f"ZDT2 ({dims}-D)", True)] if motpe_budget > 0 else []:
        runs = []
        for seed in range(seeds):
            study = optuna.create_study(
                directions=["minimize", "minimize"], sampler=optuna.samplers.TPESampler(seed=seed)
            )
            study.optimize(zdt(dims, concave), n_trials=motpe_budget)
            runs.append([list(t.values) for t in study.trials])
        out["motpe"][name] = runs
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
