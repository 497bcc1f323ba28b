"""Agreement statistics against R (tests/reference/agreement/make_agreement.R)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bmecohort.estimators.agreement import bland_altman, fleiss_kappa, icc, kappa
from bmecohort.exceptions import AnalysisInputError, DataQualityWarning, SmallCellWarning

REF = Path(__file__).parent / "reference" / "agreement"
TOL = 1e-10


def _inputs(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / "inputs" / f"{name}.csv")


@pytest.fixture(scope="module")
def kappa_ref() -> pd.DataFrame:
    return pd.read_csv(REF / "outputs" / "kappa.csv").set_index("weights")


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_kappa_matches_fleiss_cohen_everitt(weights, kappa_ref):
    ref = kappa_ref.loc[weights or "unweighted"]
    r = kappa(_inputs("double_reads"), rater_a="reader_a", rater_b="reader_b",
              weights=weights, categories=[0, 1, 2, 3])
    assert r.estimate == pytest.approx(ref["kappa"], abs=TOL)
    assert r.se == pytest.approx(ref["se"], abs=TOL)
    z = 1.959963984540054
    assert (r.ci_lower, r.ci_upper) == pytest.approx(
        (ref["kappa"] - z * ref["se"], ref["kappa"] + z * ref["se"]), abs=1e-9)
    from scipy import stats
    assert r.p_value == pytest.approx(2 * stats.norm.sf(ref["kappa"] / ref["se0"]), rel=1e-8)
    assert r.agreement == pytest.approx(ref["agreement"])
    assert r.within_one == pytest.approx(ref["within_one"])


def test_unweighted_kappa_matches_psych(kappa_ref):
    ref = kappa_ref.loc["unweighted"]
    r = kappa(_inputs("double_reads"), rater_a="reader_a", rater_b="reader_b")
    assert r.estimate == pytest.approx(ref["psych_kappa"], abs=TOL)
    assert r.se == pytest.approx(ref["psych_se"], abs=TOL)


def test_kappa_bootstrap_is_seeded_and_brackets_the_estimate():
    data = _inputs("double_reads")
    a = kappa(data, rater_a="reader_a", rater_b="reader_b", weights="linear",
              ci="bootstrap", seed=3, replicates=500)
    b = kappa(data, rater_a="reader_a", rater_b="reader_b", weights="linear",
              ci="bootstrap", seed=3, replicates=500)
    assert (a.ci_lower, a.ci_upper) == (b.ci_lower, b.ci_upper)
    assert a.ci_lower < a.estimate < a.ci_upper
    assert a.interval == "bootstrap-percentile"
    # the bootstrap interval is close to the asymptotic one on 400 units
    asym = kappa(data, rater_a="reader_a", rater_b="reader_b", weights="linear")
    assert a.ci_upper - a.ci_lower == pytest.approx(asym.ci_upper - asym.ci_lower, rel=0.2)


def test_units_of_one_person_get_a_cluster_bootstrap_by_default():
    data = _inputs("double_reads").assign(participant_id=np.arange(400) // 8)
    r = kappa(data, rater_a="reader_a", rater_b="reader_b")
    assert r.accounting.n_clusters == 50 and r.accounting.clustered
    assert r.interval == "bootstrap-percentile-cluster"
    named = kappa(data, rater_a="reader_a", rater_b="reader_b", ci="bootstrap",
                  cluster="participant_id")
    assert (named.ci_lower, named.ci_upper) == (r.ci_lower, r.ci_upper)
    with pytest.warns(DataQualityWarning, match="analysed as independent"):
        opt_out = kappa(data, rater_a="reader_a", rater_b="reader_b", ci="asymptotic")
    assert opt_out.interval == "asymptotic" and not opt_out.accounting.clustered
    with pytest.raises(AnalysisInputError, match="needs ci='bootstrap'"):
        kappa(data, rater_a="reader_a", rater_b="reader_b", cluster="participant_id",
              ci="asymptotic")


def test_kappa_counts_and_excludes_missing_reads():
    data = _inputs("double_reads").astype(float)
    data.loc[[0, 5, 9], "reader_b"] = np.nan
    r = kappa(data, rater_a="reader_a", rater_b="reader_b")
    assert r.accounting.n_used == 397
    assert r.accounting.excluded == (("missing reader_b", 3),)
    assert int(r.table.to_numpy().sum()) == 397
    assert list(r.summary().columns[:6]) == ["term", "estimate", "ci_lower", "ci_upper",
                                             "p_value", "n"]


@pytest.mark.parametrize("bad, message", [
    (dict(weights="cubic"), "weights="),
    (dict(categories=[0, 1]), "not among categories"),
    (dict(rater_b="reader_a"), "repeat a column"),
    (dict(rater_b="nope"), "not found"),
])
def test_kappa_bad_input(bad, message):
    args = dict(rater_a="reader_a", rater_b="reader_b") | bad
    with pytest.raises(AnalysisInputError, match=message):
        kappa(_inputs("double_reads"), **args)


@pytest.mark.parametrize("case, weights", [
    ("one_reader_one_grade", None), ("one_reader_one_grade", "linear"),
    ("both_one_grade", None), ("each_one_grade", "quadratic")])
def test_kappa_of_a_reader_with_one_grade_is_undefined(case, weights):
    # R psych::cohen.kappa: 0 with zero variance (interval 0 to 0), or NaN; kappa measures
    # nothing there (chance agreement equals the observed one), so it is NaN with a reason
    ref = pd.read_csv(REF / "outputs" / "kappa_degenerate.csv").set_index("case").loc[case]
    assert ref["psych_var"] == 0 and (np.isnan(ref["psych_kappa"]) or ref["psych_kappa"] == 0)
    data = _inputs("degenerate_reads").query("case == @case")
    with np.errstate(all="raise"), pytest.warns(SmallCellWarning, match="kappa is undefined"):
        r = kappa(data, rater_a="reader_a", rater_b="reader_b", weights=weights,
                  categories=[0, 1, 2, 3])
    assert np.isnan([r.estimate, r.ci_lower, r.ci_upper, r.p_value, r.se]).all()
    assert r.agreement == pytest.approx(ref["agreement"], abs=1e-12)
    assert r.accounting.n_used == ref["n"] and len(r.warnings) == 1
    assert "grade 0" in r.warnings[0] or "grade 1" in r.warnings[0]
    row = r.summary().iloc[0]
    assert np.isnan(row["estimate"]) and row["n"] == ref["n"]


def test_kappa_of_a_reader_with_one_grade_names_the_reader():
    data = _inputs("degenerate_reads").query("case == 'one_reader_one_grade'")
    with pytest.warns(SmallCellWarning) as caught:
        kappa(data, rater_a="reader_a", rater_b="reader_b", categories=[0, 1, 2, 3],
              ci="bootstrap", replicates=100)
    message = str(caught[0].message)
    assert "reader_a gave all 160 units grade 0" in message and "86%" in message
    both = _inputs("degenerate_reads").query("case == 'both_one_grade'")
    with pytest.warns(SmallCellWarning, match="both readers gave all 40 units grade 0"):
        kappa(both, rater_a="reader_a", rater_b="reader_b", categories=[0, 1, 2, 3])


def test_kappa_one_category_is_an_error():
    data = pd.DataFrame({"a": [1, 1, 1], "b": [1, 1, 1]})
    with pytest.raises(AnalysisInputError, match="at least two categories"):
        kappa(data, rater_a="a", rater_b="b")


def test_fleiss_kappa_matches_r():
    ref = pd.read_csv(REF / "outputs" / "fleiss.csv").iloc[0]
    r = fleiss_kappa(_inputs("three_readers"), raters=["r1", "r2", "r3"])
    assert r.estimate == pytest.approx(ref["kappa"], abs=TOL)
    assert r.se0 == pytest.approx(ref["se0"], abs=TOL)
    assert r.p_value == pytest.approx(ref["p"], rel=1e-6)
    assert r.ci_lower < r.estimate < r.ci_upper
    again = fleiss_kappa(_inputs("three_readers"), raters=["r1", "r2", "r3"])
    assert (again.ci_lower, again.ci_upper) == (r.ci_lower, r.ci_upper)


@pytest.mark.parametrize("name, columns", [
    ("shrout_fleiss", ("target", "judge", "rating")),
    ("scores_long", ("knee", "reader", "score")),
])
def test_icc_matches_psych(name, columns):
    ref = pd.read_csv(REF / "outputs" / "icc.csv").query("data == @name").set_index("form")
    targets, raters, ratings = columns
    r = icc(_inputs(name), targets=targets, raters=raters, ratings=ratings)
    table = r.summary().set_index("term")
    assert list(table.index) == list(ref.index)
    for ours, theirs in [("estimate", "estimate"), ("ci_lower", "lower"),
                         ("ci_upper", "upper"), ("f", "f"), ("df1", "df1"), ("df2", "df2")]:
        np.testing.assert_allclose(table[ours].to_numpy(float), ref[theirs].to_numpy(float),
                                   rtol=1e-9, atol=1e-12, err_msg=ours)
    np.testing.assert_allclose(table["p_value"].to_numpy(float), ref["p"].to_numpy(float),
                               rtol=1e-6)


def test_icc_measurement_error_follows_the_mean_squares():
    r = icc(_inputs("scores_long"), targets="knee", raters="reader", ratings="score")
    ms = r.mean_squares
    var_rater = (ms["MSJ"] - ms["MSE"]) / r.n_targets
    assert r.sem_agreement == pytest.approx(np.sqrt(var_rater + ms["MSE"]))
    assert r.sdc == pytest.approx(1.959963984540054 * np.sqrt(2) * r.sem_agreement)
    assert r.sdc_mean == pytest.approx(r.sdc / np.sqrt(3))
    # simulated residual SD 1.5 and reader biases: SEM of agreement near sqrt(1.5^2 + var)
    assert 1.4 < r.sem_consistency < 1.7


def test_icc_excludes_targets_missing_a_rater_and_refuses_repeats():
    long = _inputs("scores_long")
    dropped = long.drop(index=[0, 4])  # knee 1 reader A, knee 2 reader B
    r = icc(dropped, targets="knee", raters="reader", ratings="score")
    assert r.n_targets == 118
    assert r.accounting.excluded[0][1] == 4  # the remaining rows of knees 1 and 2
    with pytest.raises(AnalysisInputError, match="repeat a"):
        icc(pd.concat([long, long.iloc[:1]]), targets="knee", raters="reader",
            ratings="score")


def test_bland_altman_matches_r():
    ref = pd.read_csv(REF / "outputs" / "bland_altman.csv").set_index("term")
    long = _inputs("scores_long")
    wide = long.pivot(index="knee", columns="reader", values="score")
    r = bland_altman(wide, rater_a="A", rater_b="B")
    out = r.summary().set_index("term")
    for column in ("estimate", "ci_lower", "ci_upper"):
        np.testing.assert_allclose(out[column].to_numpy(float), ref[column].to_numpy(float),
                                   rtol=1e-10)
    assert r.sdc == pytest.approx(r.upper - r.bias)


def test_agreement_results_render_and_plot():
    import matplotlib.pyplot as plt

    data = _inputs("double_reads")
    long = _inputs("scores_long")
    wide = long.pivot(index="knee", columns="reader", values="score")
    results = [kappa(data, rater_a="reader_a", rater_b="reader_b"),
               icc(long, targets="knee", raters="reader", ratings="score"),
               bland_altman(wide, rater_a="A", rater_b="B")]
    for res in results:
        assert "<table" in res._repr_html_()
        ax = res.plot()
        assert ax.has_data()
        plt.close(ax.figure)


def test_icc_of_perfect_agreement_is_one_without_0_by_0():
    # every reader gives every subregion the same grade (as in a sparse subregion of the
    # report): the residual mean square is 0, the F statistics infinite; psych::ICC
    # reports every form as 1 with the interval 1 to 1 and a p-value of about 1e-250
    ref = pd.read_csv(REF / "outputs" / "icc_perfect.csv").set_index("form")
    with np.errstate(all="raise"):
        r = icc(_inputs("perfect_agreement"), targets="target", raters="reader",
                ratings="score")
    got = r.table.set_index("term").loc[ref.index]
    for ours, theirs in (("estimate", "estimate"), ("ci_lower", "lower"),
                         ("ci_upper", "upper")):
        np.testing.assert_allclose(got[ours], ref[theirs], atol=1e-12)
    assert (got["p_value"] == 0).all() and (ref["p"] < 1e-200).all()
    assert np.isinf(got["f"]).all()
    assert r.sdc == 0 and r.sem_agreement == 0
