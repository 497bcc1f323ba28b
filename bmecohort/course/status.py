"""Lesion status: one row per unit per visit, from a validated Cohort.

Scores of the sites that make up a unit (the 15 subregions of a knee, the subregions of a
compartment, ...) are aggregated with ``max``, ``sum`` or ``any``; a unit has a lesion when its
aggregated score reaches ``threshold``. Within-grade codes (MOAKS 0.5, 1.5, ...) are floored
to whole grades site by site unless ``within_grade=True``, so that two subregions at 0.5 never
add up to a lesion. Everything is a column operation on integer codes: no loop over
participants or rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from .._columns import MONTHS, N_SITES, PARTICIPANT, PRESENT, STATUS_SCORE, VISIT
from ..cohort import Cohort
from ..exceptions import AnalysisInputError
from ..results import Accounting, Result, result, summary_frame
from ..scoring import SYSTEMS
from ._units import UNITS, UnitSpec

__all__ = ["LesionStatus", "lesion_status"]

AGGREGATES = ("max", "sum", "any")


@result
class LesionStatus(Result):
    """Aggregated lesion score and presence of each unit at each visit.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per unit per visit read: the unit keys (categorical), ``visit``,
        ``months_from_baseline``, ``score`` (aggregated), ``present`` (boolean; missing when no
        site was assessable) and ``n_sites`` (sites with a score).
    unit : str
        Unit of analysis.
    keys : tuple of str
        Columns identifying a unit, participant_id first.
    source : str
        What was scored, e.g. ``"lesion_reads MOAKS.bml_size (reader R1)"``.
    aggregate, threshold
        How site scores were combined and what counts as a lesion.
    accounting : Accounting
        Rows read, unit-visits produced, rows left out by the selection and why.
    within_grade : bool
        Whether within-grade codes (half grades) were kept; otherwise every site score was
        floored to its whole grade before aggregation.
    """

    table: pd.DataFrame
    unit: str
    keys: tuple[str, ...]
    source: str
    aggregate: str
    threshold: float
    accounting: Accounting
    within_grade: bool = False

    @property
    def method(self) -> str:
        """How the status was derived."""
        grades = "half grades kept" if self.within_grade else "whole grades"
        return (f"{self.aggregate} over sites ({grades}), lesion if score >= "
                f"{self.threshold:g}")

    @property
    def visits(self) -> list[int]:
        """The visits present, in order."""
        return sorted(self.table[VISIT].unique().tolist())

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Prevalence of lesions by visit (:func:`bmecohort.plots.prevalence_plot`)."""
        from ..plots import prevalence_plot

        return prevalence_plot(self, ax=ax, **kwargs)

    def summary(self) -> pd.DataFrame:
        """Prevalence of lesions by visit.

        Columns: term (``"visit <m>"``), estimate (proportion of units with a lesion),
        ci_lower, ci_upper (cluster-robust when participants contribute several units,
        Wilson otherwise; see ``interval``), p_value (None), n (units read), events (units
        with a lesion), ``interval``.
        """
        from ..estimators.occurrence.proportions import share_interval

        read = self.table[self.table[PRESENT].notna()]
        rows = []
        for visit, part in read.groupby(VISIT, sort=True):
            y = part[PRESENT].astype(bool).to_numpy()
            low, high, interval = share_interval(y, part[PARTICIPANT].astype(str).to_numpy())
            rows.append({"term": f"visit {visit}", "estimate": y.mean(), "ci_lower": low,
                         "ci_upper": high, "p_value": None, "n": len(part),
                         "events": int(y.sum()), "interval": interval})
        return summary_frame(rows, extra=("n", "events", "interval"))


