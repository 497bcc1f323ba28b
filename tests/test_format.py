"""One number formatter: missing, infinite, negative zero, tiny and huge values read the same
in a result's repr, a report table cell, a figure label and a printed-number comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bmecohort._format import (
    format_count,
    format_estimate,
    format_interval,
    format_number,
    format_p,
    format_significant,
    is_missing,
)
from bmecohort._printed import fmt
from bmecohort.plots.forest import _format_estimate
from bmecohort.report.document import _cell
from bmecohort.results import _format_cell, _format_frame, _header_value

NAN = float("nan")
INF = float("inf")

# value, decimals, shown
NUMBERS = [
    (1.23456, 2, "1.23"),
    (-1.23456, 2, "-1.23"),
    (0.0, 2, "0.00"),
    (-0.0, 2, "0.00"),
    (-0.0, 3, "0.000"),
    (0.0042, 2, "0.0042"),
    (-0.004, 2, "-0.004"),
    (0.01, 2, "0.01"),
    (1.5e-9, 3, "1.5e-09"),
    (999999.4, 2, "999999.40"),
    (12345678.9, 2, "1.2e+07"),
    (12345678.9, 3, "1.23e+07"),
    (0.3, 0, "0.3"),
    (12.5, 0, "12"),
    (INF, 2, "inf"),
    (-INF, 2, "-inf"),
    (NAN, 2, ""),
    (None, 2, ""),
    (pd.NA, 2, ""),
    (np.float32(2.5), 1, "2.5"),
    (np.int64(3), 2, "3.00"),
]


@pytest.mark.parametrize(("value", "decimals", "shown"), NUMBERS)
def test_number_rule(value, decimals, shown):
    assert format_number(value, decimals) == shown


@pytest.mark.parametrize(("value", "decimals", "shown"),
                         [c for c in NUMBERS if isinstance(c[0], float | None)
                          or c[0] is pd.NA])
def test_repr_cells_and_report_cells_follow_the_rule(value, decimals, shown):
    assert _format_cell(value, decimals) == shown
    assert _cell(value, "Estimate", decimals) == shown


def test_missing_is_one_marker():
    for value in (None, NAN, pd.NA, pd.NaT, np.float64("nan")):
        assert is_missing(value)
        assert format_number(value) == format_p(value) == format_count(value) == ""
        assert format_significant(value) == fmt(value) == ""
    assert not is_missing(0) and not is_missing("") and not is_missing(False)


@pytest.mark.parametrize(("p", "shown"), [(0.04567, "0.046"), (0.001, "0.001"),
                                          (0.00099, "<0.001"), (0.0, "<0.001"),
                                          (1.0, "1.000"), (NAN, ""), (None, ""),
                                          (np.float64(0.5), "0.500")])
def test_p_value_rule(p, shown):
    assert format_p(p) == shown
    assert _cell(p, "p", 2) == shown
    frame = _format_frame(pd.DataFrame({"p_value": [p]}, dtype=object), 3)
    assert frame["p_value"].iloc[0] == shown


@pytest.mark.parametrize(("low", "high", "shown"), [
    (0.5, 2.0, "0.50 to 2.00"), (0.5, INF, "0.50 to inf"), (0.0, INF, "0.00 to inf"),
    (0.5, NAN, "0.50 to NA"), (None, 2.0, "NA to 2.00"), (NAN, None, ""),
    (-0.0, 0.004, "0.00 to 0.004")])
def test_interval_rule(low, high, shown):
    assert format_interval(low, high) == shown


def test_estimate_with_interval_is_the_same_in_figures_and_tables():
    assert format_estimate(1.5, 0.8, 2.75) == _format_estimate(1.5, 0.8, 2.75) \
        == "1.50 (0.80 to 2.75)"
    assert _format_estimate(2.0, 0.5, INF) == "2.00 (0.50 to inf)"
    assert _format_estimate(2.0, NAN, NAN) == format_estimate(2.0, NAN, NAN) == "2.00"
    assert _format_estimate(NAN, 0.5, 2.0) == "not estimable"  # the figure's own label
    assert format_estimate(NAN, 0.5, 2.0) == ""
    assert format_estimate(12.34, 5.0, 20.0, 0, unit="%") == "12% (5 to 20)"


@pytest.mark.parametrize(("value", "below", "shown"), [
    (3, 5, "<5"), (0, 5, "0"), (-0.0, 5, "0"), (12.0, None, "12"), (np.int64(7), 5, "7"),
    (2.5, None, "2.5"), (INF, None, "inf"), (None, 5, ""), (NAN, 5, ""), (pd.NA, 5, ""),
    ("<NA>", 5, ""), ("n/a text", 5, "n/a text"), ("12", None, "12")])
def test_count_rule(value, below, shown):
    assert format_count(value, below) == shown


def test_report_count_columns_are_whole_numbers():
    assert _cell(12.0, "n", 2) == "12"
    assert _cell(12.5, "n", 2) == "12.50"
    assert _cell(INF, "n", 2) == "inf"


@pytest.mark.parametrize(("value", "shown"), [
    (4.2345, "4.23"), (0.00012, "1.2e-04"), (12345.6, "12346"), (-0.0, "0"), (0.0, "0"),
    (INF, "inf"), (-INF, "-inf"), (NAN, ""), (None, "")])
def test_printed_numbers_keep_the_papers_rule(value, shown):
    assert fmt(value) == shown


def test_no_negative_zero_anywhere():
    for decimals in (0, 1, 2, 3):
        assert format_number(-0.0, decimals) == format_number(0.0, decimals)
        assert format_interval(-0.0, -0.0, decimals) == format_interval(0.0, 0.0, decimals)
    assert format_number(-1e-12, 2) == "-1e-12"  # a tiny negative is not a zero
    assert format_significant(-0.0) == fmt(-0.0) == format_count(-0.0) == "0"


def test_header_numbers_are_rounded_at_display_only():
    from bmecohort import mantel_haenszel_from_counts

    res = mantel_haenszel_from_counts(pd.DataFrame({
        "exposed_cases": [5, 6], "exposed_noncases": [5, 4],
        "unexposed_cases": [2, 3], "unexposed_noncases": [8, 7]}))
    key = next(k for k in res.header() if k.startswith("homogeneity"))
    p = res.header()[key]
    assert isinstance(p, float)  # the number itself is kept
    line = next(x for x in res.to_text().splitlines() if "homogeneity" in x)
    assert line.endswith(f": {format_significant(p, 4)}")
    assert _header_value(NAN) == _header_value(pd.NA) == "NA" and _header_value(0.05) == "0.05"
    assert _header_value("woolf") == "woolf" and _header_value(None) == "None"
