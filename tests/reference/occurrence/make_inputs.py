"""Write the input CSVs of the occurrence references (run once; the CSVs are committed).

    .venv/bin/python tests/reference/occurrence/make_inputs.py
    Rscript tests/reference/occurrence/make_occurrence.R

Seeded; uses numpy and pandas only (not bmecohort), so the inputs do not depend on the code
under test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent / "inputs"


def proportions() -> pd.DataFrame:
    # Davies-Tuck 2010 (incidence 33/234, resolution 17/37), boundaries, small and large n
    rows = [
        ("davies_tuck_incidence", 33, 234, 0.05),
        ("davies_tuck_resolution", 17, 37, 0.05),
        ("zero", 0, 25, 0.05),
        ("all", 25, 25, 0.05),
        ("one_of_40", 1, 40, 0.05),
        ("seven_of_19", 7, 19, 0.05),
        ("large", 120, 300, 0.05),
        ("rare", 3, 1000, 0.05),
        ("davies_tuck_incidence_90", 33, 234, 0.10),
        ("seven_of_19_99", 7, 19, 0.01),
    ]
    return pd.DataFrame(rows, columns=["id", "events", "n", "alpha"])


def poisson() -> pd.DataFrame:
    rows = [
        ("zero", 0, 12.5, 0.05),
        ("one", 1, 3.2, 0.05),
        ("moderate", 33, 412.7, 0.05),
        ("large", 150, 980.0, 0.05),
        ("short_time", 7, 0.9, 0.05),
        ("moderate_90", 33, 412.7, 0.10),
    ]
    return pd.DataFrame(rows, columns=["id", "events", "person_time", "alpha"])


def rate_ratios() -> pd.DataFrame:
    rows = [
        ("balanced", 10, 120.5, 5, 150.2, 0.05),
        ("zero_exposed", 0, 50.0, 8, 60.0, 0.05),
        ("zero_unexposed", 3, 17.5, 0, 21.0, 0.05),
        ("larger", 25, 100.0, 30, 300.0, 0.05),
        ("protective", 4, 250.0, 19, 240.0, 0.05),
        ("larger_90", 25, 100.0, 30, 300.0, 0.10),
    ]
    return pd.DataFrame(
        rows,
        columns=["id", "exposed_events", "exposed_time", "unexposed_events",
                 "unexposed_time", "alpha"],
    )


def rate_units(rng: np.random.Generator) -> pd.DataFrame:
    """Knee-level follow-up in years with an exposure; one data set with a missing value."""
    frames = []
    for dataset, n, rates in (("knees_a", 160, (0.08, 0.04)), ("knees_b", 90, (0.2, 0.2))):
        exposed = rng.integers(0, 2, n)
        years = np.round(rng.uniform(0.5, 4.0, n), 3)
        rate = np.where(exposed == 1, rates[0], rates[1])
        event = (rng.uniform(size=n) < 1 - np.exp(-rate * years)).astype(int)
        frames.append(pd.DataFrame({"dataset": dataset, "unit": np.arange(n), "event": event,
                                    "years": years, "exposed": exposed}))
    out = pd.concat(frames, ignore_index=True)
    out.loc[5, "years"] = np.nan  # excluded as missing, in both languages
    return out


def transitions(rng: np.random.Generator) -> pd.DataFrame:
    """Subregion transitions with strong within-participant correlation, two intervals.

    100 participants x 2 knees x 3 subregions; a participant effect u ~ N(0, 1.5^2) drives
    baseline presence, incidence and resolution, so units of one person are correlated.
    """
    n_people, sides, sites = 100, ("left", "right"), ("MFC", "MTP", "LFC")
    person = np.repeat(np.arange(1, n_people + 1), len(sides) * len(sites))
    side = np.tile(np.repeat(sides, len(sites)), n_people)
    site = np.tile(sites, n_people * len(sides))
    u = rng.normal(0, 1.5, n_people)[person - 1]

    def draw(logit: np.ndarray) -> np.ndarray:
        return rng.uniform(size=logit.size) < 1 / (1 + np.exp(-logit))

    status = [draw(-1.0 + u)]
    for _ in range(2):
        prev = status[-1]
        appear = draw(-2.0 + 1.2 * u)
        persist = draw(0.3 + 0.8 * u)
        status.append(np.where(prev, persist, appear))
    frames = []
    for (v0, v1), s0, s1 in zip(((0, 12), (12, 24)), status[:-1], status[1:], strict=True):
        frame = pd.DataFrame({
            "participant_id": person, "side": side, "site": site, "visit_from": v0,
            "visit_to": v1, "present_from": s0.astype(object), "present_to": s1.astype(object),
        })
        frame.loc[rng.uniform(size=len(frame)) < 0.02, "present_from"] = np.nan
        frame.loc[rng.uniform(size=len(frame)) < 0.06, "present_to"] = np.nan
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def main() -> None:
    rng = np.random.default_rng(20240611)
    HERE.mkdir(exist_ok=True)
    proportions().to_csv(HERE / "proportions.csv", index=False)
    poisson().to_csv(HERE / "poisson.csv", index=False)
    rate_ratios().to_csv(HERE / "rate_ratios.csv", index=False)
    rate_units(rng).to_csv(HERE / "rate_units.csv", index=False)
    transitions(rng).to_csv(HERE / "transitions.csv", index=False)


if __name__ == "__main__":
    main()
