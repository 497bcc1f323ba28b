"""conditional_logistic(): the vectorised engine against statsmodels' ConditionalLogit.

The fast engine (bmecohort.estimators.regression.fastclogit) must give statsmodels'
estimates (1e-8 absolute) and standard errors (1e-6 relative; statsmodels differentiates its
score numerically), model-based and cluster-robust, on generated designs: strata of 2-7 rows
with any number of events, tied (integer) exposures, several covariates, categorical terms,
trend tests and knees clustered in persons. R agreement is in test_conditional.py.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pandas as pd
import pytest

from bmecohort.estimators.regression.conditional import conditional_logistic
from bmecohort.estimators.regression.fastclogit import (
    MAX_SUBSETS,
    TooManySubsets,
    fit_conditional_logit,
)
from bmecohort.exceptions import AnalysisInputError, SeparationWarning


def _design(seed: int) -> tuple[pd.DataFrame, dict]:
    """A random within-stratum design and the conditional_logistic arguments to fit it."""
    rng = np.random.default_rng(seed)
    persons = int(rng.integers(60, 160))
    knees = rng.integers(1, 3, persons)  # one or two strata per person
    person = np.repeat(np.arange(persons), knees)
    size = rng.integers(2, 8 if seed % 3 else 3, len(person))  # every third: 1:1 pairs
    stratum = np.repeat(np.arange(len(person)), size)
    n = len(stratum)
    frame = pd.DataFrame({
        "participant_id": np.repeat(person, size).astype(str),
        "knee": stratum,
        "grade": rng.integers(0, 4, n),  # ties within strata
        "effusion": rng.integers(0, 2, n),
        "load": rng.normal(0.0, 1.0, n).round(1),
        "site": rng.choice(["a", "b", "c"], n),
    })
    level = rng.normal(0.0, 1.5, len(person))[stratum] + rng.normal(0, 1, persons)[
        np.repeat(person, size)]
    eta = (level + 0.5 * frame["grade"] - 0.4 * frame["effusion"] + 0.3 * frame["load"]
           + np.where(frame["site"] == "b", 0.6, 0.0))
    frame["pain"] = rng.random(n) < 1.0 / (1.0 + np.exp(-eta))
    kind = seed % 4
    if kind == 0:
        kwargs = dict(exposure="grade", covariates=["effusion", "load"])
    elif kind == 1:
        kwargs = dict(exposure="grade", categorical=["grade"], reference=0, trend=True,
                      covariates=["load"])
    elif kind == 2:
        kwargs = dict(exposure="site", categorical=["site"], covariates=["grade", "effusion"])
    else:
        kwargs = dict(exposure="grade", categorical=["grade", "site"], trend=True,
                      covariates=["site", "load", "effusion"])
    return frame, {"outcome": "pain", "group": "knee",
                   "cluster": "auto" if seed % 2 else None, **kwargs}


def _fit(frame: pd.DataFrame, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = conditional_logistic(frame, **kwargs)
    return result, [w for w in caught if issubclass(w.category, SeparationWarning)]


@functools.cache
def _auto_fit(seed: int):
    """The default (engine="auto") fit of design ``seed``: computed once, read by the two
    tests below (results are frozen)."""
    frame, kwargs = _design(seed)
    return _fit(frame, **kwargs)


@pytest.mark.parametrize("seed", range(40))
def test_fast_engine_matches_statsmodels(seed):
    frame, kwargs = _design(seed)
    auto, separated = _auto_fit(seed)
    reference, _ = _fit(frame, engine="statsmodels", **kwargs)
    assert reference.engine == "statsmodels"
    # a separated design goes to the general path; otherwise both fits are the fast one's
    assert auto.engine == ("statsmodels" if separated else "fastclogit")
    assert auto.method == reference.method and auto.accounting == reference.accounting
    got, want = auto.summary().set_index("term"), reference.summary().set_index("term")
    assert got.index.tolist() == want.index.tolist()
    if separated:
        pd.testing.assert_frame_equal(got, want)
        return
    np.testing.assert_allclose(got["coef"], want["coef"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(got["se"], want["se"], rtol=1e-6)
    np.testing.assert_allclose(got["p_value"], want["p_value"], rtol=1e-5, atol=1e-300)
    assert set(auto.trend) == set(reference.trend)
    for name, p in auto.trend.items():
        assert p == pytest.approx(reference.trend[name], rel=1e-5, abs=1e-300)


def test_generated_designs_exercise_the_fast_engine():
    """Most generated designs are clean (not separated) and clustered half of the time."""
    fast = clustered = 0
    for seed in range(40):
        result, _ = _auto_fit(seed)
        fast += result.engine == "fastclogit"
        clustered += result.accounting.clustered
    assert fast >= 30 and clustered >= 15


def _large_strata() -> pd.DataFrame:
    """Strata of 12 visits with 6 painful (924 possible event sets) among small ones."""
    rng = np.random.default_rng(5)
    size = np.r_[np.full(10, 12), np.full(80, 3)]
    stratum = np.repeat(np.arange(len(size)), size)
    grade = rng.integers(0, 4, len(stratum))
    pain = rng.random(len(stratum)) < 1 / (1 + np.exp(-(grade - 1.5)))
    pain[:120] = np.tile(np.r_[np.ones(6), np.zeros(6)], 10).astype(bool)
    return pd.DataFrame({"knee": stratum, "grade": grade, "pain": pain})


def test_strata_beyond_the_enumeration_bound_use_statsmodels():
    frame = _large_strata()
    kwargs = dict(outcome="pain", exposure="grade", group="knee")
    auto = conditional_logistic(frame, **kwargs)
    reference = conditional_logistic(frame, engine="statsmodels", **kwargs)
    assert auto.engine == "statsmodels"
    pd.testing.assert_frame_equal(auto.summary(), reference.summary())
    with pytest.raises(AnalysisInputError, match="924 possible event sets"):
        conditional_logistic(frame, engine="fast", **kwargs)
    # a raised bound enumerates them: the same estimate as statsmodels' recursion
    fit = fit_conditional_logit(frame["pain"].to_numpy(), frame[["grade"]].to_numpy(),
                                frame["knee"].to_numpy(), max_subsets=1000)
    assert fit.converged
    np.testing.assert_allclose(fit.params, reference.summary()["coef"], atol=1e-8)
    with pytest.raises(TooManySubsets):
        fit_conditional_logit(frame["pain"].to_numpy(), frame[["grade"]].to_numpy(),
                              frame["knee"].to_numpy())
    assert MAX_SUBSETS == 500


def test_separated_fast_fit_is_unconverged_and_auto_falls_back():
    pairs = pd.DataFrame({"pair": np.repeat(np.arange(20), 2), "case": np.tile([1, 0], 20),
                          "exposed": np.r_[np.tile([1, 0], 12), np.tile([1, 1], 8)]})
    kwargs = dict(outcome="case", exposure="exposed", group="pair")
    with pytest.warns(SeparationWarning):
        auto = conditional_logistic(pairs, **kwargs)
    with pytest.warns(SeparationWarning):
        reference = conditional_logistic(pairs, engine="statsmodels", **kwargs)
    assert auto.engine == "statsmodels"
    pd.testing.assert_frame_equal(auto.summary(), reference.summary())
    fit = fit_conditional_logit(pairs["case"].to_numpy(), pairs[["exposed"]].to_numpy(),
                                pairs["pair"].to_numpy())
    assert not fit.converged


def test_one_to_one_pairs_are_logistic_on_differences():
    """1:1 pairs: the conditional MLE is the no-intercept logistic fit of case - control."""
    import statsmodels.api as sm

    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, 2))
    case = np.tile([1, 0], 200)
    pair = np.repeat(np.arange(200), 2)
    fit = fit_conditional_logit(case, x, pair)
    diff = x[0::2] - x[1::2]
    # the case is first in every pair: flip half of the differences to give both outcomes
    sign = np.where(np.arange(200) % 2 == 0, 1.0, -1.0)
    glm = sm.GLM((sign > 0).astype(float), diff * sign[:, None],
                  family=sm.families.Binomial()).fit(tol=1e-12)
    np.testing.assert_allclose(fit.params, glm.params, atol=1e-8)
    np.testing.assert_allclose(fit.bse, glm.bse, rtol=1e-6)


def test_engine_argument_is_checked():
    frame, kwargs = _design(1)
    with pytest.raises(AnalysisInputError, match="engine must be"):
        conditional_logistic(frame, engine="R", **kwargs)
