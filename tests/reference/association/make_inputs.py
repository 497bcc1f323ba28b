"""Write the input CSVs that make_association.R and tests/test_{association,stratified}.py read.

Run from the repository root: ``python tests/reference/association/make_inputs.py``. The
2x2 tables are published counts (Felson 2001, Felson 2003, Koo 1999; see
/work/shared/research/literature.md) plus edge cases; the clustered knee data are simulated
with a shared person effect on both exposure and outcome, so that knees of one person are
really correlated (otherwise cluster-robust and naive intervals could not be told apart).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
INPUTS = HERE / "inputs"
COUNTS = ["exposed_cases", "exposed_noncases", "unexposed_cases", "unexposed_noncases"]

TABLES = {
    # pain (exposure) and BML (outcome): 272/351 vs 15/50
    "felson2001": (272, 79, 15, 35),
    # medial BML (exposure) and medial progression (outcome): 27/75 vs 12/148
    "felson2003": (27, 48, 12, 136),
    # symptomatic hip (exposure) and BME (outcome): 7/14 vs 1/23
    "koo1999": (7, 7, 1, 22),
    "zero_cell": (6, 14, 0, 25),
    "far_from_one": (40, 2, 3, 45),
    "balanced": (30, 20, 20, 30),
    "sparse": (4, 1, 2, 6),
}

#: Large tables for the windowed exact and mid-p computations (make_large.R): counts of 1e5
#: to 1e6, which R's full-support fisher.test code still handles in seconds.
LARGE_TABLES = {
    "scale_1e5": (30_000, 100_000, 20_000, 100_000),
    "scale_1e6": (300_000, 1_000_000, 200_000, 1_000_000),
    "near_null_1e5": (100_000, 100_000, 100_210, 99_790),
    "rare_exposed_cases": (5, 1_000_000, 50, 1_000_000),
    "uneven": (12_345, 987_654, 23_456, 876_543),
    "zero_cell_large": (0, 1_000_000, 40, 500_000),
}

RATES = {
    # dataset: exposed_events, exposed_person_time, unexposed_events, unexposed_person_time
    "moderate": (33, 420.0, 17, 512.5),
    "small": (7, 95.2, 1, 210.7),
    "large": (120, 3000.0, 90, 3100.0),
    "near_null": (12, 250.0, 13, 260.0),
    "zero_exposed": (0, 150.0, 6, 180.0),
}

STRATA = {
    "three_sites": [(20, 15, 10, 30), (12, 10, 8, 25), (5, 3, 9, 18)],
    "with_zero": [(8, 12, 0, 20), (15, 10, 5, 22), (4, 6, 2, 9)],
    "heterogeneous": [(30, 10, 10, 30), (10, 30, 12, 28), (18, 12, 9, 21), (5, 5, 5, 5)],
}


def clustered_knees(n_persons: int, seed: int) -> pd.DataFrame:
    """Knees nested in persons: a person effect drives both BML (exposure) and pain."""
    rng = np.random.default_rng(seed)
    two_knees = rng.random(n_persons) < 0.8
    person = np.repeat(np.arange(1, n_persons + 1), np.where(two_knees, 2, 1))
    side = np.concatenate([["R", "L"] if t else ["R"] for t in two_knees])
    u = rng.normal(0.0, 1.0, n_persons)[person - 1]
    # exposure is mostly shared by the knees of a person, and the outcome carries a strong
    # person effect: within-person correlation of both, so clustering inflates the variance
    shared = (rng.random(n_persons) < 0.45)[person - 1]
    exposure = np.where(rng.random(person.size) < 0.95, shared, ~shared)
    logit = -1.5 + 2.5 * exposure + 4.0 * u
    outcome = rng.random(person.size) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame({
        "participant_id": person * 7 + 1000,  # not 1..n, so ids are labels, not positions
        "side": side,
        "exposure": exposure.astype(int),
        "outcome": outcome.astype(int),
    })


def clustered_strata(n_persons: int, seed: int) -> pd.DataFrame:
    """Clustered knees in three strata (a knee-level grade), so that clusters cross strata."""
    knees = clustered_knees(n_persons, seed)
    rng = np.random.default_rng(seed + 1)
    grade = rng.integers(0, 3, len(knees))
    # a stratum effect on the outcome, so that the stratified and crude odds ratios differ
    lift = rng.random(len(knees)) < 0.15 * grade
    return knees.assign(stratum=np.asarray(["g0", "g1", "g2"])[grade],
                        outcome=(knees["outcome"].astype(bool) | lift).astype(int))


def main() -> None:
    INPUTS.mkdir(parents=True, exist_ok=True)
    pd.DataFrame([(k, *v) for k, v in TABLES.items()], columns=["dataset", *COUNTS]).to_csv(
        INPUTS / "tables_2x2.csv", index=False)
    pd.DataFrame([(k, *v) for k, v in LARGE_TABLES.items()],
                 columns=["dataset", *COUNTS]).to_csv(INPUTS / "tables_2x2_large.csv",
                                                      index=False)
    pd.DataFrame(
        [(k, *v) for k, v in RATES.items()],
        columns=["dataset", "exposed_events", "exposed_person_time", "unexposed_events",
                 "unexposed_person_time"],
    ).to_csv(INPUTS / "rates.csv", index=False)
    rows = [(name, f"s{i + 1}", *t) for name, tables in STRATA.items()
            for i, t in enumerate(tables)]
    pd.DataFrame(rows, columns=["dataset", "stratum", *COUNTS]).to_csv(
        INPUTS / "strata.csv", index=False)
    clustered_knees(160, 20240601).to_csv(INPUTS / "clustered_a.csv", index=False)
    clustered_knees(70, 20240602).to_csv(INPUTS / "clustered_b.csv", index=False)
    clustered_strata(220, 20240603).to_csv(INPUTS / "clustered_strata.csv", index=False)


if __name__ == "__main__":
    main()
