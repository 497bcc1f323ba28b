"""A second reader with a known misclassification, for reliability checks against truth.

Imaging cohorts re-read a random subsample of knees (the OAI's reliability reads); here the
second reader sees each grade of the first through a misclassification matrix ``M`` (row:
the first reader's grade, column: the second's), so that the expected agreement statistics
are known exactly: the expected cross-classification is ``diag(p) @ M`` for the grade
distribution ``p`` of the first reader.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._columns import PARTICIPANT, READER, SCORE, SIDE, VISIT
from ..cohort import Cohort
from ..exceptions import AnalysisInputError

__all__ = ["ONE_GRADE_ERROR", "add_second_reader", "expected_kappa"]

#: A reader who moves a grade one step up or down with probability 0.125 each (0-3 scale).
ONE_GRADE_ERROR: np.ndarray = np.array([
    [0.875, 0.125, 0.0, 0.0],
    [0.125, 0.75, 0.125, 0.0],
    [0.0, 0.125, 0.75, 0.125],
    [0.0, 0.0, 0.125, 0.875],
])


def _check_matrix(matrix: np.ndarray) -> np.ndarray:
    m = np.asarray(matrix, float)
    if m.ndim != 2 or m.shape[0] != m.shape[1] or (m < 0).any() or not np.allclose(
            m.sum(axis=1), 1):
        raise AnalysisInputError(
            "misclassification: pass a square matrix of probabilities whose rows (the first "
            "reader's grade) sum to 1.")
    return m


def expected_kappa(distribution: np.ndarray, misclassification: np.ndarray,
                   weights: str | None = None) -> float:
    """The kappa implied by a grade distribution and a misclassification matrix.

    Parameters
    ----------
    distribution : array of float
        Share of units in each grade 0..K-1 by the first reader.
    misclassification : array (K, K)
        Row-stochastic matrix of the second reader's grade given the first's.
    weights : {None, "linear", "quadratic"}, default=None

    Returns
    -------
    float
    """
    m = _check_matrix(misclassification)
    p = np.asarray(distribution, float)
    table = p[:, None] * m
    levels = np.arange(len(p), dtype=float)
    distance = np.abs(levels[:, None] - levels[None, :]) / (len(p) - 1)
    w = (distance > 0).astype(float) if weights is None else (
        distance if weights == "linear" else distance**2)
    expected = table.sum(axis=1)[:, None] * table.sum(axis=0)[None, :]
    return float(1 - (w * table).sum() / (w * expected).sum())


def add_second_reader(
    cohort: Cohort,
    *,
    seed: int,
    misclassification: np.ndarray = ONE_GRADE_ERROR,
    fraction: float = 0.2,
    reader: str = "R2",
) -> Cohort:
    """The cohort with a second reader's reads of a random share of knees at every visit.

    Parameters
    ----------
    cohort : Cohort
        A cohort with ``lesion_reads`` by one reader (e.g. :func:`knee_cohort`).
    seed : int
        Seed of the subsample and of the misclassification draws.
    misclassification : array (K, K), default=ONE_GRADE_ERROR
        Row-stochastic matrix of the second reader's grade given the first reader's
        (integer grades 0..K-1).
    fraction : float, default=0.2
        Share of knees (participant and side) re-read, at all their visits.
    reader : str, default="R2"
        Label of the second reader.

    Returns
    -------
    Cohort
        Validated, with the second reader's rows added to ``lesion_reads``.

    Examples
    --------
    >>> from bmecohort.simulate import knee_cohort
    >>> doubled = add_second_reader(knee_cohort(40, seed=1), seed=2, fraction=0.5)
    >>> sorted(doubled.lesion_reads["reader"].unique())
    ['R1', 'R2']
    """
    m = _check_matrix(misclassification)
    if not 0 < fraction <= 1:
        raise AnalysisInputError(f"fraction={fraction!r}; pass a share in (0, 1].")
    reads = cohort.lesion_reads
    if reads is None or reads[READER].nunique() != 1:
        raise AnalysisInputError(
            "add_second_reader: the cohort needs lesion_reads by exactly one reader.")
    rng = np.random.default_rng(seed)
    knee_keys = reads[[PARTICIPANT, SIDE]].drop_duplicates()
    chosen = knee_keys.loc[rng.random(len(knee_keys)) < fraction]
    again = reads.merge(chosen, on=[PARTICIPANT, SIDE]).sort_values(
        [PARTICIPANT, SIDE, VISIT], kind="stable")
    grade = again[SCORE].to_numpy()
    known = np.isfinite(grade)
    if known.any() and ((grade[known] % 1 != 0).any() or (grade[known] >= len(m)).any()):
        raise AnalysisInputError(
            f"add_second_reader: grades must be integers 0..{len(m) - 1} for this matrix.")
    codes = np.where(known, grade, 0).astype(int)
    # inverse-CDF draw of each read's grade from its row of the matrix, all at once
    cumulative = np.cumsum(m, axis=1)[codes]
    drawn = (rng.random(len(codes))[:, None] > cumulative).sum(axis=1)
    second = again.assign(**{READER: reader, SCORE: np.where(known, drawn, np.nan)})
    tables = dict(cohort.tables)
    tables["lesion_reads"] = pd.concat(
        [reads.astype({READER: "object"}), second.astype({READER: "object"})],
        ignore_index=True)
    return Cohort.from_tables(tables, name=f"{cohort.name} (double read)",
                              allow_within_grade=cohort.allow_within_grade)
