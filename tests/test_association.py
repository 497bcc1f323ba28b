"""Odds ratio, risk ratio, risk difference and rate ratio against R references.

References: tests/reference/association/make_association.R (epitools, epiR, fisher.test and
epitools' mid-p re-solved with uniroot tol = 1e-13, a textbook Cornfield solved with
tol = 1e-13, poisson.test, geepack). Tolerances: estimates and intervals 1e-6 relative for
every method (the tightened references allow it; measured agreement is about 1e-12);
cluster-robust intervals 1e-6 relative to geepack's plain sandwich (san.se), which bmecohort
uses unscaled (no small-sample factor, bmecohort._clusters.SANDWICH).
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.stats import norm
from statsmodels.stats.contingency_tables import Table2x2

from bmecohort._columns import SUMMARY_COLUMNS_WITH_COUNTS
from bmecohort.estimators.association.rate_ratio import rate_ratio_from_counts
from bmecohort.estimators.association.twobytwo import (
    COUNT_NAMES,
    odds_ratio_from_counts,
    risk_difference_from_counts,
    risk_ratio_from_counts,
)
from bmecohort.estimators.association.unit_level import odds_ratio, risk_difference, risk_ratio
from bmecohort.exceptions import AnalysisInputError, DataQualityWarning, SmallCellWarning

REF = Path(__file__).parent / "reference" / "association"
TABLES = pd.read_csv(REF / "inputs" / "tables_2x2.csv").set_index("dataset")
RATES = pd.read_csv(REF / "inputs" / "rates.csv").set_index("dataset")
OR_REF = pd.read_csv(REF / "outputs" / "odds_ratio.csv")
RR_REF = pd.read_csv(REF / "outputs" / "risk_ratio.csv")
RD_REF = pd.read_csv(REF / "outputs" / "risk_difference.csv")
P_REF = pd.read_csv(REF / "outputs" / "p_values.csv").set_index("dataset")
RATE_REF = pd.read_csv(REF / "outputs" / "rate_ratio.csv")
GEE_REF = pd.read_csv(REF / "outputs" / "gee.csv")

RTOL = 1e-6
BOUNDS = ["estimate", "ci_lower", "ci_upper"]


def counts(dataset: str) -> dict[str, int]:
    return {name: int(TABLES.loc[dataset, name]) for name in COUNT_NAMES}


def run(func, *args, **kwargs):
    """Call func recording warnings; each one must be a SmallCellWarning kept on the result."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = func(*args, **kwargs)
    assert all(issubclass(w.category, SmallCellWarning) for w in caught), caught
    assert [str(w.message) for w in caught] == list(out.warnings)
    return out


def expand(table: dict[str, int], *, exposure="bml", outcome="pain") -> pd.DataFrame:
    """Unit-level rows (one per knee) reproducing a 2x2 table."""
    cells = [table[name] for name in COUNT_NAMES]
    return pd.DataFrame({
        exposure: np.repeat([1, 1, 0, 0], cells),
        outcome: np.repeat([1, 0, 1, 0], cells),
    })


def assert_close(got, expected, rtol=RTOL):
    """Compare by value where R is finite; R's NA must be our nan or the same infinity."""
    got, expected = np.asarray(got, float), np.asarray(expected, float)
    finite = np.isfinite(expected)
    np.testing.assert_allclose(got[finite], expected[finite], rtol=rtol, atol=0)
    assert np.all((got[~finite] == expected[~finite]) | np.isnan(expected[~finite]))


# --- odds ratio against R --------------------------------------------------------------------

OR_CASES = OR_REF[~OR_REF["method"].str.endswith("pkg_default")]


@pytest.mark.parametrize("row", OR_CASES.to_dict("records"),
                         ids=lambda r: f"{r['dataset']}-{r['method']}-{r['alpha']}")
def test_odds_ratio_matches_r(row):
    method, _, correction = row["method"].partition("_")
    out = run(odds_ratio_from_counts, **counts(row["dataset"]), method=method,
              alpha=row["alpha"], zero_correction=correction or None)
    expected = [row[k] for k in BOUNDS]
    if row["method"] == "woolf" and row["dataset"] == "zero_cell":
        # epitools prints (NA, Inf) for the undefined Woolf interval; we report nan, nan
        assert out.estimate == math.inf and math.isnan(out.ci_lower) and math.isnan(out.ci_upper)
        return
    assert_close([out.estimate, out.ci_lower, out.ci_upper], expected)
    assert out.method == method and out.alpha == row["alpha"]
    assert out.zero_correction == (correction or "none")


