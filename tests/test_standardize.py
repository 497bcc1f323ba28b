"""Standardised risks (g-computation) against a hand g-computation in R.

Reference: tests/reference/effects/make_standardize.R (glm + influence-function delta method
written in R matrix algebra). Tolerances: point estimates 1e-8 relative, delta-method
standard errors and limits 1e-6 relative (measured about 1e-12).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import bmecohort as bc
from bmecohort.exceptions import AnalysisInputError, DataQualityWarning

REF = Path(__file__).parent / "reference" / "effects"
DATA = pd.read_csv(REF / "inputs" / "standardize.csv").assign(
    kl=lambda d: d["kl"].astype(str))
OUT = pd.read_csv(REF / "outputs" / "standardize.csv", skipinitialspace=True)
COVARIATES = ["age", "sex", "kl"]


def fit(**kwargs: object) -> bc.estimators.association.standardize.StandardizedRisks:
    return bc.standardize(DATA, outcome="progressed", exposure="bml", covariates=COVARIATES,
                          **kwargs)


@pytest.mark.parametrize("cluster, clustered", [("auto", True), ("participant_id", True),
                                                (None, False)])
@pytest.mark.filterwarnings("ignore::bmecohort.exceptions.DataQualityWarning")
def test_matches_r(cluster: str | None, clustered: bool) -> None:
    r = fit(cluster=cluster)
    got = r.summary()
    ref = OUT[OUT["clustered"] == clustered]
    merged = got.merge(ref, on=["population", "term"], suffixes=("", "_r"))
    assert len(merged) == 10
    np.testing.assert_allclose(merged["estimate"], merged["estimate_r"], rtol=1e-8)
    for column in ("se", "ci_lower", "ci_upper"):
        np.testing.assert_allclose(merged[column], merged[f"{column}_r"], rtol=1e-6)
    assert r.cluster == ("participant_id" if clustered else None)
    assert r.accounting.n_used == 598 and r.accounting.excluded == (("missing age", 2),)


def test_attributes_and_contrasts() -> None:
    r = fit()
    assert r.risk_difference.estimate == pytest.approx(
        r.risk_exposed.estimate - r.risk_unexposed.estimate)
    assert float(r.risk_ratio) == pytest.approx(r.risk_exposed.estimate
                                                / r.risk_unexposed.estimate)
    # logistic score equations: the risk if exposed, among the exposed, is the observed one
    exposed = DATA.dropna()[DATA.dropna()["bml"] == 1]
    assert r.in_exposed["risk_exposed"].estimate == pytest.approx(
        exposed["progressed"].mean(), rel=1e-9)
    assert r.n_exposed == len(exposed)
    e = r.evalue()
    assert e.rr_equivalent == pytest.approx(r.risk_ratio.estimate)


def test_no_covariates_equals_crude_risks() -> None:
    r = bc.standardize(DATA.drop(columns="participant_id"), outcome="progressed",
                       exposure="bml", cluster=None)
    crude = DATA.groupby("bml")["progressed"].mean()
    assert r.risk_exposed.estimate == pytest.approx(crude[1], rel=1e-10)
    assert r.risk_unexposed.estimate == pytest.approx(crude[0], rel=1e-10)


def test_bootstrap_identical_whatever_n_jobs() -> None:
    one = fit(ci="bootstrap", replicates=60, seed=7, n_jobs=1).summary()
    two = fit(ci="bootstrap", replicates=60, seed=7, n_jobs=2).summary()
    pd.testing.assert_frame_equal(one, two)
    other = fit(ci="bootstrap", replicates=60, seed=8).summary()
    assert not np.allclose(one["ci_lower"], other["ci_lower"])
    delta = fit().summary()
    # percentile limits of the cluster bootstrap near the delta-method limits
    np.testing.assert_allclose(one["ci_lower"], delta["ci_lower"], rtol=0.35)


def test_bootstrap_seed_recorded() -> None:
    r = fit(ci="bootstrap", replicates=50)
    assert isinstance(r.seed, int)
    again = fit(ci="bootstrap", replicates=50, seed=r.seed)
    assert again.risk_ratio.ci_lower == r.risk_ratio.ci_lower


def test_auto_without_repeats_is_unclustered() -> None:
    one_knee = DATA[DATA["side"] == "R"]
    r = bc.standardize(one_knee, outcome="progressed", exposure="bml", covariates=["sex"])
    assert r.cluster is None


@pytest.mark.parametrize("kwargs, match", [
    (dict(ci="wald"), "ci"),
    (dict(replicates=10, ci="bootstrap"), "replicates"),
    (dict(n_jobs=0), "n_jobs"),
    (dict(covariates=["bml"]), "different"),
    (dict(covariates=["nope"]), "nope"),
])
def test_bad_input(kwargs: dict, match: str) -> None:
    options = {"outcome": "progressed", "exposure": "bml", **kwargs}
    with pytest.raises(AnalysisInputError, match=match):
        bc.standardize(DATA, **options)


def test_one_exposure_group_raises() -> None:
    with pytest.raises(AnalysisInputError, match="both exposure groups"):
        bc.standardize(DATA[DATA["bml"] == 1], outcome="progressed", exposure="bml")


def test_plot_and_repr() -> None:
    r = fit()
    ax = r.plot()
    assert len(ax.get_lines()) >= 4
    plt.close(ax.figure)
    assert "risk_difference" in repr(r)
    assert "<table" in r._repr_html_()


def test_bootstrap_same_numbers_on_a_dask_cluster() -> None:
    distributed = pytest.importorskip("dask.distributed")
    from joblib import parallel_config

    sequential = fit(ci="bootstrap", replicates=50, seed=5).summary()
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster), parallel_config(backend="dask"):
        on_dask = fit(ci="bootstrap", replicates=50, seed=5, n_jobs=-1).summary()
    pd.testing.assert_frame_equal(on_dask, sequential)


def test_opt_out_on_clustered_rows_warns_and_records() -> None:
    with pytest.warns(DataQualityWarning, match="independent"):
        r = fit(cluster=None)
    assert r.warnings and "cluster=None" in r.warnings[0]


def test_invariant_to_row_order_and_exposure_coding() -> None:
    base = fit()
    shuffled = bc.standardize(DATA.sample(frac=1.0, random_state=3), outcome="progressed",
                              exposure="bml", covariates=COVARIATES)
    pd.testing.assert_frame_equal(base.summary(), shuffled.summary(), rtol=1e-9)
    flipped = bc.standardize(DATA.assign(bml=1 - DATA["bml"]), outcome="progressed",
                             exposure="bml", covariates=COVARIATES)
    assert flipped.risk_exposed.estimate == pytest.approx(base.risk_unexposed.estimate,
                                                          rel=1e-9)
    assert flipped.risk_ratio.estimate == pytest.approx(1 / base.risk_ratio.estimate, rel=1e-9)
    assert flipped.risk_ratio.se == pytest.approx(base.risk_ratio.se, rel=1e-7)


def test_cluster_rule_is_the_shared_one() -> None:
    # bmecohort._clusters decides: every row in one participant cannot be clustered on
    one_person = DATA.assign(participant_id="P1")
    with pytest.raises(AnalysisInputError, match="one 'participant_id'"):
        bc.standardize(one_person, outcome="progressed", exposure="bml", covariates=["sex"])
    # a named column with one value is an error too, naming the column
    with pytest.raises(AnalysisInputError, match="'site' has 1 cluster"):
        bc.standardize(DATA.assign(site="A"), outcome="progressed", exposure="bml",
                       cluster="site")
    # rows missing the participant are left out under "auto", and counted
    gaps = DATA.assign(participant_id=DATA["participant_id"].where(DATA.index % 10 > 0))
    r = bc.standardize(gaps, outcome="progressed", exposure="bml", covariates=["sex"])
    assert ("missing participant_id", 60) in r.accounting.excluded
