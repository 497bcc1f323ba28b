"""Synthetic hand osteoarthritis joints: BML and synovitis change vs incident tenderness."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._common import check_count, participant_ids, truth_frame
from ._random import (
    binary,
    check_odds_ratio,
    check_probability,
    check_seed,
    expit,
    latent,
    logit,
    odds,
    ordinal,
    stream,
)

__all__ = ["hand_oa_joints", "HandEffects", "hand_truth"]

#: The DIP and PIP joints 2-5 of one hand (Haugen 2015 scored DIP/PIP joints).
JOINTS: tuple[str, ...] = ("dip2", "dip3", "dip4", "dip5", "pip2", "pip3", "pip4", "pip5")
#: Grades 1-3 of a lesion present at baseline (assumption).
_GRADE_PROBS = np.array([0.6, 0.3, 0.1])
#: Size of an increase in half grades (0.5, 1.0, 1.5, 2.0) and the chance that a joint
#: with a lesion and no increase decreases (by 0.5 or 1.0); assumptions.
_INCREASE_PROBS, _P_DECREASE = np.array([0.3, 0.4, 0.2, 0.1]), 0.3
_LIT = "literature.md 7 (Haugen 2015)"


@dataclass(frozen=True)
class HandEffects:
    """Parameters of :func:`hand_oa_joints` (see its docstring)."""

    bml_or: float = 2.85
    synovitis_or: float = 2.66
    incidence_risk: float = 0.12
    bml_increase: float = 47 / 312
    synovitis_increase: float = 45 / 220
    tender_baseline: float = 280 / 664
    bml_baseline: float = 108 / 552
    synovitis_baseline: float = 204 / 379
    person_correlation: float = 0.3

    def __post_init__(self) -> None:
        for name in ("bml_or", "synovitis_or"):
            check_odds_ratio(name, getattr(self, name))
        for name in ("incidence_risk", "bml_increase", "synovitis_increase",
                     "tender_baseline", "bml_baseline", "synovitis_baseline"):
            check_probability(name, getattr(self, name))
        if not 0.0 <= float(self.person_correlation) < 1.0:
            raise ValueError(f"person_correlation must lie in [0, 1), got "
                             f"{self.person_correlation!r}")


def _marginal_or(effects: HandEffects, which: str) -> float:
    """OR of one increase alone (the other omitted), averaging over the other's share."""
    lb, ls = np.log(effects.bml_or), np.log(effects.synovitis_or)
    a = logit(effects.incidence_risk)
    top = _GRADE_PROBS[-1]
    share_b = effects.bml_increase * (1 - effects.bml_baseline * top)
    share_s = effects.synovitis_increase * (1 - effects.synovitis_baseline * top)
    if which == "bml":
        p1 = (1 - share_s) * expit(a + lb) + share_s * expit(a + lb + ls)
        p0 = (1 - share_s) * expit(a) + share_s * expit(a + ls)
    else:
        p1 = (1 - share_b) * expit(a + ls) + share_b * expit(a + lb + ls)
        p0 = (1 - share_b) * expit(a) + share_b * expit(a + lb)
    return float(odds(p1) / odds(p0))


def hand_truth(effects: HandEffects) -> pd.DataFrame:
    """The true parameters of a hand OA joint frame (see ``true_effects``)."""
    model = ("logit P(incident tenderness | not tender at baseline) = logit(incidence_risk) "
             "+ log(OR_bml) bml_increase + log(OR_syn) synovitis_increase; joint level, "
             "marginal over patients; age, sex, BMI and follow-up have no effect, so "
             "adjusting for them leaves the ORs unchanged")
    rows = [
        dict(effect="bml_or", value=effects.bml_or, scale="odds ratio", exact=True,
             source=_LIT + ": 2.85 (1.23-6.58)", model="bml_increase term; " + model),
        dict(effect="synovitis_or", value=effects.synovitis_or, scale="odds ratio",
             exact=True, source=_LIT + ": 2.66 (1.38-5.11)",
             model="synovitis_increase term; " + model),
        dict(effect="incidence_risk", value=effects.incidence_risk, scale="proportion",
             exact=True, source="assumption",
             model="P(incident tenderness | neither increases)"),
        dict(effect="bml_or_alone", value=_marginal_or(effects, "bml"), scale="odds ratio",
             exact=True, source="implied",
             model="OR for bml_increase with synovitis_increase omitted (non-collapsibility)"),
        dict(effect="synovitis_or_alone", value=_marginal_or(effects, "synovitis"),
             scale="odds ratio", exact=True, source="implied",
             model="OR for synovitis_increase with bml_increase omitted"),
        dict(effect="bml_increase", value=effects.bml_increase, scale="proportion",
             exact=True, source=_LIT + ": 47/312",
             model="P(bml_followup > bml_baseline | bml_baseline < 3)"),
        dict(effect="synovitis_increase", value=effects.synovitis_increase,
             scale="proportion", exact=True, source=_LIT + ": 45/220",
             model="P(synovitis_followup > synovitis_baseline | synovitis_baseline < 3)"),
        dict(effect="tender_baseline", value=effects.tender_baseline, scale="proportion",
             exact=True, source=_LIT + ": 280/664", model="P(tender at baseline)"),
    ]
    return truth_frame(rows)


