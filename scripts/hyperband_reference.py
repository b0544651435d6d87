#!/usr/bin/env python3
"""Reference values for seedsweep's Hyperband pruner, computed with Optuna's HyperbandPruner.

Writes tests/fixtures/search/hyperband-reference.json, which tests/unit/search/hyperband.test.ts checks
src/search/hyperband.ts against: the brackets (count, trial allocation budgets, each bracket's rungs),
the bracket Optuna assigns to trial numbers (a CRC-32 of "<study name>_<trial number>"), and the
outcome of every trial of sequential studies on fixed learning curves (pruned at step k, or complete).
Needs optuna (not in the repo's .venv); run it from its own environment:

    python3 -m venv /tmp/h2-venv && /tmp/h2-venv/bin/pip install optuna
    /tmp/h2-venv/bin/python scripts/hyperband_reference.py
"""
import json
import math
import os

import numpy as np
import optuna

OUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "search", "hyperband-reference.json"
)
optuna.logging.set_verbosity(optuna.logging.WARNING)

# (eta, min_resource, max_resource): the default-ish ones, a non-power R, and eta 2/4.
BRACKET_CASES = [(3, 1, 27), (3, 1, 81), (3, 1, 10), (2, 1, 16), (2, 2, 40), (4, 1, 64), (3, 3, 27), (3, 9, 10)]


def brackets(eta, r, R):
    pruner = optuna.pruners.HyperbandPruner(min_resource=r, max_resource=R, reduction_factor=eta)
    study = optuna.create_study(pruner=pruner)
    pruner._try_initialization(study)
    out = []
    for b, sha in enumerate(pruner._pruners):
        rate = sha._min_early_stopping_rate
        rungs = []
        k = 0
        # SHA's rung k sits at min_resource * eta ** (rate + k); seedsweep keeps those below R.
        while sha._min_resource * eta ** (rate + k) < R:
            rungs.append(sha._min_resource * eta ** (rate + k))
            k += 1
        out.append({"bracket": b, "budget": pruner._trial_allocation_budgets[b], "rungs": rungs})
    return {"eta": eta, "minResource": r, "maxResource": R, "nBrackets": pruner._n_brackets, "brackets": out}


def bracket_ids(study_name, eta, r, R, n):
    pruner = optuna.pruners.HyperbandPruner(min_resource=r, max_resource=R, reduction_factor=eta)
    study = optuna.create_study(study_name=study_name, pruner=pruner)
    pruner._try_initialization(study)
    ids = []
    for _ in range(n):
        trial = study.ask()
        ids.append(pruner._get_bracket_id(study, trial))
        study.tell(trial, 0.0)
    return ids


def curves(seed, n, R):
    """Learning curves: start + (asymptote - start)(1 - exp(-e/tau)) + noise, 6 decimals."""
    rng = np.random.default_rng(seed)
    table = []
    for _ in range(n):
        asym = rng.uniform(0.55, 0.9)
        tau = math.exp(rng.uniform(0.0, math.log(30.0)))
        table.append(
            [round(0.1 + (asym - 0.1) * (1 - math.exp(-e / tau)) + rng.normal(0, 0.01), 6) for e in range(1, R + 1)]
        )
    return table


def run_study(study_name, eta, r, R, direction, values):
    pruner = optuna.pruners.HyperbandPruner(min_resource=r, max_resource=R, reduction_factor=eta)
    study = optuna.create_study(study_name=study_name, pruner=pruner, direction=direction)
    outcomes = []
    for row in values:
        trial = study.ask()
        last = R
        for step in range(1, R + 1):
            trial.report(row[step - 1], step)
            # At R the trial completes (seedsweep decides nothing there).
            if step < R and trial.should_prune():
                last = step
                break
        if last < R:
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        else:
            study.tell(trial, row[R - 1])
        outcomes.append({"bracket": pruner._get_bracket_id(study, trial), "lastEpoch": last})
    return {
        "studyName": study_name,
        "eta": eta,
        "minResource": r,
        "maxResource": R,
        "direction": direction,
        "values": values,
        "outcomes": outcomes,
    }


def main():
    max_curves = curves(19, 80, 27)
    min_curves = [[round(1 - v, 6) for v in row] for row in curves(27, 60, 16)]
    data = {
        "optuna": optuna.__version__,
        "brackets": [brackets(*c) for c in BRACKET_CASES],
        "bracketIds": {
            "studyName": "hb-ref",
            "eta": 3,
            "minResource": 1,
            "maxResource": 27,
            "ids": bracket_ids("hb-ref", 3, 1, 27, 200),
        },
        "studies": [
            run_study("hb-max", 3, 1, 27, "maximize", max_curves),
            run_study("hb-min", 2, 1, 16, "minimize", min_curves),
        ],
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(data, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT}")
    for b in data["brackets"]:
        print(b["eta"], b["minResource"], b["maxResource"], b["nBrackets"], [x["budget"] for x in b["brackets"]], [x["rungs"] for x in b["brackets"]])
    for s in data["studies"]:
        pruned = sum(1 for o in s["outcomes"] if o["lastEpoch"] < s["maxResource"])
        print(s["studyName"], "pruned", pruned, "of", len(s["outcomes"]))


main()
