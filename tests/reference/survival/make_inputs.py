"""Write the input CSVs of the survival references (run once; the CSVs are committed).

    .venv/bin/python tests/reference/survival/make_inputs.py
    Rscript tests/reference/survival/make_survival.R

Seeded; numpy and pandas only (not bmecohort), so the inputs do not depend on the code under
test. Visit-based data sets mimic MRI follow-up: nominal visits at 0, 12, 24, 36, 48 months,
actual visit dates jittered, some visits missed, events known only between visits.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent / "inputs"
VISITS = np.array([0.0, 12.0, 24.0, 36.0, 48.0])


def visit_intervals(rng: np.random.Generator, event_times: np.ndarray) -> tuple[np.ndarray, ...]:
    """(lower, upper] between the last visit before and the first visit after each time."""
    n = event_times.size
    dates = VISITS + np.c_[np.zeros(n), rng.normal(0, 1.0, (n, VISITS.size - 1))].round(2)
    attended = rng.uniform(size=dates.shape) > 0.1
    attended[:, 0] = True
    last = rng.integers(2, VISITS.size + 1, n)  # dropout after visit `last - 1`
    attended &= np.arange(VISITS.size) < last[:, None]
    seen = attended & (dates >= event_times[:, None])
    before = attended & (dates < event_times[:, None])
    lower = np.where(before, dates, 0.0).max(axis=1)
    upper = np.where(seen, dates, np.inf).min(axis=1)
    return lower, upper


def _informative(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop (0, inf) rows (no follow-up visit): they carry no information and R drops them."""
    return frame.loc[(frame["lower"] > 0) | np.isfinite(frame["upper"])].reset_index(drop=True)


def km_sets(rng: np.random.Generator) -> pd.DataFrame:
    small = pd.DataFrame({"time": [1, 2, 2, 3, 4, 4, 5, 6, 7, 8.0],
                          "status": [0, 1, 0, 1, 1, 1, 0, 1, 0, 0]})
    n = 60
    ties = pd.DataFrame({"time": rng.integers(1, 20, n).astype(float),
                         "status": (rng.uniform(size=n) < 0.7).astype(int)})
    n = 45
    event = rng.exponential(30, n)
    censor = rng.uniform(5, 60, n)
    continuous = pd.DataFrame({"time": np.minimum(event, censor).round(3),
                               "status": (event <= censor).astype(int)})
    lower, upper = visit_intervals(rng, rng.weibull(1.4, 120) * 40)
    midpoint = pd.DataFrame({"time": np.where(np.isfinite(upper), (lower + upper) / 2, lower),
                             "status": np.isfinite(upper).astype(int)})
    midpoint = midpoint.loc[midpoint["time"] > 0]
    frames = {"small": small, "ties": ties, "continuous": continuous, "midpoint": midpoint}
    return pd.concat([f.assign(dataset=k) for k, f in frames.items()], ignore_index=True)[
        ["dataset", "time", "status"]]


def cox_data(rng: np.random.Generator) -> pd.DataFrame:
    """Pairs of knees sharing a gamma frailty: "tied" (integer months, so that Efron's
    handling of ties matters) and "untied" (the same times to 1e-4 months)."""
    n_people = 100
    person = np.repeat(np.arange(1, n_people + 1), 2)
    frailty = rng.gamma(2.0, 0.5, n_people)[person - 1]
    x = rng.integers(0, 2, person.size)
    z = rng.normal(0, 1, person.size).round(3)
    hazard = 0.03 * frailty * np.exp(0.6 * x - 0.4 * z)
    event = rng.exponential(1 / hazard)
    censor = rng.uniform(6, 48, person.size)
    time = np.minimum(event, censor)
    frames = {name: pd.DataFrame({"id": person, "x": x, "z": z, "time": t,
                                  "status": (event <= censor).astype(int)})
              for name, t in (("tied", np.ceil(time)), ("untied", time.round(4)))}
    assert not frames["untied"]["time"].duplicated().any()
    return pd.concat([f.assign(dataset=k) for k, f in frames.items()], ignore_index=True)[
        ["dataset", "id", "x", "z", "time", "status"]]


