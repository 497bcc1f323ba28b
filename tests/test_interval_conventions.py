"""Interval conventions: corrected Cornfield, Byar, Kaplan-Meier conf_type, Cox ties/strata.

Reference: tests/reference/effects/make_intervals.R. Tolerances: Cornfield 1e-9 relative
(uniroot at 1e-13; our bisection at double precision), Byar 1e-12, Kaplan-Meier 1e-10,
Cox coefficients and standard errors 1e-6 relative (R's coxph eps=1e-11).
Published: the Stata FAQ table (Gould 1999): Epi Info's corrected [1.94, 35.63], Stata's
uncorrected [2.26, 26.20].
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bmecohort as bc
from bmecohort.estimators.association.twobytwo import COUNT_NAMES
from bmecohort.exceptions import AnalysisInputError

REF = Path(__file__).parent / "reference" / "effects"
TABLES = pd.read_csv(REF / "inputs" / "tables_2x2.csv").set_index("dataset")
CORNFIELD = pd.read_csv(REF / "outputs" / "cornfield.csv", skipinitialspace=True)
BYAR = pd.read_csv(REF / "outputs" / "byar.csv", skipinitialspace=True)
# round_trip: R wrote 17 significant digits, which pandas 2's default parser can read 1 ulp
# off (19.240000000000002 -> 19.24) and pandas 3 reads exactly; both read them exactly so
KM_IN = pd.read_csv(Path(__file__).parent / "reference" / "survival" / "inputs" / "km.csv",
                    float_precision="round_trip")
KM = pd.read_csv(REF / "outputs" / "km_conf_type.csv", skipinitialspace=True,
                 float_precision="round_trip")
COX_IN = pd.read_csv(REF / "inputs" / "cox_strata.csv")
COX = pd.read_csv(REF / "outputs" / "cox_ties_strata.csv", skipinitialspace=True)


@pytest.mark.parametrize("row", CORNFIELD.to_dict("records"),
                         ids=lambda r: f"{r['dataset']}-{r['alpha']:.2f}-{r['correction']}")
@pytest.mark.filterwarnings("ignore::bmecohort.exceptions.SmallCellWarning")
def test_cornfield_matches_r(row: dict) -> None:
    counts = {k: int(v) for k, v in TABLES.loc[row["dataset"], list(COUNT_NAMES)].items()}
    r = bc.odds_ratio_from_counts(**counts, method="cornfield", alpha=round(row["alpha"], 6),
                                  correction=bool(row["correction"]))
    assert r.ci_lower == pytest.approx(row["ci_lower"], rel=1e-9)
    assert r.ci_upper == pytest.approx(row["ci_upper"], rel=1e-9)
    assert r.method == ("cornfield-corrected" if row["correction"] else "cornfield")


@pytest.mark.filterwarnings("ignore::bmecohort.exceptions.SmallCellWarning")
def test_cornfield_published_stata_faq() -> None:
    counts = dict(exposed_cases=11, exposed_noncases=106, unexposed_cases=3,
                  unexposed_noncases=223)
    corrected = bc.odds_ratio_from_counts(**counts, method="cornfield", correction=True)
    assert (corrected.ci_lower, corrected.ci_upper) == pytest.approx((1.94, 35.63), abs=0.01)
    plain = bc.odds_ratio_from_counts(**counts, method="cornfield")
    assert (plain.ci_lower, plain.ci_upper) == pytest.approx((2.26, 26.20), abs=0.015)
    with pytest.raises(AnalysisInputError, match="correction"):
        bc.odds_ratio_from_counts(**counts, method="woolf", correction=True)


@pytest.mark.parametrize("row", BYAR.to_dict("records"),
                         ids=lambda r: f"{r['dataset']}-{r['group']}-{r['alpha']:.2f}")
def test_byar_matches_epitools(row: dict) -> None:
    r = bc.poisson_rate(int(row["events"]), float(row["pt"]), method="byar",
                        alpha=round(row["alpha"], 6))
    assert r.method == "byar"
    assert r.estimate == pytest.approx(row["estimate"], rel=1e-12)
    # epitools' lower limit dips below 0 at 0 events; ours is clipped at 0
    assert r.ci_lower == pytest.approx(max(row["ci_lower"], 0.0), rel=1e-12)
    assert r.ci_upper == pytest.approx(row["ci_upper"], rel=1e-12)


@pytest.mark.parametrize("dataset", sorted(set(KM_IN["dataset"])))
@pytest.mark.parametrize("conf_type", ["log", "plain", "log-log"])
def test_kaplan_meier_conf_type_matches_survfit(dataset: str, conf_type: str) -> None:
    data = KM_IN[KM_IN["dataset"] == dataset]
    fit = bc.kaplan_meier(data, duration="time", event="status", conf_type=conf_type)
    assert fit.interval == conf_type
    ref = KM[(KM["dataset"] == dataset) & (KM["conf_type"] == conf_type)]
    got = fit.survival_at(ref["time"].to_numpy())
    np.testing.assert_allclose(got["estimate"], ref["estimate"], rtol=1e-12)
    # before the first event R's log-log interval is NA; the existing (lifelines) one is 1
    keep = (ref["estimate"] < 1).to_numpy() if conf_type == "log-log" else slice(None)
    for column in ("ci_lower", "ci_upper"):
        np.testing.assert_allclose(got[column].to_numpy()[keep],
                                   ref[column].to_numpy()[keep], rtol=1e-10, atol=1e-14)


def test_kaplan_meier_bad_conf_type() -> None:
    with pytest.raises(AnalysisInputError, match="conf_type"):
        bc.kaplan_meier(KM_IN, duration="time", event="status", conf_type="arcsine")


COX_CASES = sorted({(d, t, bool(s), bool(c)) for d, t, s, c in
                    COX[["dataset", "ties", "strata", "cluster"]].itertuples(index=False)})


@pytest.mark.parametrize("dataset, ties, strata, cluster", COX_CASES)
def test_cox_ties_and_strata_match_coxph(dataset: str, ties: str, strata: bool,
                                         cluster: bool) -> None:
    data = COX_IN[COX_IN["dataset"] == dataset]
    fit = bc.cox(data, duration="time", event="status", covariates=["x", "z"], ties=ties,
                 strata="site" if strata else None, cluster="id" if cluster else None)
    ref = COX[(COX["dataset"] == dataset) & (COX["ties"] == ties)
              & (COX["strata"] == strata) & (COX["cluster"] == cluster)].set_index("term")
    got = fit.summary().set_index("term")
    np.testing.assert_allclose(got.loc[["x", "z"], "coef"], ref.loc[["x", "z"], "coef"],
                               rtol=1e-6)
    np.testing.assert_allclose(got.loc[["x", "z"], "se"], ref.loc[["x", "z"], "se"],
                               rtol=1e-6)
    assert fit.log_likelihood == pytest.approx(ref["loglik"].iloc[0], rel=1e-9)
    assert fit.cov_type == ("robust-cluster" if cluster else "model")


def test_cox_options_bad_input() -> None:
    data = COX_IN[COX_IN["dataset"] == "tied"]
    with pytest.raises(AnalysisInputError, match="ties"):
        bc.cox(data, duration="time", event="status", covariates=["x"], ties="exact")
    with pytest.raises(AnalysisInputError, match="strata"):
        bc.cox(data, duration="time", event="status", covariates=["x"], strata="x")
    assert math.isfinite(bc.cox(data, duration="time", event="status", covariates=["x"],
                                strata="site").concordance)
    with pytest.raises(AnalysisInputError, match="no events"):
        bc.cox(data.assign(status=0), duration="time", event="status", covariates=["x"],
               ties="breslow")
    with pytest.raises(AnalysisInputError, match="1 cluster among"):
        bc.cox(data.assign(id=1), duration="time", event="status", covariates=["x"],
               ties="breslow", cluster="id")
