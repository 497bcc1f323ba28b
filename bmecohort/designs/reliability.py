"""Reader reliability of a cohort's lesion reads: kappa, ICC and smallest detectable change.

Imaging cohorts re-read a subsample (OAI reliability reads, SPARCC and RAMRIS calibration
exercises) and report agreement per item and site before any association. This finds the
units read by two or more readers and gives, per site (or for the summed score of a joint),
the number of units, Cohen's kappa unweighted and linear-weighted (Fleiss' kappa with more
than two readers; the kappa interval is a bootstrap over persons, whose knees, visits and
subregions are not independent), the two-way random ICC(2,1) with its F interval, and the smallest
detectable change; with ``change=(v0, v1)``, the same for each reader's change scores.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._columns import (
    CI_LOWER,
    CI_UPPER,
    ESTIMATE,
    P_VALUE,
    PARTICIPANT,
    READER,
    SCORE,
    SITE,
    TERM,
    VISIT,
    N,
)
from ..cohort import Cohort
from ..estimators.agreement import fleiss_kappa, icc, kappa
from ..estimators.agreement.kappa import KappaWeights
from ..exceptions import AnalysisInputError
from ..results import Accounting, Result, result, summary_frame

__all__ = ["ReliabilityResult", "reliability"]

STATISTIC = "statistic"
ALL_SITES = "all sites"
_KEYS = (PARTICIPANT, "joint", "side", VISIT, SITE, "slice", "lesion_no")


@result
class ReliabilityResult(Result):
    """Agreement of readers per site of one item.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per site and statistic: ``site, statistic, n, estimate, ci_lower,
        ci_upper, p_value``; statistics ``kappa`` (unweighted), ``kappa_linear`` (two
        readers) or ``fleiss_kappa`` (more), ``icc2`` (ICC(2,1)), ``sdc`` (smallest
        detectable change of one reader, in score units; no interval).
    system, item : str
    readers : tuple of str
    unit : str
        ``"subregion"`` (per site) or ``"joint"`` (summed score of the joint).
    change : tuple of int or None
        The two visits of the change scores, or None for status scores.
    method : str
    accounting : Accounting
        Reads considered, reads by every reader of a unit, exclusions.
    """

    table: pd.DataFrame
    system: str
    item: str
    readers: tuple[str, ...]
    unit: str
    change: tuple[int, int] | None
    method: str
    accounting: Accounting

    def summary(self) -> pd.DataFrame:
        """One row per site and statistic; ``term`` is ``"<site>: <statistic>"``."""
        rows = self.table.assign(**{TERM: self.table[SITE] + ": " + self.table[STATISTIC]})
        return summary_frame(rows.to_dict("records"), extra=(N, SITE, STATISTIC))

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """ICC(2,1) per site with its interval (:func:`bmecohort.plots.forest_plot`)."""
        from ..plots import forest_plot

        rows = self.summary()
        rows = rows.loc[rows[STATISTIC] == "icc2"].assign(label=rows[SITE])
        kwargs.setdefault("log_scale", False)
        kwargs.setdefault("xlabel", "ICC(2,1)")
        return forest_plot(rows, ax=ax, **kwargs)


def _select(reads: pd.DataFrame, system: str, item: str, visits: Sequence[int] | None
            ) -> pd.DataFrame:
    mask = (reads["system"] == system) & (reads["item"] == item)
    if visits is not None:
        mask &= reads[VISIT].isin(list(visits))
    chosen = reads.loc[mask]
    if chosen.empty:
        raise AnalysisInputError(
            f"reliability: lesion_reads has no {system}.{item} reads"
            + (f" at visits {list(visits)}" if visits is not None else "") + ".")
    return chosen


def _ratings(reads: pd.DataFrame, unit: str, change: tuple[int, int] | None
             ) -> pd.DataFrame:
    """Long ratings ``target, site, reader, rating`` at the requested unit."""
    keys = [k for k in _KEYS if k in reads.columns and reads[k].notna().any()]
    frame = reads[[*keys, READER, SCORE]].copy()
    frame[READER] = frame[READER].astype(str)
    frame[SITE] = frame[SITE].astype(str)
    if unit == "joint":
        keys = [k for k in keys if k not in (SITE, "slice", "lesion_no")]
        # a joint's total only where every site was assessable (min_count: NaN if any is)
        frame = frame.groupby([*keys, READER], observed=True, sort=False)[SCORE].sum(
            min_count=1).where(
            frame.groupby([*keys, READER], observed=True, sort=False)[SCORE].count()
            == frame.groupby([*keys, READER], observed=True, sort=False)[SCORE].size()
        ).reset_index()
        frame[SITE] = ALL_SITES
        keys = [*keys, SITE]
    if change is not None:
        v0, v1 = change
        base = [k for k in keys if k != VISIT]
        wide = frame.loc[frame[VISIT].isin([v0, v1])].pivot_table(
            index=[*base, READER], columns=VISIT, values=SCORE, observed=True,
            dropna=False)
        if v0 not in wide.columns or v1 not in wide.columns:
            raise AnalysisInputError(
                f"reliability: change={change!r} needs reads at both visits.")
        frame = (wide[v1] - wide[v0]).rename(SCORE).reset_index()
        keys = base
    target = [k for k in keys if k != SITE]
    frame["target"] = pd.MultiIndex.from_frame(frame[target].astype(str)).to_flat_index()
    frame["target"] = pd.factorize(frame["target"])[0]
    return frame[["target", PARTICIPANT, SITE, READER, SCORE]].dropna(subset=[SCORE])


def _site_rows(site: str, long: pd.DataFrame, readers: list[str], grades: bool
               ) -> list[dict[str, Any]]:
    wide = long.pivot(index="target", columns=READER, values=SCORE)[readers].dropna()
    # knees, visits and subregions of one person cluster: kappa's interval resamples persons
    person = long.drop_duplicates("target").set_index("target")[PARTICIPANT]
    wide[PARTICIPANT] = person.reindex(wide.index).to_numpy()
    n = len(wide)
    rows: list[dict[str, Any]] = []
    if n < 2:
        return [{SITE: site, STATISTIC: "icc2", N: n}]

    def add(statistic: str, estimate: float, lower: float = np.nan, upper: float = np.nan,
            p: float | None = np.nan) -> None:
        rows.append({SITE: site, STATISTIC: statistic, N: n, ESTIMATE: estimate,
                     CI_LOWER: lower, CI_UPPER: upper, P_VALUE: p})

    if grades and np.unique(wide[readers].to_numpy()).size > 1:
        if len(readers) == 2:
            caught: dict[str, type[Warning]] = {}
            kinds: tuple[tuple[KappaWeights, str], ...] = ((None, "kappa"),
                                                          ("linear", "kappa_linear"))
            for weights, label in kinds:
                with warnings.catch_warnings(record=True) as issued:
                    warnings.simplefilter("always")
                    k = kappa(wide, rater_a=readers[0], rater_b=readers[1], weights=weights,
                              categories=np.unique(wide[readers].to_numpy()).tolist())
                caught.update((str(w.message), w.category) for w in issued)
                add(label, k.estimate, k.ci_lower, k.ci_upper, k.p_value)
            # once per site, naming it (an undefined kappa: a reader gave one grade only)
            for message, category in caught.items():
                warnings.warn(f"reliability, site {site}: {message}", category, stacklevel=2)
        else:
            f = fleiss_kappa(wide, raters=readers)
            add("fleiss_kappa", f.estimate, f.ci_lower, f.ci_upper, f.p_value)
    stacked = wide[readers].stack().rename(SCORE).reset_index()
    if stacked[SCORE].nunique() > 1:
        r = icc(stacked, targets="target", raters=READER, ratings=SCORE)
        row = r.table.set_index(TERM).loc["ICC2"]
        add("icc2", row[ESTIMATE], row[CI_LOWER], row[CI_UPPER], row[P_VALUE])
        add("sdc", r.sdc)
    return rows


def reliability(
    cohort: Cohort,
    *,
    system: str,
    item: str,
    readers: Sequence[str] | None = None,
    unit: Literal["subregion", "joint"] = "subregion",
    visits: Sequence[int] | None = None,
    change: tuple[int, int] | None = None,
) -> ReliabilityResult:
    """Agreement between readers of one item, per site or for the joint's summed score.

    Parameters
    ----------
    cohort : Cohort
        With ``lesion_reads`` holding two or more readers for some units.
    system, item : str
        What was read, e.g. ``system="MOAKS", item="bml_size"``.
    readers : sequence of str or None, default=None
        The readers to compare; by default every reader except ``consensus`` and
        ``adjudicated`` reads.
    unit : {"subregion", "joint"}, default="subregion"
        Per site, or the sum over sites per joint (e.g. a knee's total BML score).
    visits : sequence of int or None, default=None
        Visits to include (default all); units are (participant, joint, side, visit, site).
    change : tuple of two int or None, default=None
        Reliability of each reader's change score between these two visits instead.

    Returns
    -------
    ReliabilityResult
        ``summary()``: per site and statistic (kappa, linear-weighted kappa or Fleiss'
        kappa, ICC(2,1), smallest detectable change) with ``n`` units read by all readers;
        kappa only for status grades (not for summed scores or change scores). Kappa is
        NaN where a reader gave every unit of a site one grade (undefined; a
        :class:`~bmecohort.exceptions.SmallCellWarning` names the site).

    Raises
    ------
    AnalysisInputError
        No reads of the item, fewer than two readers, no unit read by all of them.

    Examples
    --------
    >>> from bmecohort.simulate import add_second_reader, knee_cohort
    >>> doubled = add_second_reader(knee_cohort(60, seed=1), seed=2, fraction=0.5)
    >>> r = reliability(doubled, system="MOAKS", item="bml_size", unit="joint")
    >>> r.summary()["statistic"].tolist()
    ['icc2', 'sdc']
    """
    if unit not in ("subregion", "joint"):
        raise AnalysisInputError(f"unit={unit!r}; use 'subregion' or 'joint'.")
    reads = cohort.lesion_reads
    if reads is None:
        raise AnalysisInputError("reliability: the cohort has no lesion_reads table.")
    chosen = _select(reads, system, item, visits)
    available = sorted(chosen[READER].astype(str).unique())
    if readers is None:
        readers = [r for r in available if r.lower() not in ("consensus", "adjudicated")]
    readers = [str(r) for r in readers]
    unknown = sorted(set(readers) - set(available))
    if unknown or len(readers) < 2:
        raise AnalysisInputError(
            f"reliability: readers {readers} (unknown: {unknown or 'none'}); {system}.{item} "
            f"was read by {available}. Pass at least two of them.")
    chosen = chosen.loc[chosen[READER].astype(str).isin(readers)]
    long = _ratings(chosen, unit, change)
    grades = unit == "subregion" and change is None
    rows = [row for site, part in long.groupby(SITE, sort=True, observed=True)
            for row in _site_rows(str(site), part, readers, grades)]
    table = pd.DataFrame(rows, columns=[SITE, STATISTIC, N, ESTIMATE, CI_LOWER, CI_UPPER,
                                        P_VALUE])
    if table[N].max() < 2:
        raise AnalysisInputError(
            f"reliability: no {unit} of {system}.{item} was read by all of {readers}.")
    both = long.groupby(["target", SITE], observed=True)[READER].transform("nunique")
    used = int((both == len(readers)).sum())
    accounting = Accounting(
        unit="read", n_rows=len(chosen), n_used=used,
        excluded=(("units not read by every reader", len(long) - used),
                  ("missing scores", len(chosen) - len(long))) if unit == "subregion"
        and change is None else ())
    return ReliabilityResult(
        table=table, system=system, item=item, readers=tuple(readers), unit=unit,
        change=(change[0], change[1]) if change is not None else None,
        method="kappa-icc2-sdc", accounting=accounting)