@pytest.mark.parametrize("dataset", TABLES.index)
def test_odds_ratio_p_values_match_r(dataset):
    ref = P_REF.loc[dataset]
    by_method = {m: run(odds_ratio_from_counts, **counts(dataset), method=m)
                 for m in ("woolf", "exact", "midp", "cornfield")}
    p = by_method["woolf"].p_values
    np.testing.assert_allclose(p["chi_square"], ref["chi_square"], rtol=1e-9)
    np.testing.assert_allclose(p["fisher"], ref["fisher"], rtol=1e-7)
    # epitools' mid-p is 2 * min(F, 1 - F) and cancels to 0 below ~1e-16; ours does not
    np.testing.assert_allclose(p["midp"], ref["midp"], rtol=1e-7, atol=1e-15)
    assert by_method["woolf"].p_value == by_method["cornfield"].p_value == p["chi_square"]
    assert by_method["exact"].p_value == p["fisher"]
    assert by_method["midp"].p_value == p["midp"]


def test_untightened_r_references_are_the_imprecise_ones():
    """fisher.test's default uniroot tolerance misses by >1e-3 where the OR is far from 1."""
    wide = OR_REF.set_index(["dataset", "alpha", "method"])
    out = odds_ratio_from_counts(**counts("far_from_one"), method="exact")
    default = wide.loc[("far_from_one", 0.05, "exact_pkg_default")]
    tight = wide.loc[("far_from_one", 0.05, "exact")]
    assert abs(default["ci_upper"] / tight["ci_upper"] - 1) > 1e-3
    assert abs(out.ci_upper / tight["ci_upper"] - 1) < RTOL


# --- risk ratio, risk difference ---------------------------------------------------------------


@pytest.mark.parametrize("row", RR_REF.to_dict("records"),
                         ids=lambda r: f"{r['dataset']}-{r['method']}-{r['alpha']}")
def test_risk_ratio_matches_epitools_and_epir(row):
    out = run(risk_ratio_from_counts, **counts(row["dataset"]), alpha=row["alpha"])
    if row["dataset"] == "zero_cell":
        # no unexposed cases: RR infinite, Katz interval undefined (epiR: NA, epitools: Inf)
        assert out.estimate == math.inf and math.isnan(out.ci_lower)
        return
    assert_close([out.estimate, out.ci_lower, out.ci_upper], [row[k] for k in BOUNDS])
    assert out.method == "katz"
    assert out.p_value == pytest.approx(P_REF.loc[row["dataset"], "chi_square"], rel=1e-9)


@pytest.mark.parametrize("row", RD_REF.to_dict("records"),
                         ids=lambda r: f"{r['dataset']}-{r['alpha']}")
def test_risk_difference_matches_epir(row):
    out = run(risk_difference_from_counts, **counts(row["dataset"]), alpha=row["alpha"])
    assert_close([out.estimate, out.ci_lower, out.ci_upper], [row[k] for k in BOUNDS])
    assert out.method == "wald"


def test_risk_ratio_haldane_adds_half_to_all_cells():
    table = counts("zero_cell")
    with pytest.warns(SmallCellWarning) as record:  # zero cell and small expected counts
        out = risk_ratio_from_counts(**table, zero_correction="haldane")
    assert any("0.5 was added to all four cells" in str(w.message) for w in record)
    a, b, c, d = (table[n] + 0.5 for n in COUNT_NAMES)
    assert out.estimate == pytest.approx((a / (a + b)) / (c / (c + d)), rel=1e-12)
    assert out.counts_used.cells() == (a, b, c, d)


# --- rate ratio ----------------------------------------------------------------------------------

RATE_CASES = RATE_REF[~RATE_REF["method"].str.endswith("pkg_default")]


@pytest.mark.parametrize("row", RATE_CASES.to_dict("records"),
                         ids=lambda r: f"{r['dataset']}-{r['method']}-{r['alpha']}")
