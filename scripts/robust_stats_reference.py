#!/usr/bin/env python3
"""Reference values for seedsweep's robust statistics and power analysis, from rliable and statsmodels.

Writes tests/fixtures/stats/robust-reference.json, which tests/unit/reporting/analysis/reference.test.ts
checks the TypeScript implementation against:

- rliable's point estimates (IQM, probability of improvement, score distributions) to 1e-12;
- the stratified-bootstrap CIs twice: exactly (1e-9), by replaying seedsweep's own resampling stream
  (mulberry32, index floor(u * n), stratum by stratum, X's draws before Y's) through rliable's metric
  functions and numpy's percentiles; and loosely, against rliable's own bootstrap (arch, numpy's RNG:
  another stream), to a tenth of the interval's width;
- statsmodels' TTestPower (paired / one-sample t test power, two-sided) and scipy's non-central t.

rliable and statsmodels are not in the repo's .venv; run it from a separate one:

    python3 -m venv /tmp/robust-venv
    /tmp/robust-venv/bin/pip install rliable statsmodels "pandas<3"   # arch 7.2 fails to import with pandas 3
    /tmp/robust-venv/bin/python scripts/robust_stats_reference.py
"""
import json
import math
import os
import sys

import numpy as np
import scipy
import statsmodels
from rliable import library as rly
from rliable import metrics
from scipy import optimize, stats
from statsmodels.stats.power import TTestPower

OUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "stats", "robust-reference.json"
)
REPLAY_RESAMPLES = 2000
RLIABLE_RESAMPLES = 5000  # rliable's bootstrap loops in Python: 10,000 takes minutes
PROFILE_RESAMPLES = 2000  # rliable's default for profiles, and the report's
rng = np.random.default_rng(20261207)


def mulberry32(seed):
    """src/core/common/random.ts, in 32-bit unsigned arithmetic."""
    state = seed & 0xFFFFFFFF

    def imul(a, b):
        return (a * b) & 0xFFFFFFFF

    def next_float():
        nonlocal state
        state = (state + 0x6D2B79F5) & 0xFFFFFFFF
        t = state
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296

    return next_float


def draw_stratum(random, values):
    n = len(values)
    return [values[min(n - 1, math.floor(random() * n))] for _ in range(n)]


def percentile_ci(stats_):
    lo, hi = np.percentile(np.asarray(stats_), [2.5, 97.5])
    return [float(lo), float(hi)]


def as_matrix(strata):
    """rliable's (runs x tasks) matrix; strata of equal length."""
    return np.asarray(strata, dtype=float).T


def iqm_case(name, strata, seed=0):
    replay = []
    random = mulberry32(seed)
    for _ in range(REPLAY_RESAMPLES):
        resampled = [draw_stratum(random, s) for s in strata]
        replay.append(metrics.aggregate_iqm(np.concatenate([np.asarray(r) for r in resampled])))
    out = {
        "name": name,
        "strata": strata,
        "seed": seed,
        "iqm": float(metrics.aggregate_iqm(np.concatenate([np.asarray(s, dtype=float) for s in strata]))),
        "replayCi95": percentile_ci(replay),
    }
    if len({len(s) for s in strata}) == 1:
        np.random.seed(seed)  # rliable's StratifiedBootstrap draws from numpy's global RNG
        _, ci = rly.get_interval_estimates(
            {"x": as_matrix(strata)}, lambda m: np.array([metrics.aggregate_iqm(m)]), reps=RLIABLE_RESAMPLES
        )
        out["rliableCi95"] = [float(ci["x"][0][0]), float(ci["x"][1][0])]
    return out


def improvement(x, y):
    return float(metrics.probability_of_improvement(as_matrix(x), as_matrix(y)))


