r"""Bias from misclassification of the lesion (exposure) or the outcome in a 2x2 table.

Simple bias analysis (Lash, Fox and Fink 2009, ch. 6): with sensitivity :math:`Se` and
specificity :math:`Sp` of the classification, the expected true count of a margin of
:math:`M` units of which :math:`x^*` were classified positive is

.. math:: x = \frac{x^* - (1 - Sp)\,M}{Se + Sp - 1}.

For ``kind="exposure"`` (e.g. a BML read on MRI) the margins are the cases and the
non-cases; for ``kind="outcome"`` they are the exposed and the unexposed. Non-differential
misclassification uses one :math:`(Se, Sp)`; differential uses one pair per margin.
Probabilistic bias analysis (Fox, Lash and Greenland 2005) draws :math:`Se` and :math:`Sp`
from distributions, corrects the table for each draw (dropping draws that give impossible,
negative, counts), and reports the median corrected odds ratio with the 2.5th and 97.5th
percentiles (systematic error), and the same after adding conventional random error,
:math:`\log OR_c - Z\,\widehat{se}`, with :math:`Z \sim N(0, 1)` and :math:`\widehat{se}`
the Woolf standard error of the observed table (total error). Reader error measured by
the reliability statistics (sensitivity and specificity of a reader against a reference
read) is carried into the odds ratio this way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special

from ..._checks import check_alpha
from ..._columns import CI_LOWER, CI_UPPER, ESTIMATE, P_VALUE, TERM
from ...exceptions import AnalysisInputError
from ...results import Result, result, summary_frame
from ..association._table import COUNT_NAMES, make_counts

__all__ = ["MisclassificationResult", "ProbabilisticBiasResult", "correct_misclassification",
           "probabilistic_misclassification", "validation_distributions"]

Kind = Literal["exposure", "outcome"]
#: Iterations drawn per task; fixed, so that results do not depend on n_jobs.
_CHUNK = 10_000


def _margins(kind: str) -> tuple[tuple[str, str], tuple[str, str], tuple[str, str]]:
    """(positive, negative) cell names of each margin, and the margins' names."""
    if kind == "exposure":  # classified exposed vs unexposed, within cases and non-cases
        return (("exposed_cases", "unexposed_cases"),
                ("exposed_noncases", "unexposed_noncases"), ("cases", "non-cases"))
    if kind == "outcome":  # classified case vs non-case, within exposed and unexposed
        return (("exposed_cases", "exposed_noncases"),
                ("unexposed_cases", "unexposed_noncases"), ("exposed", "unexposed"))
    raise AnalysisInputError(f"kind must be 'exposure' or 'outcome', got {kind!r}.")


def _pair(name: str, value: Any) -> tuple[float, float]:
    """One number (non-differential) or a pair (differential) as a pair of floats."""
    values = (value, value) if np.isscalar(value) else tuple(value)
    if len(values) != 2:
        raise AnalysisInputError(f"{name} must be one number or a pair, got {value!r}.")
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | float | np.number) or not 0 < v <= 1:
            raise AnalysisInputError(f"{name} values must lie in (0, 1], got {value!r}.")
        out.append(float(v))
    return out[0], out[1]


def _correct(cells: Mapping[str, Any], kind: str, se: tuple[Any, Any], sp: tuple[Any, Any]
             ) -> dict[str, Any]:
    """Corrected cells (numbers, or arrays: vectorised over draws)."""
    first, second, _ = _margins(kind)
    out: dict[str, Any] = {}
    for (pos, neg), s_e, s_p in ((first, se[0], sp[0]), (second, se[1], sp[1])):
        total = cells[pos] + cells[neg]
        with np.errstate(divide="ignore", invalid="ignore"):
            true_pos = (cells[pos] - (1 - s_p) * total) / (s_e + s_p - 1)
        out[pos], out[neg] = true_pos, total - true_pos
    return out


def _odds_ratio(c: Mapping[str, Any]) -> Any:
    with np.errstate(divide="ignore", invalid="ignore"):
        return (c["exposed_cases"] * c["unexposed_noncases"]) / (
            c["exposed_noncases"] * c["unexposed_cases"])


def _risk_ratio(c: Mapping[str, Any]) -> Any:
    with np.errstate(divide="ignore", invalid="ignore"):
        return (c["exposed_cases"] / (c["exposed_cases"] + c["exposed_noncases"])) / (
            c["unexposed_cases"] / (c["unexposed_cases"] + c["unexposed_noncases"]))