def test_rate_ratio_matches_poisson_test_and_epitools(row):
    inputs = RATES.loc[row["dataset"]]
    kwargs = dict(exposed_events=int(inputs["exposed_events"]),
                  exposed_person_time=float(inputs["exposed_person_time"]),
                  unexposed_events=int(inputs["unexposed_events"]),
                  unexposed_person_time=float(inputs["unexposed_person_time"]),
                  method=row["method"], alpha=row["alpha"])
    out = run(rate_ratio_from_counts, **kwargs)
    if row["method"] == "wald" and inputs["exposed_events"] == 0:
        assert out.estimate == 0 and math.isnan(out.ci_lower) and math.isnan(out.ci_upper)
    else:
        assert_close([out.estimate, out.ci_lower, out.ci_upper], [row[k] for k in BOUNDS])
    np.testing.assert_allclose(out.p_value, row["p_value"], rtol=1e-7)
    assert list(out.summary().columns) == [*SUMMARY_COLUMNS_WITH_COUNTS, "person_time"]


def test_rate_ratio_rejects_bad_input():
    with pytest.raises(AnalysisInputError, match="person-time must be positive"):
        rate_ratio_from_counts(exposed_events=3, exposed_person_time=0.0,
                               unexposed_events=2, unexposed_person_time=10.0)
    with pytest.raises(AnalysisInputError, match="no events in either group"):
        rate_ratio_from_counts(exposed_events=0, exposed_person_time=5.0,
                               unexposed_events=0, unexposed_person_time=10.0)
    with pytest.raises(AnalysisInputError, match="whole numbers"):
        rate_ratio_from_counts(exposed_events=2.5, exposed_person_time=5.0,
                               unexposed_events=1, unexposed_person_time=10.0)
    with pytest.raises(AnalysisInputError, match="method must be one of"):
        rate_ratio_from_counts(exposed_events=2, exposed_person_time=5.0,
                               unexposed_events=1, unexposed_person_time=10.0, method="score")


# --- data-level front ends -------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["woolf", "exact", "midp", "cornfield"])
def test_data_level_equals_count_level(method):
    table = counts("felson2003")
    data = expand(table)
    before = data.copy()
    out = odds_ratio(data, exposure="bml", outcome="pain", method=method)
    ref = odds_ratio_from_counts(**table, method=method)
    assert (out.estimate, out.ci_lower, out.ci_upper, out.p_value) == (
        ref.estimate, ref.ci_lower, ref.ci_upper, ref.p_value)
    assert out.term == "bml"
    assert out.accounting.n_used == sum(table.values())
    assert out.accounting.events == table["exposed_cases"] + table["unexposed_cases"]
    pd.testing.assert_frame_equal(data, before)  # inputs are never mutated


def test_rr_rd_data_level_equal_count_level_and_accept_booleans():
    table = counts("felson2001")
    data = expand(table).astype(bool)
    rr = risk_ratio(data, exposure="bml", outcome="pain")
    rd = risk_difference(data, exposure="bml", outcome="pain")
    assert rr.estimate == risk_ratio_from_counts(**table).estimate
    assert rd.ci_upper == risk_difference_from_counts(**table).ci_upper


def test_missing_rows_are_counted_as_exclusions():
    data = expand(counts("felson2003")).astype(float)
    data.loc[[0, 5, 100], "bml"] = np.nan
    data.loc[[5, 7], "pain"] = np.nan  # row 5 is counted once, under the first column
    out = odds_ratio(data, exposure="bml", outcome="pain")
    assert out.accounting.n_rows == len(data)
    assert out.accounting.n_used == len(data) - 4
    assert out.accounting.excluded == (("missing bml", 3), ("missing pain", 1))
    assert int(out.summary()["n"].iloc[0]) == len(data) - 4


def test_bad_input_names_the_problem():
    data = expand(counts("koo1999"))
    with pytest.raises(AnalysisInputError, match=r"\['knee_pain'\] not found"):
        odds_ratio(data, exposure="bml", outcome="knee_pain")
    graded = data.assign(bml=data["bml"] * 2)  # a 0/2 grade, not 0/1
    with pytest.raises(AnalysisInputError, match="'bml' must be binary"):
        odds_ratio(graded, exposure="bml", outcome="pain")
    with pytest.raises(AnalysisInputError, match="no unexposed"):
        odds_ratio(data[data["bml"] == 1], exposure="bml", outcome="pain", method="exact")
    with pytest.raises(AnalysisInputError, match="same column"):
        odds_ratio(data, exposure="bml", outcome="bml")
    with pytest.raises(AnalysisInputError, match="method must be one of"):
        odds_ratio(data, exposure="bml", outcome="pain", method="score")
    with pytest.raises(AnalysisInputError, match="alpha"):
        odds_ratio(data, exposure="bml", outcome="pain", alpha=5)
    with pytest.raises(AnalysisInputError, match="cannot be combined with method='exact'"):
        odds_ratio(data, exposure="bml", outcome="pain", method="exact",
                   zero_correction="haldane")
    with pytest.raises(AnalysisInputError, match="whole numbers"):
        odds_ratio_from_counts(exposed_cases=1.5, exposed_noncases=2, unexposed_cases=3,
                               unexposed_noncases=-1)


