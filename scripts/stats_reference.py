#!/usr/bin/env python3
"""Reference values for seedsweep's statistics, computed with scipy/numpy.

Writes tests/fixtures/stats/reference.json, which tests/unit/reporting/analysis/reference.test.ts checks the
TypeScript implementation against (relative agreement <= 1e-9). Re-run after changing the datasets:

    .venv/bin/python scripts/stats_reference.py
"""
import json
import math
import os
import sys

import numpy as np
import scipy
from scipy import special, stats

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "stats", "reference.json")

rng = np.random.default_rng(20261124)

# (name, a, b, paired): accuracies, gaps and epoch counts shaped like the study's sweeps.
DATASETS = [
    ("n3_paired_accuracy", [0.6812, 0.6934, 0.6751], [0.5203, 0.5311, 0.5148], True),
    ("n5_paired_accuracy", [0.6812, 0.6934, 0.6751, 0.6890, 0.6702], [0.6799, 0.6881, 0.6803, 0.6911, 0.6650], True),
    ("n5_paired_exact", [0.6812, 0.6934, 0.6751, 0.6890, 0.6702], [0.5203, 0.6311, 0.6148, 0.5977, 0.6659], True),
    ("n6_paired_ties", [10.0, 12.0, 9.0, 14.0, 11.0, 13.0], [8.0, 10.0, 11.0, 12.0, 12.0, 10.0], True),
    ("n7_paired_zero_difference", [3.0, 4.0, 2.0, 5.0, 4.0, 6.0, 3.0], [3.0, 2.0, 4.0, 2.0, 1.0, 3.0, 1.5], True),
    ("n5_paired_epochs_ties", [3.0, 4.0, 3.0, 5.0, 4.0], [6.0, 6.0, 5.0, 8.0, 6.0], True),
    ("n12_paired_exact", list(rng.normal(0.7, 0.02, 12)), list(rng.normal(0.69, 0.02, 12)), True),
    ("n60_paired_large", list(rng.normal(0.1, 1.0, 60)), list(rng.normal(0.0, 1.0, 60)), True),
    ("unequal_variances", [0.701, 0.703, 0.699, 0.702, 0.700], [0.62, 0.71, 0.55, 0.68], False),
    ("unequal_variances_n3", [0.3121, 0.3150, 0.3098], [0.2510, 0.3322, 0.2871], False),
]

T_QUANTILES = [(p, df) for df in (1, 2, 3, 4, 5.5, 7.3, 9, 19, 29, 100) for p in (0.6, 0.975, 0.995, 0.025)]
T_CDF = [(t, df) for df in (1, 2, 3.5, 4, 7.3, 19.2, 60) for t in (-6.0, -2.1, -0.3, 0.0, 0.8, 2.5, 9.0)]


def hedges_j(df):
    return math.exp(special.gammaln(df / 2) - 0.5 * math.log(df / 2) - special.gammaln((df - 1) / 2))


def summary(x):
    x = np.asarray(x, dtype=float)
    n = len(x)
    m = float(np.mean(x))
    sd = float(np.std(x, ddof=1))
    half = float(stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n))
    return {"n": n, "mean": m, "sd": sd, "ci95": [m - half, m + half], "median": float(np.median(x)),
            "min": float(np.min(x)), "max": float(np.max(x))}


def holm(pvalues):
    p = np.asarray(pvalues, dtype=float)
    order = np.argsort(p, kind="stable")
    m = len(p)
    adjusted = np.empty(m)
    running = 0.0
    for k, i in enumerate(order):
        running = max(running, min(1.0, (m - k) * p[i]))
        adjusted[i] = running
    return adjusted.tolist()


def dataset_reference(name, a, b, paired):
    a = [float(v) for v in a]
    b = [float(v) for v in b]
    out = {"name": name, "a": a, "b": b, "paired": paired, "summaryA": summary(a), "summaryB": summary(b)}
    xa, xb = np.asarray(a), np.asarray(b)
    welch = stats.ttest_ind(xa, xb, equal_var=False)
    wci = welch.confidence_interval(0.95)
    df = len(a) + len(b) - 2
    pooled = math.sqrt(((len(a) - 1) * np.var(xa, ddof=1) + (len(b) - 1) * np.var(xb, ddof=1)) / df)
    out["welch"] = {"statistic": float(welch.statistic), "df": float(welch.df), "p": float(welch.pvalue),
                    "ci95": [float(wci.low), float(wci.high)]}
    out["hedgesGUnpaired"] = float((xa.mean() - xb.mean()) / pooled * hedges_j(df))
    if paired:
        rel = stats.ttest_rel(xa, xb)
        rci = rel.confidence_interval(0.95)
        out["pairedT"] = {"statistic": float(rel.statistic), "df": float(rel.df), "p": float(rel.pvalue),
                          "ci95": [float(rci.low), float(rci.high)]}
        d = xa - xb
        nonzero = d[d != 0]
        ties = len(np.unique(np.abs(nonzero))) < len(nonzero)
        zeros = int(np.sum(d == 0))
        # seedsweep: exact without ties/zeros for n <= 50, else the tie-corrected normal approximation.
        method = "exact" if (not ties and zeros == 0 and len(nonzero) <= 50) else "asymptotic"
        w = stats.wilcoxon(xa, xb, zero_method="wilcox", correction=False, method=method)
        out["wilcoxon"] = {"statistic": float(w.statistic), "p": float(w.pvalue),
                           "method": "exact" if method == "exact" else "normal approximation",
                           "n": int(len(nonzero)), "zeros": zeros, "ties": bool(ties)}
        sd_av = (np.std(xa, ddof=1) + np.std(xb, ddof=1)) / 2
        out["pairedEffect"] = {"gAv": float(d.mean() / sd_av * hedges_j(len(a) - 1)),
                               "dz": float(d.mean() / np.std(d, ddof=1))}
    return out


def main():
    datasets = [dataset_reference(*d) for d in DATASETS]
    holm_inputs = [
        [0.01, 0.04, 0.03, 0.005],
        [0.2, 0.01, 0.01, 0.5, 0.049],
        [d["pairedT"]["p"] for d in datasets if "pairedT" in d],
    ]
    reference = {
        "generator": "scripts/stats_reference.py",
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__, "scipy": scipy.__version__},
        "tQuantiles": [{"p": p, "df": df, "value": float(stats.t.ppf(p, df))} for p, df in T_QUANTILES],
        "tCdf": [{"t": t, "df": df, "value": float(stats.t.cdf(t, df))} for t, df in T_CDF],
        "normalCdf": [{"z": z, "value": float(stats.norm.cdf(z))} for z in (-4.0, -1.959963984540054, -0.5, 0.0, 1.3, 3.1)],
        "hedgesCorrection": [{"df": df, "value": hedges_j(df)} for df in (2, 3, 4, 8, 18, 58)],
        "holm": [{"p": p, "adjusted": holm(p)} for p in holm_inputs],
        "datasets": datasets,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(reference, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT)}: {len(datasets)} datasets")


if __name__ == "__main__":
    main()
