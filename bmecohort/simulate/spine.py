"""Synthetic ankylosing spondylitis cohorts: mSASSS corners and MRI corner lesions."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import _statsmodels as sm
from ..cohort import Cohort
from ..scoring import MSASSS_CORNERS
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
    check_odds_ratio,
    check_probability,
    check_seed,
    expit,
    latent,
    logit,
    ordinal,
    stream,
)

__all__ = ["spine_cohort", "spine_tables", "SpineEffects", "spine_truth"]

#: Baseline MRI corner lesions among the 24 corners (assumptions): inflammation, and fat
#: given inflammation / given none.
_P_INFLAMMATION, _P_FAT_IF_INFLAMED, _P_FAT_IF_NOT = 0.12, 0.25, 0.08
#: Baseline mSASSS 0/1/2 of a corner whose disc space is not bridged, and bridging.
_MSASSS_PROBS, _P_BRIDGE = np.array([0.78, 0.10, 0.12]), 0.04
#: Over 2 years: 0 -> 1 (erosion/sclerosis/squaring) in corners without a new
#: syndesmophyte, and bridging of a disc space with syndesmophytes on both corners.
_P_ZERO_TO_ONE, _P_NEW_BRIDGE = 0.05, 0.10
_LEVELS = np.array([level for level, _ in MSASSS_CORNERS], dtype=object)
_CORNERS = np.array([corner for _, corner in MSASSS_CORNERS], dtype=object)
_DISC = np.repeat(np.arange(12), 2)  # corners 2d and 2d+1 face each other across disc d


@dataclass(frozen=True)
class SpineEffects:
    """Effect parameters of :func:`spine_cohort` (see its docstring)."""

    inflammation_or: float = 5.8
    fat_or: float = 1.9
    both_or: float = 7.6
    neither_risk: float = 0.02
    person_correlation: float = 0.3

    def __post_init__(self) -> None:
        for name in ("inflammation_or", "fat_or", "both_or"):
            check_odds_ratio(name, getattr(self, name))
        check_probability("neither_risk", self.neither_risk)
        if not 0.0 <= float(self.person_correlation) < 1.0:
            raise ValueError(f"person_correlation must lie in [0, 1), got "
                             f"{self.person_correlation!r}")

    def cell_risks(self) -> np.ndarray:
        """Risk of a new syndesmophyte for (neither, inflammation only, fat only, both)."""
        base = logit(self.neither_risk)
        ors = np.array([1.0, self.inflammation_or, self.fat_or, self.both_or])
        return expit(base + np.log(ors))


def _cell_weights() -> np.ndarray:
    """Population shares of (neither, inflammation only, fat only, both) corners."""
    pi = _P_INFLAMMATION
    return np.array([(1 - pi) * (1 - _P_FAT_IF_NOT), pi * (1 - _P_FAT_IF_INFLAMED),
                     (1 - pi) * _P_FAT_IF_NOT, pi * _P_FAT_IF_INFLAMED])


@functools.lru_cache(maxsize=64)
def _main_effects(effects: SpineEffects) -> tuple[float, float]:
    """Population limit of the main-effects logistic fit (inflammation, fat) as ORs."""
    design = np.array([[1, 0, 0], [1, 1, 0], [1, 0, 1], [1, 1, 1]], dtype=float)
    fit = sm.GLM(effects.cell_risks(), design, family=sm.families.Binomial(),
                 var_weights=_cell_weights()).fit(tol=1e-12)
    return float(np.exp(fit.params[1])), float(np.exp(fit.params[2]))


def spine_truth(effects: SpineEffects) -> pd.DataFrame:
    """The true parameters of a spine cohort, one row per effect (see ``true_effects``)."""
    lit = "literature.md 5 (Chiowchanwisawakit 2011)"
    cell = ("logit P(new syndesmophyte | corner class) = logit(neither_risk) + log(OR_class); "
            "at-risk corners (mSASSS 0/1 at month 0, new = >= 2 at 24); marginal over "
            "patients; saturated in the four classes")
    inflammation_main, fat_main = _main_effects(effects)
    rows = [
        dict(effect="inflammation_or", value=effects.inflammation_or, scale="odds ratio",
             exact=True, source=lit + ": 5.8 (2.2-15.3), mutually adjusted",
             model="inflammation only vs neither; " + cell),
        dict(effect="fat_or", value=effects.fat_or, scale="odds ratio", exact=True,
             source=lit + ": 1.9 (0.9-4.1), mutually adjusted",
             model="fat only vs neither; " + cell),
        dict(effect="both_or", value=effects.both_or, scale="odds ratio", exact=True,
             source=lit + ": 7.6 (1.5-38.5)", model="fat and inflammation vs neither; " + cell),
        dict(effect="neither_risk", value=effects.neither_risk, scale="proportion",
             exact=True, source=lit + ": 1.4% and 3.1% in the two cohorts",
             model="P(new syndesmophyte | neither lesion)"),
        dict(effect="inflammation_main_or", value=inflammation_main, scale="odds ratio",
             exact=True, source="implied",
             model="inflammation term of the main-effects model inflammation + fat (no "
                   "interaction), population limit of ML / independence GEE"),
        dict(effect="fat_main_or", value=fat_main, scale="odds ratio", exact=True,
             source="implied", model="fat term of the same main-effects model"),
    ]
    return truth_frame(rows)


def spine_tables(n_participants: int, *, seed: int, visits: Sequence[int] = (0, 24),
                 dropout: float = 0.0, effects: SpineEffects | None = None,
                 id_prefix: str = "S") -> dict[str, pd.DataFrame]:
    """The tables of :func:`spine_cohort`, unvalidated (see there for the parameters)."""
    n = check_count("n_participants", n_participants)
    seed = check_seed(seed)
    schedule = check_schedule(visits, required=(24,))
    effects = effects or SpineEffects()
    rho = float(effects.person_correlation)
    n_corners = len(MSASSS_CORNERS)

    rng = stream(seed, "spine.persons")
    male = rng.random(n) < 0.7
    age = np.round(np.clip(rng.normal(40.0, 11.0, n), 18.0, 80.0), 1)
    bmi = np.round(np.clip(rng.normal(26.0, 4.0, n), 16.0, 45.0), 1)

    # baseline mSASSS: bridged disc spaces (both corners 3), other corners 0/1/2
    rng = stream(seed, "spine.structure")
    person = np.repeat(np.arange(n), n_corners)
    disc_person = np.repeat(np.arange(n), 12)
    bridged = binary(latent(rng, n * 12, [(disc_person, n, 0.5)]), _P_BRIDGE)
    grade = ordinal(latent(rng, n * n_corners, [(person, n, 0.5)]), _MSASSS_PROBS)
    disc = (np.arange(n)[:, None] * 12 + _DISC[None, :]).reshape(-1)
    score0 = np.where(bridged[disc], 3, grade).astype(np.int8)

    # baseline MRI: inflammation, and fat more often where inflamed (independent of mSASSS)
    rng = stream(seed, "spine.mri")
    inflamed = binary(latent(rng, n * n_corners, [(person, n, rho)]), _P_INFLAMMATION)
    fat = binary(latent(rng, n * n_corners, [(person, n, rho)]),
                 np.where(inflamed, _P_FAT_IF_INFLAMED, _P_FAT_IF_NOT))

    # 2 years: new syndesmophytes in at-risk corners from the saturated cell model
    rng = stream(seed, "spine.progression")
    cell = inflamed.astype(int) + 2 * fat.astype(int)
    new = binary(latent(rng, n * n_corners, [(person, n, rho)]), effects.cell_risks()[cell])
    at_risk = score0 <= 1
    score24 = score0.copy()
    score24[at_risk & new] = 2
    score24[at_risk & ~new & (score0 == 0) & (rng.random(n * n_corners) < _P_ZERO_TO_ONE)] = 1
    both_synd = (score24.reshape(-1, 2) >= 2).all(axis=1)
    bridge_new = both_synd & (score24.reshape(-1, 2) < 3).any(axis=1) & (
        rng.random(n * 12) < _P_NEW_BRIDGE)
    score24[np.repeat(bridge_new, 2)] = 3

    ids = participant_ids(id_prefix, n)
    rng = stream(seed, "spine.visits")
    attended = attendance(rng, n, len(schedule), dropout)
    visits_frame = visits_table(rng, ids, schedule, attended)
    participants = pd.DataFrame({
        "participant_id": ids, "sex": np.where(male, "M", "F").astype(object), "age": age,
        "bmi": bmi, "condition": "axspa", "study": "simulated spine cohort"})
    # every later visit is the 24-month radiograph's schedule: scores at 24 and after
    scores = np.where(schedule[None, :] >= 24, score24[:, None], score0[:, None])
    unit, visit = np.nonzero(np.repeat(attended, n_corners, axis=0))
    baseline = visit == 0
    corner_index = unit % n_corners
    frame = pd.DataFrame({
        "participant_id": pd.Categorical.from_codes(person[unit], ids),
        "visit": schedule[visit],
        "level": pd.Categorical(_LEVELS[corner_index]),
        "corner": pd.Categorical(_CORNERS[corner_index]),
        "reader": pd.Categorical.from_codes(np.zeros(len(unit), dtype=np.int8), ["consensus"]),
        "msasss": scores[unit, visit].astype(float),
        "mri_inflammation": np.where(baseline, inflamed[unit], np.nan),
        "mri_fat": np.where(baseline, fat[unit], np.nan),
    })
    return {"participants": participants, "visits": visits_frame, "spine_corners": frame}


def spine_cohort(
    n_participants: int = 100,
    *,
    seed: int,
    visits: Sequence[int] = (0, 24),
    dropout: float = 0.0,
    inflammation_or: float = 5.8,
    fat_or: float = 1.9,
    both_or: float = 7.6,
    neither_risk: float = 0.02,
    person_correlation: float = 0.3,
    id_prefix: str = "S",
    name: str = "spine_cohort",
) -> Cohort:
    """A synthetic ankylosing spondylitis cohort: 24 mSASSS corners and MRI corner lesions.

    Parameters
    ----------
    n_participants : int, default=100
        Patients (Chiowchanwisawakit 2011 had 100).
    seed : int
        Seed of every random draw.
    visits : sequence of int, default=(0, 24)
        Radiograph visits in nominal months; must include 0 and 24. Scores at visits after
        24 equal the 24-month scores.
    dropout : float, default=0.0
        Probability of leaving before each follow-up visit (monotone, at random).
    inflammation_or : float, default=5.8
        Odds ratio of a new syndesmophyte for a corner with MRI inflammation and no fat vs a
        corner with neither (literature.md 5: 5.8, 2.2-15.3).
    fat_or : float, default=1.9
        The same for fat without inflammation (literature.md 5: 1.9, 0.9-4.1).
    both_or : float, default=7.6
        The same for fat and inflammation (literature.md 5: 7.6, 1.5-38.5).
    neither_risk : float, default=0.02
        Two-year risk of a new syndesmophyte at an at-risk corner with neither lesion
        (literature.md 5: 1.4% and 3.1% in the two cohorts).
    person_correlation : float, default=0.3
        Latent-normal correlation of a patient's corners (MRI lesions and new syndesmophytes).
    id_prefix : str, default="S"
        Prefix of the participant ids.
    name : str, default="spine_cohort"
        The cohort's name.

    Returns
    -------
    Cohort
        Validated; ``participants`` (condition ``axspa``, 70% men), ``visits`` and
        ``spine_corners``: the 24 mSASSS anterior corners per attended visit (reader
        ``consensus``), ``msasss`` 0-3, ``mri_inflammation`` and ``mri_fat`` 0/1 at baseline
        (missing later). True parameters: ``true_effects("spine", ...)``.

    Notes
    -----
    The truth refers to the **saturated corner-class model**: among corners at risk (mSASSS
    0 or 1 at baseline), a new syndesmophyte (>= 2 at 24 months) has

    .. math:: \\operatorname{logit} P(Y = 1 \\mid \\text{class}) = \\operatorname{logit}(p_0)
              + \\log \\mathrm{OR}_{\\text{class}},

    class in {neither, inflammation only, fat only, both}: the paper's three odds ratios
    are its three contrasts with *neither* (its 5.8 and 1.9 came from a main-effects model;
    ``true_effects`` also reports the main-effects model's population limit under this
    truth). The patient-level Gaussian copula makes the relation marginal over patients, so
    GEE clustered by patient (any working correlation) recovers it. MRI lesions are drawn
    independently of baseline mSASSS (inflammation 12%; fat 25% of inflamed and 8% of other
    corners). Baseline mSASSS: 4% of disc spaces bridged (both corners 3), other corners
    0/1/2 with probabilities 0.78/0.10/0.12. Over two years scores never decrease: at-risk
    corners with a new syndesmophyte become 2, other 0 corners become 1 with probability
    0.05, and a disc space with syndesmophytes on both corners bridges with probability 0.10
    (both corners 3), so the bridging rule holds at every visit.

    Examples
    --------
    >>> from bmecohort.simulate import spine_cohort
    >>> len(spine_cohort(10, seed=1).spine_corners)
    480
    """
    effects = SpineEffects(inflammation_or=inflammation_or, fat_or=fat_or, both_or=both_or,
                           neither_risk=neither_risk, person_correlation=person_correlation)
    tables = spine_tables(n_participants, seed=seed, visits=visits, dropout=dropout,
                          effects=effects, id_prefix=id_prefix)
    return Cohort(**tables, name=name, source=source_text(
        "spine_cohort", seed, n_participants, visits=tuple(visits), dropout=dropout,
        **changed(effects)))