# --- small cells --------------------------------------------------------------------------------------


def test_zero_cell_warns_and_is_recorded():
    table = counts("zero_cell")
    with pytest.warns(SmallCellWarning) as record:
        out = odds_ratio_from_counts(**table)
    assert out.zero_correction == "none"
    assert any("zero cell(s) unexposed_cases" in str(w.message) for w in record)
    assert any("Woolf interval is undefined" in w for w in out.warnings)
    assert {str(w.message) for w in record} == set(out.warnings)
    with pytest.warns(SmallCellWarning, match="one-sided"):  # the only warning for exact
        exact = odds_ratio_from_counts(**table, method="exact")
    assert exact.estimate == math.inf and exact.ci_upper == math.inf


def test_haldane_shifts_all_four_cells_unlike_statsmodels_shift_zeros():
    table = counts("zero_cell")
    with pytest.warns(SmallCellWarning) as record:
        out = odds_ratio_from_counts(**table, zero_correction="haldane")
    assert any("Haldane" in str(w.message) for w in record)
    assert out.counts_used.cells() == tuple(table[n] + 0.5 for n in COUNT_NAMES)
    shifted_zeros_only = Table2x2(out.counts.to_array(), shift_zeros=True).oddsratio
    assert not math.isclose(out.estimate, shifted_zeros_only)
    # p-values use the observed counts
    assert out.p_values["fisher"] == pytest.approx(P_REF.loc["zero_cell", "fisher"], rel=1e-7)


def test_small_expected_count_suggests_exact_methods():
    with pytest.warns(SmallCellWarning, match="method='exact' or method='midp'"):
        odds_ratio_from_counts(**counts("koo1999"))
    # exact and mid-p do not rely on large samples: no warning (warnings are errors here)
    odds_ratio_from_counts(**counts("koo1999"), method="midp")


# --- result contract ---------------------------------------------------------------------------------


