"""2x2 reconstruction from a published odds ratio, interval and margins.

The vectorised enumeration is checked against a plain loop over every table through the
scalar odds_ratio_from_counts (statsmodels Table2x2 for Woolf), so the two paths share no
arithmetic; published cases: Felson 2003 (crude table recovered from its rounded Woolf OR;
the published GEE OR is not a crude table) and Davies-Tuck 2009 (OR 4.2, 1.2-15.1, margins
33 vs 201 knees with and without incident BML).
"""

from __future__ import annotations

import dataclasses
import warnings

import pytest

from bmecohort._columns import SUMMARY_COLUMNS_WITH_COUNTS
from bmecohort.estimators.association.reconstruct import reconstruct_2x2
from bmecohort.estimators.association.twobytwo import COUNT_NAMES, odds_ratio_from_counts
from bmecohort.exceptions import AnalysisInputError, SmallCellWarning

FELSON_2003 = (27, 48, 12, 136)


def matches(value: float, printed: float, decimals: int) -> bool:
    return abs(value - printed) <= 0.5 * 10**-decimals * (1 + 1e-9)


def scalar_table_values(n_exposed, n_unexposed, method):
    """(cells, (estimate, lower, upper)) for every table with the margins, one call each."""
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallCellWarning)
        for a in range(n_exposed + 1):
            for c in range(n_unexposed + 1):
                if a + c == 0 or a + c == n_exposed + n_unexposed:
                    continue  # no cases or no non-cases: no odds ratio
                cells = (a, n_exposed - a, c, n_unexposed - c)
                r = odds_ratio_from_counts(**dict(zip(COUNT_NAMES, cells, strict=True)),
                                           method=method)
                out.append((cells, (r.estimate, r.ci_lower, r.ci_upper)))
    return out


def brute_force(table_values, published, decimals):
    return sorted(cells for cells, values in table_values
                  if all(matches(v, p, d) for v, p, d in zip(values, published, decimals,
                                                             strict=True)))


def candidate_cells(result) -> list[tuple[int, ...]]:
    return sorted(tuple(int(x) for x in row)
                  for row in result.candidates[list(COUNT_NAMES)].to_numpy())


@pytest.mark.parametrize("method", ["woolf", "cornfield"])
def test_enumeration_equals_a_scalar_loop(method):
    # 12/8 vs 9/21 printed to 2, 1 and 0 decimals: looser rounding admits more tables
    reference = odds_ratio_from_counts(exposed_cases=12, exposed_noncases=8,
                                       unexposed_cases=9, unexposed_noncases=21, method=method)
    table_values = scalar_table_values(20, 30, method)
    for decimals in (2, 1, 0):
        published = tuple(round(v, decimals) for v in
                          (reference.estimate, reference.ci_lower, reference.ci_upper))
        out = reconstruct_2x2(*published, n_exposed=20, n_unexposed=30, method=method,
                              decimals=decimals)
        expected = brute_force(table_values, published, (decimals,) * 3)
        assert candidate_cells(out) == expected
        assert (12, 8, 9, 21) in expected


def test_felson_2003_crude_table_is_recovered():
    out = reconstruct_2x2("6.4", "3.0", "13.6", n_exposed=75, n_unexposed=148)
    assert candidate_cells(out) == [FELSON_2003]
    row = out.candidates.iloc[0]
    direct = odds_ratio_from_counts(**dict(zip(COUNT_NAMES, FELSON_2003, strict=True)))
    assert (row["estimate"], row["ci_lower"], row["ci_upper"]) == pytest.approx(
        (direct.estimate, direct.ci_lower, direct.ci_upper), rel=1e-12)
    # the outcome margins alone admit a second table; all four margins pin it down
    by_outcome = reconstruct_2x2("6.4", "3.0", "13.6", n_cases=39, n_noncases=184)
    assert FELSON_2003 in candidate_cells(by_outcome) and by_outcome.n_candidates == 2
    everything = reconstruct_2x2("6.4", "3.0", "13.6", n_exposed=75, n_unexposed=148,
                                 n_cases=39, n_noncases=184)
    assert candidate_cells(everything) == [FELSON_2003]


