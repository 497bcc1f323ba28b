"""Which rows cluster, and in what: the one rule behind every estimator's ``cluster=``.

Knees of one person, vertebral corners or bones of one patient are not independent. Every
estimator of association (and incidence, resolution) takes ``cluster="auto"`` and resolves it
here, the same way:

* ``"auto"`` (the default): the natural cluster column is ``participant_id``
  (:data:`bmecohort._columns.PARTICIPANT`). When the data have that column and a participant
  holds more than one unit among the rows used, the interval and test are cluster-robust,
  grouped by participant; when every participant holds one unit, the units are independent
  and the unclustered method is used. Rows missing ``participant_id`` are excluded and
  counted. Without a ``participant_id`` column nothing can be detected and the units are
  taken as independent.
* a column name: always cluster-robust, grouped by that column.
* ``None``: the explicit opt-out. When ``participant_id`` shows that participants hold
  several units, a :class:`~bmecohort.exceptions.DataQualityWarning` says so and the
  message is recorded on the result.
* Under ``"auto"``, an option without a cluster-robust form (an exact or mid-p interval, a
  zero-cell correction, Firth's penalty) on clustered rows is an opt-out too: the
  unclustered method is used, warned and recorded; with a named cluster column it is an
  error.

Counts given as tables (``*_from_counts``) carry no persons and are never clustered.

The sandwich has one definition across bmecohort (:data:`SANDWICH`): the plain
Liang-Zeger sandwich without a small-sample factor, as R ``geepack`` (``std.err =
"san.se"``), ``sandwich::vcovCL(type = "HC0", cadjust = FALSE)`` and ``survival``'s robust
variance. So ``odds_ratio(cluster=...)``, ``mantel_haenszel(cluster=...)``,
``incidence(cluster=...)`` and ``logistic(cluster=..., cov_struct="independence")`` give the
same interval for the same independence model. With few clusters (under about 40-50) the
plain sandwich is too small; ``logistic(cov_type="bias_reduced")`` gives Mancl and DeRouen's
correction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._columns import PARTICIPANT
from .exceptions import AnalysisInputError

__all__ = ["AUTO", "SANDWICH", "ClusterPlan", "carry", "cluster_cov_kwds", "cluster_request",
           "plan_clusters"]

AUTO = "auto"
#: The cluster-robust variance used everywhere: no small-sample factor (geepack's san.se).
SANDWICH = "plain sandwich (no small-sample factor; as geepack san.se)"


def cluster_cov_kwds(groups: np.ndarray) -> dict[str, Any]:
    """statsmodels ``cov_kwds`` for the plain cluster sandwich (no Stata factor)."""
    return {"groups": groups, "use_correction": False}


@dataclass(frozen=True)
class ClusterPlan:
    """How the rows used cluster, and whether the variance accounts for it.

    Attributes
    ----------
    column : str or None
        The column the rows cluster in (recorded as ``Accounting.cluster``), ``None`` when
        it cannot be known (no ``participant_id`` column and none given).
    clustered : bool
        Whether the interval and test are cluster-robust.
    groups : numpy.ndarray or None
        Integer cluster codes of the rows used (when ``clustered``).
    n_clusters : int or None
        Distinct clusters among the rows used (``None`` when ``column`` is ``None``).
    warning : str or None
        The opt-out message when clustered rows are analysed as independent.
    """

    column: str | None
    clustered: bool
    groups: np.ndarray | None
    n_clusters: int | None
    warning: str | None = None


def carry(data: pd.DataFrame) -> list[str]:
    """Columns to carry along (never excluded on) so that an opt-out can be checked."""
    return [PARTICIPANT] if PARTICIPANT in data.columns else []


def cluster_request(data: pd.DataFrame, cluster: str | None) -> str | None:
    """The cluster column an analysis must read (and drop missing rows of), if any.

    ``"auto"`` reads ``participant_id`` when present; the opt-out ``None`` reads nothing
    (rows are never excluded for a column the analysis does not use).
    """
    if cluster is None:
        return None
    if not isinstance(cluster, str):
        raise AnalysisInputError(
            f"cluster must be 'auto', a column name or None, got {cluster!r}.")
    if cluster == AUTO:
        return PARTICIPANT if PARTICIPANT in data.columns else None
    return cluster


def plan_clusters(
    frame: pd.DataFrame,
    cluster: str | None,
    *,
    units: np.ndarray | pd.Series | None = None,
    table: str = "data",
    what: str = "rows",
    opt_out: str | None = None,
) -> ClusterPlan:
    """Resolve ``cluster`` on the rows an analysis uses.

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows used (after exclusions), holding the cluster column: the one given, or
        ``participant_id`` for ``"auto"`` and ``None`` when the data have it (see
        :func:`carry`).
    cluster : "auto", str or None
        The user's ``cluster=`` argument.
    units : array-like, optional
        Unit of each used row when a unit spans several rows (conditional logistic: the
        knee of each knee-visit); clustering then means a cluster holding several units.
    table, what : str
        Names for messages: the table and the units (``"rows"``, ``"knees"``).
    opt_out : str, optional
        Why clustered rows are analysed as independent although ``cluster`` asks otherwise
        (e.g. an exact method); gives the warning of an opt-out.

    Returns
    -------
    ClusterPlan

    Raises
    ------
    AnalysisInputError
        A named cluster column with fewer than 2 clusters among the rows used, or
        ``"auto"`` finding every clustered unit in one participant.
    """
    column = cluster_request(frame, cluster)
    if cluster is None:
        column = PARTICIPANT if PARTICIPANT in frame.columns else None
    if column is None:
        return ClusterPlan(None, False, None, None)
    # missing ids only reach here with the opt-out (otherwise those rows were excluded):
    # judge the clustering on the rows whose participant is known
    known = frame[column].notna().to_numpy()
    groups, uniques = pd.factorize(frame[column])
    n_clusters = len(uniques)
    n_units = int(known.sum()) if units is None else \
        int(pd.Series(np.asarray(units)[known]).nunique())
    repeats = n_clusters < n_units
    if cluster not in (None, AUTO):
        if n_clusters < 2:
            raise AnalysisInputError(
                f"{table}: column {column!r} has {n_clusters} cluster among the {what} used; a "
                f"cluster-robust variance needs at least 2 (and is reliable only with many). "
                f"Pass cluster=None or check the column.")
        return ClusterPlan(column, True, groups, n_clusters)
    if not repeats:
        return ClusterPlan(column, False, None, n_clusters)
    if cluster == AUTO and opt_out is None:
        if n_clusters < 2:
            raise AnalysisInputError(
                f"{table}: all {n_units} {what} used belong to one {column!r}; a "
                f"cluster-robust variance needs at least 2 clusters. Pass cluster=None to "
                f"analyse them as independent.")
        return ClusterPlan(column, True, groups, n_clusters)
    why = opt_out or "cluster=None"
    advice = ("the default options" if opt_out else "cluster='auto' (the default)")
    warning = (f"{table}: {why}, so the {n_units} {what} of {n_clusters} {column} values are "
               f"analysed as independent although some {column} hold several; the interval "
               f"is too narrow (and a p-value too small). Use {advice} for a cluster-robust "
               f"analysis.")
    return ClusterPlan(column, False, None, n_clusters, warning)
