"""Poisson rates and exact rate ratios against R (tests/reference/occurrence).

References (make_occurrence.R): poisson.test (exact Garwood rate; exact conditional rate
ratio and p-value), closed forms for the Wald, score and Jeffreys intervals. Tolerances
(relative): estimates 1e-6, intervals and p-values 1e-4.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bmecohort.estimators.occurrence.rates import incidence_rate, poisson_rate
from bmecohort.exceptions import AnalysisInputError, SmallCellWarning

REF = Path(__file__).parent / "reference" / "occurrence"
EST_TOL, CI_TOL = 1e-6, 1e-4

POISSON = pd.read_csv(REF / "inputs" / "poisson.csv")
POISSON_REF = pd.read_csv(REF / "outputs" / "poisson.csv")
RATIOS = pd.read_csv(REF / "inputs" / "rate_ratios.csv")
RATIOS_REF = pd.read_csv(REF / "outputs" / "rate_ratios.csv")
UNITS = pd.read_csv(REF / "inputs" / "rate_units.csv")
UNITS_REF = pd.read_csv(REF / "outputs" / "rate_units.csv")


@pytest.mark.parametrize("method", ["exact", "wald", "score", "jeffreys"])
@pytest.mark.parametrize("case", POISSON.to_dict("records"), ids=POISSON["id"].tolist())
def test_poisson_rate_matches_r(case: dict, method: str) -> None:
    expected = POISSON_REF.query("id == @case['id'] and method == @method").iloc[0]
    got = poisson_rate(int(case["events"]), case["person_time"], method=method,
                       alpha=case["alpha"], per=100.0)
    np.testing.assert_allclose(got.estimate, 100 * expected["estimate"], rtol=EST_TOL)
    np.testing.assert_allclose([got.ci_lower, got.ci_upper],
                               [100 * expected["ci_lower"], 100 * expected["ci_upper"]],
                               rtol=CI_TOL, atol=1e-12)
    assert got.method == method and got.per == 100.0 and got.events == case["events"]


def _aggregated(case: dict) -> pd.DataFrame:
    return pd.DataFrame({
        "events": [case["exposed_events"], case["unexposed_events"]],
        "time": [case["exposed_time"], case["unexposed_time"]],
        "exposed": [True, False],
    })


@pytest.mark.parametrize("case", RATIOS.to_dict("records"), ids=RATIOS["id"].tolist())
def test_exact_rate_ratio_matches_poisson_test(case: dict) -> None:
    expected = RATIOS_REF.query("id == @case['id']").iloc[0]
    zero = 0 in (case["exposed_events"], case["unexposed_events"])
    if zero:
        with pytest.warns(SmallCellWarning, match="no events in the (exposed|unexposed) group"):
            got = incidence_rate(_aggregated(case), event="events", person_time="time",
                                 exposure="exposed", alpha=case["alpha"])
        assert got.warnings
    else:
        got = incidence_rate(_aggregated(case), event="events", person_time="time",
                             exposure="exposed", alpha=case["alpha"])
    np.testing.assert_allclose(got.rate_ratio, expected["estimate"], rtol=EST_TOL)
    np.testing.assert_allclose([got.rr_ci_lower, got.rr_ci_upper],
                               [expected["ci_lower"], expected["ci_upper"]], rtol=CI_TOL)
    np.testing.assert_allclose(got.p_value, expected["p_value"], rtol=CI_TOL)


@pytest.mark.parametrize("dataset", UNITS["dataset"].unique().tolist())
def test_unit_level_incidence_rates_match_r(dataset: str) -> None:
    data = UNITS.query("dataset == @dataset")
    expected = UNITS_REF.query("dataset == @dataset").set_index("term")
    got = incidence_rate(data, event="event", person_time="years", exposure="exposed")
    overall = incidence_rate(data, event="event", person_time="years")
    rows = {r["term"]: r for s in (overall.summary(), got.summary()) for r in s.to_dict("records")}
    for term in expected.index:
        ref, row = expected.loc[term], rows[term]
        assert (row["n"], row["events"]) == (ref["n"], ref["events"])
        np.testing.assert_allclose(row["estimate"], ref["estimate"], rtol=EST_TOL)
        np.testing.assert_allclose([row["ci_lower"], row["ci_upper"]],
                                   [ref["ci_lower"], ref["ci_upper"]], rtol=CI_TOL)
    np.testing.assert_allclose(got.p_value, expected.loc["rate ratio", "p_value"], rtol=CI_TOL)
    missing = int(data["years"].isna().sum())
    assert got.accounting.n_rows == len(data)
    assert got.accounting.n_used == len(data) - missing
    assert dict(got.accounting.excluded) == ({"missing years": 1} if missing else {})


def test_summary_layout() -> None:
    data = UNITS.query("dataset == 'knees_b'")
    summary = incidence_rate(data, event="event", person_time="years", exposure="exposed",
                             per=1000).summary()
    assert list(summary.columns[:5]) == ["term", "estimate", "ci_lower", "ci_upper", "p_value"]
    assert list(summary["term"]) == ["rate[exposed=1]", "rate[exposed=0]", "rate ratio"]
    assert {"n", "events", "person_time"} <= set(summary.columns)
    assert summary["p_value"].iloc[:2].isna().all()


def test_no_events_at_all() -> None:
    data = pd.DataFrame({"e": [0, 0, 0], "t": [1.0, 2.0, 1.5], "x": [1, 0, 1]})
    with pytest.warns(SmallCellWarning, match="either exposure group"):
        got = incidence_rate(data, event="e", person_time="t", exposure="x")
    assert np.isnan(got.rate_ratio)
    assert got.rates["estimate"].tolist() == [0.0, 0.0]


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"e": [1, -1], "t": [1.0, 1.0]}), "whole number"),
        (pd.DataFrame({"e": [1, 0.5], "t": [1.0, 1.0]}), "whole number"),
        (pd.DataFrame({"e": [1, 0], "t": [1.0, -2.0]}), ">= 0"),
        (pd.DataFrame({"e": [1, 0], "t": [0.0, 0.0]}), "no person-time"),
    ],
)
def test_bad_input_is_named(frame: pd.DataFrame, message: str) -> None:
    with pytest.raises(AnalysisInputError, match=message):
        incidence_rate(frame, event="e", person_time="t")


def test_poisson_rate_rejects_bad_input() -> None:
    for args in ((-1, 2.0), (1, 0.0), (1.5, 2.0), (1, float("inf"))):
        with pytest.raises(AnalysisInputError):
            poisson_rate(*args)
    with pytest.raises(AnalysisInputError, match="not available"):
        poisson_rate(3, 2.0, method="byar-exact")  # type: ignore[arg-type]
