"""Lesion states for multi-state models, and the natural-history design against known truth."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.linalg import expm

import bmecohort as bc
from bmecohort.exceptions import AnalysisInputError
from bmecohort.simulate import add_second_reader, knee_cohort


def _reads_cohort(scores: dict[tuple[str, int], float], months: dict | None = None
                  ) -> bc.Cohort:
    ids = sorted({p for p, _ in scores})
    visits = pd.DataFrame(sorted({(p, v) for p, v in scores}),
                          columns=["participant_id", "visit"])
    if months is not None:
        visits["months_from_baseline"] = [months.get((p, v), float(v))
                                          for p, v in visits.itertuples(index=False)]
    reads = pd.DataFrame([{"participant_id": p, "visit": v, "joint": "knee", "side": "R",
                           "system": "MOAKS", "item": "bml_size", "site": "TMC",
                           "reader": "R1", "score": s} for (p, v), s in scores.items()])
    return bc.Cohort(pd.DataFrame({"participant_id": ids, "sex": "F", "age": 60.0}), visits,
                     lesion_reads=reads)


def test_lesion_states_by_hand():
    scores = {("a", 0): 0.0, ("a", 12): 1.0, ("a", 24): 3.0, ("b", 0): 2.0,
              ("b", 12): np.nan, ("b", 24): 0.0}
    cohort = _reads_cohort(scores, months={("a", 12): 13.0})
    states = bc.lesion_states(cohort)
    assert states["subject"].tolist() == ["a:R"] * 3 + ["b:R"] * 2  # b at 12 unreadable
    assert states["state"].tolist() == [1, 2, 3, 3, 1]
    assert states["time"].tolist() == pytest.approx([0, 13 / 12, 2, 0, 2])
    two = bc.lesion_states(cohort, thresholds=(1,), time="months")
    assert two["state"].tolist() == [1, 2, 2, 2, 1]
    assert two["time"].tolist() == [0, 13, 24, 0, 24]
    person = bc.lesion_states(cohort, unit="participant")
    assert person["subject"].tolist() == ["a", "a", "a", "b", "b"]
    with pytest.raises(AnalysisInputError, match="increasing"):
        bc.lesion_states(cohort, thresholds=(2, 1))
    with pytest.raises(AnalysisInputError, match="time must be one of"):
        bc.lesion_states(cohort, time="days")


def test_two_state_history_recovers_the_simulated_24_month_risks():
    # knee_cohort's truth: 24-month incidence 33/234 among BML-free knees and resolution
    # 17/37 among knees with a BML (a two-state Markov chain per knee, rates varying with
    # BMI). Tolerances: about 2.5 standard errors at 4,000 knees (0.02 and 0.05).
    history = bc.lesion_natural_history(knee_cohort(2000, seed=1), recurrence=False,
                                        times=(2,))
    table = history.table.set_index("term")
    incident = table.loc["lesion at 2 years | none at baseline"]
    resolved = table.loc["no lesion at 2 years | lesion at baseline"]
    assert incident["estimate"] == pytest.approx(33 / 234, abs=0.02)
    assert resolved["estimate"] == pytest.approx(17 / 37, abs=0.05)
    assert incident["ci_lower"] < incident["estimate"] < incident["ci_upper"]
    # mean sojourn is minus the inverse of the diagonal of Q
    q = table.loc[["incidence per year", "resolution per year"], "estimate"].to_numpy()
    sojourn = table.loc[["mean years free of lesion", "mean years with lesion"], "estimate"]
    assert sojourn.to_numpy() == pytest.approx(1 / q)
    assert history.result("markov").states == (1, 2)
    assert (history.table["n"] == history.accounting.n_clusters).all()


def _markov_cohort(q: np.ndarray, n: int, seed: int, visits=(0, 12, 24, 36, 48)) -> bc.Cohort:
    """One knee per person, one subregion whose grade is the state minus one, drawn from
    the chain with intensity matrix ``q`` (per year) at the visits."""
    rng = np.random.default_rng(seed)
    state = np.empty((n, len(visits)), dtype=int)
    state[:, 0] = (rng.random(n)[:, None] > np.cumsum([0.6, 0.25])[None, :]).sum(axis=1)
    for j in range(1, len(visits)):
        cum = np.cumsum(expm(q * (visits[j] - visits[j - 1]) / 12), axis=1)[state[:, j - 1]]
        state[:, j] = (rng.random(n)[:, None] > cum[:, :-1]).sum(axis=1)
    ids = np.array([f"p{i:04d}" for i in range(n)])
    visit_rows = pd.DataFrame({"participant_id": np.repeat(ids, len(visits)),
                               "visit": np.tile(visits, n)})
    reads = visit_rows.assign(joint="knee", side="R", system="MOAKS", item="bml_size",
                              site="TMC", reader="R1", score=state.ravel().astype(float))
    return bc.Cohort(pd.DataFrame({"participant_id": ids, "sex": "F", "age": 60.0}),
                     visit_rows, lesion_reads=reads)


def test_three_state_history_recovers_a_known_intensity_matrix():
    q = np.array([[-0.15, 0.15, 0.0], [0.4, -0.6, 0.2], [0.0, 0.3, -0.3]])
    history = bc.lesion_natural_history(_markov_cohort(q, 1200, seed=1), large=2,
                                        recurrence=False, times=(2,))
    table = history.table.set_index("term")
    truth = {"incidence per year": 0.15, "resolution per year": 0.4,
             "growth to large per year": 0.2, "shrinking from large per year": 0.3}
    for term, value in truth.items():  # 15% relative: about 2.5 standard errors
        assert table.loc[term, "estimate"] == pytest.approx(value, rel=0.15), term
    p = expm(q * 2)
    assert table.loc["lesion at 2 years | none at baseline", "estimate"] == pytest.approx(
        1 - p[0, 0], abs=0.03)
    assert table.loc["large lesion at 2 years | none at baseline", "estimate"] == (
        pytest.approx(p[0, 2], abs=0.015))
    assert table.loc["no lesion at 2 years | large lesion at baseline", "estimate"] == (
        pytest.approx(p[2, 0], abs=0.04))


def test_covariates_recurrence_and_reader_policy():
    cohort = add_second_reader(knee_cohort(300, seed=5), seed=6, fraction=0.3)
    with pytest.raises(AnalysisInputError, match="several readers"):
        bc.lesion_natural_history(cohort)
    history = bc.lesion_natural_history(cohort, covariates=("bmi", "sex"), reader="first",
                                        times=(1, 5))
    analyses = history.table["analysis"].unique().tolist()
    assert analyses == ["intensity", "hazard ratio", "probability", "sojourn"]
    terms = history.table["term"].tolist()
    assert "recurrence per year (recurrence model)" in terms
    assert "bmi: incidence" in terms and any(t.startswith("sex=") for t in terms)
    assert set(history.results) == {"markov", "recurrence"}
    assert history.reading.policy == "first"
    assert any(n.startswith("readers: first of R1, R2") for n in history.notes)
    assert list(history.summary().columns[:6]) == ["analysis", "term", "estimate",
                                                   "ci_lower", "ci_upper", "p_value"]
    with pytest.raises(AnalysisInputError, match="not columns of participants"):
        bc.lesion_natural_history(cohort, reader="first", covariates=("shoe_size",))


REFERENCE = Path(__file__).parent / "reference" / "natural_history"


def test_design_matches_r_msm_on_its_own_states():
    # tests/reference/natural_history: msm fits of the design's states (knee_cohort(300,
    # seed=3)), the two-state model and the recurrence model, refined to reltol 1e-12
    history = bc.lesion_natural_history(knee_cohort(300, seed=3))
    saved = pd.read_csv(REFERENCE / "inputs" / "states.csv")
    assert history.frame["subject"].tolist() == saved["subject"].tolist()
    assert history.frame["state"].tolist() == saved["state"].tolist()
    table = history.table.set_index("term")
    r = pd.read_csv(REFERENCE / "outputs" / "intensities.csv").rename(
        columns={"from": "start", "to": "end"})
    terms = {("markov", 1, 2): "incidence per year", ("markov", 2, 1): "resolution per year",
             ("recurrence", 1, 2): "first incidence per year (recurrence model)",
             ("recurrence", 3, 2): "recurrence per year (recurrence model)"}
    for row in r.itertuples(index=False):
        term = terms.get((row.model, row.start, row.end))
        if term is None:  # the recurrence model's resolution: on the result only
            fit = history.result("recurrence").intensities.set_index(["from", "to"])
            got = fit.loc[(row.start, row.end), ["estimate", "ci_lower", "ci_upper"]]
        else:
            got = table.loc[term, ["estimate", "ci_lower", "ci_upper"]]
        assert got.to_numpy(dtype=float) == pytest.approx(
            [row.estimate, row.lower, row.upper], rel=1e-4)
    p = pd.read_csv(REFERENCE / "outputs" / "pmatrix.csv")
    for row in p.itertuples(index=False):
        assert table.loc[f"lesion at {row.t:g} years | none at baseline", "estimate"] == (
            pytest.approx(1 - row.p11, rel=1e-4))
        assert table.loc[f"no lesion at {row.t:g} years | lesion at baseline",
                         "estimate"] == pytest.approx(row.p21, rel=1e-4)
    sojourn = pd.read_csv(REFERENCE / "outputs" / "sojourn.csv")["estimate"].to_numpy()
    got = table.loc[["mean years free of lesion", "mean years with lesion"], "estimate"]
    assert got.to_numpy(dtype=float) == pytest.approx(sojourn, rel=1e-4)
