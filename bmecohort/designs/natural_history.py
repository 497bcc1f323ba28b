"""Natural history of lesions as a multi-state Markov model fitted to the visits of a cohort.

Each unit (knee, by default) moves between no lesion, a lesion and, optionally, a large
lesion in continuous time; its state is seen at the visits only (panel data). The fit
(:func:`bmecohort.multistate`, as R ``msm``) gives annual intensities of incidence and
resolution, the probability of a lesion after 1, 2 or 5 years among units free at baseline,
and the mean time spent in each state. A second fit, in which units free of lesion after
one was seen enter a state of their own ("resolved"), gives the recurrence intensity, which
the first model assumes equal to the incidence intensity (the Markov property).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._columns import CI_LOWER, CI_UPPER, ESTIMATE, EVENTS, P_VALUE, PARTICIPANT, TERM, N
from ..cohort import Cohort
from ..course import lesion_status
from ..course.states import STATE, SUBJECT, TIME, states_frame
from ..estimators.longitudinal.multistate import MultistateResult, multistate
from ..exceptions import AnalysisInputError, BmecohortWarning
from ..results import Accounting
from ._frames import as_object_keys, reading_notes
from ._result import ANALYSIS, METHOD, DesignResult

__all__ = ["lesion_natural_history"]

#: Names of the states, from no lesion up.
STATE_NAMES = ("no lesion", "lesion", "large lesion")
#: Names of the intensities of adjacent states.
_INTENSITY_NAMES = {(1, 2): "incidence", (2, 1): "resolution", (2, 3): "growth to large",
                    (3, 2): "shrinking from large"}


def _covariate_columns(frame: pd.DataFrame, cohort: Cohort, covariates: Sequence[str]
                       ) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Participant covariates joined to the states; two-level labels become 0/1."""
    if not covariates:
        return frame, [], []
    participants = cohort.participants
    missing = [c for c in covariates if c not in participants.columns]
    if missing:
        raise AnalysisInputError(f"lesion_natural_history: covariates {missing} are not "
                                 f"columns of participants ({list(participants.columns)})")
    table = as_object_keys(participants[[PARTICIPANT, *covariates]], [PARTICIPANT])
    names, notes = [], []
    for c in covariates:  # a handful of covariates
        values = table[c]
        if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            table[c] = values.astype(float)
            names.append(c)
            continue
        levels = sorted(values.dropna().astype(str).unique())
        if len(levels) != 2:
            raise AnalysisInputError(
                f"lesion_natural_history: covariate {c!r} has levels {levels}; pass numeric "
                f"covariates or labels with two levels")
        name = f"{c}={levels[1]}"
        table[name] = np.where(values.isna(), np.nan, (values.astype(str) == levels[1]) * 1.0)
        names.append(name)
        notes.append(f"{name}: 1 for {c} {levels[1]!r}, 0 for {levels[0]!r}")
    merged = frame.merge(table[[PARTICIPANT, *names]], on=PARTICIPANT, how="left",
                         validate="many_to_one")
    return merged, names, notes


def _recurrence_states(frame: pd.DataFrame) -> pd.Series:
    """States 1 never seen with a lesion, 2 lesion, 3 free after a lesion was seen."""
    lesion = (frame[STATE] >= 2).to_numpy()
    seen = pd.Series(lesion, index=frame.index).groupby(frame[SUBJECT].to_numpy(),
                                                         sort=False).cummax().to_numpy()
    return pd.Series(np.where(lesion, 2, np.where(seen, 3, 1)), index=frame.index)


def _row(analysis: str, term: str, estimate: float, low: float, high: float,
         p: float | None = None, **extra: object) -> dict[str, object]:
    return {ANALYSIS: analysis, TERM: term, ESTIMATE: float(estimate), CI_LOWER: float(low),
            CI_UPPER: float(high), P_VALUE: p, **extra}