def improvement_case(name, x, y, seed=0):
    replay = []
    random = mulberry32(seed)
    for _ in range(REPLAY_RESAMPLES):
        rx = [draw_stratum(random, s) for s in x]
        ry = [draw_stratum(random, s) for s in y]
        replay.append(improvement(rx, ry))
    np.random.seed(seed)
    _, ci = rly.get_interval_estimates(
        {"xy": [as_matrix(x), as_matrix(y)]},
        lambda a, b: np.array([metrics.probability_of_improvement(a, b)]),
        reps=RLIABLE_RESAMPLES,
    )
    return {
        "name": name,
        "x": x,
        "y": y,
        "seed": seed,
        "p": improvement(x, y),
        # P(y > x) + P(y = x) / 2: P(x better) when lower is better.
        "pReversed": improvement(y, x),
        "replayCi95": percentile_ci(replay),
        "rliableCi95": [float(ci["xy"][0][0]), float(ci["xy"][1][0])],
    }


def below_distribution(scores, taus):
    return np.array([np.mean(scores < tau) for tau in taus])


def profile_case(name, strata, points=11, seed=0):
    flat = np.concatenate([np.asarray(s, dtype=float) for s in strata])
    taus = np.linspace(flat.min(), flat.max(), points)
    replay_above, replay_below = [], []
    random = mulberry32(seed)
    for _ in range(REPLAY_RESAMPLES):
        resampled = np.concatenate([np.asarray(draw_stratum(random, s)) for s in strata])
        replay_above.append(rly.score_distributions(resampled, taus))
        replay_below.append(below_distribution(resampled, taus))
    ci = lambda rows: np.percentile(np.asarray(rows), [2.5, 97.5], axis=0).T.tolist()
    out = {
        "name": name,
        "strata": strata,
        "seed": seed,
        "taus": taus.tolist(),
        "above": rly.score_distributions(flat, taus).tolist(),
        "below": below_distribution(flat, taus).tolist(),
        "replayCi95Above": ci(replay_above),
        "replayCi95Below": ci(replay_below),
    }
    if len({len(s) for s in strata}) == 1:
        np.random.seed(seed)
        _, pci = rly.create_performance_profile({"x": as_matrix(strata)}, taus, reps=PROFILE_RESAMPLES)
        out["rliableCi95Above"] = np.asarray(pci["x"]).T.tolist()
    return out


def exact_pairs(d, target=0.8):
    """The (fractional) pairs where TTestPower's power reaches `target`, at least 2, by brentq on its power.

    scipy's nct.sf is NaN where the power is 1 to double precision, so the bracket grows in small steps
    and a NaN counts as above the target.
    """
    f = lambda n: TTestPower().power(d, n, 0.05) - target
    g = lambda n: 1.0 if math.isnan(f(n)) else f(n)
    if g(2.0) >= 0:
        return 2.0  # seedsweep asks for 2 pairs at least (a t test's least)
    hi = 2.0
    while g(hi) < 0:
        hi *= 1.25
    return optimize.brentq(g, 2.0, hi, xtol=1e-14, rtol=1e-14)


def power_reference():
    power = TTestPower()
    grid = [(d, n) for d in (0.3, 0.5, 0.8, 1.2, 2.0) for n in (3, 5, 7.5, 10, 20, 60)]
    solve = []
    for d in (0.2, 0.35, 0.5, 0.8, 1.0, 1.5, 2.5):
        exact = exact_pairs(d)
        solve.append(
            {"effectSize": d, "pairs": float(exact), "solvePower": float(power.solve_power(d, None, 0.05, 0.8))}
        )
    nct = [
        (t, df, nc)
        for (t, df, nc) in [
            (2.1, 5, 1.3), (-1.0, 3, 0.5), (3.0, 10, 8.0), (0.5, 1.5, -2.0), (2.26, 9, 2.5), (-2.26, 9, 2.5),
            (1.96, 100, 0.0), (4.0, 19, 2.0), (0.0, 4, 1.0), (-0.7, 2.5, -1.1),
        ]
    ]
    return {
        # scipy's nct.sf is NaN where the power is 1 to double precision: those points are left out.
        "power": [
            {"effectSize": d, "pairs": n, "value": float(v)}
            for d, n in grid
            if math.isfinite(v := power.power(d, n, 0.05))
        ],
        "solve": solve,
        "noncentralTCdf": [{"t": t, "df": df, "nc": nc, "value": float(stats.nct.cdf(t, df, nc))} for t, df, nc in nct],
    }