def test_result_is_frozen_and_displays():
    out = odds_ratio_from_counts(**counts("felson2001"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        out.estimate = 1.0  # type: ignore[misc]
    summary = out.summary()
    assert list(summary.columns) == list(SUMMARY_COLUMNS_WITH_COUNTS)
    assert summary.loc[0, "events"] == 287
    html = out._repr_html_()
    assert "woolf" in html and "Odds ratio" in html
    assert isinstance(out.raw, Table2x2)
    assert out.counts.to_dict() == counts("felson2001")
    exact = odds_ratio_from_counts(**counts("felson2001"), method="exact")
    # exact and mid-p are computed here (scipy's conditional odds ratio takes a minute at
    # counts of 1e5); raw keeps the table object for its other statistics
    assert isinstance(exact.raw, Table2x2)
    assert exact.method == "exact"


# --- cluster-robust intervals against geepack ------------------------------------------------------

FUNCS = {"or": odds_ratio, "rr": risk_ratio, "rd": risk_difference}
METHODS = {"or": "woolf-cluster-robust", "rr": "katz-cluster-robust",
           "rd": "wald-cluster-robust"}


@pytest.mark.parametrize("row", GEE_REF.to_dict("records"),
                         ids=lambda r: f"{r['dataset']}-{r['measure']}")
def test_cluster_robust_interval_matches_geepack(row):
    data = pd.read_csv(REF / "inputs" / f"{row['dataset']}.csv")
    out = FUNCS[row["measure"]](data, exposure="exposure", outcome="outcome",
                                cluster="participant_id")
    groups = row["n_clusters"]
    # geepack's san.se is the plain sandwich, bmecohort's too (no small-sample factor)
    se = row["se"]
    z = norm.ppf(0.975)
    bounds = np.array([row["coef"], row["coef"] - z * se, row["coef"] + z * se])
    expected = bounds if row["measure"] == "rd" else np.exp(bounds)
    np.testing.assert_allclose([out.estimate, out.ci_lower, out.ci_upper], expected,
                               rtol=RTOL)
    assert out.p_value == pytest.approx(2 * norm.sf(abs(row["coef"]) / se), rel=1e-6)
    assert out.method == METHODS[row["measure"]]
    assert out.accounting.n_clusters == groups and out.accounting.cluster == "participant_id"
    assert out.accounting.clustered is True
    # "auto" (the default) finds participant_id repeating and gives the same interval
    auto = FUNCS[row["measure"]](data, exposure="exposure", outcome="outcome")
    assert (auto.method, auto.ci_lower, auto.ci_upper) == (out.method, out.ci_lower,
                                                           out.ci_upper)
    # the knees really are correlated: the robust interval is wider than the naive one
    with pytest.warns(DataQualityWarning, match="analysed as independent"):
        naive = FUNCS[row["measure"]](data, exposure="exposure", outcome="outcome",
                                      cluster=None)
    assert naive.accounting.clustered is False and naive.warnings
    if row["measure"] == "rd":
        ratio = (out.ci_upper - out.ci_lower) / (naive.ci_upper - naive.ci_lower)
    else:
        ratio = math.log(out.ci_upper / out.ci_lower) / math.log(naive.ci_upper / naive.ci_lower)
    assert ratio > 1.1


def test_cluster_with_a_zero_cell_reports_no_interval():
    data = pd.read_csv(REF / "inputs" / "clustered_b.csv")
    data = data.assign(outcome=np.where(data["exposure"] == 1, 1, data["outcome"]))
    with pytest.warns(SmallCellWarning) as record:
        out = odds_ratio(data, exposure="exposure", outcome="outcome", cluster="participant_id")
    assert out.estimate == math.inf and math.isnan(out.ci_lower) and math.isnan(out.p_value)
    assert any("separates the Binomial GLM" in str(w.message) for w in record)
    assert [str(w.message) for w in record] == list(out.warnings)
    # the risk difference needs no GLM separation check: its interval exists
    rd = run(risk_difference, data, exposure="exposure", outcome="outcome",
             cluster="participant_id")
    assert rd.estimate == pytest.approx(1 - data.loc[data["exposure"] == 0, "outcome"].mean())


def test_cluster_options_are_checked():
    data = pd.read_csv(REF / "inputs" / "clustered_b.csv")
    with pytest.raises(AnalysisInputError, match="cannot be combined"):
        odds_ratio(data, exposure="exposure", outcome="outcome", cluster="participant_id",
                   method="exact")
    with pytest.raises(AnalysisInputError, match="at least 2"):
        odds_ratio(data.assign(site=1), exposure="exposure", outcome="outcome", cluster="site")
    missing = data.astype({"participant_id": float})
    missing.loc[:9, "participant_id"] = np.nan
    out = odds_ratio(missing, exposure="exposure", outcome="outcome", cluster="participant_id")
    assert out.accounting.excluded == (("missing participant_id", 10),)
    auto = odds_ratio(missing, exposure="exposure", outcome="outcome")
    assert auto.accounting.excluded == (("missing participant_id", 10),)
    # the opt-out excludes nothing for a column it does not use, and still warns
    with pytest.warns(DataQualityWarning):
        naive = odds_ratio(missing, exposure="exposure", outcome="outcome", cluster=None)
    assert naive.accounting.excluded == () and naive.accounting.n_used == len(data)


# --- cluster="auto" ---------------------------------------------------------------------------------

CLUSTERED = pd.read_csv(REF / "inputs" / "clustered_a.csv")


@pytest.mark.parametrize("func", list(FUNCS.values()), ids=list(FUNCS))
def test_auto_detects_clustering_by_participant(func):
    out = func(CLUSTERED, exposure="exposure", outcome="outcome")
    acc = out.accounting
    assert out.method.endswith("-cluster-robust") and acc.clustered is True
    assert (acc.cluster, acc.n_clusters) == ("participant_id",
                                             CLUSTERED["participant_id"].nunique())
    assert out.accounting.to_dict()["cluster-robust"] == "yes"
    # one knee per person: independent units, nothing to warn about
    one = CLUSTERED.drop_duplicates("participant_id")
    single = func(one, exposure="exposure", outcome="outcome")
    assert not single.method.endswith("-cluster-robust") and single.accounting.clustered is False
    assert single.accounting.n_clusters == len(one) and not single.warnings
    # no participant_id column: nothing can be detected, the units are taken as independent
    anonymous = func(CLUSTERED.drop(columns="participant_id"), exposure="exposure",
                     outcome="outcome")
    assert anonymous.accounting.clustered is False and anonymous.accounting.cluster is None
    assert not anonymous.warnings


def test_opt_out_on_clustered_rows_is_a_recorded_warning():
    with pytest.warns(DataQualityWarning) as record:
        out = odds_ratio(CLUSTERED, exposure="exposure", outcome="outcome", cluster=None)
    assert out.method == "woolf" and out.accounting.clustered is False
    assert [str(w.message) for w in record] == list(out.warnings)
    assert "cluster=None" in out.warnings[0] and "participant_id" in out.warnings[0]
    # a method without a cluster-robust form is an opt-out under "auto", warned the same way
    with pytest.warns(DataQualityWarning, match="method='exact' has no cluster-robust form"):
        exact = odds_ratio(CLUSTERED, exposure="exposure", outcome="outcome", method="exact")
    assert exact.method == "exact" and exact.accounting.clustered is False
    with pytest.warns(DataQualityWarning, match="zero_correction='haldane'"):
        risk_ratio(CLUSTERED, exposure="exposure", outcome="outcome",
                   zero_correction="haldane")
    # on one knee per person the same calls are silent
    one = CLUSTERED.drop_duplicates("participant_id")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        odds_ratio(one, exposure="exposure", outcome="outcome", cluster=None)
        odds_ratio(one, exposure="exposure", outcome="outcome", method="exact")


def test_auto_with_every_row_in_one_person_is_an_error():
    one_person = CLUSTERED.assign(participant_id=1)
    with pytest.raises(AnalysisInputError, match="one 'participant_id'"):
        odds_ratio(one_person, exposure="exposure", outcome="outcome")
    with pytest.raises(AnalysisInputError, match="cluster must be"):
        odds_ratio(CLUSTERED, exposure="exposure", outcome="outcome", cluster=1)


# --- invariances (hypothesis) ---------------------------------------------------------------------

cell = st.integers(min_value=1, max_value=25)
tables = st.tuples(cell, cell, cell, cell).map(lambda t: dict(zip(COUNT_NAMES, t, strict=True)))
SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallCellWarning)
        return func(*args, **kwargs)


@SETTINGS
@given(table=tables, seed=st.integers(0, 2**32 - 1),
       method=st.sampled_from(["woolf", "exact", "midp", "cornfield"]))
def test_row_order_does_not_change_the_result(table, seed, method):
    data = expand(table)
    shuffled = data.sample(frac=1.0, random_state=np.random.default_rng(seed))
    first = quiet(odds_ratio, data, exposure="bml", outcome="pain", method=method)
    second = quiet(odds_ratio, shuffled, exposure="bml", outcome="pain", method=method)
    assert first.summary().equals(second.summary())
    assert dict(first.p_values) == dict(second.p_values)


@SETTINGS
@given(table=tables, method=st.sampled_from(["woolf", "exact", "midp", "cornfield"]))
def test_swapping_exposure_coding_inverts_the_odds_ratio(table, method):
    data = expand(table)
    flipped = data.assign(bml=1 - data["bml"])
    out = quiet(odds_ratio, data, exposure="bml", outcome="pain", method=method)
    inv = quiet(odds_ratio, flipped, exposure="bml", outcome="pain", method=method)
    np.testing.assert_allclose([inv.estimate, inv.ci_lower, inv.ci_upper],
                               [1 / out.estimate, 1 / out.ci_upper, 1 / out.ci_lower],
                               rtol=1e-9)
    assert inv.p_value == pytest.approx(out.p_value, rel=1e-9)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_relabelling_clusters_changes_nothing(seed):
    data = pd.read_csv(REF / "inputs" / "clustered_b.csv")
    rng = np.random.default_rng(seed)
    ids = data["participant_id"].unique()
    relabel = dict(zip(ids, [f"p{v}" for v in rng.permutation(len(ids))], strict=True))
    renamed = data.assign(participant_id=data["participant_id"].map(relabel))
    for func in FUNCS.values():
        a = func(data, exposure="exposure", outcome="outcome", cluster="participant_id")
        b = func(renamed, exposure="exposure", outcome="outcome", cluster="participant_id")
        np.testing.assert_allclose([b.ci_lower, b.ci_upper, b.p_value],
                                   [a.ci_lower, a.ci_upper, a.p_value], rtol=1e-10)
