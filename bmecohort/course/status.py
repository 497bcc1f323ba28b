"""Lesion status: one row per unit per visit, from a validated Cohort.

Scores of the sites that make up a unit (the 15 subregions of a knee, the subregions of a
compartment, ...) are aggregated with ``max``, ``sum`` or ``any``; a unit has a lesion when its
aggregated score reaches ``threshold``. Within-grade codes (MOAKS 0.5, 1.5, ...) are floored
to whole grades site by site unless ``within_grade=True``, so that two subregions at 0.5 never
add up to a lesion. Everything is a column operation on integer codes: no loop over
participants or rows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._columns import MONTHS, N_SITES, PARTICIPANT, PRESENT, STATUS_SCORE, VISIT
from ..cohort import Cohort
from ..exceptions import AnalysisInputError
from ..results import Accounting, Result, result, summary_frame
from ..scoring import SYSTEMS
from . import _memo
from ._units import UNITS, UnitSpec
from .readers import (
    FALLBACKS,
    POLICIES,
    SOURCE,
    Reading,
    adjudicating,
    agreement,
    combine,
    policy_of,
    reader_sources,
)

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
    reading : Reading or None
        Which reader's reads were used, or how several readers' reads were combined (the
        policy, the readers in order, and the unit-visits they read and disagreed on; see
        :mod:`bmecohort.course.readers`).

    Examples
    --------
    >>> from bmecohort import lesion_status
    >>> from bmecohort.simulate import knee_cohort
    >>> status = lesion_status(knee_cohort(60, seed=1), unit="knee")
    >>> status.keys, status.aggregate, status.threshold
    (('participant_id', 'side'), 'max', 1.0)
    >>> status.summary()[["term", "n", "events"]]
           term    n  events
    0   visit 0  120      11
    1  visit 12  110      16
    2  visit 24  106      19
    3  visit 48  100      17
    """

    table: pd.DataFrame
    unit: str
    keys: tuple[str, ...]
    source: str
    aggregate: str
    threshold: float
    accounting: Accounting
    within_grade: bool = False
    reading: Reading | None = None

    def header(self) -> dict[str, object]:
        """The shared header plus the reader policy and reader overlap."""
        out = super().header()
        if self.reading is not None:
            out.update(self.reading.header())
        return out

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
            low, high, interval = share_interval(y, pd.factorize(part[PARTICIPANT])[0])
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


def _only(frame: pd.DataFrame, mask: np.ndarray, column: str, value: Any,
          what: str) -> tuple[np.ndarray, Any]:
    """Restrict ``mask`` to rows where ``column == value``; infer value when it is unique."""
    if column not in frame.columns:
        return mask, None
    present = frame.loc[mask, column]
    if value is None:
        counts = present.value_counts(dropna=False)
        counts = counts[counts > 0]
        if len(counts) > 1:
            listing = ", ".join(f"{k!r} ({v} rows)" for k, v in counts.items())
            combine_them = (" or a reader policy that combines them per site: reader='"
                            + "', '".join(POLICIES) + "'") if what != "scoring system" else ""
            raise AnalysisInputError(
                f"lesion_reads holds several {what}s for this selection: {listing}; pass "
                f"{column}=... to choose one{combine_them} (a lesion course mixes no "
                f"{what}s unknowingly)")
        value = counts.index[0] if len(counts) else None
        return mask, value
    return mask & (frame[column] == value).to_numpy(), value