def _codes(series: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes and categories of a column (categoricals reuse their codes)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy(np.int64), series.cat.categories
    codes, uniques = pd.factorize(series, sort=True)
    return codes.astype(np.int64), pd.Index(uniques)


def _only(frame: pd.DataFrame, mask: np.ndarray, column: str, value: object | None,
          what: str) -> tuple[np.ndarray, object | None]:
    """Restrict ``mask`` to rows where ``column == value``; infer value when it is unique."""
    if column not in frame.columns:
        return mask, None
    present = frame.loc[mask, column]
    if value is None:
        counts = present.value_counts(dropna=False)
        counts = counts[counts > 0]
        if len(counts) > 1:
            listing = ", ".join(f"{k!r} ({v} rows)" for k, v in counts.items())
            raise AnalysisInputError(
                f"lesion_reads holds several {what}s for this selection: {listing}; pass "
                f"{column}=... to choose one (a lesion course mixes no {what}s)")
        value = counts.index[0] if len(counts) else None
        return mask, value
    return mask & (frame[column] == value).to_numpy(), value


def _select_reads(cohort: Cohort, spec: UnitSpec, *, system: str | None, item: str | None,
                  reader: str | None, read_project: str | None, joint: str | None,
                  sites: Iterable[str] | None
                  ) -> tuple[pd.DataFrame, np.ndarray, str, str, tuple[tuple[str, int], ...]]:
    reads = cohort.table("lesion_reads")
    mask = np.ones(len(reads), dtype=bool)
    joint = joint or spec.joint
    if joint is not None:
        mask &= (reads["joint"] == joint).to_numpy()
    excluded = [(f"other joints than {joint}", int((~mask).sum()))] if joint else []
    mask, system = _only(reads, mask, "system", system, "scoring system")
    if system is None:
        raise AnalysisInputError(f"lesion_reads has no reads for unit {spec.name!r}"
                                 + (f" (joint {joint})" if joint else ""))
    registry = SYSTEMS[str(system)]
    if spec.name == "compartment" and not registry.compartments:
        raise AnalysisInputError(f"{system} defines no compartments; use unit='subregion' "
                                 f"or unit='knee'")
    item = item or registry.lesion_item
    before = int(mask.sum())
    mask &= (reads["item"] == item).to_numpy()
    mask, reader = _only(reads, mask, "reader", reader, "reader")
    mask, read_project = _only(reads, mask, "read_project", read_project, "read project")
    if sites is not None:
        sites = list(sites)
        unknown = sorted(set(sites) - set(registry.item(item).sites))
        if unknown:
            raise AnalysisInputError(f"sites {unknown} are not sites of {system}.{item}; its "
                                     f"sites are {list(registry.item(item).sites)}")
        mask &= reads["site"].isin(sites).to_numpy()
    after = int(mask.sum())
    if before > after:
        excluded.append(("other items, readers, projects or sites", before - after))
    if not after:
        raise AnalysisInputError(f"no lesion_reads rows for {system}.{item}"
                                 + (f", reader {reader}" if reader is not None else ""))
    source = f"lesion_reads {system}.{item}" + (f" (reader {reader})" if reader is not None
                                                 else "")
    return reads, mask, str(system), source, tuple(excluded)


def lesion_status(
    cohort: Cohort,
    *,
    unit: str,
    aggregate: str = "max",
    threshold: float = 1,
    sites: Iterable[str] | None = None,
    system: str | None = None,
    item: str | None = None,
    reader: str | None = None,
    read_project: str | None = None,
    joint: str | None = None,
    within_grade: bool = False,
) -> LesionStatus:
    """Aggregated lesion score and presence of each unit at each visit.

    Parameters
    ----------
    cohort : Cohort
        A validated cohort.
    unit : {"participant", "knee", "compartment", "subregion", "corner", "bone"}
        Unit of analysis. ``participant``, ``knee``, ``compartment`` (medial tibiofemoral,
        lateral tibiofemoral, patellofemoral, subspinous) and ``subregion`` come from
        ``lesion_reads``; ``corner`` from ``spine_corners``; ``bone`` from ``ra_bones``.
    aggregate : {"max", "sum", "any"}, default="max"
        How site scores combine into the unit: the largest, the sum ("BML load"), or
        presence at any site (score 1/0).
    threshold : float, default=1
        A unit has a lesion when its aggregated score is at least ``threshold`` (2 for
        "large BML"). Complete resolution is judged against grade 1 whatever the threshold
        (see :func:`bmecohort.transitions`).
    sites : iterable of str, optional
        Restrict to these sites (e.g. exclude the subspinous region ``SS``).
    system, item, reader, read_project, joint : str, optional
        Which reads to use. Inferred when the cohort holds one value; an error names the
        choices otherwise. ``item`` defaults to the system's lesion item (e.g. MOAKS
        ``bml_size``); for ``corner`` it is the column (``mri_inflammation`` by default,
        ``mri_fat`` or ``msasss``) and for ``bone`` too (``bme``, ``erosion``,
        ``synovitis``).
    within_grade : bool, default=False
        Keep within-grade codes (half grades such as MOAKS 0.5 or 1.5, read as "grade 0 or 1,
        worse than before"). By default every site score is floored to its whole grade
        before aggregation, so ``aggregate="sum"`` never makes a lesion out of half grades
        (two subregions at 0.5 sum to 0, not 1); with ``True`` they sum to 1.

    Returns
    -------
    LesionStatus
        ``.table`` has one row per unit per visit: the unit keys, ``visit``,
        ``months_from_baseline``, ``score``, ``present``, ``n_sites``.

    Notes
    -----
    Missing site scores are skipped; a unit-visit with no assessable site has a missing
    score and presence (and is kept, so that a later analysis can count it as excluded).

    Examples
    --------
    >>> from bmecohort.simulate import demo_cohort
    >>> status = lesion_status(demo_cohort(size="small"), unit="knee")
    >>> list(status.table.columns)
    ['participant_id', 'side', 'visit', 'months_from_baseline', 'score', 'present', 'n_sites']
    """
    if unit not in UNITS:
        raise AnalysisInputError(f"unit must be one of {list(UNITS)}, got {unit!r}")
    if aggregate not in AGGREGATES:
        raise AnalysisInputError(f"aggregate must be one of {AGGREGATES}, got {aggregate!r}")
    spec = UNITS[unit]
    if spec.table == "lesion_reads":
        frame, mask, system, source, excluded = _select_reads(
            cohort, spec, system=system, item=item, reader=reader, read_project=read_project,
            joint=joint, sites=sites)
        score_column = "score"
        compartments = dict(SYSTEMS[system].compartments)
    else:
        frame = cohort.table(spec.table)
        score_column = item or spec.default_item
        if score_column not in frame.columns:
            raise AnalysisInputError(f"{spec.table} has no column {score_column!r}")
        mask = np.ones(len(frame), dtype=bool)
        mask, reader = _only(frame, mask, "reader", reader, "reader")
        excluded = ()
        if sites is not None:
            site_column = "bone" if unit == "bone" else "level"
            keep = frame[site_column].isin(list(sites)).to_numpy()
            excluded = ((f"{site_column} not in sites", int((mask & ~keep).sum())),)
            mask &= keep
        source = f"{spec.table}.{score_column}" + (f" (reader {reader})" if reader is not None
                                                    else "")
        compartments = {}
    table = _aggregate(frame, mask, spec, score_column, aggregate, threshold, compartments,
                       cohort.visits,
                       # only lesion_reads of a cohort that allows them hold half grades
                       floor=(not within_grade and spec.table == "lesion_reads"
                              and cohort.allow_within_grade))
    accounting = Accounting(unit=f"{unit}-visit", n_rows=len(frame), n_used=len(table),
                            excluded=tuple((r, c) for r, c in excluded if c))
    return LesionStatus(table=table, unit=unit, keys=spec.keys, source=source,
                        aggregate=aggregate, threshold=float(threshold), accounting=accounting,
                        within_grade=bool(within_grade))


def _aggregate(frame: pd.DataFrame, mask: np.ndarray, spec: UnitSpec, score_column: str,
               aggregate: str, threshold: float, compartments: dict, visits: pd.DataFrame,
               floor: bool = False) -> pd.DataFrame:
    """Group the selected rows by unit keys and visit and aggregate their scores."""
    rows = np.flatnonzero(mask) if not mask.all() else slice(None)
    codes, categories = [], []
    for key in spec.keys:
        column = "site" if key == "compartment" else key
        c, cats = _codes(frame[column])
        if key == "compartment":
            mapped = pd.Index(cats.map(lambda s: compartments.get(s)))
            comp_codes, comp_cats = pd.factorize(mapped, sort=True)
            c = np.where(c >= 0, comp_codes[np.maximum(c, 0)], -1)
            cats = pd.Index(comp_cats)
        codes.append(c[rows])
        categories.append(cats)
    visit_values = frame[VISIT].to_numpy(np.int64)[rows]
    visit_levels = np.unique(visit_values)
    codes.append(np.searchsorted(visit_levels, visit_values))
    sizes = [max(len(c), 1) for c in categories] + [len(visit_levels)]
    score = frame[score_column].to_numpy(dtype=float)[rows]
    if floor:
        # whole grades site by site, before any sum (1e-9: 0.9999999 from upstream arithmetic)
        score = np.floor(score + 1e-9)
    if aggregate == "any":
        score = np.where(np.isnan(score), np.nan, (score >= threshold).astype(float))
    key = np.ravel_multi_index(codes, sizes)
    grouped = pd.Series(score).groupby(key, sort=True)
    value = grouped.sum(min_count=1) if aggregate == "sum" else grouped.max()
    count = grouped.count()
    unravelled = np.unravel_index(value.index.to_numpy(), sizes)
    out = {
        k: pd.Categorical.from_codes(unravelled[i], categories=categories[i])
        for i, k in enumerate(spec.keys)
    }
    out[VISIT] = visit_levels[unravelled[-1]]
    table = pd.DataFrame(out)
    table[MONTHS] = _months(table, visits)
    scores = value.to_numpy(dtype=float)
    table[STATUS_SCORE] = scores
    present = pd.array(scores >= threshold, dtype="boolean")
    present[np.isnan(scores)] = pd.NA
    table[PRESENT] = present
    table[N_SITES] = count.to_numpy(np.int64)
    return table


def _months(table: pd.DataFrame, visits: pd.DataFrame) -> np.ndarray:
    """Actual months from baseline of each unit-visit, looked up in the visits table."""
    ids = table[PARTICIPANT].cat.categories
    v_codes = ids.get_indexer(visits[PARTICIPANT].astype(object))
    keep = v_codes >= 0
    span = int(max(visits[VISIT].max(), table[VISIT].max())) + 1
    index = pd.Index(v_codes[keep].astype(np.int64) * span
                     + visits[VISIT].to_numpy(np.int64)[keep])
    probe = table[PARTICIPANT].cat.codes.to_numpy(np.int64) * span + table[VISIT].to_numpy()
    position = index.get_indexer(probe)
    months = visits["months_from_baseline"].to_numpy(dtype=float)[keep]
    return np.where(position >= 0, months[np.maximum(position, 0)], np.nan)
