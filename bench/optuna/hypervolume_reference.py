#!/usr/bin/env python3
"""Reference hypervolumes from Optuna's exact `compute_hypervolume` (WFG for 3+ objectives).

Writes tests/fixtures/search/hypervolume.json, which tests/unit/search/multi-objective.test.ts checks
src/search/hypervolume.ts against (relative agreement <= 1e-9). Run once with the bench's Optuna venv
(see bench/optuna-compare.ts, which creates it):

    ~/.cache/seedsweep/optuna-bench-venv/bin/python bench/optuna/hypervolume_reference.py
"""
import json
import os

import numpy as np
import optuna
from optuna._hypervolume import compute_hypervolume

OUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures", "search", "hypervolume.json"
)

rng = np.random.default_rng(20261207)
cases = []


def add(name, points, reference):
    points = np.asarray(points, dtype=float)
    reference = np.asarray(reference, dtype=float)
    # Optuna refuses points outside the reference box; seedsweep counts them as adding nothing.
    inside = points[np.all(points < reference, axis=1)] if len(points) else points
    hv = float(compute_hypervolume(inside, reference)) if len(inside) else 0.0
    cases.append({"name": name, "points": points.round(6).tolist(), "reference": reference.tolist(), "hypervolume": hv})


# Exact by hand: a unit square and an L-shape.
add("one_point_2d", [[0.0, 0.0]], [1.0, 1.0])
add("l_shape_2d", [[0.0, 0.5], [0.5, 0.0]], [1.0, 1.0])
for d, n in [(2, 30), (2, 200), (3, 20), (3, 60), (4, 15), (4, 40)]:
    pts = rng.random((n, d)).round(6)
    add(f"uniform_{d}d_{n}", pts, [1.1] * d)
    # Points near a concave front (many non-dominated ones), as NSGA-II produces.
    raw = np.abs(rng.normal(size=(n, d)))
    front = (raw / np.linalg.norm(raw, axis=1, keepdims=True) + rng.random((n, d)) * 0.05).round(6)
    add(f"front_{d}d_{n}", front, [1.2] * d)
# Some points outside the box and duplicates.
pts = np.vstack([rng.random((20, 2)) * 1.5, [[0.2, 0.3], [0.2, 0.3]]]).round(6)
add("outside_and_duplicates_2d", pts, [1.0, 1.0])

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    json.dump({"optuna": optuna.__version__, "cases": cases}, f, indent=1)
    f.write("\n")
print(f"wrote {len(cases)} cases to {os.path.relpath(OUT)}")
