"""Synthetic hip cohorts: bone marrow edema syndrome (BMES) vs avascular necrosis (AVN)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..cohort import Cohort
from ._common import (
    attendance,
    changed,
    check_count,
    check_schedule,
    participant_ids,
    source_text,
    truth_frame,
    visits_table,
)
from ._random import (
    binary,
    check_probability,
    check_seed,
    latent,
    ordinal,
    stream,
    uniform,
)

__all__ = ["hip_cohort", "hip_tables", "HipEffects", "hip_truth"]

_ARCO = np.array(["I", "II", "IIIA", "IIIB", "IV"], dtype=object)
#: ARCO 2019 stage of an AVN hip at presentation (assumption).
_ARCO_PROBS = np.array([0.25, 0.45, 0.15, 0.10, 0.05])
_SEEDS = "seeds/000 (slides: distinguishing features of BMES and AVN)"
_LIT_KOO = "literature.md 9a (Koo 1999: BME in 7/14 painful vs 1/23 painless hips)"


@dataclass(frozen=True)
class HipEffects:
    """Parameters of :func:`hip_cohort` (see its docstring)."""

    bmes_fraction: float = 0.5
    bmes_male: float = 0.75
    avn_male: float = 0.5
    bmes_recurrence: float = 0.10
    avn_bilateral: float = 0.55
    bmes_acute: float = 0.9
    avn_insidious: float = 0.85
    bmes_diffuse: float = 0.95
    avn_focal: float = 0.9
    avn_painful: float = 14 / 37
    bme_if_painful: float = 7 / 14
    bme_if_painless: float = 1 / 23
    bmes_median_months: float = 10.0
    bmes_sigma: float = 0.35
    avn_edema_median_months: float = 6.0
    avn_progression: float = 0.75
    person_correlation: float = 0.5

    def __post_init__(self) -> None:
        for name in ("bmes_fraction", "bmes_male", "avn_male", "bmes_recurrence",
                     "avn_bilateral", "bmes_acute", "avn_insidious", "bmes_diffuse",
                     "avn_focal", "avn_painful", "bme_if_painful", "bme_if_painless",
                     "avn_progression"):
            check_probability(name, getattr(self, name), open_interval=False)
        for name in ("bmes_median_months", "bmes_sigma", "avn_edema_median_months"):
            if not float(getattr(self, name)) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)!r}")
        if not 0.0 <= float(self.person_correlation) < 1.0:
            raise ValueError(f"person_correlation must lie in [0, 1), got "
                             f"{self.person_correlation!r}")


def hip_truth(effects: HipEffects) -> pd.DataFrame:
    """The true parameters of a hip cohort, one row per effect (see ``true_effects``)."""
    e = effects
    pain_or = (e.bme_if_painful / (1 - e.bme_if_painful)) / (
        e.bme_if_painless / (1 - e.bme_if_painless)) if 0 < e.bme_if_painless and \
        e.bme_if_painful < 1 else float("inf")
    rows = [
        dict(effect="bmes_fraction", value=e.bmes_fraction, scale="proportion", exact=True,
             source="assumption", model="P(participant has BMES rather than AVN)"),
        dict(effect="bmes_male", value=e.bmes_male, scale="proportion", exact=True,
             source=_SEEDS + ": male/female 3:1", model="P(male | BMES)"),
        dict(effect="avn_male", value=e.avn_male, scale="proportion", exact=True,
             source=_SEEDS + ": male/female 1:1", model="P(male | AVN)"),
        dict(effect="bmes_recurrence", value=e.bmes_recurrence, scale="proportion",
             exact=True, source=_SEEDS + ": unilateral (90%), may recur",
             model="P(BMES participant has a second, contralateral hip row)"),
        dict(effect="avn_bilateral", value=e.avn_bilateral, scale="proportion", exact=True,
             source=_SEEDS + ": bilateral in more than 50%", model="P(both hips | AVN)"),
        dict(effect="bmes_acute", value=e.bmes_acute, scale="proportion", exact=True,
             source=_SEEDS + ": acute onset", model="P(onset acute | BMES hip)"),
        dict(effect="avn_insidious", value=e.avn_insidious, scale="proportion", exact=True,
             source=_SEEDS + ": insidious onset", model="P(onset insidious | AVN hip)"),
        dict(effect="bmes_diffuse", value=e.bmes_diffuse, scale="proportion", exact=True,
             source=_SEEDS + ": diffuse edema", model="P(mri_pattern diffuse | BMES hip)"),
        dict(effect="avn_focal", value=e.avn_focal, scale="proportion", exact=True,
             source=_SEEDS + ": focal lesion", model="P(mri_pattern focal | AVN hip)"),
        dict(effect="avn_painful", value=e.avn_painful, scale="proportion", exact=True,
             source=_LIT_KOO + ": 14 of 37", model="P(painful | AVN hip)"),
        dict(effect="bme_if_painful", value=e.bme_if_painful, scale="proportion", exact=True,
             source=_LIT_KOO, model="P(bme | painful AVN hip)"),
        dict(effect="bme_if_painless", value=e.bme_if_painless, scale="proportion",
             exact=True, source=_LIT_KOO, model="P(bme | painless AVN hip)"),
        dict(effect="bme_pain_or", value=pain_or, scale="odds ratio", exact=True,
             source=_LIT_KOO + ": OR 22.0 recomputed",
             model="OR of BME for painful vs painless AVN hips, hip level, marginal"),
        dict(effect="bmes_median_months", value=e.bmes_median_months, scale="months",
             exact=True, source=_SEEDS + ": resolution in 6-24 months; domain.md 1.11",
             model="months to resolution of a BMES hip ~ lognormal(log median, sigma)"),
        dict(effect="bmes_sigma", value=e.bmes_sigma, scale="log months", exact=True,
             source="assumption", model="sigma of that lognormal"),
        dict(effect="avn_edema_median_months", value=e.avn_edema_median_months,
             scale="months", exact=True, source="assumption (Koo 1999: edema resolved)",
             model="months to resolution of edema in an AVN hip ~ lognormal(log median, "
                   "sigma)"),
        dict(effect="avn_progression", value=e.avn_progression, scale="proportion",
             exact=True, source=_SEEDS + ": progressive in 70-80%",
             model="P(progressed | AVN hip)"),
    ]
    return truth_frame(rows)


def hip_tables(n_participants: int, *, seed: int, follow_up_months: float = 24.0,
               effects: HipEffects | None = None, id_prefix: str = "H"
               ) -> dict[str, pd.DataFrame]:
    """The tables of :func:`hip_cohort`, unvalidated (see there for the parameters)."""
    n = check_count("n_participants", n_participants)
    seed = check_seed(seed)
    e = effects or HipEffects()
    follow_up = float(follow_up_months)
    if not follow_up > 0:
        raise ValueError(f"follow_up_months must be positive, got {follow_up_months!r}")
    rho = float(e.person_correlation)

    rng = stream(seed, "hip.persons")
    bmes = rng.random(n) < e.bmes_fraction
    male = rng.random(n) < np.where(bmes, e.bmes_male, e.avn_male)
    # BMES: middle-aged men or women in late pregnancy; AVN: adults of any age (assumed)
    age = np.where(bmes, np.where(male, rng.normal(45, 9, n), rng.normal(32, 4, n)),
                   rng.normal(42, 12, n))
    age = np.round(np.clip(age, 18.0, 85.0), 1)
    second = rng.random(n) < np.where(bmes, e.bmes_recurrence, e.avn_bilateral)
    first_side = (rng.random(n) < 0.5).astype(np.int8)

    count = 1 + second
    person = np.repeat(np.arange(n), count)
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    side = np.repeat(first_side, count)
    side[start[second] + 1] = 1 - first_side[second]
    m = len(person)
    is_bmes = bmes[person]
    comp = [(person, n, rho)]

    rng = stream(seed, "hip.features")
    u = uniform(latent(rng, m, comp))
    onset = np.where(is_bmes, np.where(u < e.bmes_acute, "acute", "insidious"),
                     np.where(u < e.avn_insidious, "insidious", "acute"))
    u = uniform(latent(rng, m, comp))
    pattern = np.where(is_bmes, np.where(u < e.bmes_diffuse, "diffuse", "focal"),
                       np.where(u < e.avn_focal, "focal", "diffuse"))
    painful = np.where(is_bmes, True, binary(latent(rng, m, comp), e.avn_painful))
    bme = np.where(is_bmes, True, binary(latent(rng, m, comp), np.where(
        painful, e.bme_if_painful, e.bme_if_painless)))
    arco = np.where(is_bmes, None, _ARCO[ordinal(latent(rng, m, comp), _ARCO_PROBS)])
    progressed = np.where(is_bmes, False, binary(latent(rng, m, comp), e.avn_progression))

    rng = stream(seed, "hip.course")
    median = np.where(is_bmes, e.bmes_median_months, e.avn_edema_median_months)
    months = np.round(median * np.exp(e.bmes_sigma * latent(rng, m, comp)), 1)
    months = np.maximum(months, 0.1)
    resolved = bme & (months <= follow_up)
    u = rng.random(m)
    course = np.select(
        [is_bmes & resolved, is_bmes, progressed & painful, progressed, painful & resolved,
         painful],
        [np.where(u < 0.85, "resolved", "improved"), np.full(m, "persistent"),
         np.where(u < 0.7, "worsened", "persistent"), np.full(m, "worsened"),
         np.where(u < 0.6, "resolved", "improved"),
         np.where(u < 0.5, "persistent", "improved")],
        default=None)  # type: ignore[call-overload]  # None: missing

    ids = participant_ids(id_prefix, n)
    schedule = check_schedule(sorted({0, *(v for v in (3, 6, 12, 24) if v < follow_up),
                                      int(np.ceil(follow_up))}), name="follow-up schedule")
    rng = stream(seed, "hip.visits")
    visits_frame = visits_table(rng, ids, schedule, attendance(rng, n, len(schedule), 0.0))
    participants = pd.DataFrame({
        "participant_id": ids, "sex": np.where(male, "M", "F").astype(object), "age": age,
        "condition": "hip", "study": "simulated hip cohort"})
    hips = pd.DataFrame({
        "participant_id": ids[person],
        "side": np.array(["L", "R"], dtype=object)[side],
        "diagnosis": np.where(is_bmes, "bmes", "avn").astype(object),
        "onset": onset.astype(object),
        "mri_pattern": pattern.astype(object),
        "bme": pd.array(bme.astype(bool), dtype="boolean"),
        "painful": pd.array(painful.astype(bool), dtype="boolean"),
        "arco_stage": arco,
        "resolved": pd.array(np.where(bme, resolved, None), dtype="boolean"),  # type: ignore[call-overload]  # None: missing
        "months_to_resolution": np.where(resolved, months, np.nan),
        "progressed": pd.array(progressed.astype(bool), dtype="boolean"),
        "pain_course": course.astype(object),
    })
    return {"participants": participants, "visits": visits_frame, "hip_cases": hips}


def hip_cohort(
    n_participants: int = 200,
    *,
    seed: int,
    follow_up_months: float = 24.0,
    bmes_fraction: float = 0.5,
    bmes_male: float = 0.75,
    avn_male: float = 0.5,
    bmes_recurrence: float = 0.10,
    avn_bilateral: float = 0.55,
    bmes_acute: float = 0.9,
    avn_insidious: float = 0.85,
    bmes_diffuse: float = 0.95,
    avn_focal: float = 0.9,
    avn_painful: float = 14 / 37,
    bme_if_painful: float = 7 / 14,
    bme_if_painless: float = 1 / 23,
    bmes_median_months: float = 10.0,
    bmes_sigma: float = 0.35,
    avn_edema_median_months: float = 6.0,
    avn_progression: float = 0.75,
    person_correlation: float = 0.5,
    id_prefix: str = "H",
    name: str = "hip_cohort",
) -> Cohort:
    """A synthetic cohort of hips with bone marrow edema syndrome or avascular necrosis.

    Parameters
    ----------
    n_participants : int, default=200
        Participants; each has one or two affected hips (one ``hip_cases`` row per hip).
    seed : int
        Seed of every random draw.
    follow_up_months : float, default=24.0
        End of follow-up: edema resolving later is censored (``resolved`` false, no
        ``months_to_resolution``). Visits at 0, 3, 6, 12, 24 months up to it.
    bmes_fraction : float, default=0.5
        Participants with BMES (the rest have AVN); an assumption.
    bmes_male, avn_male : float, default=0.75, 0.5
        Share of men: BMES 3:1, AVN 1:1 (seeds/000 slides).
    bmes_recurrence : float, default=0.10
        BMES participants with a recurrence in the other hip ("unilateral (90%), may
        recur", seeds/000).
    avn_bilateral : float, default=0.55
        AVN participants with both hips affected ("bilateral in more than 50%", seeds/000).
    bmes_acute, avn_insidious : float, default=0.9, 0.85
        Hips with the typical onset (BMES acute, AVN insidious; seeds/000; shares assumed).
    bmes_diffuse, avn_focal : float, default=0.95, 0.9
        Hips with the typical MRI pattern (BMES diffuse edema, AVN focal lesion; seeds/000;
        shares assumed).
    avn_painful : float, default=14/37
        Painful AVN hips (literature.md 9a, Koo 1999: 14 of 37).
    bme_if_painful, bme_if_painless : float, default=7/14, 1/23
        BME in painful and painless AVN hips (literature.md 9a, Koo 1999: OR 22).
    bmes_median_months, bmes_sigma : float, default=10.0, 0.35
        Lognormal time to resolution of BMES (95% within about 5-20 months: "self-limiting
        course 6-24 months", seeds/000; domain.md 1.11).
    avn_edema_median_months : float, default=6.0
        Median time to resolution of edema in AVN hips with BME (Koo 1999: all resolved;
        the time is an assumption; same sigma).
    avn_progression : float, default=0.75
        AVN hips with structural progression ("progressive in 70-80%", seeds/000).
    person_correlation : float, default=0.5
        Latent-normal correlation of the two hips of a person.
    id_prefix : str, default="H"
        Prefix of the participant ids.
    name : str, default="hip_cohort"
        The cohort's name.

    Returns
    -------
    Cohort
        Validated; ``participants`` (condition ``hip``), ``visits`` and ``hip_cases``:
        diagnosis, onset, mri_pattern, bme, painful, arco_stage (AVN only), resolved and
        months_to_resolution (hips with BME), progressed and pain_course. True
        parameters: ``true_effects("hip", ...)``.

    Notes
    -----
    Every probability above holds exactly at hip level (marginally over persons; the hips of
    one person share a Gaussian-copula component). BME in AVN hips depends only on pain,
    so the OR of BME for painful vs painless hips is Koo's 22.0. Pain course: BMES resolved
    -> resolved (85%) or improved; unresolved BMES -> persistent; progressed painful AVN ->
    worsened (70%) or persistent; progressed painless AVN -> worsened; painful AVN whose
    edema resolved -> resolved (60%) or improved; other painful AVN -> persistent or
    improved (50/50); painless AVN without progression has no pain course (missing).

    Examples
    --------
    >>> from bmecohort.simulate import hip_cohort
    >>> set(hip_cohort(20, seed=1).hip_cases["diagnosis"]) == {"bmes", "avn"}
    True
    """
    effects = HipEffects(
        bmes_fraction=bmes_fraction, bmes_male=bmes_male, avn_male=avn_male,
        bmes_recurrence=bmes_recurrence, avn_bilateral=avn_bilateral, bmes_acute=bmes_acute,
        avn_insidious=avn_insidious, bmes_diffuse=bmes_diffuse, avn_focal=avn_focal,
        avn_painful=avn_painful, bme_if_painful=bme_if_painful,
        bme_if_painless=bme_if_painless, bmes_median_months=bmes_median_months,
        bmes_sigma=bmes_sigma, avn_edema_median_months=avn_edema_median_months,
        avn_progression=avn_progression, person_correlation=person_correlation)
    tables = hip_tables(n_participants, seed=seed, follow_up_months=follow_up_months,
                        effects=effects, id_prefix=id_prefix)
    return Cohort(**tables, name=name, source=source_text(
        "hip_cohort", seed, n_participants, follow_up_months=follow_up_months,
        **changed(effects)))
