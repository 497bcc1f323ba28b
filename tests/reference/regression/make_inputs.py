"""Write the input CSVs of the regression references (deterministic; run from any folder).

The R script ``make_regression.R`` reads these files and writes ``outputs/``; the Python tests
read both. Every clustered data set has a strong person (cluster) random effect, so that the
exchangeable and independence working correlations give visibly different GEE estimates.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent / "inputs"


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def knees(seed: int = 20240611) -> pd.DataFrame:
    """250 persons, 200 with two knees and 50 with one; pain ~ BML size + age + sex."""
    rng = np.random.default_rng(seed)
    persons = 250
    sizes = np.r_[np.full(200, 2), np.full(50, 1)]
    person = np.repeat(np.arange(1, persons + 1), sizes)
    side = np.concatenate([["right", "left"][:s] for s in sizes])
    u = rng.normal(0.0, 1.5, persons)[person - 1]  # person random effect
    age = np.round(rng.normal(62.0, 8.0, persons), 1)[person - 1]
    female = rng.binomial(1, 0.6, persons)[person - 1]
    latent = rng.normal(0.0, 1.0, persons)[person - 1] + rng.normal(0.0, 0.8, len(person))
    bml_size = np.digitize(latent, [-0.2, 0.6, 1.3])  # 0..3, correlated within person
    eta = -1.2 + 0.5 * bml_size + 0.03 * (age - 62.0) + 0.4 * female + u
    pain = rng.binomial(1, _expit(eta))
    frame = pd.DataFrame({"person_id": person, "side": side, "age": age, "female": female,
                          "bml_size": bml_size, "bml": (bml_size > 0).astype(int),
                          "pain": pain})
    # a few missing values, to exercise the accounting
    frame = frame.astype({"age": "float64", "pain": "float64"})
    frame.loc[rng.choice(len(frame), 4, replace=False), "age"] = np.nan
    frame.loc[rng.choice(len(frame), 3, replace=False), "pain"] = np.nan
    return frame


def vertebrae(seed: int = 77) -> pd.DataFrame:
    """120 patients with 1-6 vertebral corners each; syndesmophyte ~ BME + age."""
    rng = np.random.default_rng(seed)
    patients = 120
    sizes = rng.integers(1, 7, patients)
    patient = np.repeat(np.arange(1, patients + 1), sizes)
    u = rng.normal(0.0, 1.2, patients)[patient - 1]
    age = np.round(rng.normal(40.0, 10.0, patients), 1)[patient - 1]
    bme = rng.binomial(1, _expit(-0.5 + 0.8 * u))
    eta = -1.0 + 1.1 * bme + 0.02 * (age - 40.0) + u
    synd = rng.binomial(1, _expit(eta))
    return pd.DataFrame({"patient_id": patient, "age": age, "bme": bme,
                         "syndesmophyte": synd})


def visits(seed: int = 2011) -> pd.DataFrame:
    """Zhang 2011 design: 180 knees x 3 visits; pain ~ BML score category + effusion."""
    rng = np.random.default_rng(seed)
    knees_n, visits_n = 180, 3
    knee = np.repeat(np.arange(1, knees_n + 1), visits_n)
    visit = np.tile(np.arange(visits_n), knees_n)
    u = rng.normal(0.0, 2.0, knees_n)[knee - 1]  # strong knee effect: many knees never vary
    start = rng.integers(0, 3, knees_n)[knee - 1]
    step = rng.integers(-1, 2, len(knee)) * (visit > 0)
    bml_cat = np.clip(start + step, 0, 2)
    effusion = rng.binomial(1, 0.3, len(knee))
    eta = -0.5 + 0.7 * bml_cat + 0.6 * effusion + u
    pain = rng.binomial(1, _expit(eta))
    return pd.DataFrame({"knee_id": knee, "visit": visit, "bml_cat": bml_cat,
                         "effusion": effusion, "pain": pain})


def visits_persons(seed: int = 2012) -> pd.DataFrame:
    """Two knees per person, two visits: each informative knee has one painful visit, so the
    exact conditional likelihood equals Breslow's (R clogit's robust variance needs that).
    The change in BML and in pain is shared by a person's knees, so the knees correlate."""
    rng = np.random.default_rng(seed)
    persons = 220
    person = np.repeat(np.arange(1, persons + 1), 4)
    side = np.tile(["L", "L", "R", "R"], persons)
    visit = np.tile([0, 1], 2 * persons)
    u = rng.normal(0.0, 1.5, 2 * persons)[np.repeat(np.arange(2 * persons), 2)]
    start = rng.integers(0, 3, 2 * persons)[np.repeat(np.arange(2 * persons), 2)]
    shared = rng.integers(-1, 2, persons)[person - 1]
    own = rng.integers(-1, 2, len(person))
    step = np.where(rng.random(len(person)) < 0.95, shared, own) * (visit > 0)
    bml_cat = np.clip(start + step, 0, 2)
    drift = rng.normal(0.0, 2.5, persons)[person - 1] * (visit > 0)  # shared pain change
    eta = -0.5 + 0.7 * bml_cat + u + drift
    pain = rng.binomial(1, _expit(eta))
    return pd.DataFrame({"participant_id": person, "side": side,
                         "knee_id": [f"{p}:{s}" for p, s in zip(person, side, strict=True)],
                         "visit": visit, "bml_cat": bml_cat, "pain": pain})


def firth_separated(seed: int = 5) -> pd.DataFrame:
    """60 knees; every exposed knee has the outcome (a zero cell: quasi-complete separation)."""
    rng = np.random.default_rng(seed)
    n = 60
    exposed = np.r_[np.ones(9, int), np.zeros(n - 9, int)]
    z = np.round(rng.normal(0.0, 1.0, n), 3)
    y = np.where(exposed == 1, 1, rng.binomial(1, _expit(-1.0 + 0.7 * z)))
    return pd.DataFrame({"exposed": exposed, "z": z, "y": y})


def firth_small(seed: int = 9) -> pd.DataFrame:
    """40 knees, no separation: Firth and maximum likelihood differ by small-sample bias."""
    rng = np.random.default_rng(seed)
    n = 40
    exposed = rng.binomial(1, 0.4, n)
    z = np.round(rng.normal(0.0, 1.0, n), 3)
    y = rng.binomial(1, _expit(-0.6 + 1.0 * exposed + 0.5 * z))
    return pd.DataFrame({"exposed": exposed, "z": z, "y": y})


def main() -> None:
    HERE.mkdir(parents=True, exist_ok=True)
    knees().to_csv(HERE / "knees.csv", index=False)
    vertebrae().to_csv(HERE / "vertebrae.csv", index=False)
    visits().to_csv(HERE / "visits.csv", index=False)
    visits_persons().to_csv(HERE / "visits_persons.csv", index=False)
    firth_separated().to_csv(HERE / "firth_separated.csv", index=False)
    firth_small().to_csv(HERE / "firth_small.csv", index=False)


if __name__ == "__main__":
    main()
