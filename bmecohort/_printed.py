"""Published numbers as printed: their values, their precision and how they are shown.

A published statistic is typed once, as printed (``Published("4.2", "1.2", "15.1")``), so
that its printed precision is known: a recomputation matches it when it is within half a
unit of the last printed digit (:func:`within`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._format import format_significant, is_missing
from .exceptions import AnalysisInputError

__all__ = ["Published", "fmt", "printed_count", "within"]


def parse(text: str | None, name: str) -> tuple[float, int]:
    """A printed number and its decimal places ("15.1" -> (15.1, 1)); None -> (nan, 0)."""
    if text is None:
        return math.nan, 0
    if not isinstance(text, str):
        raise AnalysisInputError(f"{name}: type published numbers as printed strings "
                                 f"(e.g. '1.20'), got {text!r}.")
    body = text.strip().lstrip("<>")
    try:
        value = float(body)
    except ValueError:
        raise AnalysisInputError(f"{name}: cannot read {text!r} as a printed number.") from None
    return value, len(body.split(".")[1]) if "." in body else 0


@dataclass(frozen=True)
class Published:
    """A published statistic as printed: estimate and interval as strings, and its source.

    Parameters
    ----------
    estimate : str or None
        The printed estimate, e.g. ``"4.2"``, ``"14"`` (a percentage) or ``"<0.001"`` (a
        p-value bound); ``None`` when the paper printed none (literature.md: NOT FOUND).
    ci_lower, ci_upper : str or None, default=None
        The printed confidence limits.
    source : str, default=""
        Where the number comes from, e.g. ``"literature.md 1 (VERIFIED)"``.
    unit : str, default=""
        Appended when displayed, e.g. ``"%"``.
    label : str, default=""
        How it was printed when that is not a number, e.g. ``"M/F 3:1"``.
    range : bool, default=False
        ``ci_lower``-``ci_upper`` is a printed range of values ("progressive in 70-80%"),
        not a confidence interval; ``estimate`` is then ``None``.

    Notes
    -----
    An estimate printed as a bound (``"<0.001"``, ``">50"``) is matched when the
    reproduced estimate lies beyond it.
    """

    estimate: str | None
    ci_lower: str | None = None
    ci_upper: str | None = None
    source: str = ""
    unit: str = ""
    label: str = ""
    range: bool = False

    @property
    def bound(self) -> str:
        """``"<"`` or ``">"`` when the estimate is printed as a bound, else ``""``."""
        text = (self.estimate or "").strip()
        return text[0] if text[:1] in ("<", ">") else ""

    def values(self) -> tuple[float, float, float]:
        """``(estimate, ci_lower, ci_upper)`` as floats, ``nan`` where not printed."""
        return tuple(parse(v, n)[0] for n, v in self._items())  # type: ignore[return-value]

    def decimals(self) -> tuple[int, int, int]:
        """Printed decimal places of the estimate and the limits."""
        return tuple(parse(v, n)[1] for n, v in self._items())  # type: ignore[return-value]

    def _items(self) -> tuple[tuple[str, str | None], ...]:
        return (("estimate", self.estimate), ("ci_lower", self.ci_lower),
                ("ci_upper", self.ci_upper))

    @property
    def text(self) -> str:
        """The numbers as printed, e.g. ``"4.2 (1.2-15.1)"``; ``""`` when none."""
        if self.label:
            return self.label
        if self.range:
            return f"{self.ci_lower}-{self.ci_upper}{self.unit}"
        if self.estimate is None:
            return ""
        out = f"{self.estimate}{self.unit}"
        if self.ci_lower is not None and self.ci_upper is not None:
            out += f" ({self.ci_lower}-{self.ci_upper})"
        return out


def within(value: float, published: float, decimals: int) -> bool:
    """``|value - published| <= half a unit of the last printed digit`` (either tie rule)."""
    return bool(abs(value - published) <= 0.5 * 10.0 ** -decimals * (1 + 1e-9))


def fmt(value: float) -> str:
    """A number as papers print it: three significant digits, ``1.2e-04`` below 0.001 and
    whole numbers from 1000; missing, infinite and zero as everywhere
    (:mod:`bmecohort._format`).

    >>> fmt(4.2345), fmt(0.00012), fmt(12345.6), fmt(float("nan")), fmt(-0.0)
    ('4.23', '1.2e-04', '12346', '', '0')
    """
    if is_missing(value) or not math.isfinite(value) or value == 0:
        return format_significant(value)
    if abs(value) < 0.001:
        return f"{value:.1e}"
    return format_significant(value) if abs(value) < 1000 else f"{value:.0f}"


def printed_count(percent: str, n: int) -> np.ndarray:
    """Every count ``k`` of ``n`` whose percentage rounds to the printed ``percent``.

    >>> printed_count("35.9", 351).tolist()
    [126]
    """
    value, decimals = parse(percent, "percent")
    k = np.arange(n + 1)
    return k[np.abs(100.0 * k / n - value) <= 0.5 * 10.0 ** -decimals * (1 + 1e-9)]