def _observed(counts: Mapping[str, Any]) -> dict[str, float]:
    if not isinstance(counts, Mapping):
        raise AnalysisInputError(
            f"counts must be a mapping with the keys {list(COUNT_NAMES)}, got "
            f"{type(counts).__name__}.")
    missing = [k for k in COUNT_NAMES if k not in counts]
    if missing:
        raise AnalysisInputError(f"counts: missing {missing}; give all of {list(COUNT_NAMES)}.")
    return {k: float(v) for k, v in make_counts(counts).to_dict().items()}


def _woolf_se(c: Mapping[str, float]) -> float:
    return float(np.sqrt(sum(1 / c[k] for k in COUNT_NAMES)))


@result
class MisclassificationResult(Result):
    """Observed and misclassification-corrected 2x2 table and measures.

    Attributes
    ----------
    observed, corrected : dict of str to float
        The four cells before and after correction.
    kind : str
        ``"exposure"`` or ``"outcome"``.
    sensitivity, specificity : tuple of (float, float)
        Per margin (cases, non-cases for exposure; exposed, unexposed for outcome); equal
        pairs mean non-differential.
    odds_ratio, corrected_odds_ratio, risk_ratio, corrected_risk_ratio : float
    method : str
        ``"simple bias analysis (Lash, Fox and Fink)"``.
    """

    observed: dict[str, float]
    corrected: dict[str, float]
    kind: str
    sensitivity: tuple[float, float]
    specificity: tuple[float, float]
    odds_ratio: float
    corrected_odds_ratio: float
    risk_ratio: float
    corrected_risk_ratio: float
    method: str

    @property
    def title(self) -> str:
        return f"Bias analysis: {self.kind} misclassification"

    @property
    def differential(self) -> bool:
        """Whether sensitivity or specificity differs between the margins."""
        return (self.sensitivity[0] != self.sensitivity[1]
                or self.specificity[0] != self.specificity[1])

    def header(self) -> dict[str, object]:
        out = super().header()
        names = _margins(self.kind)[2]
        out["sensitivity"] = dict(zip(names, self.sensitivity, strict=True))
        out["specificity"] = dict(zip(names, self.specificity, strict=True))
        return out

    def summary(self) -> pd.DataFrame:
        """Rows ``odds ratio``/``risk ratio``, observed and corrected (no intervals in a
        simple bias analysis), then the cells: columns ``term, estimate, ci_lower,
        ci_upper, p_value, table``."""
        rows = [{TERM: name, ESTIMATE: value, "table": table}
                for name, value, table in (
                    ("odds ratio", self.odds_ratio, "observed"),
                    ("odds ratio", self.corrected_odds_ratio, "corrected"),
                    ("risk ratio", self.risk_ratio, "observed"),
                    ("risk ratio", self.corrected_risk_ratio, "corrected"))]
        rows += [{TERM: k, ESTIMATE: v, "table": table}
                 for table, cells in (("observed", self.observed),
                                      ("corrected", self.corrected))
                 for k, v in cells.items()]
        return summary_frame(rows, extra=["table"])

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Observed and corrected odds and risk ratios (:func:`bmecohort.forest_plot`)."""
        from ...plots import forest_plot

        frame = self.summary().iloc[:4].copy()
        frame["label"] = frame[TERM] + " (" + frame["table"] + ")"
        frame[CI_LOWER] = frame[CI_UPPER] = frame[ESTIMATE]
        kwargs.setdefault("log_scale", True)
        return forest_plot(frame, ax=ax, **kwargs)


def correct_misclassification(
    counts: Mapping[str, int],
    *,
    sensitivity: float | tuple[float, float],
    specificity: float | tuple[float, float],
    kind: Kind = "exposure",
) -> MisclassificationResult:
    r"""Correct a 2x2 table for misclassification of the exposure or the outcome.

    Parameters
    ----------
    counts : mapping
        ``exposed_cases, exposed_noncases, unexposed_cases, unexposed_noncases`` (the
        ``*_from_counts`` names), the observed table.
    sensitivity, specificity : float or (float, float)
        Of the classification; one number (non-differential) or a pair: for
        ``kind="exposure"`` (cases, non-cases), for ``kind="outcome"`` (exposed, unexposed).
    kind : {"exposure", "outcome"}, default="exposure"
        Which variable is misclassified.

    Returns
    -------
    MisclassificationResult
        Observed and corrected cells, odds and risk ratios; ``summary()`` columns ``term,
        estimate, ci_lower, ci_upper, p_value, table``.

    Raises
    ------
    AnalysisInputError
        Bad counts, values outside (0, 1], :math:`Se + Sp \le 1`, or values that imply a
        negative true count (incompatible with the data: the observed positives are fewer
        than the false positives alone would give).

    Notes
    -----
    See the module docstring. The corrected table is the expected true table given the
    bias parameters; it carries no sampling interval (use
    :func:`probabilistic_misclassification`).

    References
    ----------
    Lash TL, Fox MP, Fink AK. Applying Quantitative Bias Analysis to Epidemiologic Data.
    Springer; 2009. Chapter 6.

    Examples
    --------
    >>> r = correct_misclassification(
    ...     {"exposed_cases": 215, "exposed_noncases": 668, "unexposed_cases": 1449,
    ...      "unexposed_noncases": 4296}, sensitivity=0.78, specificity=0.99)
    >>> round(r.odds_ratio, 3), round(r.corrected_odds_ratio, 3)
    (0.954, 0.949)
    """
    observed = _observed(counts)
    se, sp = _pair("sensitivity", sensitivity), _pair("specificity", specificity)
    if min(a + b for a, b in zip(se, sp, strict=True)) <= 1:
        raise AnalysisInputError(
            f"sensitivity + specificity must exceed 1 (a classification better than chance);"
            f" got sensitivity={sensitivity!r}, specificity={specificity!r}.")
    corrected = {k: float(v) for k, v in _correct(
        {k: np.float64(v) for k, v in observed.items()}, kind, se, sp).items()}
    negative = {k: round(v, 3) for k, v in corrected.items() if v < 0}
    if negative:
        raise AnalysisInputError(
            f"counts: sensitivity={sensitivity!r} and specificity={specificity!r} imply "
            f"negative true counts {negative}: fewer units were classified positive than "
            f"the false positives alone would give. Revisit the bias parameters.")
    corrected = {k: corrected[k] for k in COUNT_NAMES}
    return MisclassificationResult(
        observed=observed, corrected=corrected, kind=kind, sensitivity=se, specificity=sp,
        odds_ratio=float(_odds_ratio(observed)), corrected_odds_ratio=float(
            _odds_ratio(corrected)), risk_ratio=float(_risk_ratio(observed)),
        corrected_risk_ratio=float(_risk_ratio(corrected)),
        method="simple bias analysis (Lash, Fox and Fink)")


# --- probabilistic ----------------------------------------------------------------------------


def _sampler(name: str, value: Any) -> tuple[Any, Any]:
    """A pair of samplers (numbers or objects with ``rvs``) from one or two."""
    if hasattr(value, "rvs") or np.isscalar(value):
        return value, value
    values = tuple(value)
    if len(values) != 2 or not all(hasattr(v, "rvs") or np.isscalar(v) for v in values):
        raise AnalysisInputError(
            f"{name} must be a number, a distribution with .rvs (e.g. scipy.stats.beta(a, "
            f"b)) or a pair of them (differential), got {value!r}.")
    return values[0], values[1]


def _draw(sampler: Any, size: int, rng: np.random.Generator) -> np.ndarray:
    if hasattr(sampler, "rvs"):
        return np.asarray(sampler.rvs(size=size, random_state=rng), dtype=float)
    return np.full(size, float(sampler))


def _chunk(seed: np.random.SeedSequence, size: int, observed: dict[str, float], kind: str,
           se: tuple[Any, Any], sp: tuple[Any, Any], log_se: float) -> np.ndarray:
    """(corrected OR, total-error OR) of ``size`` draws; nan where a draw is impossible."""
    rng = np.random.default_rng(seed)
    # one sampler given (non-differential): the same draw for both margins
    draws_se = [_draw(se[0], size, rng)]
    draws_se.append(draws_se[0] if se[1] is se[0] else _draw(se[1], size, rng))
    draws_sp = [_draw(sp[0], size, rng)]
    draws_sp.append(draws_sp[0] if sp[1] is sp[0] else _draw(sp[1], size, rng))
    cells = _correct({k: np.full(size, v) for k, v in observed.items()}, kind,
                     (draws_se[0], draws_se[1]), (draws_sp[0], draws_sp[1]))
    valid = np.all(np.stack([c > 0 for c in cells.values()]), axis=0)
    valid &= np.all(np.stack([(a > 0) & (a <= 1) for a in (*draws_se, *draws_sp)]), axis=0)
    corrected = np.where(valid, _odds_ratio(cells), np.nan)
    total = corrected * np.exp(-rng.standard_normal(size) * log_se)
    return np.column_stack([corrected, total])


@result
class ProbabilisticBiasResult(Result):
    """Odds ratio corrected for misclassification over draws of the bias parameters.

    Attributes
    ----------
    odds_ratio : float
        Observed (conventional) odds ratio.
    ci_lower, ci_upper : float
        Its Woolf interval.
    systematic : tuple of float
        Median, lower and upper percentile of the corrected odds ratio (bias only).
    total : tuple of float
        The same with conventional random error added.
    iterations : int
        Draws made.
    valid : int
        Draws that gave a possible table (the others are counted, not used).
    kind : str
    seed : int
    alpha : float
    method : str
    draws : numpy.ndarray
        ``(iterations, 2)``: corrected and total-error odds ratio of every draw (nan when
        invalid).
    warnings : tuple of str
    """

    odds_ratio: float
    ci_lower: float
    ci_upper: float
    systematic: tuple[float, float, float]
    total: tuple[float, float, float]
    iterations: int
    valid: int
    kind: str
    seed: int
    alpha: float
    method: str
    draws: np.ndarray
    warnings: tuple[str, ...] = ()

    #: What the estimates are (read by the forest plot: log scale).
    measure = "odds ratio"

    @property
    def title(self) -> str:
        return f"Probabilistic bias analysis: {self.kind} misclassification"

    def header(self) -> dict[str, object]:
        out = super().header()
        out["iterations"] = self.iterations
        out["valid draws"] = self.valid
        out["seed"] = self.seed
        return out

    def summary(self) -> pd.DataFrame:
        """Three rows: ``conventional``, ``systematic error``, ``total error`` odds ratios
        (estimate = median for the last two); columns ``term, estimate, ci_lower, ci_upper,
        p_value``."""
        return summary_frame([
            {TERM: "conventional", ESTIMATE: self.odds_ratio, CI_LOWER: self.ci_lower,
             CI_UPPER: self.ci_upper, P_VALUE: None},
            {TERM: "systematic error", ESTIMATE: self.systematic[0],
             CI_LOWER: self.systematic[1], CI_UPPER: self.systematic[2], P_VALUE: None},
            {TERM: "total error", ESTIMATE: self.total[0], CI_LOWER: self.total[1],
             CI_UPPER: self.total[2], P_VALUE: None}])


def probabilistic_misclassification(
    counts: Mapping[str, int],
    *,
    sensitivity: Any,
    specificity: Any,
    kind: Kind = "exposure",
    iterations: int = 100_000,
    seed: int | None = None,
    n_jobs: int = 1,
    alpha: float = 0.05,
) -> ProbabilisticBiasResult:
    """Probabilistic bias analysis of exposure or outcome misclassification.

    Parameters
    ----------
    counts : mapping
        The observed table (the ``*_from_counts`` names).
    sensitivity, specificity : number, distribution or pair of them
        Each a number or a frozen distribution with ``rvs(size=, random_state=)`` (e.g.
        ``scipy.stats.beta(45, 5)``, ``scipy.stats.trapezoid(...)``, ``scipy.stats.uniform(
        0.8, 0.15)``); a pair for differential misclassification (as
        :func:`correct_misclassification`). One sampler (non-differential): each draw is
        used for both margins; a pair (differential): independent draws per margin.
    kind : {"exposure", "outcome"}, default="exposure"
    iterations : int, default=100000
        Draws of the bias parameters.
    seed : int or None, default=None
        Seed; one is drawn and recorded when ``None``. Results are identical for a seed
        whatever ``n_jobs`` (draws come in fixed chunks, each with its own spawned seed).
    n_jobs : int, default=1
        Parallel chunks through joblib.
    alpha : float, default=0.05
        Percentiles ``alpha/2`` and ``1 - alpha/2``.

    Returns
    -------
    ProbabilisticBiasResult

    Raises
    ------
    AnalysisInputError
        Bad counts or samplers, fewer than 1000 iterations, or no valid draw.

    Examples
    --------
    >>> from scipy import stats
    >>> r = probabilistic_misclassification(
    ...     {"exposed_cases": 215, "exposed_noncases": 668, "unexposed_cases": 1449,
    ...      "unexposed_noncases": 4296}, sensitivity=stats.uniform(0.75, 0.1),
    ...     specificity=stats.uniform(0.98, 0.02), iterations=20_000, seed=1)
    >>> r.valid == r.iterations
    True
    """
    alpha = check_alpha(alpha)
    observed = _observed(counts)
    _margins(kind)
    se, sp = _sampler("sensitivity", sensitivity), _sampler("specificity", specificity)
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 1000:
        raise AnalysisInputError(f"iterations must be an integer >= 1000, got {iterations!r}.")
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0:
        raise AnalysisInputError(f"n_jobs must be a non-zero integer, got {n_jobs!r}.")
    # a fresh SeedSequence's entropy is an int (the stubs allow a sequence)
    used_seed = int(np.random.SeedSequence().entropy % (2 ** 63)) if seed is None else int(seed)  # type: ignore[operator]
    sizes = [min(_CHUNK, iterations - start) for start in range(0, iterations, _CHUNK)]
    seeds = np.random.SeedSequence(used_seed).spawn(len(sizes))
    log_se = _woolf_se(observed) if min(observed.values()) > 0 else float("nan")
    args = (observed, kind, se, sp, log_se)
    if n_jobs == 1:
        parts = [_chunk(s, n, *args) for s, n in zip(seeds, sizes, strict=True)]
    else:
        from joblib import Parallel, delayed

        parts = Parallel(n_jobs=n_jobs)(delayed(_chunk)(s, n, *args)
                                        for s, n in zip(seeds, sizes, strict=True))
    draws = np.vstack(parts)
    ok = np.isfinite(draws[:, 0])
    if not ok.any():
        raise AnalysisInputError(
            "counts: every draw of sensitivity and specificity implies negative true counts; "
            "the bias parameters are incompatible with the observed table.")
    quantiles = [0.5, alpha / 2, 1 - alpha / 2]
    systematic = tuple(float(x) for x in np.quantile(draws[ok, 0], quantiles))
    total = tuple(float(x) for x in np.quantile(draws[ok, 1], quantiles))
    caveats = []
    if not ok.all():
        caveats.append(f"{int((~ok).sum())} of {iterations} draws implied negative true "
                       f"counts and were left out.")
    estimate = float(_odds_ratio(observed))
    z = special.ndtri(1 - alpha / 2)
    return ProbabilisticBiasResult(
        odds_ratio=estimate, ci_lower=float(estimate * np.exp(-z * log_se)),
        ci_upper=float(estimate * np.exp(z * log_se)), systematic=systematic,  # type: ignore[arg-type]
        total=total, iterations=iterations, valid=int(ok.sum()), kind=kind,  # type: ignore[arg-type]
        seed=used_seed, alpha=alpha,
        method="probabilistic bias analysis (Fox, Lash and Greenland 2005)", draws=draws,
        warnings=tuple(caveats))


def validation_distributions(
    *, true_positives: int, false_negatives: int, true_negatives: int, false_positives: int
) -> tuple[Any, Any]:
    r"""Beta distributions of sensitivity and specificity from a validation (reader) study.

    A reader's reads checked against a reference read (a second expert, consensus or
    histology) give :math:`TP, FN, TN, FP`; with a uniform prior, sensitivity follows
    :math:`\mathrm{Beta}(TP + 1, FN + 1)` and specificity :math:`\mathrm{Beta}(TN + 1,
    FP + 1)` (Lash, Fox and Fink 2009, ch. 8). Pass them to
    :func:`probabilistic_misclassification` to carry reader error into the odds ratio.

    Returns
    -------
    sensitivity, specificity : scipy.stats frozen beta distributions

    Examples
    --------
    >>> se, sp = validation_distributions(true_positives=44, false_negatives=6,
    ...                                   true_negatives=140, false_positives=10)
    >>> round(float(se.mean()), 3), round(float(sp.mean()), 3)
    (0.865, 0.928)
    """
    from scipy import stats

    values = dict(true_positives=true_positives, false_negatives=false_negatives,
                  true_negatives=true_negatives, false_positives=false_positives)
    bad = {k: v for k, v in values.items()
           if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 0}
    if bad:
        raise AnalysisInputError(f"validation counts must be whole numbers >= 0; got {bad}.")
    return (stats.beta(true_positives + 1, false_negatives + 1),
            stats.beta(true_negatives + 1, false_positives + 1))
