"""Which 2x2 tables are consistent with a published odds ratio and confidence interval?

Given the margins a paper reports (e.g. 33 knees with incident BML vs 201 without) and its
printed odds ratio and interval, :func:`reconstruct_2x2` enumerates every integer table with
those margins, computes the odds ratio and interval the way the paper is assumed to have
(Woolf or Cornfield), rounds to the printed precision and keeps the tables that reproduce
all three numbers. Zero consistent tables is a valid answer: the published estimate then
did not come from a crude 2x2 table with those margins (e.g. it was adjusted, came from a
subset with missing outcomes, or from a clustered model).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal

import numpy as np
import pandas as pd
import scipy

from ..._checks import check_alpha
from ..._columns import CI_LOWER, CI_UPPER, ESTIMATE, EVENTS, P_VALUE, TERM, N
from ...exceptions import AnalysisInputError
from ...results import Accounting, Result, result, summary_frame
from ._odds_ratio_math import cornfield_limits, woolf_limits
from ._table import COUNT_NAMES

__all__ = ["ReconstructionResult", "reconstruct_2x2"]

ReconstructMethod = Literal["woolf", "cornfield"]
RECONSTRUCT_METHODS: tuple[str, ...] = ("woolf", "cornfield")
#: Column with each candidate's largest deviation from the published numbers, in units of
#: half the last printed digit (every candidate has a value <= 1).
DEVIATION = "max_deviation"
#: Enumeration guard: tables searched at most (memory grows linearly with it).
_MAX_TABLES = 20_000_000
#: Relative slack when comparing with the rounding half-width (floating-point noise only).
_SLACK = 1e-9


@result
class ReconstructionResult(Result):
    """The 2x2 tables consistent with a published odds ratio and interval.

    Attributes
    ----------
    published : mapping of str to float
        ``estimate, ci_lower, ci_upper`` as published.
    decimals : tuple of int
        Printed decimal places of the estimate and of each limit.
    margins : mapping of str to int or None
        ``n_exposed, n_unexposed, n_cases, n_noncases`` as given.
    method : str
        How each table's interval was computed (``"woolf"`` or ``"cornfield"``).
    alpha : float
        One minus the confidence level.
    candidates : pandas.DataFrame
        One row per consistent table, closest first: the four counts, ``estimate,
        ci_lower, ci_upper`` at full precision, ``p_value`` (Wald test of the log odds
        ratio for ``"woolf"``, as a logistic regression prints it; Pearson chi-square for
        ``"cornfield"``) and ``max_deviation`` (largest distance from a published number in
        units of half its last digit; at most 1).
    accounting : Accounting
        Tables searched (``n_rows``) and tables consistent (``n_used``).
    warnings : tuple of str
        Always empty; kept for the common result interface.
    """

    published: Mapping[str, float]
    decimals: tuple[int, int, int]
    margins: Mapping[str, int | None]
    method: str
    alpha: float
    candidates: pd.DataFrame
    accounting: Accounting
    warnings: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return "2x2 reconstruction"

    @property
    def n_candidates(self) -> int:
        """How many tables reproduce the published numbers (0 is a valid answer)."""
        return len(self.candidates)

    def header(self) -> dict[str, object]:
        out = super().header()
        out["margins"] = ", ".join(f"{k}={v}" for k, v in self.margins.items() if v is not None)
        out["decimals"] = self.decimals
        out["consistent tables"] = self.n_candidates
        return out

    def summary(self) -> pd.DataFrame:
        """A ``published`` row, then one row per consistent table.

        Columns: ``term, estimate, ci_lower, ci_upper, p_value, n, events``, the four
        counts and ``max_deviation``. ``term`` of a candidate reads ``"a/b vs c/d"``
        (exposed cases/non-cases vs unexposed cases/non-cases).
        """
        total = _known_total(self.margins)
        rows = [{TERM: "published", **self.published, P_VALUE: None, N: total,
                 EVENTS: self.margins.get("n_cases")}]
        frame = self.candidates
        cells = frame.loc[:, list(COUNT_NAMES)].to_numpy()
        terms = [f"{a}/{b} vs {c}/{d}" for a, b, c, d in cells.tolist()]
        rows += pd.DataFrame({
            TERM: terms, ESTIMATE: frame[ESTIMATE], CI_LOWER: frame[CI_LOWER],
            CI_UPPER: frame[CI_UPPER], P_VALUE: frame[P_VALUE], N: cells.sum(axis=1),
            EVENTS: cells[:, 0] + cells[:, 2],
            **{name: frame[name] for name in (*COUNT_NAMES, DEVIATION)},
        }).to_dict("records")
        out = summary_frame(rows, extra=[N, EVENTS, *COUNT_NAMES, DEVIATION])
        # nullable integers: the published row has no counts
        return out.astype({name: "Int64" for name in (N, EVENTS, *COUNT_NAMES)})


def _known_total(margins: Mapping[str, int | None]) -> int | None:
    if margins.get("n_exposed") is not None and margins.get("n_unexposed") is not None:
        return int(margins["n_exposed"]) + int(margins["n_unexposed"])  # type: ignore[arg-type]
    if margins.get("n_cases") is not None and margins.get("n_noncases") is not None:
        return int(margins["n_cases"]) + int(margins["n_noncases"])  # type: ignore[arg-type]
    return None


def _printed(value: float | str, name: str) -> tuple[float, int]:
    """The number and its printed decimal places ("15.1" -> 1; 4.2 -> 1; "1.20" -> 2)."""
    if isinstance(value, str):
        text = value.strip()
    elif isinstance(value, int | float | np.integer | np.floating) and not isinstance(
            value, bool):
        # shortest repr that round-trips: 15.1 -> "15.1"; a float cannot keep "1.20"
        text = np.format_float_positional(float(value), trim="-")
    else:
        raise AnalysisInputError(f"{name} must be a number or a string such as '1.20', "
                                 f"got {value!r}.")
    try:
        number = float(text)
    except ValueError:
        raise AnalysisInputError(f"{name}: cannot read {value!r} as a number.") from None
    if not np.isfinite(number) or number <= 0:
        raise AnalysisInputError(f"{name} must be a positive finite odds ratio, got {value!r}.")
    mantissa = text.lower().split("e")[0]
    return number, len(mantissa.split(".")[1]) if "." in mantissa else 0


def _decimals(decimals: int | tuple[int, int, int] | None,
              inferred: tuple[int, int, int]) -> tuple[int, int, int]:
    if decimals is None:
        return inferred
    values = (decimals,) * 3 if isinstance(decimals, int | np.integer) else tuple(decimals)
    if len(values) != 3 or any(not isinstance(v, int | np.integer) or v < 0 for v in values):
        raise AnalysisInputError(
            f"decimals must be a non-negative int or three of them (estimate, ci_lower, "
            f"ci_upper), got {decimals!r}.")
    return (int(values[0]), int(values[1]), int(values[2]))


def _margins(**margins: int | None) -> dict[str, int | None]:
    bad = {k: v for k, v in margins.items() if v is not None and (
        isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 0)}
    if bad:
        raise AnalysisInputError(f"margins must be non-negative ints: {bad}.")
    out = {k: (None if v is None else int(v)) for k, v in margins.items()}
    exposure_pair = out["n_exposed"] is not None and out["n_unexposed"] is not None
    outcome_pair = out["n_cases"] is not None and out["n_noncases"] is not None
    if not (exposure_pair or outcome_pair):
        raise AnalysisInputError(
            f"give both exposure margins (n_exposed and n_unexposed) or both outcome margins "
            f"(n_cases and n_noncases); got {out}. Without a complete pair the total is "
            f"unknown and the tables cannot be enumerated.")
    if exposure_pair and outcome_pair and (
            out["n_exposed"] + out["n_unexposed"] != out["n_cases"] + out["n_noncases"]):  # type: ignore[operator]
        raise AnalysisInputError(
            f"the margins disagree: n_exposed + n_unexposed = "
            f"{out['n_exposed'] + out['n_unexposed']} but n_cases + n_noncases = "  # type: ignore[operator]
            f"{out['n_cases'] + out['n_noncases']}.")  # type: ignore[operator]
    return out


def _enumerate(m: Mapping[str, int | None]) -> tuple[np.ndarray, ...]:
    """Every table (a, b, c, d) with the given margins, as four flat int arrays."""
    by_exposure = m["n_exposed"] is not None and m["n_unexposed"] is not None
    first, second = ((m["n_exposed"], m["n_unexposed"]) if by_exposure
                     else (m["n_cases"], m["n_noncases"]))
    size = (first + 1) * (second + 1)  # type: ignore[operator]
    if size > _MAX_TABLES:
        raise AnalysisInputError(
            f"{size:,} tables to search exceeds the limit of {_MAX_TABLES:,}; give all four "
            f"margins to search one dimension only.")
    # (numpy's meshgrid stubs reject arange's platform-int arrays)
    x, y = np.meshgrid(np.arange(first + 1), np.arange(second + 1), indexing="ij")  # type: ignore[operator, call-overload]
    x, y = x.ravel(), y.ravel()
    if by_exposure:  # x = exposed cases, y = unexposed cases
        a, b, c, d = x, first - x, y, second - y
    else:  # x = exposed cases, y = exposed non-cases
        a, b, c, d = x, y, first - x, second - y
    keep = np.ones(a.size, dtype=bool)
    if by_exposure:
        if m["n_cases"] is not None:
            keep &= a + c == m["n_cases"]
        if m["n_noncases"] is not None:
            keep &= b + d == m["n_noncases"]
    else:
        if m["n_exposed"] is not None:
            keep &= a + b == m["n_exposed"]
        if m["n_unexposed"] is not None:
            keep &= c + d == m["n_unexposed"]
    return a[keep], b[keep], c[keep], d[keep]


def reconstruct_2x2(
    estimate: float | str,
    ci_lower: float | str,
    ci_upper: float | str,
    *,
    n_exposed: int | None = None,
    n_unexposed: int | None = None,
    n_cases: int | None = None,
    n_noncases: int | None = None,
    method: ReconstructMethod = "woolf",
    alpha: float = 0.05,
    decimals: int | tuple[int, int, int] | None = None,
) -> ReconstructionResult:
    r"""Find every integer 2x2 table that reproduces a published odds ratio and interval.

    Parameters
    ----------
    estimate, ci_lower, ci_upper : float or str
        The published odds ratio and limits. Pass strings to keep trailing zeros
        (``"1.20"`` has two decimals; the float ``1.20`` is read as ``1.2``).
    n_exposed, n_unexposed : int or None, default=None
        Exposure margins (row totals), e.g. knees with and without incident BML.
    n_cases, n_noncases : int or None, default=None
        Outcome margins (column totals). At least one complete pair of margins is needed;
        a margin of the other pair, when known, narrows the search.
    method : {"woolf", "cornfield"}, default="woolf"
        How the paper is assumed to have computed the interval (Woolf is also what an
        unadjusted logistic regression prints).
    alpha : float, default=0.05
        One minus the published confidence level.
    decimals : int, tuple of three ints, or None, default=None
        Printed decimal places of ``estimate, ci_lower, ci_upper``. ``None`` infers each
        from the printed number: "4.2 (1.2-15.1)" has one decimal each, whereas rounding
        to two significant digits would have printed "15" (so the paper rounded to
        decimals, not significant digits).

    Returns
    -------
    ReconstructionResult
        ``candidates`` lists every consistent table (counts, odds ratio, interval,
        p-value, deviation), closest first; ``n_candidates`` says how many exist (0 is a
        valid, reported answer). ``summary()``: a ``published`` row, then the candidates.

    Raises
    ------
    AnalysisInputError
        No complete pair of margins, inconsistent margins, an unknown method, a published
        interval that does not contain the estimate, or a search larger than 20 million
        tables.

    Notes
    -----
    A table matches when each computed number lies within half a unit of the last printed
    digit of the published one, :math:`|x - x_{pub}| \le 0.5\cdot 10^{-d}`, inclusive so
    that either rounding rule at a tie (half up, half to even) is accepted. Tables with a
    zero cell have no Woolf interval and never match under ``"woolf"``. All tables are
    evaluated at once as numpy arrays; for ``"cornfield"`` the point estimate is screened
    first and the interval solved only for the survivors.

    Examples
    --------
    The crude Woolf OR of Felson et al. 2003 (27/48 vs 12/136) is 6.375 (2.995-13.57);
    printed as "6.4 (3.0-13.6)" it is recovered from the exposure margins 75 and 148:

    >>> r = reconstruct_2x2("6.4", "3.0", "13.6", n_exposed=75, n_unexposed=148)
    >>> r.candidates[["exposed_cases", "unexposed_cases"]].values.tolist()
    [[27, 12]]
    """
    alpha = check_alpha(alpha)
    if method not in RECONSTRUCT_METHODS:
        raise AnalysisInputError(
            f"method must be one of {list(RECONSTRUCT_METHODS)}, got {method!r}; exact and "
            f"mid-p intervals need a root search per table and are not enumerated.")
    published, inferred = zip(*(_printed(v, k) for k, v in (
        ("estimate", estimate), ("ci_lower", ci_lower), ("ci_upper", ci_upper))),
        strict=True)
    digits = _decimals(decimals, inferred)
    half = 0.5 * 10.0 ** -np.asarray(digits, dtype=float) * (1 + _SLACK)
    low_pub, point_pub, high_pub = published[1] - half[1], published[0], published[2] + half[2]
    if low_pub > point_pub + half[0] or point_pub - half[0] > high_pub:
        raise AnalysisInputError(
            f"reconstruct_2x2: the published interval ({published[1]:g}, {published[2]:g}) "
            f"does not contain the estimate {published[0]:g}, which no table can give (every "
            "method's interval holds its estimate). Check the order of the arguments: "
            "estimate, ci_lower, ci_upper."
        )
    margins = _margins(n_exposed=n_exposed, n_unexposed=n_unexposed, n_cases=n_cases,
                       n_noncases=n_noncases)
    a, b, c, d = _enumerate(margins)
    searched = a.size

    with np.errstate(divide="ignore", invalid="ignore"):
        sample_or = (a * d) / (b * c)
    # screen on the point estimate first: cheap, and it removes almost every table
    keep = np.abs(sample_or - published[0]) <= half[0]
    a, b, c, d, point = a[keep], b[keep], c[keep], d[keep], sample_or[keep]
    if method == "woolf":
        _, lower, upper = woolf_limits(a, b, c, d, alpha)
    else:
        lower, upper = cornfield_limits(a, b, c, d, alpha)
    with np.errstate(invalid="ignore"):
        keep = ((np.abs(lower - published[1]) <= half[1])
                & (np.abs(upper - published[2]) <= half[2]))
    a, b, c, d, point, lower, upper = (x[keep] for x in (a, b, c, d, point, lower, upper))

    if method == "woolf":
        z = np.log(point) / np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
        p_value = 2 * scipy.special.ndtr(-np.abs(z))
    else:
        n1, n0, m1, m0 = a + b, c + d, a + c, b + d
        chi2 = (n1 + n0) * (a * d - b * c) ** 2 / (n1 * n0 * m1 * m0)
        p_value = scipy.stats.chi2.sf(chi2, df=1)
    deviation = np.max(np.abs(np.column_stack([point, lower, upper]) - np.asarray(published))
                       / (half / (1 + _SLACK)), axis=1) if a.size else np.zeros(0)
    candidates = pd.DataFrame({
        COUNT_NAMES[0]: a, COUNT_NAMES[1]: b, COUNT_NAMES[2]: c, COUNT_NAMES[3]: d,
        ESTIMATE: point, CI_LOWER: lower, CI_UPPER: upper, P_VALUE: p_value,
        DEVIATION: deviation,
    }).sort_values([DEVIATION, COUNT_NAMES[0], COUNT_NAMES[2]], kind="stable")
    candidates = candidates.reset_index(drop=True).astype({n: np.int64 for n in COUNT_NAMES})
    return ReconstructionResult(
        published=MappingProxyType(dict(zip((ESTIMATE, CI_LOWER, CI_UPPER), published,
                                            strict=True))),
        decimals=digits, margins=MappingProxyType(margins), method=method, alpha=alpha,
        candidates=candidates,
        accounting=Accounting(unit="table", n_rows=int(searched), n_used=len(candidates)),
    )
