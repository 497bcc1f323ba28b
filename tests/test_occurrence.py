"""Proportions, incidence and resolution against R (tests/reference/occurrence).

References (make_occurrence.R): binom.test (Clopper-Pearson), prop.test(correct = FALSE)
(Wilson), qbeta (Jeffreys), and geepack::geeglm(y ~ 1, binomial, id = participant,
corstr = "independence") for the cluster-robust interval (its plain san.se, which bmecohort
uses without a small-sample factor). Tolerances: estimates 1e-6, intervals 1e-4
(absolute, on the proportion scale).
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bmecohort._columns import SUMMARY_COLUMNS_WITH_COUNTS
from bmecohort.estimators.occurrence.proportions import (
    incidence,
    proportion,
    resolution,
    share_interval,
)
from bmecohort.exceptions import AnalysisInputError, DataQualityWarning, SmallCellWarning

REF = Path(__file__).parent / "reference" / "occurrence"
EST_TOL, CI_TOL = 1e-6, 1e-4

PROPORTIONS = pd.read_csv(REF / "inputs" / "proportions.csv")
PROPORTION_REF = pd.read_csv(REF / "outputs" / "proportions.csv")


def _read_transitions() -> pd.DataFrame:
    table = pd.read_csv(REF / "inputs" / "transitions.csv")
    for column in ("present_from", "present_to"):
        table[column] = table[column].map({"True": True, "False": False, True: True,
                                           False: False}).astype("boolean")
    return table


TRANSITIONS = _read_transitions()
CLUSTERED_REF = pd.read_csv(REF / "outputs" / "incidence_clustered.csv")


@pytest.mark.parametrize("method", ["exact", "wilson", "jeffreys"])
@pytest.mark.parametrize("case", PROPORTIONS.to_dict("records"), ids=PROPORTIONS["id"].tolist())
def test_proportion_matches_r(case: dict, method: str) -> None:
    expected = PROPORTION_REF.query("id == @case['id'] and method == @method").iloc[0]
    got = proportion(int(case["events"]), int(case["n"]), method=method, alpha=case["alpha"])
    np.testing.assert_allclose(got.estimate, expected["estimate"], rtol=0, atol=EST_TOL)
    np.testing.assert_allclose([got.ci_lower, got.ci_upper],
                               [expected["ci_lower"], expected["ci_upper"]], rtol=0, atol=CI_TOL)
    assert got.p_value is None
    assert got.accounting.n_used == case["n"] and got.accounting.events == case["events"]


def test_proportion_records_method_and_summary() -> None:
    got = proportion(33, 234, method="exact")
    assert got.method == "clopper-pearson"
    assert proportion(33, 234, method="clopper-pearson").ci_lower == got.ci_lower
    summary = got.summary()
    assert tuple(summary.columns) == SUMMARY_COLUMNS_WITH_COUNTS
    assert summary.loc[0, "n"] == 234 and summary.loc[0, "events"] == 33
    assert "clopper-pearson" in repr(got)


@pytest.mark.parametrize(
    ("events", "n", "method"),
    [(5, 4, "wilson"), (-1, 4, "wilson"), (1, 0, "wilson"), (1.5, 4, "wilson"),
     (1, 4, "wald")],
)
def test_proportion_rejects_bad_input(events: float, n: int, method: str) -> None:
    with pytest.raises(AnalysisInputError):
        proportion(events, n, method=method)  # type: ignore[arg-type]


def _davies_tuck_table() -> pd.DataFrame:
    """271 participants, one knee each: 234 BML-free (33 incident), 37 with BML (17 resolved)."""
    start = np.r_[np.zeros(234, bool), np.ones(37, bool)]
    end = np.r_[np.ones(33, bool), np.zeros(201, bool), np.zeros(17, bool), np.ones(20, bool)]
    return pd.DataFrame({"participant_id": np.arange(271), "visit_from": 0, "visit_to": 24,
                         "present_from": start, "present_to": end})


@pytest.mark.parametrize(("estimator", "case"), [(incidence, "davies_tuck_incidence"),
                                                 (resolution, "davies_tuck_resolution")])
def test_davies_tuck_counts_through_transitions(estimator, case: str) -> None:
    """One unit per participant: no clustering, so the exact interval of binom.test."""
    expected = PROPORTION_REF.query("id == @case and method == 'exact'").iloc[0]
    got = estimator(_davies_tuck_table(), method="exact")
    assert got.method == "clopper-pearson" and got.cluster is None
    np.testing.assert_allclose(got.estimate, expected["estimate"], rtol=0, atol=EST_TOL)
    np.testing.assert_allclose([got.ci_lower, got.ci_upper],
                               [expected["ci_lower"], expected["ci_upper"]], rtol=0, atol=CI_TOL)
    assert (got.accounting.n_used, got.accounting.events) == (
        (234, 33) if estimator is incidence else (37, 17))
    assert got.accounting.n_rows == 271


@pytest.mark.parametrize("row", CLUSTERED_REF.to_dict("records"),
                         ids=[f"{r.outcome}-{r.visit_from}" for r in CLUSTERED_REF.itertuples()])
def test_cluster_robust_matches_geepack(row: dict) -> None:
    estimator = incidence if row["outcome"] == "incidence" else resolution
    unit = SimpleNamespace(table=TRANSITIONS, unit="subregion")
    got = estimator(unit, interval=(row["visit_from"], row["visit_to"]))
    assert got.method == "logit-wald-cluster-robust"
    assert got.cluster == "participant_id"
    assert got.accounting.unit == "subregion"
    assert (got.accounting.n_used, got.accounting.events, got.accounting.n_clusters) == (
        row["n"], row["events"], row["clusters"])
    np.testing.assert_allclose(got.estimate, row["estimate"], rtol=0, atol=EST_TOL)
    np.testing.assert_allclose([got.ci_lower, got.ci_upper],
                               [row["ci_lower_geepack"], row["ci_upper_geepack"]],
                               rtol=0, atol=CI_TOL)
    # bmecohort's sandwich is geepack's san.se (no small-sample factor)
    np.testing.assert_allclose(got.raw.bse[0], row["se_geepack"], rtol=1e-6)
    np.testing.assert_allclose(got.design_effect, (row["se_geepack"] / row["naive_se"]) ** 2,
                               rtol=1e-6)
    assert got.accounting.clustered is True
    # the clustering is real: the robust interval is wider than Wilson's
    with pytest.warns(DataQualityWarning, match="analysed as independent"):
        wilson = estimator(TRANSITIONS, interval=(row["visit_from"], row["visit_to"]),
                           cluster=None)
    assert wilson.method == "wilson" and wilson.accounting.clustered is False
    assert got.ci_upper - got.ci_lower > wilson.ci_upper - wilson.ci_lower


def test_cluster_none_equals_proportion() -> None:
    with pytest.warns(DataQualityWarning) as record:
        got = incidence(TRANSITIONS, interval=(0, 12), cluster=None, method="jeffreys")
    assert list(got.warnings) == [str(w.message) for w in record]
    ref = proportion(got.accounting.events, got.accounting.n_used, method="jeffreys")
    assert (got.estimate, got.ci_lower, got.ci_upper) == (ref.estimate, ref.ci_lower, ref.ci_upper)
    assert got.raw is None and got.design_effect is None


def test_exclusions_are_counted_by_reason() -> None:
    table = pd.DataFrame({
        "participant_id": [1, 1, 2, 3, 4, 5, 6],
        "side": ["left", "right", "left", "left", "left", "left", "left"],
        "visit_from": 0, "visit_to": 12,
        "present_from": pd.array([False, False, True, None, False, False, True], "boolean"),
        "present_to": pd.array([True, None, True, False, False, True, False], "boolean"),
    })
    got = incidence(table, cluster=None)
    assert dict(got.accounting.excluded) == {"missing baseline status": 1,
                                             "lesion at baseline (not at risk)": 2,
                                             "missing follow-up": 1}
    assert (got.accounting.n_rows, got.accounting.n_used, got.accounting.events) == (7, 3, 2)
    assert got.visits == (0.0, 12.0)
    res = resolution(table, cluster=None)
    assert (res.accounting.n_used, res.accounting.events) == (2, 1)
    assert dict(res.accounting.excluded)["no lesion at baseline (not at risk)"] == 4


def test_auto_uses_unclustered_interval_when_each_participant_has_one_unit() -> None:
    table = TRANSITIONS.query("visit_from == 0 and side == 'left' and site == 'MFC'")
    got = incidence(table)
    assert got.method == "wilson" and got.cluster is None
    assert got.accounting.n_clusters == got.accounting.n_used
    forced = incidence(table, cluster="participant_id")
    assert forced.method == "logit-wald-cluster-robust"


def test_multiple_intervals_need_a_choice() -> None:
    with pytest.raises(AnalysisInputError, match=r"interval=\(baseline, follow_up\)"):
        incidence(TRANSITIONS)
    with pytest.raises(AnalysisInputError, match=r"\(0.0, 12.0\), \(12.0, 24.0\)"):
        incidence(TRANSITIONS, interval=(0, 24))


def test_no_events_falls_back_with_a_warning() -> None:
    table = pd.DataFrame({"participant_id": [1, 1, 2, 2, 3], "visit_from": 0, "visit_to": 12,
                          "present_from": False, "present_to": False})
    with pytest.warns(SmallCellWarning, match="cluster-robust interval is undefined"):
        got = incidence(table)
    assert got.method == "wilson" and got.estimate == 0.0
    assert got.warnings and "undefined" in got.warnings[0]


def test_input_is_not_mutated_and_bad_values_are_named() -> None:
    before = TRANSITIONS.copy()
    incidence(TRANSITIONS, interval=(12, 24))
    pd.testing.assert_frame_equal(TRANSITIONS, before)
    bad = TRANSITIONS.query("visit_from == 0").astype({"present_to": object})
    bad.loc[bad.index[:2], "present_to"] = "yes"
    with pytest.raises(AnalysisInputError, match="present_to"):
        incidence(bad)
    with pytest.raises(AnalysisInputError, match="not found"):
        incidence(TRANSITIONS.drop(columns="present_to"), interval=(0, 12))
    with pytest.raises(AnalysisInputError, match="transitions object"):
        incidence([1, 2, 3])


# --- intervals hold their estimate (hypothesis) ----------------------------------------------


@settings(max_examples=300, deadline=None)
@given(n=st.integers(1, 2000), data=st.data(),
       method=st.sampled_from(["wilson", "exact", "jeffreys"]),
       alpha=st.sampled_from([0.01, 0.05, 0.1, 0.5]))
def test_proportion_interval_holds_its_estimate(n, data, method, alpha) -> None:
    events = data.draw(st.sampled_from([0, n, data.draw(st.integers(0, n))]))
    got = proportion(events, n, method=method, alpha=alpha)
    assert 0.0 <= got.ci_lower <= got.estimate <= got.ci_upper <= 1.0


@settings(max_examples=200, deadline=None)
@given(y=st.lists(st.booleans(), min_size=1, max_size=60),
       persons=st.integers(1, 30))
def test_share_interval_holds_its_share(y, persons) -> None:
    values = np.array(y, dtype=float)
    groups = np.arange(len(values)) % persons
    for grouping in (groups, None):
        low, high, _ = share_interval(values, grouping)
        assert 0.0 <= low <= values.mean() <= high <= 1.0


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(4, 300), alpha=st.sampled_from(
    [0.01, 0.05, 0.1]))
def test_share_interval_closed_form_is_the_glm_sandwich(seed, n, alpha) -> None:
    # share_interval's closed form against the statsmodels GLM incidence() fits (1e-12)
    from bmecohort.estimators.occurrence.proportions import _cluster_robust

    rng = np.random.default_rng(seed)
    persons = np.array([f"p{i}" for i in rng.integers(0, max(2, n // 3), n)])
    values = (rng.random(n) < rng.uniform(0.05, 0.95)).astype(float)
    if values.sum() in (0, n) or len(set(persons)) in (1, n):
        return
    low, high, name = share_interval(values, persons, alpha=alpha)
    expected_low, expected_high, _, _ = _cluster_robust(values, persons, alpha)
    assert name == "logit-wald-cluster-robust"
    np.testing.assert_allclose([low, high], [expected_low, expected_high], rtol=0, atol=1e-12)


@pytest.mark.parametrize("row", CLUSTERED_REF.to_dict("records"),
                         ids=[f"{r.outcome}-{r.visit_from}" for r in CLUSTERED_REF.itertuples()])
def test_share_interval_matches_geepack(row: dict) -> None:
    # the units at risk of incidence (no lesion at the first visit) or resolution (a lesion)
    part = TRANSITIONS[(TRANSITIONS["visit_from"] == row["visit_from"])
                       & (TRANSITIONS["visit_to"] == row["visit_to"])]
    at_risk = part["present_from"] == (row["outcome"] == "resolution")
    part = part[at_risk.fillna(False) & part["present_to"].notna()]
    event = part["present_to"].astype(bool) != (row["outcome"] == "resolution")
    low, high, _ = share_interval(event.to_numpy(), part["participant_id"].to_numpy())
    assert len(part) == row["n"] and int(event.sum()) == row["events"]
    np.testing.assert_allclose([low, high], [row["ci_lower_geepack"], row["ci_upper_geepack"]],
                               rtol=0, atol=CI_TOL)


def test_wilson_at_zero_and_all_events_is_exactly_at_the_estimate() -> None:
    # statsmodels gives a lower bound of 8.7e-19 at 0 of 398: a hair beyond the estimate
    assert proportion(0, 398).ci_lower == 0.0
    assert proportion(398, 398).ci_upper == 1.0
    assert share_interval(np.ones(7), np.arange(7) // 2)[1] == 1.0
