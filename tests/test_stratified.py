"""Mantel-Haenszel odds ratio against R mantelhaen.test(correct=FALSE) and epiR Breslow-Day.

Reference: tests/reference/association/make_association.R. Tolerance 1e-6 relative for the
pooled estimate, its Robins-Breslow-Greenland interval, the CMH and Breslow-Day statistics
and p-values, and the stratum odds ratios (measured agreement about 1e-12). Clustered
(``cluster="auto"`` on knees sharing persons): geepack ``geeglm(outcome ~ exposure +
factor(stratum), corstr = "independence")`` and per stratum ``geeglm(outcome ~ exposure)``,
plain sandwich, 1e-6 relative on the log scale.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm
from statsmodels.stats.contingency_tables import StratifiedTable

from bmecohort._columns import SUMMARY_COLUMNS_WITH_COUNTS
from bmecohort.estimators.association.stratified import (
    POOLED_CLUSTERED_TERM,
    POOLED_TERM,
    mantel_haenszel,
    mantel_haenszel_from_counts,
)
from bmecohort.estimators.association.twobytwo import COUNT_NAMES
from bmecohort.estimators.association.unit_level import odds_ratio
from bmecohort.exceptions import AnalysisInputError, DataQualityWarning, SmallCellWarning

REF = Path(__file__).parent / "reference" / "association"
STRATA = pd.read_csv(REF / "inputs" / "strata.csv")
MH_REF = pd.read_csv(REF / "outputs" / "mantel_haenszel.csv")
STRATUM_REF = pd.read_csv(REF / "outputs" / "mh_strata.csv")
RTOL = 1e-6
POOLED = ["estimate", "ci_lower", "ci_upper", "p_value", "statistic", "homogeneity_p_value",
          "homogeneity_statistic"]


def tables(dataset: str) -> pd.DataFrame:
    return STRATA[STRATA["dataset"] == dataset].set_index("stratum")[list(COUNT_NAMES)]


def expand(counts: pd.DataFrame) -> pd.DataFrame:
    """Unit-level rows (exposure, outcome, site) reproducing one 2x2 table per stratum."""
    cells = counts.to_numpy().ravel()
    return pd.DataFrame({
        "bml": np.repeat(np.tile([1, 1, 0, 0], len(counts)), cells),
        "pain": np.repeat(np.tile([1, 0, 1, 0], len(counts)), cells),
        "site": np.repeat(np.repeat(counts.index.to_numpy(), 4), cells),
    })


@pytest.mark.parametrize("row", MH_REF.to_dict("records"),
                         ids=lambda r: f"{r['dataset']}-{r['alpha']}")
def test_pooled_matches_mantelhaen_test_and_breslow_day(row):
    out = mantel_haenszel_from_counts(tables(row["dataset"]), alpha=row["alpha"])
    np.testing.assert_allclose([getattr(out, k) for k in POOLED], [row[k] for k in POOLED],
                               rtol=RTOL)
    assert out.method == "mantel-haenszel" and out.interval == "robins-breslow-greenland"


@pytest.mark.parametrize("dataset", STRATA["dataset"].unique())
@pytest.mark.parametrize("alpha", [0.05, 0.10])
def test_stratum_rows_match_epir(dataset, alpha):
    out = mantel_haenszel_from_counts(tables(dataset), alpha=alpha)
    ref = STRATUM_REF[(STRATUM_REF["dataset"] == dataset) & np.isclose(
        STRATUM_REF["alpha"], alpha)].set_index("stratum")
    ours = out.strata.set_index("stratum").loc[ref.index]
    for column in ["estimate", "ci_lower", "ci_upper", "p_value"]:
        finite = ref[column].notna()
        np.testing.assert_allclose(ours.loc[finite, column], ref.loc[finite, column],
                                   rtol=RTOL)
        # epiR prints NA for the Woolf odds ratio of a stratum with a zero cell
        assert ours.loc[~finite, column].isna().all() or column == "estimate"


def test_data_level_equals_counts_and_summary_layout():
    counts = tables("heterogeneous")
    data = expand(counts)
    out = mantel_haenszel(data, exposure="bml", outcome="pain", strata="site")
    ref = mantel_haenszel_from_counts(counts)
    assert [getattr(out, k) for k in POOLED] == [getattr(ref, k) for k in POOLED]
    summary = out.summary()
    assert list(summary.columns[:7]) == list(SUMMARY_COLUMNS_WITH_COUNTS)
    assert summary["term"].tolist() == ["site=s1", "site=s2", "site=s3", "site=s4", POOLED_TERM]
    assert summary["n"].tolist() == [*counts.sum(axis=1).tolist(), len(data)]
    assert summary["events"].iloc[-1] == counts["exposed_cases"].sum() + counts[
        "unexposed_cases"].sum()
    assert summary["estimate"].iloc[-1] == out.estimate
    assert isinstance(out.raw, StratifiedTable)
    assert "robins-breslow-greenland" in out._repr_html_()
    with pytest.raises(dataclasses.FrozenInstanceError):
        out.p_value = 0.5  # type: ignore[misc]


def test_uninformative_stratum_is_left_out_with_a_warning():
    counts = tables("three_sites")
    extra = pd.DataFrame([[4, 6, 0, 0]], columns=list(COUNT_NAMES), index=["only_exposed"])
    data = expand(pd.concat([counts, extra]))
    data.loc[[0, 1], "site"] = None
    with pytest.warns(SmallCellWarning, match="only_exposed"):
        out = mantel_haenszel(data, exposure="bml", outcome="pain", strata="site")
    assert out.n_strata == 3 and out.warnings
    assert out.accounting.excluded == (("missing site", 2),
                                       ("stratum with one exposure group or one outcome", 10))
    assert out.accounting.n_used == len(data) - 12


def test_bad_input():
    counts = tables("three_sites")
    with pytest.raises(AnalysisInputError, match="not found"):
        mantel_haenszel_from_counts(counts.drop(columns="exposed_cases"))
    broken = counts.astype(float)
    broken.iloc[1, 2] = -1
    broken.iloc[0, 0] = np.nan
    with pytest.raises(AnalysisInputError, match=r"'s1'/exposed_cases=nan.*'s2'/unexposed_cases"):
        mantel_haenszel_from_counts(broken)
    data = expand(counts)
    with pytest.raises(AnalysisInputError, match="'pain' must be binary"):
        mantel_haenszel(data.assign(pain=data["pain"] + 1), exposure="bml", outcome="pain",
                        strata="site")
    with pytest.raises(AnalysisInputError, match="no stratum of 'site'"):
        mantel_haenszel(data[data["bml"] == 1], exposure="bml", outcome="pain", strata="site")


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_row_order_and_stratum_labels_do_not_matter(seed):
    data = expand(tables("with_zero"))
    rng = np.random.default_rng(seed)
    shuffled = data.sample(frac=1.0, random_state=rng)
    out = mantel_haenszel(data, exposure="bml", outcome="pain", strata="site")
    again = mantel_haenszel(shuffled, exposure="bml", outcome="pain", strata="site")
    assert out.summary().equals(again.summary())
    labels = dict(zip(["s1", "s2", "s3"], rng.permutation(["x", "y", "z"]), strict=True))
    renamed = mantel_haenszel(shuffled.assign(site=shuffled["site"].map(labels)),
                              exposure="bml", outcome="pain", strata="site")
    assert math.isclose(renamed.estimate, out.estimate, rel_tol=1e-12)
    assert math.isclose(renamed.homogeneity_p_value, out.homogeneity_p_value, rel_tol=1e-9)


# --- clustered: independence GEE with stratum terms against geepack ----------------------------

CLUSTERED = pd.read_csv(REF / "inputs" / "clustered_strata.csv")
CLUSTERED_REF = pd.read_csv(REF / "outputs" / "stratified_clustered.csv").set_index("stratum")


def test_clustered_pooled_and_stratum_rows_match_geepack():
    """Tolerance 1e-6 relative on the log odds ratios and their plain sandwich errors."""
    out = mantel_haenszel(CLUSTERED, exposure="exposure", outcome="outcome", strata="stratum")
    z = norm.ppf(0.975)
    ref = CLUSTERED_REF.loc["pooled"]
    assert out.term == POOLED_CLUSTERED_TERM
    assert out.method == "gee-independence-strata-cluster-robust"
    assert out.interval == "wald-cluster-robust"
    np.testing.assert_allclose(
        np.log([out.estimate, out.ci_lower, out.ci_upper]),
        [ref["coef"], ref["coef"] - z * ref["se"], ref["coef"] + z * ref["se"]], rtol=RTOL)
    assert out.p_value == pytest.approx(2 * norm.sf(ref["coef"] / ref["se"]), rel=RTOL)
    acc = out.accounting
    assert (acc.cluster, acc.n_clusters, acc.clustered) == ("participant_id",
                                                            ref["n_clusters"], True)
    strata = out.strata.set_index("stratum")
    for label in strata.index:
        row = CLUSTERED_REF.loc[label]
        got = np.log(strata.loc[label, ["estimate", "ci_lower", "ci_upper"]].to_numpy(float))
        np.testing.assert_allclose(
            got, [row["coef"], row["coef"] - z * row["se"], row["coef"] + z * row["se"]],
            rtol=RTOL)
        assert strata.loc[label, "n"] == row["n"]
    # the Mantel-Haenszel numbers stay on the result for reference
    assert out.unclustered["estimate"] == pytest.approx(
        mantel_haenszel_from_counts(_tables(CLUSTERED)).estimate, rel=1e-12)


def _tables(data: pd.DataFrame) -> pd.DataFrame:
    a = data.groupby("stratum").apply(
        lambda d: pd.Series({"exposed_cases": ((d.exposure == 1) & (d.outcome == 1)).sum(),
                             "exposed_noncases": ((d.exposure == 1) & (d.outcome == 0)).sum(),
                             "unexposed_cases": ((d.exposure == 0) & (d.outcome == 1)).sum(),
                             "unexposed_noncases": ((d.exposure == 0) & (d.outcome == 0)).sum()}),
        include_groups=False)
    return a


def test_clustered_opt_out_warns_and_records():
    with pytest.warns(DataQualityWarning, match="analysed as independent") as record:
        naive = mantel_haenszel(CLUSTERED, exposure="exposure", outcome="outcome",
                                strata="stratum", cluster=None)
    assert naive.method == "mantel-haenszel" and naive.term == POOLED_TERM
    assert naive.accounting.clustered is False
    assert [str(w.message) for w in record] == list(naive.warnings)
    out = mantel_haenszel(CLUSTERED, exposure="exposure", outcome="outcome", strata="stratum")
    # clustering widens the interval on these data (knees share exposure and outcome)
    assert math.log(out.ci_upper / out.ci_lower) > 1.1 * math.log(naive.ci_upper /
                                                                  naive.ci_lower)
    # one knee per person: Mantel-Haenszel, nothing to warn about
    one = CLUSTERED.drop_duplicates("participant_id")
    single = mantel_haenszel(one, exposure="exposure", outcome="outcome", strata="stratum")
    assert single.method == "mantel-haenszel" and single.accounting.clustered is False
    assert not single.warnings
    # counts carry no persons: never clustered, never warned
    assert mantel_haenszel_from_counts(_tables(CLUSTERED)).accounting.clustered is None


def test_clustered_same_model_as_the_unit_level_odds_ratio_with_one_stratum():
    """One stratum: the stratified GEE is the single-exposure model of odds_ratio()."""
    one = CLUSTERED.assign(stratum="all")
    pooled = mantel_haenszel(one, exposure="exposure", outcome="outcome", strata="stratum")
    crude = odds_ratio(CLUSTERED, exposure="exposure", outcome="outcome")
    np.testing.assert_allclose([pooled.estimate, pooled.ci_lower, pooled.ci_upper],
                               [crude.estimate, crude.ci_lower, crude.ci_upper], rtol=1e-8)


def test_clustered_degenerate_pool_reports_no_interval():
    separated = CLUSTERED.assign(outcome=np.where(CLUSTERED["exposure"] == 1, 1,
                                                  CLUSTERED["outcome"]))
    with pytest.warns(SmallCellWarning, match="same diagonal"):
        out = mantel_haenszel(separated, exposure="exposure", outcome="outcome",
                              strata="stratum")
    assert out.estimate == math.inf and math.isnan(out.ci_lower) and math.isnan(out.p_value)
    assert out.strata["ci_lower"].isna().all()  # a zero cell in every stratum


def test_clustered_homogeneity_matches_geepack_interaction_test():
    """geepack anova(): robust Wald test of exposure x stratum, 1e-6 relative."""
    ref = pd.read_csv(REF / "outputs" / "stratified_clustered_homogeneity.csv").iloc[0]
    out = mantel_haenszel(CLUSTERED, exposure="exposure", outcome="outcome", strata="stratum")
    assert out.homogeneity_statistic == pytest.approx(ref["statistic"], rel=1e-6)
    assert out.homogeneity_p_value == pytest.approx(ref["p_value"], rel=1e-6)
    assert out.n_strata - 1 == ref["df"]
    assert "homogeneity (cluster-robust Wald) p" in out.header()
    assert 0 < out.unclustered["homogeneity_p_value"] < 1  # Breslow-Day kept for reference