def _rows(fit: MultistateResult, times: Sequence[float], large: bool, seed: int
          ) -> list[dict[str, object]]:
    rows = []
    for r in fit.intensities.itertuples(index=False):
        pair = (int(r[0]), int(r[1]))
        rows.append(_row("intensity", f"{_INTENSITY_NAMES[pair]} per year", r.estimate,
                         r.ci_lower, r.ci_upper))
    for r in fit.hazard_ratios.itertuples(index=False):
        pair = (int(r[0]), int(r[1]))
        rows.append(_row("hazard ratio", f"{r.covariate}: {_INTENSITY_NAMES[pair]}",
                         r.estimate, r.ci_lower, r.ci_upper, float(r.p_value)))
    for t in times:
        p = fit.pmatrix(float(t), seed=seed).set_index(["from", "to"])
        # a lesion of any size at t among units free at baseline: 1 - P(1 -> 1)
        stay = p.loc[(1, 1)]
        rows.append(_row("probability", f"lesion at {t:g} years | none at baseline",
                         1 - stay[ESTIMATE], 1 - stay[CI_UPPER], 1 - stay[CI_LOWER], t=t))
        if large:
            big = p.loc[(1, 3)]
            rows.append(_row("probability", f"large lesion at {t:g} years | none at "
                             f"baseline", big[ESTIMATE], big[CI_LOWER], big[CI_UPPER], t=t))
        for state in range(2, 4 if large else 3):
            gone = p.loc[(state, 1)]
            name = STATE_NAMES[state - 1] + (" (not large)" if large and state == 2 else "")
            rows.append(_row("probability", f"no lesion at {t:g} years | {name} at baseline",
                             gone[ESTIMATE], gone[CI_LOWER], gone[CI_UPPER], t=t))
    for r in fit.sojourn().itertuples(index=False):
        rows.append(_row("sojourn", f"mean years with {STATE_NAMES[int(r.state) - 1]}"
                         if int(r.state) > 1 else "mean years free of lesion",
                         r.estimate, r.ci_lower, r.ci_upper))
    return rows