def _select_reads(cohort: Cohort, spec: UnitSpec, *, system: str | None, item: str | None,
                  reader: str | None, read_project: str | None, joint: str | None,
                  sites: Iterable[str] | None
                  ) -> tuple[pd.DataFrame, np.ndarray, str, str, tuple[tuple[str, int], ...],
                             str | None]:
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
    if item is None:  # (an error before too: no rows of item None)
        raise AnalysisInputError(f"{system} has no lesion item; pass item=... to choose one "
                                 f"of {list(registry.items)}")
    before = int(mask.sum())
    mask &= (reads["item"] == item).to_numpy()
    if policy_of(reader) is None:
        mask, reader = _only(reads, mask, "reader", reader, "reader")
    if policy_of(reader) is None or read_project is not None:
        mask, read_project = _only(reads, mask, "read_project", read_project,
                                   "read project")
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
    source = f"lesion_reads {system}.{item}"
    return reads, mask, str(system), source, tuple(excluded), reader


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
    readers: Sequence[str] | None = None,
    fallback: str = "first",
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
    system, item, read_project, joint : str, optional
        Which reads to use. Inferred when the cohort holds one value; an error names the
        choices otherwise (with a reader policy, reads of every read project are combined
        unless ``read_project`` is given). ``item`` defaults to the system's lesion item (e.g. MOAKS
        ``bml_size``); for ``corner`` it is the column (``mri_inflammation`` by default,
        ``mri_fat`` or ``msasss``) and for ``bone`` too (``bme``, ``erosion``,
        ``synovitis``).
    reader : str, optional
        One reader's label (inferred when the selection holds one reader; an error lists
        the readers otherwise), or a reader policy that reduces the reads of a site at a
        visit to one score before sites are aggregated (:mod:`bmecohort.course.readers`):

        - ``"first"``: the first reader in ``readers`` order (sorted labels by default)
          that scored the site; later readers fill sites the first did not score;
        - ``"mean"``, ``"max"``: the mean or largest of the readers' scores;
        - ``"adjudicated"``: a read whose reader or read project is labelled
          ``adjudicated``, ``adjudication`` or ``consensus`` wins; elsewhere the
          ``fallback`` rule among the other readers.

        A reader is the ``reader`` label or, for reads with a read project (OAI READPRJ),
        ``reader/read_project``. The policy and the unit-visits read by several readers
        (and how many they disagreed on) are recorded on ``.reading``.
    readers : sequence of str, optional
        With a policy: the readers to use, in order (labels ``reader`` or
        ``reader/read_project``); others are excluded and counted. Default: every reader of
        the selection, in sorted order.
    fallback : {"first", "mean", "max"}, default="first"
        Rule of ``reader="adjudicated"`` where no adjudicating read scored a site: by
        default the primary (first) reader's read stands.
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
    With a reader policy, whole grades are taken site by site first, then the readers'
    reads combined, then the sites aggregated: ``"mean"`` of grades 1 and 2 is 1.5 (a
    lesion at ``threshold=1``, not at 2).

    Examples
    --------
    >>> from bmecohort.simulate import demo_cohort
    >>> status = lesion_status(demo_cohort(size="small"), unit="knee")
    >>> list(status.table.columns)
    ['participant_id', 'side', 'visit', 'months_from_baseline', 'score', 'present', 'n_sites']

    Two readers, combined per subregion (the first reader's read stands where both read):

    >>> from bmecohort.simulate import add_second_reader, knee_cohort
    >>> doubled = add_second_reader(knee_cohort(40, seed=1), seed=2, fraction=0.5)
    >>> both = lesion_status(doubled, unit="knee", reader="first")
    >>> both.reading.describe(), both.reading.n_multiple > 0
    ('first of R1, R2 per site', True)
    """
    if _memo.active():  # inside a report: built once per cohort and options
        return _memo.lookup(cohort, lesion_status, dict(
            unit=unit, aggregate=aggregate, threshold=threshold,
            sites=None if sites is None else tuple(sites), system=system, item=item,
            reader=reader, readers=None if readers is None else tuple(readers),
            fallback=fallback, read_project=read_project, joint=joint,
            within_grade=within_grade))
    if unit not in UNITS:
        raise AnalysisInputError(f"unit must be one of {list(UNITS)}, got {unit!r}")
    if aggregate not in AGGREGATES:
        raise AnalysisInputError(f"aggregate must be one of {AGGREGATES}, got {aggregate!r}")
    policy = policy_of(reader)
    if readers is not None and policy is None:
        raise AnalysisInputError(
            f"readers={list(readers)!r} orders the readers of a reader policy; pass reader="
            f"one of {POLICIES} with it (reader={reader!r} names one reader)")
    if fallback not in FALLBACKS:
        raise AnalysisInputError(f"fallback must be one of {FALLBACKS}, got {fallback!r}")
    spec = UNITS[unit]
    if spec.table == "lesion_reads":
        frame, mask, system, source, excluded, reader = _select_reads(
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
        if policy is None:
            mask, reader = _only(frame, mask, "reader", reader, "reader")
        excluded = ()
        if sites is not None:
            site_column = "bone" if unit == "bone" else "level"
            keep = frame[site_column].isin(list(sites)).to_numpy()
            excluded = ((f"{site_column} not in sites", int((mask & ~keep).sum())),)
            mask &= keep
        source = f"{spec.table}.{score_column}"
        compartments = {}
    # only lesion_reads of a cohort that allows them hold half grades
    floor = not within_grade and spec.table == "lesion_reads" and cohort.allow_within_grade
    if policy is None or "reader" not in frame.columns:
        table = _aggregate(frame, mask, spec, score_column, aggregate, threshold,
                           compartments, cohort.visits, floor=floor)
        reading = Reading("reader" if policy is None else policy,
                          readers=(str(reader),) if reader is not None else (), unit=unit)
    else:
        table, reading, mask_after = _combined(frame, mask, spec, score_column, aggregate,
                                               threshold, compartments, cohort.visits,
                                               floor=floor, policy=policy, readers=readers,
                                               fallback=fallback)
        excluded = (*excluded, ("readers not listed in readers=",
                                int(mask.sum() - mask_after.sum())))
    source += f" ({reading.describe()})"
    accounting = Accounting(unit=f"{unit}-visit", n_rows=len(frame), n_used=len(table),
                            excluded=tuple((r, c) for r, c in excluded if c))
    return LesionStatus(table=table, unit=unit, keys=spec.keys, source=source,
                        aggregate=aggregate, threshold=float(threshold), accounting=accounting,
                        within_grade=bool(within_grade), reading=reading)


def _combined(frame: pd.DataFrame, mask: np.ndarray, spec: UnitSpec, score_column: str,
              aggregate: str, threshold: float, compartments: dict, visits: pd.DataFrame, *,
              floor: bool, policy: str, readers: Sequence[str] | None, fallback: str
              ) -> tuple[pd.DataFrame, Reading, np.ndarray]:
    """Unit status under a reader policy, with each reader's own status to compare."""
    rank, mask, order = reader_sources(frame, mask, readers)
    adjudicators = adjudicating(frame, order) if policy == "adjudicated" else ()
    reduced = combine(frame, mask, rank, score_column, policy=policy, fallback=fallback,
                      adjudicator_ranks=[order.index(a) for a in adjudicators], floor=floor)
    everything = np.ones(len(reduced), dtype=bool)
    table = _aggregate(reduced, everything, spec, score_column, aggregate, threshold,
                       compartments, visits)
    # each reader on its own: the unit-visits read twice, and whether the readers agree
    labelled = frame.assign(**{SOURCE: pd.Categorical.from_codes(
        np.maximum(rank, 0), categories=list(order))})
    per_reader = _aggregate(labelled, mask, dataclasses.replace(
        spec, keys=(*spec.keys, SOURCE)), score_column, aggregate, threshold, compartments,
        visits, floor=floor)
    multiple, n_multiple, n_disagree, n_status = agreement(per_reader, table, spec.keys)
    n_adjudicated = 0
    if adjudicators:
        decided = _aggregate(reduced, everything, spec, "_adjudicated", "max", 1.0,
                             compartments, visits)
        n_adjudicated = int((decided[STATUS_SCORE] >= 1).sum())
    reading = Reading(policy, readers=order,
                      fallback=fallback if policy == "adjudicated" else None,
                      adjudicators=adjudicators, n_multiple=n_multiple,
                      n_disagree=n_disagree, n_status_disagree=n_status,
                      n_adjudicated=n_adjudicated, unit=spec.name, table=multiple)
    return table, reading, mask


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
    visit_levels = np.sort(pd.unique(visit_values))  # np.unique's sort of millions: slower
    codes.append(np.searchsorted(visit_levels, visit_values))
    sizes = [max(len(c), 1) for c in categories] + [len(visit_levels)]
    score = frame[score_column].to_numpy(dtype=float)[rows]
    if floor:
        # whole grades site by site, before any sum (1e-9: 0.9999999 from upstream arithmetic)
        score = np.floor(score + 1e-9)
    if aggregate == "any":
        score = np.where(np.isnan(score), np.nan, (score >= threshold).astype(float))
    cell = np.ravel_multi_index(codes, sizes)
    grouped = pd.Series(score).groupby(cell, sort=True)
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