def _scores(rng: np.random.Generator, latent_z: np.ndarray, present: float, increase: float,
            inc_z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Baseline grade, follow-up grade (half grades) and the increase indicator."""
    n = len(latent_z)
    base = np.where(binary(latent_z, present),
                    ordinal(rng.standard_normal(n), _GRADE_PROBS) + 1, 0).astype(float)
    up = binary(inc_z, increase) & (base < 3)
    rise = 0.5 * (ordinal(rng.standard_normal(n), _INCREASE_PROBS) + 1)
    fall = np.where(rng.random(n) < 0.5, 0.5, 1.0)
    down = ~up & (base > 0) & (rng.random(n) < _P_DECREASE)
    follow = np.where(up, np.minimum(base + rise, 3.0),
                      np.where(down, np.maximum(base - fall, 0.0), base))
    return base, follow, up


def hand_oa_joints(
    n_patients: int = 70,
    *,
    seed: int,
    synovitis_fraction: float = 48 / 70,
    bml_or: float = 2.85,
    synovitis_or: float = 2.66,
    incidence_risk: float = 0.12,
    bml_increase: float = 47 / 312,
    synovitis_increase: float = 45 / 220,
    tender_baseline: float = 280 / 664,
    bml_baseline: float = 108 / 552,
    synovitis_baseline: float = 204 / 379,
    person_correlation: float = 0.3,
    id_prefix: str = "A",
) -> pd.DataFrame:
    """A joint-level hand OA frame for Haugen 2015: DIP/PIP joints clustered in patients.

    Not a :class:`~bmecohort.Cohort` (there is no hand table): one row per DIP/PIP joint
    2-5 of one hand, with baseline and follow-up MRI grades and tenderness.

    Parameters
    ----------
    n_patients : int, default=70
        Patients (literature.md 7: 70), eight joints each.
    seed : int
        Seed of every random draw.
    synovitis_fraction : float, default=48/70
        Share of patients with contrast-enhanced MRI, hence synovitis scores (literature.md
        7: 48 of 70); the others have missing synovitis (at random). 1: all patients.
    bml_or : float, default=2.85
        OR of incident tenderness for increasing/incident BML (literature.md 7: 2.85,
        1.23-6.58), adjusted for synovitis increase.
    synovitis_or : float, default=2.66
        OR for increasing/incident synovitis (literature.md 7: 2.66, 1.38-5.11).
    incidence_risk : float, default=0.12
        Incident tenderness in joints where neither increases (assumption).
    bml_increase, synovitis_increase : float, default=47/312, 45/220
        Joints (with room to increase) whose BML / synovitis increase (literature.md 7).
    tender_baseline : float, default=280/664
        Tender joints at baseline (literature.md 7).
    bml_baseline, synovitis_baseline : float, default=108/552, 204/379
        Joints with BML / synovitis at baseline (literature.md 7).
    person_correlation : float, default=0.3
        Latent-normal correlation of a patient's joints (for every joint-level draw).
    id_prefix : str, default="A"
        Prefix of the patient ids.

    Returns
    -------
    pandas.DataFrame
        One row per joint: ``participant_id``, ``sex``, ``age``, ``bmi``, ``follow_up_years``,
        ``joint`` (dip2-dip5, pip2-pip5), ``bml_baseline``, ``bml_followup``,
        ``synovitis_baseline``, ``synovitis_followup`` (0-3 in half grades at follow-up;
        missing without contrast MRI), ``bml_increase``, ``synovitis_increase``
        (booleans, follow-up > baseline), ``tender_baseline``, ``tender_followup`` and
        ``incident_tenderness`` (tender at follow-up among joints not tender at baseline,
        missing otherwise). True parameters: ``true_effects("hand", ...)``.

    Notes
    -----
    Among joints not tender at baseline,

    .. math:: \\operatorname{logit} P(T = 1) = \\operatorname{logit}(p_0)
              + \\log(2.85)\\,\\Delta\\mathrm{BML} + \\log(2.66)\\,\\Delta\\mathrm{Syn},

    marginally over patients (Gaussian copula), with the two increases independent of each
    other and of baseline tenderness. Age, sex, BMI and follow-up time have no effect, so a
    GEE adjusted for them (as Haugen's) estimates the same ORs; a model with one increase
    alone estimates the implied marginal OR listed by ``true_effects``. Population: 90%
    women, age N(67.9, 5.5^2), BMI N(25, 4^2), follow-up N(4.7, 0.4^2) years.

    Examples
    --------
    >>> from bmecohort.simulate import hand_oa_joints
    >>> hand_oa_joints(5, seed=1).shape[0]
    40
    """
    n = check_count("n_patients", n_patients)
    seed = check_seed(seed)
    e = HandEffects(bml_or=bml_or, synovitis_or=synovitis_or, incidence_risk=incidence_risk,
                    bml_increase=bml_increase, synovitis_increase=synovitis_increase,
                    tender_baseline=tender_baseline, bml_baseline=bml_baseline,
                    synovitis_baseline=synovitis_baseline,
                    person_correlation=person_correlation)
    with_syn = int(round(check_probability("synovitis_fraction", synovitis_fraction,
                                           open_interval=False) * n))
    rho = float(e.person_correlation)
    k = len(JOINTS)
    person = np.repeat(np.arange(n), k)
    comp = [(person, n, rho)]

    rng = stream(seed, "hand.persons")
    female = rng.random(n) < 0.9
    age = np.round(rng.normal(67.9, 5.5, n), 1)
    bmi = np.round(np.clip(rng.normal(25.0, 4.0, n), 16.0, 45.0), 1)
    years = np.round(np.clip(rng.normal(4.7, 0.4, n), 3.5, 6.0), 2)
    contrast = np.zeros(n, dtype=bool)
    contrast[rng.permutation(n)[:with_syn]] = True

    rng = stream(seed, "hand.joints")
    m = n * k
    bml0, bml1, bml_up = _scores(rng, latent(rng, m, comp), e.bml_baseline, e.bml_increase,
                                 latent(rng, m, comp))
    syn0, syn1, syn_up = _scores(rng, latent(rng, m, comp), e.synovitis_baseline,
                                 e.synovitis_increase, latent(rng, m, comp))
    tender0 = binary(latent(rng, m, comp), e.tender_baseline)
    p = expit(logit(e.incidence_risk) + np.log(e.bml_or) * bml_up
              + np.log(e.synovitis_or) * syn_up)
    incident = binary(latent(rng, m, comp), p)
    # tender joints at baseline stay tender unless the tenderness resolves (assumed 0.35)
    tender1 = np.where(tender0, rng.random(m) >= 0.35, incident)

    seen = contrast[person]
    ids = participant_ids(id_prefix, n)
    return pd.DataFrame({
        "participant_id": ids[person],
        "sex": np.where(female, "F", "M").astype(object)[person],
        "age": age[person],
        "bmi": bmi[person],
        "follow_up_years": years[person],
        "joint": np.tile(np.array(JOINTS, dtype=object), n),
        "bml_baseline": bml0,
        "bml_followup": bml1,
        "synovitis_baseline": np.where(seen, syn0, np.nan),
        "synovitis_followup": np.where(seen, syn1, np.nan),
        "bml_increase": pd.array(bml_up, dtype="boolean"),
        "synovitis_increase": pd.array(np.where(seen, syn_up, None), dtype="boolean"),  # type: ignore[call-overload]  # None: missing
        "tender_baseline": pd.array(tender0, dtype="boolean"),
        "tender_followup": pd.array(tender1, dtype="boolean"),
        "incident_tenderness": pd.array(np.where(tender0, None, incident), dtype="boolean"),  # type: ignore[call-overload]  # None: missing
    })