def interval_data(rng: np.random.Generator) -> pd.DataFrame:
    n = 150
    x = rng.integers(0, 2, n)
    z = rng.normal(0, 1, n).round(3)
    scale = 30 * np.exp(-0.5 * x + 0.3 * z)
    lower, upper = visit_intervals(rng, scale * rng.weibull(1.5, n))
    return _informative(pd.DataFrame({"lower": lower, "upper": upper, "x": x, "z": z}))


def turnbull_data(rng: np.random.Generator) -> pd.DataFrame:
    lower, upper = visit_intervals(rng, rng.weibull(1.2, 80) * 30)
    return _informative(pd.DataFrame({"lower": lower, "upper": upper}))


def competing_sets(rng: np.random.Generator) -> pd.DataFrame:
    """Event 1 (e.g. incident lesion) competes with 2 (e.g. knee replacement, death)."""
    frames = {}
    for name, n, rounding in (("untied", 70, 3), ("tied", 90, 0)):
        t1 = rng.exponential(40, n)
        t2 = rng.exponential(70, n)
        censor = rng.uniform(5, 60, n)
        time = np.minimum.reduce([t1, t2, censor])
        status = np.select([time == t1, time == t2], [1, 2], 0)
        time = np.ceil(time) if rounding == 0 else time.round(rounding)
        frames[name] = pd.DataFrame({"time": time, "status": status})
    # Coarse times (six values): both event types and censorings tied at nearly every time,
    # and everyone still at risk leaves at the last time.
    n = 60
    t1, t2 = rng.exponential(40, n), rng.exponential(50, n)
    censor = rng.uniform(5, 60, n)
    time = np.minimum.reduce([t1, t2, censor])
    status = np.select([time == t1, time == t2], [1, 2], 0)
    frames["heavy_ties"] = pd.DataFrame({"time": np.minimum(np.ceil(time / 10), 6),
                                         "status": status})
    return pd.concat([f.assign(dataset=k) for k, f in frames.items()], ignore_index=True)[
        ["dataset", "time", "status"]]


def competing_clustered(rng: np.random.Generator) -> pd.DataFrame:
    """Two knees a person sharing a frailty: untied times, and coarse times (ties of both
    event types and censorings; everyone still at risk leaves at the last time)."""
    frames = {}
    for name, persons in (("untied", 40), ("coarse", 50)):
        frailty = np.repeat(rng.normal(0, 0.8, persons), 2)
        t1 = rng.exponential(30, 2 * persons) * np.exp(-frailty)
        t2 = rng.exponential(50, 2 * persons)
        censor = rng.uniform(5, 60, 2 * persons)
        time = np.minimum.reduce([t1, t2, censor])
        status = np.select([time == t1, time == t2], [1, 2], 0)
        time = time.round(3) if name == "untied" else np.minimum(np.ceil(time / 8), 6)
        frames[name] = pd.DataFrame({"participant_id": np.repeat(np.arange(persons), 2),
                                     "time": time, "status": status})
    return pd.concat([f.assign(dataset=k) for k, f in frames.items()], ignore_index=True)[
        ["dataset", "participant_id", "time", "status"]]


def main() -> None:
    rng = np.random.default_rng(20240612)
    HERE.mkdir(exist_ok=True)
    km_sets(rng).to_csv(HERE / "km.csv", index=False)
    cox_data(rng).to_csv(HERE / "cox.csv", index=False)
    interval_data(rng).to_csv(HERE / "interval.csv", index=False)
    turnbull_data(rng).to_csv(HERE / "turnbull.csv", index=False)
    competing_sets(rng).to_csv(HERE / "competing.csv", index=False)
    competing_clustered(np.random.default_rng(20261206)).to_csv(
        HERE / "competing_clustered.csv", index=False)


if __name__ == "__main__":
    main()
