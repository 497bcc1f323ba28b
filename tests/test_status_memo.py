"""The report's reuse of lesion statuses (bmecohort.course._memo): same results, same
warnings, nothing cached outside a report."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from bmecohort.course import _memo, lesion_status
from bmecohort.exceptions import AnalysisInputError, DataQualityWarning
from bmecohort.simulate import knee_cohort


@pytest.fixture(scope="module")
def cohort():
    return knee_cohort(40, seed=3)


def test_status_is_built_once_per_cohort_and_options(cohort) -> None:
    outside = lesion_status(cohort, unit="knee")
    assert lesion_status(cohort, unit="knee") is not outside  # no cache outside a report
    with _memo.memoized():
        first = lesion_status(cohort, unit="knee")
        assert lesion_status(cohort, unit="knee", threshold=1, reader=None) is first
        assert lesion_status(cohort, unit="knee", threshold=2) is not first
        assert lesion_status(cohort, unit="subregion") is not first
        # another cohort object with the same tables is another key
        other = knee_cohort(40, seed=3)
        assert lesion_status(other, unit="knee") is not first
    pd.testing.assert_frame_equal(first.table, outside.table)
    assert first.accounting == outside.accounting


def test_warnings_are_issued_on_every_reuse(cohort) -> None:
    calls = []

    def build(cohort, **options):
        calls.append(options)
        warnings.warn("a caveat", DataQualityWarning, stacklevel=2)
        return object()

    with _memo.memoized():
        with pytest.warns(DataQualityWarning, match="a caveat"):
            first = _memo.lookup(cohort, build, {"unit": "knee"})
        with pytest.warns(DataQualityWarning, match="a caveat"):
            again = _memo.lookup(cohort, build, {"unit": "knee"})
    assert again is first and len(calls) == 1


def test_errors_are_not_cached_and_keep_their_warnings(cohort) -> None:
    calls = []

    def fail(cohort, **options):
        calls.append(options)
        warnings.warn("before the error", DataQualityWarning, stacklevel=2)
        raise AnalysisInputError("no such unit")

    with _memo.memoized():
        for _ in range(2):
            with pytest.warns(DataQualityWarning, match="before the error"), \
                    pytest.raises(AnalysisInputError, match="no such unit"):
                _memo.lookup(cohort, fail, {"unit": "elbow"})
    assert len(calls) == 2
