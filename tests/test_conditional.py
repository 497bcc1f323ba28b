"""conditional_logistic(): R survival::clogit (exact conditional likelihood) and matched pairs.

Reference: tests/reference/regression/make_regression.R (visits.csv: 180 knees x 3 visits) and
make_conditional_clustered.R (visits_persons.csv: two knees per person, clogit robust variance).
Tolerances: estimates 1e-6 relative, intervals and p-values 1e-4 relative.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bmecohort.estimators.regression.conditional import conditional_logistic
from bmecohort.exceptions import AnalysisInputError, DataQualityWarning, SeparationWarning

REF = Path(__file__).parent / "reference" / "regression"


@pytest.fixture(scope="module")
def visits() -> pd.DataFrame:
    return pd.read_csv(REF / "inputs" / "visits.csv")


@pytest.fixture(scope="module")
def clogit() -> pd.DataFrame:
    ref = pd.read_csv(REF / "outputs" / "coefficients.csv")
    return ref[ref.dataset == "visits"]


def _compare(result, ref: pd.DataFrame) -> None:
    summary = result.summary().set_index("term")
    for term, want in ref.set_index("term").iterrows():
        got = summary.loc[term]
        for column in ("coef", "se", "estimate"):
            np.testing.assert_allclose(got[column], want[column], rtol=1e-6,
                                       err_msg=f"{term} {column}")
        for column in ("ci_lower", "ci_upper", "p_value"):
            np.testing.assert_allclose(got[column], want[column], rtol=1e-4,
                                       err_msg=f"{term} {column}")
        assert (got["n"], got["events"]) == (want["n"], want["events"])


@pytest.mark.parametrize("engine", ["auto", "fast", "statsmodels"])
def test_matches_clogit_with_categorical_exposure_and_trend(visits, clogit, engine):
    result = conditional_logistic(visits, outcome="pain", exposure="bml_cat", group="knee_id",
                                  covariates="effusion", categorical="bml_cat", trend=True,
                                  unit="knee-visit", engine=engine)
    assert result.method == "conditional-logistic" and result.converged
    assert result.engine == ("statsmodels" if engine == "statsmodels" else "fastclogit")
    _compare(result, clogit[clogit.model == "clogit_categorical"])
    _compare(result, clogit[(clogit.model == "clogit_trend") & (clogit.term != "effusion")])
    np.testing.assert_allclose(
        result.p_trend,
        clogit.loc[clogit.term == "bml_cat (trend)", "p_value"].iloc[0], rtol=1e-4)
    assert result.summary()["term"].tolist() == ["bml_cat[1]", "bml_cat[2]",
                                                 "bml_cat (trend)", "effusion"]


def test_groups_without_outcome_variation_are_excluded(visits, clogit):
    result = conditional_logistic(visits, outcome="pain", exposure="bml_cat", group="knee_id",
                                  covariates="effusion", categorical="bml_cat")
    acc = result.accounting
    informative = int(clogit["n_groups"].iloc[0])
    assert (acc.n_rows, acc.n_used, acc.n_clusters) == (540, 255, informative)
    assert acc.excluded == ((f"knee_id without pain variation ({180 - informative} groups)",
                             540 - 255),)
    assert acc.events == int(clogit["events"].iloc[0])


def _pairs(case_only: int, control_only: int, both: int = 5, neither: int = 5) -> pd.DataFrame:
    """1:1 matched pairs: (case exposure, control exposure) counts."""
    kinds = [(1, 0)] * case_only + [(0, 1)] * control_only + [(1, 1)] * both + [(0, 0)] * neither
    case_x = np.array([k[0] for k in kinds])
    control_x = np.array([k[1] for k in kinds])
    pair = np.arange(len(kinds))
    return pd.DataFrame({"pair": np.r_[pair, pair], "case": np.r_[np.ones_like(pair),
                                                                   np.zeros_like(pair)],
                         "exposed": np.r_[case_x, control_x]})


def test_matched_pairs_by_hand():
    """Conditional MLE for 1:1 pairs is the discordant-pair ratio, se sqrt(1/n10 + 1/n01)."""
    result = conditional_logistic(_pairs(12, 4), outcome="case", exposure="exposed",
                                  group="pair")
    row = result.odds_ratio("exposed")
    np.testing.assert_allclose(row.estimate, 12 / 4, rtol=1e-8)
    np.testing.assert_allclose(row.se, np.sqrt(1 / 12 + 1 / 4), rtol=1e-6)
    assert result.accounting.n_clusters == 26


def test_one_sided_discordant_pairs_warn_separation():
    with pytest.warns(SeparationWarning, match="exposed"):
        result = conditional_logistic(_pairs(12, 0), outcome="case", exposure="exposed",
                                      group="pair")
    assert any("separated" in w for w in result.warnings)


def test_within_group_constant_term_raises(visits):
    constant = visits.assign(site=visits["knee_id"] % 2)
    with pytest.raises(AnalysisInputError, match="never change"):
        conditional_logistic(constant, outcome="pain", exposure="bml_cat", group="knee_id",
                             covariates="site")


def test_no_informative_group_raises(visits):
    with pytest.raises(AnalysisInputError, match="no knee_id"):
        conditional_logistic(visits.assign(pain=1), outcome="pain", exposure="bml_cat",
                             group="knee_id")


def test_trend_needs_categorical_exposure(visits):
    with pytest.raises(AnalysisInputError, match="categorical"):
        conditional_logistic(visits, outcome="pain", exposure="bml_cat", group="knee_id",
                             trend=True)


def test_input_not_modified(visits):
    before = visits.copy()
    conditional_logistic(visits, outcome="pain", exposure="bml_cat", group="knee_id",
                         categorical="bml_cat")
    pd.testing.assert_frame_equal(visits, before)


# --- knees clustered in persons -------------------------------------------------------------

PERSONS = pd.read_csv(REF / "inputs" / "visits_persons.csv")
CLUSTERED_REF = pd.read_csv(REF / "outputs" / "clogit_clustered.csv").set_index("term")


def _fit(data: pd.DataFrame, **kwargs):
    return conditional_logistic(data, outcome="pain", exposure="bml_cat", group="knee_id",
                                categorical=["bml_cat"], reference=0, trend=True,
                                unit="knee-visit", **kwargs)


@pytest.mark.parametrize("engine", ["auto", "statsmodels"])
def test_clustered_knees_match_clogit_robust_variance(engine):
    """R clogit(... + cluster(participant_id)): estimates 1e-6, robust errors 1e-5 relative."""
    out = _fit(PERSONS, engine=engine)
    assert out.method == "conditional-logistic-cluster-robust"
    assert out.engine == ("statsmodels" if engine == "statsmodels" else "fastclogit")
    acc = out.accounting
    assert (acc.cluster, acc.clustered) == ("participant_id", True)
    summary = out.summary().set_index("term")
    for term, want in CLUSTERED_REF.iterrows():
        np.testing.assert_allclose(summary.loc[term, "coef"], want["coef"], rtol=1e-6)
        np.testing.assert_allclose(summary.loc[term, "se"], want["se_robust"], rtol=1e-5)
        np.testing.assert_allclose(summary.loc[term, "p_value"], want["p_robust"], rtol=1e-4)
    informative = PERSONS.groupby("knee_id")["pain"].transform("nunique") > 1
    assert acc.n_clusters == PERSONS.loc[informative, "participant_id"].nunique()


def test_clustered_knees_opt_out_warns_and_one_knee_per_person_is_silent():
    with pytest.warns(DataQualityWarning, match="knee_ids of") as record:
        naive = _fit(PERSONS, cluster=None)
    assert naive.method == "conditional-logistic" and naive.accounting.clustered is False
    assert list(naive.warnings) == [str(w.message) for w in record]
    naive_se = naive.summary().set_index("term")["se"]
    np.testing.assert_allclose(naive_se["bml_cat (trend)"],
                               CLUSTERED_REF.loc["bml_cat (trend)", "se_naive"], rtol=1e-5)
    left = _fit(PERSONS[PERSONS["side"] == "L"])
    assert left.method == "conditional-logistic" and not left.warnings
    assert left.accounting.cluster == "knee_id"


def test_groups_must_lie_in_one_cluster():
    # every knee of person 2 relabelled as person 1's: those groups span two persons
    mixed = PERSONS.assign(knee_id=PERSONS["knee_id"].str.replace("^2:", "1:", regex=True))
    with pytest.raises(AnalysisInputError, match="span several participant_id"):
        _fit(mixed)
