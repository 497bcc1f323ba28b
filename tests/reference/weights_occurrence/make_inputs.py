"""Write the input CSVs of the weighted occurrence references (run once; CSVs are committed).

    .venv/bin/python tests/reference/weights_occurrence/make_inputs.py
    Rscript tests/reference/weights_occurrence/make_weights_occurrence.R

A simulated knee cohort with informative loss to follow-up: older persons are both more
likely to develop a lesion and more likely to miss the follow-up MRI, so the complete-case
incidence is too low. Stabilised inverse-probability-of-censoring weights come from a
logistic model of being seen given age (statsmodels GLM, not bmecohort, so that the inputs
do not depend on the code under test). Seeded; numpy, pandas and statsmodels only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from statsmodels.genmod.families import Binomial
from statsmodels.genmod.generalized_linear_model import GLM

HERE = Path(__file__).resolve().parent / "inputs"


def _weights(seen: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Stabilised IPCW: share seen / P(seen | age), for the persons seen."""
    design = np.column_stack([np.ones(len(age)), age])
    p = GLM(seen, design, family=Binomial()).fit().fittedvalues
    return np.where(seen == 1, seen.mean() / p, np.nan)


def transitions(seed: int = 20261206, persons: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.normal(60, 8, persons).round(1)
    knees = np.where(rng.random(persons) < 0.7, 2, 1)  # most persons contribute two knees
    pid = np.repeat(np.arange(1, persons + 1), knees)
    side = np.concatenate([["left", "right"][:k] for k in knees])
    a = np.repeat(age, knees)
    person_effect = np.repeat(rng.normal(0, 1.0, persons), knees)  # knees of a person alike
    z = (a - 60) / 8
    present_from = rng.random(len(pid)) < 0.35
    p_incident = 1 / (1 + np.exp(-(-1.6 + 0.8 * z + person_effect)))
    p_resolve = 1 / (1 + np.exp(-(-0.4 - 0.5 * z + person_effect)))
    present_to = np.where(present_from, rng.random(len(pid)) >= p_resolve,
                          rng.random(len(pid)) < p_incident)
    p_seen = 1 / (1 + np.exp(-(1.4 - 1.0 * (age - 60) / 8)))
    seen = (rng.random(persons) < p_seen).astype(float)
    w = _weights(seen, age)
    table = pd.DataFrame({
        "participant_id": pid, "side": side, "age": a, "visit_from": 0, "visit_to": 24,
        "present_from": present_from,
        "present_to": pd.array(present_to, dtype="boolean"),
        "w": np.repeat(w, knees),
    })
    table.loc[np.repeat(seen, knees) == 0, "present_to"] = pd.NA
    # a few knees seen at follow-up whose weight is missing (e.g. a covariate missing)
    seen_rows = np.flatnonzero(table["present_to"].notna().to_numpy())
    table.loc[rng.choice(seen_rows, 5, replace=False), "w"] = np.nan
    # one knee per person (the first), for the unclustered (HC0) reference
    table["first_knee"] = ~table.duplicated("participant_id")
    return table


def survival(seed: int = 20261207, persons: int = 300) -> pd.DataFrame:
    """Time to an incident lesion at visits 12..60 (many ties) or in between, censored
    informatively (older persons leave earlier), with time-fixed stabilised weights."""
    rng = np.random.default_rng(seed)
    age = rng.normal(60, 8, persons).round(1)
    knees = np.where(rng.random(persons) < 0.6, 2, 1)
    pid = np.repeat(np.arange(1, persons + 1), knees)
    a = np.repeat(age, knees)
    frailty = np.repeat(rng.gamma(2.0, 0.5, persons), knees)
    rate = 0.012 * np.exp(0.6 * (a - 60) / 8) * frailty
    event_time = rng.exponential(1 / rate)
    leave = np.repeat(rng.exponential(1 / (0.01 * np.exp(0.7 * (age - 60) / 8))), knees)
    time = np.minimum(np.minimum(event_time, leave), 60.0)
    event = (event_time <= np.minimum(leave, 60.0)).astype(int)
    on_visit = rng.random(len(pid)) < 0.7  # most read at visits: round up to 12-month grid
    time = np.where(on_visit, np.minimum(np.ceil(time / 12) * 12, 60.0), time.round(2))
    time = np.maximum(time, 0.5)
    seen_to_end = (np.repeat(leave, 1) >= 60).astype(float)
    # weights: inverse of P(completing follow-up | age), per person, stabilised
    per_person = pd.DataFrame({"pid": pid, "age": a, "done": seen_to_end}).drop_duplicates("pid")
    design = np.column_stack([np.ones(len(per_person)), per_person["age"]])
    p = GLM(per_person["done"].to_numpy(), design, family=Binomial()).fit().fittedvalues
    w_person = per_person["done"].mean() / np.asarray(p)
    w = pd.Series(w_person, index=per_person["pid"]).reindex(pid).to_numpy()
    return pd.DataFrame({"participant_id": pid, "age": a, "time": time, "event": event,
                         "w": w.round(6)})


if __name__ == "__main__":
    HERE.mkdir(exist_ok=True)
    transitions().to_csv(HERE / "transitions.csv", index=False)
    survival().to_csv(HERE / "survival.csv", index=False)