def lesion_natural_history(
    cohort: Cohort,
    *,
    unit: str = "knee",
    large: float | None = None,
    covariates: Sequence[str] = (),
    reader: str | None = None,
    times: Sequence[float] = (1, 2, 5),
    recurrence: bool = True,
    alpha: float = 0.05,
    seed: int = 0,
) -> DesignResult:
    """Incidence, resolution and recurrence of lesions as a multi-state Markov model.

    Parameters
    ----------
    cohort : Cohort
        A cohort with lesion reads at two or more visits.
    unit : str, default="knee"
        Unit of analysis (:func:`bmecohort.lesion_status`); each unit is a subject.
    large : float or None, default=None
        Score of a large lesion: a three-state model no lesion <-> lesion <-> large lesion
        (transitions between adjacent states). None: two states, no lesion <-> lesion
        (a lesion is a score of 1 or more).
    covariates : sequence of str, default=()
        Participant columns acting on every intensity (hazard ratios per unit; a label with
        two levels is coded 0/1).
    reader : str, optional
        The reader or a reader policy (see :func:`bmecohort.lesion_status`).
    times : sequence of float, default=(1, 2, 5)
        Years at which transition probabilities are given.
    recurrence : bool, default=True
        Also fit the model in which units free of lesion after one was seen are in a state
        of their own, for the recurrence intensity (resolved -> lesion).
    alpha : float, default=0.05
        One minus the confidence level.
    seed : int, default=0
        Seed of the simulation intervals of the probabilities (msm's ``ci="normal"``).

    Returns
    -------
    DesignResult
        ``table`` analyses: ``intensity`` (per year: incidence, resolution, and growth to /
        shrinking from large; ``recurrence`` and the incidence of that model when
        ``recurrence``), ``hazard ratio``, ``probability`` (a lesion at each of ``times``
        among units free at baseline with its simulation interval, a large lesion, no
        lesion among units with one, or with a large one), ``sojourn`` (mean years in each
        state); ``n`` is the number of units in the fit. ``results``:
        ``"markov"`` (and ``"recurrence"``) :class:`~bmecohort.estimators.longitudinal.
        multistate.MultistateResult`; ``frame``: the states (:func:`bmecohort.lesion_states`).

    Notes
    -----
    Time is the actual time from baseline of each visit, in years. The model is Markov and
    time-homogeneous: the intensities do not change with time or with how long a unit has
    been in its state, and a lesion that came and went between two visits is accounted for
    by the model, not seen. Units (e.g. the two knees of a person) are independent subjects
    of the likelihood: with several units per participant the intervals do not account for
    their correlation (msm has no cluster-robust variance; use ``unit="participant"`` for
    one subject per person). In the recurrence model a unit counts as "resolved" from the
    first visit free of lesion after a visit with one; an unseen lesion between visits
    leaves it "never".

    Examples
    --------
    >>> from bmecohort.simulate import knee_cohort
    >>> history = lesion_natural_history(knee_cohort(150, seed=2), recurrence=False)
    >>> history.table["analysis"].unique().tolist()
    ['intensity', 'probability', 'sojourn']
    """
    cuts = (1.0,) if large is None else (1.0, float(large))
    if large is not None and float(large) <= 1:
        raise AnalysisInputError(f"large must be a score above 1, got {large!r}")
    status = lesion_status(cohort, unit=unit, threshold=1, reader=reader)
    frame = states_frame(status, cuts, "years")
    frame, names, coding = _covariate_columns(frame, cohort, covariates)
    k = len(cuts) + 1
    q0 = np.zeros((k, k))
    for i in range(k - 1):  # adjacent states
        q0[i, i + 1], q0[i + 1, i] = 0.1, 0.3
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = multistate(frame, subject=SUBJECT, time=TIME, state=STATE, qmatrix=q0,
                         covariates=names, alpha=alpha)
        results: dict[str, MultistateResult] = {"markov": fit}
        if recurrence:
            tunnel = frame.assign(**{STATE: _recurrence_states(frame)})
            results["recurrence"] = multistate(
                tunnel, subject=SUBJECT, time=TIME, state=STATE,
                qmatrix=[[0, 0.1, 0], [0, 0, 0.3], [0, 0.1, 0]], covariates=names,
                alpha=alpha)
    caveats = []
    for item in caught:  # re-issued here, and recorded in the notes
        if issubclass(item.category, BmecohortWarning):
            caveats.append(f"warning: {item.message}")
        warnings.warn(item.message, item.category, stacklevel=2)
    rows = _rows(fit, times, large is not None, seed)
    if recurrence:
        again = results["recurrence"]
        q = again.intensities.set_index(["from", "to"])
        for pair, term in (((1, 2), "first incidence per year (recurrence model)"),
                           ((3, 2), "recurrence per year (recurrence model)")):
            r = q.loc[pair]
            rows.append(_row("intensity", term, r[ESTIMATE], r[CI_LOWER], r[CI_UPPER]))
    table = pd.DataFrame(rows)
    table[N] = fit.accounting.n_clusters  # subjects (units) in the fit
    table[EVENTS] = None  # transitions between visits are not counted as events
    table[METHOD] = fit.method
    columns = [ANALYSIS, TERM, ESTIMATE, CI_LOWER, CI_UPPER, P_VALUE, N, EVENTS, METHOD]
    table = table[columns + [c for c in table.columns if c not in columns]]
    table = table.sort_values(ANALYSIS, key=lambda s: s.map(
        {"intensity": 0, "hazard ratio": 1, "probability": 2, "sojourn": 3}), kind="stable"
    ).reset_index(drop=True)
    unread = int(len(status.table) - len(frame))
    accounting = Accounting(
        unit=f"{unit}-visit", n_rows=len(status.table), n_used=fit.accounting.n_used,
        n_clusters=fit.accounting.n_clusters, cluster=unit,
        excluded=tuple((r, c) for r, c in (
            ("no assessable read or no visit time", unread),
            *fit.accounting.excluded) if c))
    states = " <-> ".join(STATE_NAMES[:k])
    notes = [f"states: {states} (lesion: score >= 1"
             + (f"; large: score >= {float(large):g}" if large is not None else "")
             + "); continuous-time Markov model on the visits (msm), time in years",
             f"{unit}s are independent subjects: intervals do not account for several "
             f"{unit}s of one participant" if unit != "participant" else
             "one subject per participant",
             *coding, *reading_notes(status.reading), *caveats]
    if recurrence:
        notes.append("recurrence model: states never seen with a lesion -> lesion -> free "
                     "after a lesion -> lesion; the Markov model above assumes recurrence "
                     "equals incidence")
    return DesignResult(
        name="lesion_natural_history",
        description=f"Natural history of lesions per {unit}: multi-state Markov model",
        table=table, results=results, frame=frame, accounting=accounting,
        notes=tuple(notes), reading=status.reading)
