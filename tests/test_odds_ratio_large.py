"""Exact and mid-p odds ratios on large tables: R references, the window, big-table p-values.

bmecohort computes exact and mid-p odds ratios on a window of the conditional support
(``_odds_ratio_math``); these tests hold it to R's full-support ``fisher.test`` code
re-solved with ``uniroot(tol = 1e-13)`` (tests/reference/association/make_large.R) on
counts of 1e5 to 1e6, and check the window and the large-table Fisher p-value directly.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bmecohort import odds_ratio_from_counts
from bmecohort.estimators.association import _odds_ratio_math as orm

REF = Path(__file__).parent / "reference" / "association"
TABLES = pd.read_csv(REF / "inputs" / "tables_2x2_large.csv").set_index("dataset")
LIMITS = pd.read_csv(REF / "outputs" / "odds_ratio_large.csv")
P_VALUES = pd.read_csv(REF / "outputs" / "p_values_large.csv").set_index("dataset")
#: R solves on psi (or 1/psi, log psi) to 1e-13 absolute; limits agree to ~1e-10 relative.
RTOL = 1e-9


def _fit(dataset: str, method: str, alpha: float = 0.05):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the zero-cell table warns, as it should
        return odds_ratio_from_counts(**TABLES.loc[dataset].to_dict(), method=method,
                                      alpha=alpha)


@pytest.mark.parametrize("row", LIMITS.to_dict("records"),
                         ids=lambda r: f"{r['dataset']}-{r['method']}-{r['alpha']}")
def test_large_tables_match_tightened_fisher_test(row: dict) -> None:
    out = _fit(row["dataset"], row["method"], row["alpha"])
    assert out.method == row["method"]
    for name in ("estimate", "ci_lower", "ci_upper"):
        assert getattr(out, name) == pytest.approx(row[name], rel=RTOL, abs=1e-300), name


@pytest.mark.parametrize("dataset", TABLES.index)
def test_large_table_p_values_match_r(dataset: str) -> None:
    exact, midp = _fit(dataset, "exact"), _fit(dataset, "midp")
    # R's values underflow to 0 where ours are merely tiny (< 1e-15); epitools' mid-p
    # loses the zero-cell table's 4e-20 to cancellation
    assert exact.p_value == pytest.approx(P_VALUES.loc[dataset, "fisher"], rel=1e-6, abs=1e-15)
    assert midp.p_value == pytest.approx(P_VALUES.loc[dataset, "midp"], rel=1e-6, abs=1e-15)


@pytest.mark.parametrize("cells", [(30, 100, 20, 100), (3000, 10_000, 2000, 10_000),
                                   (7, 7, 1, 22), (0, 500, 9, 400)])
@pytest.mark.parametrize("solver", [orm.conditional_odds_ratio, orm.midp_odds_ratio])
def test_window_gives_the_full_support_answer(cells, solver, monkeypatch) -> None:
    windowed = solver(*cells, 0.05)
    monkeypatch.setattr(orm, "_WINDOW_EXTRA_SD", 1e9)  # the whole support
    assert windowed == pytest.approx(solver(*cells, 0.05), rel=1e-11, abs=1e-300)


def test_window_is_certified_at_every_root() -> None:
    a, b, c, d = 300_000_000, 1_000_000_000, 200_000_000, 1_000_000_000
    roots = np.log(orm.conditional_odds_ratio(a, b, c, d, 0.05))
    half = (stats.norm.ppf(0.975) + orm._WINDOW_EXTRA_SD) * orm._sd_guess(a, b, c, d)
    window = orm._Window.around(a, b, c, d, half)
    assert len(window.x) < window.hi - window.lo  # truly a window, not the support
    assert all(window.outside_mass(r) <= orm._TAIL_TOLERANCE for r in roots)


def test_big_table_fisher_p_value_applies_scipys_rule(monkeypatch) -> None:
    rng = np.random.default_rng(3)
    tables = [tuple(int(x) for x in rng.integers(0, int(10 ** rng.uniform(0, 5)) + 1, 4))
              for _ in range(400)]
    tables = [t for t in tables if min(t[0] + t[1], t[2] + t[3], t[0] + t[2], t[1] + t[3])]
    expected = [stats.fisher_exact(np.reshape(t, (2, 2))).pvalue for t in tables]
    monkeypatch.setattr(orm, "_FISHER_SCIPY_MAX_TOTAL", -1)  # force the big-table path
    got = [orm.fisher_p_value(*t) for t in tables]
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-300)


def test_fisher_p_value_beyond_int64_margins_is_a_probability() -> None:
    # scipy multiplies margins in int64 here (overflow); near the null the p-value is O(1)
    k = 10**12
    p = orm.fisher_p_value(3 * k // 10, k, 3 * k // 10 + 10**6, k)
    assert 0.0 < p < 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning from an overflow
        odds_ratio_from_counts(exposed_cases=3 * k // 10, exposed_noncases=k,
                               unexposed_cases=3 * k // 10 + 10**6, unexposed_noncases=k,
                               method="exact")
