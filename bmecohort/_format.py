"""How numbers are shown: one rule for every display (reprs, report tables, figures, notes).

Results hold numbers; they are rounded only here, at display. Every printed number goes
through one of these functions, so a missing value, an infinity, a negative zero, a tiny or a
huge value reads the same in a result's ``repr``, the PDF report, an exported table and a
figure label:

- missing (``None``, ``nan``, ``pd.NA``, ``NaT``): :data:`MISSING`, an empty table cell;
  inside text (a bound of an interval, a result's header line) it reads
  :data:`MISSING_BOUND` (``"NA"``), so that the text stays legible;
- infinities: ``"inf"`` and ``"-inf"``;
- zero, negative zero included: ``"0.00"`` (never ``"-0.00"``);
- fixed ``decimals`` places from ``10**-decimals`` up to a million; a non-zero value below
  that (which would print as zero) or a million and more: ``decimals`` significant digits
  (at least one), e.g. ``0.0042`` and ``1.2e+07`` with two decimals;
- p-values: three decimals, ``"<0.001"`` below;
- counts: whole numbers, ``"<k"`` for ``0 < n < k`` under small-cell suppression.
"""

from __future__ import annotations

import math
from numbers import Real

import pandas as pd

__all__ = [
    "MISSING",
    "MISSING_BOUND",
    "format_count",
    "format_estimate",
    "format_interval",
    "format_number",
    "format_p",
    "format_significant",
    "is_missing",
]

#: A missing number: an empty cell.
MISSING = ""
#: A missing number inside text: an interval's bound (``"0.50 to NA"``), a header line.
MISSING_BOUND = "NA"
#: From this magnitude on, numbers are shown with significant digits.
LARGE = 1e6


def _real(value: object) -> float | None:
    """``value`` as a float, or None when it is missing or not a number."""
    if value is None or value is pd.NA or value is pd.NaT or isinstance(value, bool):
        return None
    if not isinstance(value, Real):
        try:
            value = float(value)  # type: ignore[arg-type]  # numpy scalars, numeric text
        except (TypeError, ValueError):
            return None
    number = float(value)
    return None if math.isnan(number) else number + 0.0  # + 0.0: no negative zero


def is_missing(value: object) -> bool:
    """Whether ``value`` is shown as missing: ``None``, ``nan``, ``pd.NA`` or ``NaT``.

    >>> is_missing(None), is_missing(float("nan")), is_missing(0.0), is_missing("x")
    (True, True, False, False)
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, Real) and not isinstance(value, bool) and math.isnan(value)


def _infinite(number: float) -> str:
    return "inf" if number > 0 else "-inf"


def format_number(value: object, decimals: int = 2) -> str:
    """A number with ``decimals`` places (the rule in the module docstring).

    >>> [format_number(v) for v in (1.234, -0.0, 0.0042, -0.004, 12345678.9, float("inf"), None)]
    ['1.23', '0.00', '0.0042', '-0.004', '1.2e+07', 'inf', '']
    >>> format_number(0.3, 0), format_number(12.5, 0)
    ('0.3', '12')
    """
    x = _real(value)
    if x is None:
        return MISSING
    if math.isinf(x):
        return _infinite(x)
    if x != 0 and (abs(x) < 10.0 ** -decimals or abs(x) >= LARGE):
        return f"{x:.{max(decimals, 1)}g}"
    return f"{x:.{decimals}f}"


def format_significant(value: object, digits: int = 3) -> str:
    """``digits`` significant digits; missing, infinite, zero as in :func:`format_number`.

    >>> format_significant(0.012345), format_significant(-0.0), format_significant(float("nan"))
    ('0.0123', '0', '')
    """
    x = _real(value)
    if x is None:
        return MISSING
    if math.isinf(x):
        return _infinite(x)
    return f"{x:.{digits}g}"


def format_p(p: object) -> str:
    """A p-value: three decimals, ``"<0.001"`` below, empty when missing.

    >>> format_p(0.04567), format_p(0.0002), format_p(None)
    ('0.046', '<0.001', '')
    """
    x = _real(p)
    if x is None:
        return MISSING
    return "<0.001" if x < 0.001 else f"{x:.3f}"


def format_interval(low: object, high: object, decimals: int = 2) -> str:
    """``"low to high"`` (each as :func:`format_number`); empty when both bounds are missing.

    >>> format_interval(0.5, float("inf")), format_interval(0.5, None), format_interval(None, float("nan"))
    ('0.50 to inf', '0.50 to NA', '')
    """
    if is_missing(low) and is_missing(high):
        return MISSING
    first, second = (format_number(v, decimals) or MISSING_BOUND for v in (low, high))
    return f"{first} to {second}"


def format_estimate(estimate: object, low: object, high: object, decimals: int = 2,
                      *, unit: str = "") -> str:
    """``"estimate (low to high)"``; the estimate alone without an interval, empty without it.

    >>> format_estimate(1.5, 0.8, 2.75), format_estimate(1.5, None, None)
    ('1.50 (0.80 to 2.75)', '1.50')
    >>> format_estimate(12.34, 5.0, 20.0, 0, unit="%")
    '12% (5 to 20)'
    """
    shown = format_number(estimate, decimals)
    if not shown:
        return MISSING
    limits = format_interval(low, high, decimals)
    return f"{shown}{unit} ({limits})" if limits else f"{shown}{unit}"


def format_count(value: object, suppress_below: int | None = None) -> str:
    """A count as text; ``"<k"`` when ``0 < value < k = suppress_below`` (small-cell rule).

    Missing values give ``""``; zero is shown (it identifies no one); text is kept.

    >>> format_count(3, 5), format_count(0, 5), format_count(12.0, None), format_count(-0.0), format_count(2.5)
    ('<5', '0', '12', '0', '2.5')
    """
    x = _real(value)
    if x is None:
        if is_missing(value) or str(value) == "<NA>":
            return MISSING
        return str(value)
    if suppress_below is not None and 0 < x < suppress_below:
        return f"<{suppress_below}"
    if math.isinf(x):
        return _infinite(x)
    return f"{int(x)}" if x == round(x) else f"{x:g}"