def pilot_reference():
    own = np.random.default_rng(7)
    a = own.normal(0.70, 0.02, 6)
    b = a - 0.004 + own.normal(0, 0.006, 6)
    d = a - b
    sd = float(np.std(d, ddof=1))
    cases = []
    for effect in (0.002, 0.005, 0.0075, 0.01):
        es = effect / sd
        n = exact_pairs(es)
        cases.append({"effect": effect, "effectSize": es, "pairs": float(n), "seeds": max(2, math.ceil(n)),
                      "pilotPower": float(TTestPower().power(es, len(d), 0.05))})
    return {"a": a.tolist(), "b": b.tolist(), "sdDifference": sd, "cases": cases}


def main():
    power_part, pilot_part = power_reference(), pilot_reference()  # cheap: fail before the bootstraps
    acc = lambda m, s, n: [float(v) for v in rng.normal(m, s, n)]
    iqm = [
        iqm_case("n10_accuracy", [acc(0.70, 0.02, 10)]),
        iqm_case("n5_ties", [[1.0, 2.0, 2.0, 3.0, 10.0]], seed=3),
        iqm_case("n7_outlier", [[0.61, 0.62, 0.60, 0.63, 0.05, 0.62, 0.64]]),
        iqm_case("n3", [[0.5, 0.7, 0.6]]),
        iqm_case("n2", [[0.5, 0.7]]),
        iqm_case("tasks_3x8", [acc(0.5, 0.05, 8), acc(0.8, 0.02, 8), acc(0.2, 0.1, 8)], seed=7),
        iqm_case("tasks_unequal", [acc(0.5, 0.05, 5), acc(0.8, 0.02, 9)], seed=11),
    ]
    improvement_cases = [
        improvement_case("n10_shifted", [acc(0.71, 0.02, 10)], [acc(0.70, 0.02, 10)]),
        improvement_case("ties", [[1.0, 2.0, 2.0, 3.0, 3.0]], [[2.0, 2.0, 3.0, 3.0, 4.0]], seed=5),
        improvement_case("unequal_n", [acc(0.3, 0.01, 5)], [acc(0.31, 0.03, 8)]),
        improvement_case("identical", [[0.4, 0.5, 0.6]], [[0.4, 0.5, 0.6]]),
        improvement_case("tasks_2x6", [acc(0.5, 0.05, 6), acc(0.8, 0.02, 6)], [acc(0.48, 0.05, 6), acc(0.81, 0.02, 6)], seed=2),
    ]
    profiles = [
        profile_case("n12_one_group", [acc(0.70, 0.02, 12)]),
        profile_case("n5_ties", [[1.0, 2.0, 2.0, 3.0, 10.0]], points=6, seed=4),
        profile_case("tasks_2x6", [acc(0.5, 0.05, 6), acc(0.8, 0.02, 6)], points=21, seed=9),
    ]
    import rliable  # noqa: E402 (for the version only)
    import arch  # noqa: E402

    reference = {
        "generator": "scripts/robust_stats_reference.py",
        "versions": {
            "python": sys.version.split()[0],
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "statsmodels": statsmodels.__version__,
            "rliable": getattr(rliable, "__version__", "1.2.0"),
            "arch": arch.__version__,
        },
        "replayResamples": REPLAY_RESAMPLES,
        "rliableResamples": RLIABLE_RESAMPLES,
        "rliableProfileResamples": PROFILE_RESAMPLES,
        "mulberry32": {"seed": 12345, "first": []},
        "iqm": iqm,
        "improvement": improvement_cases,
        "profiles": profiles,
        **power_part,
        "pilot": pilot_part,
    }
    stream = mulberry32(12345)
    reference["mulberry32"]["first"] = [stream() for _ in range(5)]
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(reference, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT)}: {len(iqm)} IQM, {len(improvement_cases)} P(X>Y), {len(profiles)} profile cases")


if __name__ == "__main__":
    main()
