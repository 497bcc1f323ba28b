"""A design's GEE engine choice: the vectorised solver alone gives auto's numbers where it
converges, and reports the fits it cannot converge as unconverged instead of refitting them."""

from __future__ import annotations

import warnings

import pytest

from bmecohort import syndesmophyte_predictors
from bmecohort.exceptions import AnalysisInputError
from bmecohort.simulate import spine_cohort

MODELS = ("clustered groups", "mutually adjusted")


def test_fast_engine_gives_auto_numbers_where_it_converges():
    cohort = spine_cohort(60, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # small cells are expected in 60 patients
        auto = syndesmophyte_predictors(cohort)
        fast = syndesmophyte_predictors(cohort, engine="fast")
    for model in MODELS:
        assert fast.result(model).engine == "fastgee"
        if auto.result(model).engine == "fastgee":
            assert fast.result(model).summary().equals(auto.result(model).summary())


def test_statsmodels_engine_and_bad_engine():
    cohort = spine_cohort(60, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        design = syndesmophyte_predictors(cohort, engine="statsmodels")
        assert {design.result(m).engine for m in MODELS} == {"statsmodels"}
        with pytest.raises(AnalysisInputError, match="engine"):
            syndesmophyte_predictors(cohort, engine="gpu")  # type: ignore[arg-type]
