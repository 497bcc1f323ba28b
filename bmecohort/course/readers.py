"""Reader policies: one score per site and visit from the reads of several readers.

Imaging cohorts re-read part of their images (reliability subsamples, a second reading
project, adjudication of disagreements). Before site scores are aggregated into a unit, the
reads of one site at one visit are reduced to one score by a *reader policy*:

=================== =========================================================================
``"first"``         the read of the first reader, in the stated order (``readers=``; sorted
                    labels by default), that has a score there; the next reader fills a site
                    the first did not score (or could not assess)
``"mean"``          the mean of the readers' scores (missing scores skipped); may be fractional
``"max"``           the largest of the readers' scores
``"adjudicated"``   the score of an adjudicating read wins: a read whose reader *or* read
                    project is labelled ``adjudicated``, ``adjudication`` or ``consensus``
                    (case-insensitive; :data:`ADJUDICATORS`). Where no adjudicating read scored
                    the site, the ``fallback`` rule (default ``"first"``: the first reader in
                    order, i.e. the primary read stands) decides among the other readers
=================== =========================================================================

A "reader" here is a source of reads: the ``reader`` label, or ``reader/read_project`` when
reads carry a reading project (an OAI knee read in projects 22 and 63A by the reading
centre BICL has the sources ``BICL/22`` and ``BICL/63A``). Whole grades are taken site by
site *before* the reads are combined (unless half grades are kept), so ``"mean"`` of 1 and 2
is 1.5.

Nothing disagreeing is dropped silently: :class:`Reading` counts the unit-visits read by two
or more readers, how many of them the readers scored differently (each reader's own
aggregate over the sites it scored) and how many differently *as a lesion or not*, and lists
them in ``Reading.table``. Everything is array arithmetic on integer codes: no loop over
rows (only over the handful of reader labels).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._columns import PRESENT, READER, STATUS_SCORE, VISIT
from ..exceptions import AnalysisInputError

__all__ = ["ADJUDICATORS", "POLICIES", "Reading", "policy_of", "reader_sources"]

#: Reader policies besides naming one reader.
POLICIES: tuple[str, ...] = ("first", "mean", "max", "adjudicated")
#: Rules an ``"adjudicated"`` policy falls back to where no adjudicating read exists.
FALLBACKS: tuple[str, ...] = ("first", "mean", "max")
#: Reader or read-project labels (lower case) that mark an adjudicating read.
ADJUDICATORS: tuple[str, ...] = ("adjudicated", "adjudication", "consensus")
#: Columns that identify one site at one visit, where a table has them.
_SITE_KEYS = ("participant_id", "joint", "side", "site", "slice", "lesion_no", "level",
              "corner", "bone", "modality", VISIT)
SOURCE = "_source"
PROJECT = "read_project"


@dataclass(frozen=True, eq=False)
class Reading:
    """Which reads a lesion status used and how readers were combined.

    Attributes
    ----------
    policy : str
        ``"reader"`` (the reads of one reader) or one of :data:`POLICIES`.
    readers : tuple of str
        The readers (``reader`` or ``reader/read_project``) whose reads were used, in the
        order ``"first"`` (and the ``"first"`` fallback) follows.
    fallback : str or None
        Rule used by ``"adjudicated"`` where no adjudicating read exists.
    adjudicators : tuple of str
        The readers among ``readers`` treated as adjudicating reads (``"adjudicated"``).
    n_multiple : int
        Unit-visits with a score from two or more readers.
    n_disagree : int
        Of those, unit-visits whose readers' unit scores differ.
    n_status_disagree : int
        Of those, unit-visits whose readers disagree on the presence of a lesion.
    n_adjudicated : int
        Unit-visits where an adjudicating read decided at least one site.
    unit : str
        Unit of the status, e.g. ``"knee"`` (the counts are of unit-visits).
    table : pandas.DataFrame or None
        One row per unit-visit read by two or more readers: the unit keys, ``visit``,
        ``n_readers``, ``score_min``, ``score_max`` (the readers' unit scores),
        ``status_agree`` and ``score`` (the combined unit score).

    Examples
    --------
    >>> from bmecohort import lesion_status
    >>> from bmecohort.simulate import add_second_reader, knee_cohort
    >>> doubled = add_second_reader(knee_cohort(40, seed=1), seed=2, fraction=0.5)
    >>> reading = lesion_status(doubled, unit="knee", reader="first").reading
    >>> reading.policy, reading.unit
    ('first', 'knee')
    >>> reading.n_multiple > 0, reading.n_disagree <= reading.n_multiple
    (True, True)
    >>> list(reading.table.columns[-4:])
    ['score_min', 'score_max', 'status_agree', 'score']
    """

    policy: str
    readers: tuple[str, ...] = ()
    fallback: str | None = None
    adjudicators: tuple[str, ...] = ()
    n_multiple: int = 0
    n_disagree: int = 0
    n_status_disagree: int = 0
    n_adjudicated: int = 0
    unit: str = "unit"
    table: pd.DataFrame | None = None

    def describe(self) -> str:
        """One line for headers, notes and the report, e.g. ``"first of R1, R2 per site"``."""
        listed = ", ".join(self.readers)
        if self.policy == "reader":
            return f"reader {listed}" if listed else "one read per site"
        if self.policy != "adjudicated":
            return f"{self.policy} of {listed} per site"
        others = ", ".join(r for r in self.readers if r not in self.adjudicators)
        adjudicating = ", ".join(self.adjudicators) or "none present"
        return (f"adjudicated per site (adjudicating reads: {adjudicating}), else "
                f"{self.fallback} of {others or 'no other reader'}")

    def header(self) -> dict[str, object]:
        """``label -> value`` pairs for a result's header."""
        unit = self.unit
        out: dict[str, object] = {"readers": self.describe()}
        if self.policy != "reader":
            out[f"{unit}-visits read by several readers"] = self.n_multiple
            out[f"{unit}-visits whose readers disagree (score)"] = self.n_disagree
            out[f"{unit}-visits whose readers disagree (lesion or not)"] = (
                self.n_status_disagree)
        if self.policy == "adjudicated":
            out[f"{unit}-visits decided by adjudication"] = self.n_adjudicated
        return out

    def note(self) -> str:
        """A sentence for design notes: the policy and, when readers overlap, the counts."""
        unit = self.unit
        text = f"readers: {self.describe()}"
        if self.n_multiple:
            text += (f"; {self.n_multiple} {unit}-visits read by two or more readers, "
                     f"{self.n_disagree} scored differently ({self.n_status_disagree} "
                     f"differently as lesion or not)")
        if self.policy == "adjudicated":
            text += f"; {self.n_adjudicated} decided by adjudication"
        return text


def policy_of(reader: str | None) -> str | None:
    """The policy a ``reader=`` argument names, or None for a reader label (or None)."""
    return reader if isinstance(reader, str) and reader in POLICIES else None


def reader_sources(frame: pd.DataFrame, mask: np.ndarray, readers: Sequence[str] | None
                   ) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Per selected row its reader's rank, the restricted mask and the readers in order.

    A reader is ``reader`` or, for reads with a read project, ``reader/read_project``.
    ``readers`` entries match either form; their order is the rank (a reader label listed
    covers all its projects, in sorted order); by default all readers, sorted.
    """
    codes, labels = _source_codes(frame)
    available = sorted(labels[np.unique(codes[mask])].tolist())
    if readers is None:
        order = available
    else:
        wanted = [str(r) for r in readers]
        plain = {a.split("/", 1)[0] for a in available}
        unknown = [r for r in wanted if r not in available and r not in plain]
        if unknown:
            raise AnalysisInputError(
                f"readers {unknown} are not readers of this selection; its readers are "
                f"{available}")
        order = []
        for r in wanted:  # a handful of labels
            order += [a for a in available if a not in order
                      and (a == r or a.split("/", 1)[0] == r)]
    rank = pd.Index(order).get_indexer(labels)[codes]
    keep = mask & (rank >= 0)
    return rank, keep, tuple(order)


def _source_codes(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per row the code of its reader (and read project), and the label of each code."""
    reader_codes, readers = pd.factorize(frame[READER].astype(str))
    if PROJECT not in frame.columns:
        return reader_codes, np.asarray(readers, dtype=object)
    project_codes, projects = pd.factorize(frame[PROJECT].astype(object))
    pair = reader_codes * (len(projects) + 1) + project_codes + 1  # project -1: none
    codes, pairs = pd.factorize(pair)
    r, p = np.divmod(np.asarray(pairs), len(projects) + 1)
    names = np.asarray(readers, dtype=object)[r]
    project_names = np.asarray([""] + [f"/{x}" for x in projects], dtype=object)[p]
    return codes, names + project_names


def adjudicating(frame: pd.DataFrame, order: tuple[str, ...]) -> tuple[str, ...]:
    """The readers of ``order`` whose reader or project label marks adjudication."""
    return tuple(r for r in order if any(part.strip().lower() in ADJUDICATORS
                                         for part in r.split("/", 1)))


def combine(frame: pd.DataFrame, mask: np.ndarray, rank: np.ndarray, score_column: str, *,
            policy: str, fallback: str, adjudicator_ranks: Sequence[int], floor: bool
            ) -> pd.DataFrame:
    """One row per site and visit: the selected rows reduced by ``policy``.

    Returns the key columns of a representative read of each site and visit, the combined
    score in ``score_column`` and ``_adjudicated`` (1.0 where an adjudicating read decided).
    """
    rows = np.flatnonzero(mask)
    site = _site_codes(frame, rows)
    score = frame[score_column].to_numpy(dtype=float)[rows]
    if floor:
        score = np.floor(score + 1e-9)
    r = rank[rows]
    adjudicator = np.isin(r, list(adjudicator_ranks))
    sites, first_row = np.unique(site, return_index=True)
    if policy == "adjudicated":
        decided = _rule("first", site, score, r, adjudicator, sites)
        other = _rule(fallback, site, score, r, ~adjudicator, sites)
        value = np.where(np.isnan(decided), other, decided)
        by_adjudication = ~np.isnan(decided)
    else:
        value = _rule(policy, site, score, r, np.ones(len(rows), bool), sites)
        by_adjudication = np.zeros(len(sites), bool)
    reduced = frame.iloc[rows[first_row]].copy()
    reduced[score_column] = value
    reduced["_adjudicated"] = by_adjudication.astype(float)
    return reduced.reset_index(drop=True)


def _site_codes(frame: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """One integer per selected row identifying its site and visit (missing keys allowed)."""
    codes, sizes = [], []
    for key in (c for c in _SITE_KEYS if c in frame.columns):
        column = frame[key]
        if isinstance(column.dtype, pd.CategoricalDtype):
            c, n = column.cat.codes.to_numpy(np.int64), len(column.cat.categories)
        else:
            c, uniques = pd.factorize(column)
            n = len(uniques)
        codes.append(c[rows] + 1)  # -1 (missing) -> 0
        sizes.append(n + 1)
    if float(np.prod(np.asarray(sizes, dtype=float))) < 2.0 ** 62:
        return np.ravel_multi_index(codes, sizes)
    return pd.DataFrame(codes).T.groupby(list(range(len(codes))), sort=False).ngroup(
    ).to_numpy()


def _rule(rule: str, site: np.ndarray, score: np.ndarray, rank: np.ndarray,
          pool: np.ndarray, sites: np.ndarray) -> np.ndarray:
    """Combined score per site (``sites`` order) from the rows in ``pool``; NaN if none."""
    use = pool & ~np.isnan(score)
    if not use.any():
        return np.full(len(sites), np.nan)
    if rule == "first":
        picked = np.lexsort((rank[use], site[use]))
        s, v = site[use][picked], score[use][picked]
        head = np.r_[True, s[1:] != s[:-1]]
        values = pd.Series(v[head], index=s[head])
    else:
        grouped = pd.Series(score[use]).groupby(site[use])
        values = grouped.mean() if rule == "mean" else grouped.max()
    return values.reindex(sites).to_numpy(dtype=float)


def agreement(per_reader: pd.DataFrame, combined: pd.DataFrame, keys: Sequence[str]
              ) -> tuple[pd.DataFrame, int, int, int]:
    """Unit-visits read by two or more readers and whether the readers agree.

    ``per_reader`` is the unit status computed reader by reader (one row per unit, visit and
    reader); ``combined`` the status after the policy.
    """
    group = [*keys, VISIT]
    known = per_reader[per_reader[STATUS_SCORE].notna()]
    present = known[PRESENT].astype(bool).astype(np.int8)
    grouped = known.assign(_p=present).groupby(group, observed=True, sort=True)
    summary = pd.DataFrame({
        "n_readers": grouped[STATUS_SCORE].size(),
        "score_min": grouped[STATUS_SCORE].min(),
        "score_max": grouped[STATUS_SCORE].max(),
        "status_agree": grouped["_p"].min() == grouped["_p"].max(),
    })
    summary = summary[summary["n_readers"] >= 2].reset_index()
    for k in group:
        summary[k] = summary[k].astype(object)
    right = combined[group + [STATUS_SCORE]].astype({k: object for k in group})
    summary = summary.merge(right, on=group, how="left")
    for k in keys:
        if isinstance(combined[k].dtype, pd.CategoricalDtype):
            summary[k] = pd.Categorical(summary[k], categories=combined[k].cat.categories)
    summary[VISIT] = summary[VISIT].astype(np.int64)
    n_multiple = len(summary)
    n_disagree = int((summary["score_min"] != summary["score_max"]).sum())
    n_status = int((~summary["status_agree"]).sum())
    return summary, n_multiple, n_disagree, n_status