def test_felson_2003_published_gee_estimate_is_not_a_crude_table():
    out = reconstruct_2x2("6.5", "3.0", "14.0", n_exposed=75, n_unexposed=148)
    assert out.n_candidates == 0


def test_davies_tuck_2009_has_no_consistent_crude_table():
    """OR 4.2 (1.2-15.1) with 33 vs 201 knees: no table with these margins reproduces it."""
    out = reconstruct_2x2(4.2, 1.2, 15.1, n_exposed=33, n_unexposed=201)
    assert out.decimals == (1, 1, 1)
    assert out.accounting.n_rows == 34 * 202
    assert out.n_candidates == 0 and out.header()["consistent tables"] == 0
    summary = out.summary()
    assert summary["term"].tolist() == ["published"] and summary["n"].iloc[0] == 234
    # independent check: every table whose sample OR rounds to 4.2 misses a limit
    near = [(a, 33 - a, c, 201 - c) for a in range(1, 33) for c in range(1, 201)
            if matches(a * (201 - c) / ((33 - a) * c), 4.2, 1)]
    assert len(near) > 10
    for cells in near:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SmallCellWarning)  # some of them are sparse
            r = odds_ratio_from_counts(**dict(zip(COUNT_NAMES, cells, strict=True)))
        assert not (matches(r.ci_lower, 1.2, 1) and matches(r.ci_upper, 15.1, 1))
    assert reconstruct_2x2(4.2, 1.2, 15.1, n_exposed=33, n_unexposed=201,
                           method="cornfield").n_candidates == 0


def test_decimals_are_read_from_the_printed_numbers():
    assert reconstruct_2x2("4.20", "1.2", 15, n_exposed=33,
                           n_unexposed=201).decimals == (2, 1, 0)
    assert reconstruct_2x2(4.2, 1.2, 15.1, n_exposed=33, n_unexposed=201,
                           decimals=2).decimals == (2, 2, 2)
    assert reconstruct_2x2(4.2, 1.2, 15.1, n_exposed=33, n_unexposed=201,
                           decimals=(1, 1, 0)).decimals == (1, 1, 0)


def test_result_contract():
    out = reconstruct_2x2("6.4", "3.0", "13.6", n_cases=39, n_noncases=184)
    summary = out.summary()
    assert list(summary.columns[:7]) == list(SUMMARY_COLUMNS_WITH_COUNTS)
    assert summary["term"].tolist()[0] == "published" and len(summary) == 3
    assert "27/48 vs 12/136" in summary["term"].tolist()
    assert (out.candidates["max_deviation"] <= 1).all()
    assert "consistent tables" in out._repr_html_()
    with pytest.raises(dataclasses.FrozenInstanceError):
        out.method = "cornfield"  # type: ignore[misc]


def test_bad_input():
    with pytest.raises(AnalysisInputError, match="complete pair"):
        reconstruct_2x2(4.2, 1.2, 15.1, n_exposed=33, n_cases=40)
    with pytest.raises(AnalysisInputError, match="margins disagree"):
        reconstruct_2x2(4.2, 1.2, 15.1, n_exposed=33, n_unexposed=201, n_cases=40,
                        n_noncases=100)
    with pytest.raises(AnalysisInputError, match="not enumerated"):
        reconstruct_2x2(4.2, 1.2, 15.1, n_exposed=33, n_unexposed=201, method="exact")
    with pytest.raises(AnalysisInputError, match="positive finite"):
        reconstruct_2x2(-4.2, 1.2, 15.1, n_exposed=33, n_unexposed=201)
    with pytest.raises(AnalysisInputError, match="cannot read"):
        reconstruct_2x2("4,2", 1.2, 15.1, n_exposed=33, n_unexposed=201)
    with pytest.raises(AnalysisInputError, match="decimals"):
        reconstruct_2x2(4.2, 1.2, 15.1, n_exposed=33, n_unexposed=201, decimals=(1, 1))
