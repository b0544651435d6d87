#!/usr/bin/env python3
"""Reference log densities of Optuna's multivariate Parzen estimator (Optuna 5.0.0, the defaults of
`TPESampler()`: prior weight 1, magic clip, no endpoints, `default_weights`).

Writes tests/fixtures/search/tpe-multivariate.json, which tests/unit/search/tpe-multivariate.test.ts
checks src/search/tpe-multivariate.ts against: for each case, a mixed search space, the observations of
l (below) and g (above), query points, and Optuna's log l(x) and log g(x) at each, jointly and for each
parameter alone. The test skips a comparison where tied observations make Optuna's figure depend on
its `np.argsort` order, which is not stable (it depends on numpy's build). Run once with the
bench's Optuna venv (see bench/optuna-compare.ts, which creates it):

    ~/.cache/seedsweep/optuna-bench-venv/bin/python bench/optuna/tpe_reference.py

Only the kinds both have are covered: `uniform` (FloatDistribution), `loguniform` (log=True), `int`
(IntDistribution), `uniform` with q (step=q) and `choice` (CategoricalDistribution). seedsweep's
`normal` has no Optuna counterpart, and its `logint` is continuous on the log scale (Optuna's log
IntDistribution integrates each kernel over [x - 1/2, x + 1/2]).
"""
import json
import os

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.samplers._tpe.parzen_estimator import _ParzenEstimator, _ParzenEstimatorParameters
from optuna.samplers._tpe.sampler import default_weights

OUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures", "search", "tpe-multivariate.json"
)
PARAMETERS = _ParzenEstimatorParameters(
    prior_weight=1.0,
    consider_magic_clip=True,
    consider_endpoints=False,
    weights=default_weights,
    multivariate=True,
)
rng = np.random.default_rng(20261219)


def optuna_distribution(d):
    kind = d["kind"]
    if kind == "uniform":
        return FloatDistribution(d["low"], d["high"], step=d.get("q"))
    if kind == "loguniform":
        return FloatDistribution(d["low"], d["high"], log=True)
    if kind == "int":
        return IntDistribution(d["low"], d["high"])
    if kind == "choice":
        return CategoricalDistribution(d["values"])
    raise ValueError(kind)


def draw(d):
    """A random valid value of a seedsweep distribution (as a seedsweep trial would carry it)."""
    kind = d["kind"]
    if kind == "uniform" and d.get("q") is not None:
        k = rng.integers(round(d["low"] / d["q"]), round(d["high"] / d["q"]) + 1)
        return float(round(k * d["q"], 6))
    if kind == "uniform":
        return float(f"{rng.uniform(d['low'], d['high']):.6g}")
    if kind == "loguniform":
        return float(f"{np.exp(rng.uniform(np.log(d['low']), np.log(d['high']))):.6g}")
    if kind == "int":
        return int(rng.integers(d["low"], d["high"] + 1))
    return d["values"][rng.integers(len(d["values"]))]


def internal(d, value):
    return d["values"].index(value) if d["kind"] == "choice" else value


def log_pdf(space, points, trials):
    names = list(space)
    search_space = {n: optuna_distribution(space[n]) for n in names}
    observations = {n: np.asarray([internal(space[n], t[n]) for t in trials], dtype=float) for n in names}
    mpe = _ParzenEstimator(observations, search_space, PARAMETERS)
    samples = {n: np.asarray([internal(space[n], p[n]) for p in points], dtype=float) for n in names}
    return [float(f"{v:.13g}") for v in mpe.log_pdf(samples)]


SPACES = {
    "2-D uniform": {"x": {"kind": "uniform", "low": -5, "high": 10}, "y": {"kind": "uniform", "low": 0, "high": 15}},
    "every shared kind": {
        "u": {"kind": "uniform", "low": -2, "high": 3},
        "lu": {"kind": "loguniform", "low": 1e-4, "high": 1e-1},
        "i": {"kind": "int", "low": -3, "high": 4},
        "uq": {"kind": "uniform", "low": 0, "high": 1, "q": 0.25},
        "c": {"kind": "choice", "values": ["adam", "sgd", "rmsprop"]},
    },
    "mixed, tie-free": {
        "u": {"kind": "uniform", "low": -2, "high": 3},
        "lu": {"kind": "loguniform", "low": 1e-4, "high": 1e-1},
        "c": {"kind": "choice", "values": ["adam", "sgd", "rmsprop", 3]},
    },
    "6-D unit cube": {f"x{j + 1}": {"kind": "uniform", "low": 0, "high": 1} for j in range(6)},
}

cases = []
for name, space in SPACES.items():
    for n_below, n_above in [(0, 0), (1, 9), (3, 27), (10, 90)] if name == "2-D uniform" else [(1, 9), (3, 27), (10, 90)]:
        below = [{k: draw(d) for k, d in space.items()} for _ in range(n_below)]
        above = [{k: draw(d) for k, d in space.items()} for _ in range(n_above)]
        points = [{k: draw(d) for k, d in space.items()} for _ in range(8)]
        cases.append(
            {
                "name": f"{name}, {n_below} below / {n_above} above",
                "space": space,
                "below": below,
                "above": above,
                "points": points,
                "logL": log_pdf(space, points, below),
                "logG": log_pdf(space, points, above),
                "marginals": {
                    n: {"logL": log_pdf({n: d}, points, below), "logG": log_pdf({n: d}, points, above)}
                    for n, d in space.items()
                },
            }
        )

with open(OUT, "w") as f:
    json.dump({"optuna": optuna.__version__, "cases": cases}, f)
    f.write("\n")
print(f"wrote {len(cases)} cases to {os.path.normpath(OUT)}")
