"""Synthetic knee cohorts: MOAKS BML reads and knee outcomes with known effects."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ..cohort import Cohort
from ._common import (
    attendance,
    changed,
    check_count,
    check_schedule,
    participant_ids,
    source_text,
    visits_table,
)
from ._knee_bml import SITES, knee_chain, subregion_scores
from ._knee_effects import (
    ALIGN_BML_LOGOR,
    ALIGN_MEAN,
    ALIGN_SD,
    BMI_HIGH,
    BMI_LOW,
    BMI_MEAN,
    BMI_REFERENCE,
    BMI_SD,
    HORIZON,
    KneeEffects,
    calibrate,
)
from ._random import (
    binary,
    check_seed,
    expit,
    latent,
    logit,
    ordinal,
    stochastic_round,
    stream,
    uniform,
)

__all__ = ["knee_cohort", "knee_tables"]

_MEDIAL = np.array([s in ("FMC", "FMP", "TMA", "TMC", "TMP") for s in SITES])
_LATERAL = np.array([s in ("FLC", "FLP", "TLA", "TLC", "TLP") for s in SITES])
#: Kellgren-Lawrence grades 0-4 at baseline at age 58 (assumption).
_KL_PROBS = np.array([0.40, 0.30, 0.18, 0.09, 0.03])
#: Latent correlation of a knee's pain across follow-up visits beyond the person's share.
_KNEE_PAIN_SHARE = 0.2
#: Probability of lateral JSN progression by 24 months (assumption).
_LATERAL_RISK = 0.03


def _layout(rng: np.random.Generator, n: int, knees: str | float) -> tuple[np.ndarray,
                                                                          np.ndarray]:
    """Person index and side code (0 = L, 1 = R) of every knee, ordered by person then side."""
    if isinstance(knees, str):
        if knees not in ("both", "one"):
            raise ValueError(f"knees must be 'both', 'one' or the fraction of participants "
                             f"with two knees, got {knees!r}")
        fraction = 1.0 if knees == "both" else 0.0
    else:
        fraction = float(knees)
        if not 0.0 <= fraction <= 1.0:
            raise ValueError(f"knees as a fraction must lie in [0, 1], got {knees!r}")
    two = rng.random(n) < fraction
    one_side = (rng.random(n) < 0.5).astype(np.int8)
    count = np.where(two, 2, 1)
    person = np.repeat(np.arange(n), count)
    first = np.concatenate([[0], np.cumsum(count)[:-1]])
    side = np.repeat(one_side, count)
    side[first[two]] = 0
    side[first[two] + 1] = 1
    return person, side


def _progression_time(u: np.ndarray, p24: np.ndarray) -> np.ndarray:
    """Event month with constant hazard such that ``P(T <= 24) = p24`` (``u`` uniform)."""
    return HORIZON * np.log1p(-u) / np.log1p(-p24)


def knee_tables(n_participants: int, *, seed: int, visits: Sequence[int] = (0, 12, 24, 48),
                knees: str | float = "both", dropout: float = 0.05, women_only: bool = False,
                pain_free_baseline: bool = False, effects: KneeEffects | None = None,
                id_prefix: str = "K") -> dict[str, pd.DataFrame]:
    """The tables of :func:`knee_cohort`, unvalidated (see there for the parameters)."""
    n = check_count("n_participants", n_participants)
    seed = check_seed(seed)
    schedule = check_schedule(visits)
    effects = effects or KneeEffects()
    cal = calibrate(effects)
    rho = float(effects.person_correlation)

    # persons: sex, age, BMI (rounded as recorded; the model uses the recorded values)
    rng = stream(seed, "knee.persons")
    female = np.ones(n, dtype=bool) if women_only else rng.random(n) < 0.6
    age = np.round(np.clip(rng.normal(58.0, 8.0, n), 40.0, 85.0), 1)
    lo, hi = (BMI_LOW - BMI_MEAN) / BMI_SD, (BMI_HIGH - BMI_MEAN) / BMI_SD
    bmi = np.round(stats.truncnorm.ppf(rng.random(n), lo, hi, BMI_MEAN, BMI_SD), 1)

    # knees: alignment and severity share a person component
    rng = stream(seed, "knee.knees")
    person, side = _layout(rng, n, knees)
    m = len(person)
    alignment = np.round(ALIGN_MEAN + ALIGN_SD * latent(rng, m, [(person, n, 0.6)]), 1)
    align_c = alignment - ALIGN_MEAN
    severity = latent(rng, m, [(person, n, rho)])

    # knee-level BML chain and subregion sizes
    rng = stream(seed, "knee.bml")
    k0 = binary(latent(rng, m, [(person, n, rho)]),
                expit(cal.baseline_intercept + ALIGN_BML_LOGOR * align_c))
    p24 = expit(cal.bmi_intercept + np.log(effects.bmi_or) * (bmi[person] - BMI_REFERENCE))
    states = knee_chain(rng, k0, p24, effects.resolution, schedule, person, n, rho)
    scores = subregion_scores(stream(seed, "knee.subregions"), states, align_c, severity)
    size = scores.max(axis=2)
    medial0 = (scores[:, 0, :][:, _MEDIAL] > 0).any(axis=1)

    # pain: baseline latent independent of the follow-up latents (see Notes of knee_cohort)
    rng = stream(seed, "knee.pain")
    n_visits = len(schedule)
    z = np.empty((m, n_visits))
    z[:, 0] = latent(rng, m, [(person, n, rho)])
    shared_person, shared_knee = rng.standard_normal(n)[person], rng.standard_normal(m)
    for t in range(1, n_visits):
        z[:, t] = (np.sqrt(rho) * shared_person + np.sqrt(_KNEE_PAIN_SHARE) * shared_knee
                   + np.sqrt(1 - rho - _KNEE_PAIN_SHARE) * rng.standard_normal(m))
    pain = np.zeros((m, n_visits), dtype=bool)
    if not pain_free_baseline:
        pain[:, 0] = binary(z[:, 0], expit(cal.baseline_pain_intercept
                                           + np.log(effects.baseline_pain_or) * k0))
    base = np.where(pain[:, 0], logit(effects.pain_persistence), logit(effects.pain_incidence))
    for t in range(1, n_visits):
        pain[:, t] = binary(z[:, t], expit(base + np.log(effects.pain_or) * states[:, t]))
    slope = float(effects.womac_per_grade)
    level = 1.5 + min(10.5, 17.0 - 3.0 * slope) * uniform(latent(rng, m, [(person, n, rho)]))
    noise = 0.75 * (1.0 - 2.0 * uniform(z)) + rng.uniform(-0.75, 0.75, (m, n_visits))
    womac = stochastic_round(rng, level[:, None] + slope * size + noise)

    # structure: KL, JSN (medial progression confounded by alignment), cartilage defects
    rng = stream(seed, "knee.structure")
    kl_latent = 0.5 * (age[person] - 58.0) / 8.0 + np.sqrt(0.75) * latent(rng, m,
                                                                          [(person, n, rho)])
    kl0 = ordinal(kl_latent, _KL_PROBS)
    u = rng.random(m)
    jsn_m0 = np.select([kl0 == 2, kl0 == 3, kl0 == 4],
                       [(u < 0.4).astype(int), 1 + (u < 0.5), np.full(m, 2)], 0)
    jsn_l0 = ((kl0 >= 3) & (rng.random(m) < 0.2)).astype(int)
    p_jsn = expit(cal.jsn_intercept + np.log(effects.jsn_adjusted_or) * medial0
                  + cal.jsn_alignment * align_c)
    t_jsn = _progression_time(uniform(latent(rng, m, [(person, n, rho)])), p_jsn)
    t_lat = _progression_time(rng.random(m), np.full(m, _LATERAL_RISK))
    cart_lor = np.log(np.array([1.0, *effects.cartilage_ors]))
    p_cart = expit(logit(effects.cartilage_risk) + cart_lor[size[:, 0]])
    t_cart = _progression_time(uniform(latent(rng, m, [(person, n, rho)])), p_cart)
    defect0 = np.minimum(rng.binomial(16, expit(-2.2 + 0.35 * size[:, 0])), 14)
    step = 1 + (rng.random(m) < 0.3)
    months = schedule[None, :].astype(float)
    jsn_m = jsn_m0[:, None] + (t_jsn[:, None] <= months)
    jsn_l = jsn_l0[:, None] + (t_lat[:, None] <= months)
    kl = np.where(np.maximum(jsn_m, jsn_l) > 0,
                  np.maximum(kl0[:, None], np.minimum(1 + np.maximum(jsn_m, jsn_l), 4)),
                  kl0[:, None])
    defect = np.minimum(defect0[:, None] + step[:, None] * (t_cart[:, None] <= months), 16)
    medial_volume, lateral_volume = _cartilage_volumes(
        stream(seed, "knee.cartilage_volume"), effects, states, scores, schedule, person, n,
        rho)

    # tables: attended visits only
    ids = participant_ids(id_prefix, n)
    rng = stream(seed, "knee.visits")
    attended = attendance(rng, n, n_visits, dropout)
    visits_frame = visits_table(rng, ids, schedule, attended)
    kl_any = pd.Series(kl0 >= 2).groupby(person).any().to_numpy()
    participants = pd.DataFrame({
        "participant_id": ids,
        "sex": np.where(female, "F", "M").astype(object),
        "age": age,
        "bmi": bmi,
        "condition": np.where(kl_any, "knee_oa", "knee_no_oa").astype(object),
        "study": "simulated knee cohort",
    })
    knee, visit = np.nonzero(attended[person])
    sides = np.array(["L", "R"], dtype=object)
    outcomes = pd.DataFrame({
        "participant_id": ids[person[knee]],
        "visit": schedule[visit],
        "side": sides[side[knee]],
        "womac_pain": womac[knee, visit],
        "frequent_knee_pain": pd.array(pain[knee, visit], dtype="boolean"),
        "kl_grade": kl[knee, visit].astype(float),
        "jsn_medial": jsn_m[knee, visit].astype(float),
        "jsn_lateral": jsn_l[knee, visit].astype(float),
        "cartilage_defect": defect[knee, visit].astype(float),
        "alignment_deg": alignment[knee],
        "cartilage_volume_medial_tibial": medial_volume[knee, visit],
        "cartilage_volume_lateral_tibial": lateral_volume[knee, visit],
    })
    return {"participants": participants, "visits": visits_frame,
            "lesion_reads": _lesion_reads(ids, person, side, schedule, attended, scores),
            "knee_outcomes": outcomes}


def _cartilage_volumes(rng: np.random.Generator, effects: KneeEffects, states: np.ndarray,
                       scores: np.ndarray, schedule: np.ndarray, person: np.ndarray, n: int,
                       rho: float) -> tuple[np.ndarray, np.ndarray]:
    """Medial and lateral tibial cartilage volumes (mm3) of every knee at every visit.

    The medial loss rate follows the knee's BML course from month 0 to month 24 (the last
    visit when 24 is not scheduled); the lateral one a lateral BML at month 0 (see
    ``true_effects("knee")``). A separate random stream leaves every other table unchanged.
    """
    m = len(states)
    end = int(np.searchsorted(schedule, HORIZON)) if HORIZON in schedule else len(schedule) - 1
    start_bml, end_bml = states[:, 0] > 0, states[:, end] > 0
    loss_bml = float(effects.volume_loss_bml)
    rate = np.select(
        [start_bml & end_bml, start_bml & ~end_bml, ~start_bml & end_bml],
        [loss_bml, loss_bml + float(effects.volume_loss_resolved), loss_bml / 2], 0.0)
    rate = float(effects.volume_loss) + rate
    lateral0 = (scores[:, 0, :][:, _LATERAL] > 0).any(axis=1)
    lateral_rate = float(effects.lateral_volume_loss) + float(
        effects.lateral_volume_loss_bml) * lateral0
    # knees differ in their own loss rate (SD 40 mm3/yr, an assumption that gives the
    # published studies' precision), shared in part by a person's two knees
    rate = rate + 40.0 * latent(rng, m, [(person, n, rho)])
    lateral_rate = lateral_rate + 40.0 * latent(rng, m, [(person, n, rho)])
    years = schedule[None, :] / 12.0
    medial0 = 1800.0 + 250.0 * latent(rng, m, [(person, n, rho)])
    lateral0_volume = 2000.0 + 250.0 * latent(rng, m, [(person, n, rho)])
    noise = rng.normal(0.0, 20.0, (2, m, len(schedule)))
    medial = medial0[:, None] - rate[:, None] * years + noise[0]
    lateral = lateral0_volume[:, None] - lateral_rate[:, None] * years + noise[1]
    return np.round(np.maximum(medial, 0.0), 1), np.round(np.maximum(lateral, 0.0), 1)


def _lesion_reads(ids: np.ndarray, person: np.ndarray, side: np.ndarray, schedule: np.ndarray,
                  attended: np.ndarray, scores: np.ndarray) -> pd.DataFrame:
    """Long MOAKS reads, categorical labels built from integer codes (no string copies)."""
    knee, visit = np.nonzero(attended[person])
    n_sites = len(SITES)
    rows = np.repeat(np.arange(len(knee)), n_sites)
    site = np.tile(np.arange(n_sites, dtype=np.int8), len(knee))

    def constant(value: str) -> pd.Categorical:
        return pd.Categorical.from_codes(np.zeros(len(rows), dtype=np.int8), [value])

    return pd.DataFrame({
        "participant_id": pd.Categorical.from_codes(person[knee][rows], ids),
        "visit": schedule[visit][rows],
        "joint": constant("knee"),
        "side": pd.Categorical.from_codes(side[knee][rows], ["L", "R"]),
        "system": constant("MOAKS"),
        "item": constant("bml_size"),
        "site": pd.Categorical.from_codes(site, list(SITES)),
        "reader": constant("R1"),
        "score": scores[knee, visit].reshape(-1).astype(float),
    })


def knee_cohort(
    n_participants: int = 500,
    *,
    seed: int,
    visits: Sequence[int] = (0, 12, 24, 48),
    knees: str | float = "both",
    dropout: float = 0.05,
    women_only: bool = False,
    pain_free_baseline: bool = False,
    baseline_prevalence: float = 37 / 271,
    incidence: float = 33 / 234,
    resolution: float = 17 / 37,
    bmi_or: float = 1.15,
    pain_or: float = 4.2,
    pain_incidence: float = 0.15,
    pain_persistence: float = 0.6,
    baseline_pain: float = 0.25,
    baseline_pain_or: float = 8.03,
    womac_per_grade: float = 1.5,
    jsn_adjusted_or: float = 3.0,
    jsn_crude_or: float = 6.5,
    jsn_unexposed_risk: float = 12 / 148,
    cartilage_ors: tuple[float, float, float] = (1.5, 2.5, 5.55),
    cartilage_risk: float = 0.25,
    person_correlation: float = 0.4,
    volume_loss: float = 25.0,
    volume_loss_bml: float = 40.0,
    volume_loss_resolved: float = -35.9,
    lateral_volume_loss: float = 20.0,
    lateral_volume_loss_bml: float = 39.2,
    id_prefix: str = "K",
    name: str = "knee_cohort",
) -> Cohort:
    """A synthetic knee cohort: MOAKS BML sizes in 15 subregions and knee outcomes.

    Parameters
    ----------
    n_participants : int, default=500
        Participants (each with one or two knees, see ``knees``).
    seed : int
        Seed of every random draw (required: a simulation is always reproducible).
    visits : sequence of int, default=(0, 12, 24, 48)
        Scheduled visits, in nominal months from baseline; must start with 0.
    knees : {"both", "one"} or float, default="both"
        Two knees per participant, one (side at random), or the fraction with two knees.
    dropout : float, default=0.05
        Probability of leaving before each follow-up visit (monotone; missing-completely-
        at-random). The visits table holds attended visits only.
    women_only : bool, default=False
        Only women (as Wluka 2009); otherwise 60% women.
    pain_free_baseline : bool, default=False
        No frequent knee pain at baseline (as Davies-Tuck 2009), so every knee is at risk of
        incident pain.
    baseline_prevalence : float, default=37/271
        Knees with a BML (max size >= 1) at baseline (literature.md 1: 37 of 271).
    incidence : float, default=33/234
        24-month knee-level BML incidence among BML-free knees (literature.md 1: 33/234).
    resolution : float, default=17/37
        24-month knee-level resolution among knees with a BML (literature.md 1: 17/37).
    bmi_or : float, default=1.15
        Odds ratio of incident BML per kg/m2 (literature.md 1, Davies-Tuck 2009).
    pain_or : float, default=4.2
        Odds ratio of frequent knee pain at a follow-up visit for a knee BML then, in knees
        free of frequent pain at baseline: incident pain vs incident BML among knees BML-free
        at baseline (literature.md 1, Davies-Tuck 2009, OR 4.2).
    pain_incidence : float, default=0.15
        Probability of frequent pain at a follow-up visit for a knee pain-free at baseline
        and without a BML at that visit (assumption).
    pain_persistence : float, default=0.6
        The same for a knee with frequent pain at baseline (assumption).
    baseline_pain : float, default=0.25
        Frequent knee pain at baseline (assumption; ignored with ``pain_free_baseline``).
    baseline_pain_or : float, default=8.03
        Odds ratio between knee BML and frequent pain at baseline (literature.md 3: crude OR
        8.03 recomputed from Felson 2001's 272/351 vs 15/50).
    womac_per_grade : float, default=1.5
        Within-knee WOMAC pain points (0-20) per grade of the knee's largest BML
        (literature.md 8, Zhang 2011, gives the direction; the size is an assumption).
        Must lie in [0, 5].
    jsn_adjusted_or : float, default=3.0
        Odds ratio of medial JSN progression by 24 months for a medial tibiofemoral BML at
        baseline, adjusted for ``alignment_deg`` (chosen: Felson 2003's adjusted value is not
        known, literature.md 2).
    jsn_crude_or : float, default=6.5
        The crude (unadjusted) population odds ratio the alignment confounding is calibrated
        to produce (literature.md 2, Felson 2003: 6.5).
    jsn_unexposed_risk : float, default=12/148
        Medial JSN progression by 24 months in knees without a medial BML (literature.md 2).
    cartilage_ors : tuple of 3 float, default=(1.5, 2.5, 5.55)
        Odds ratios of cartilage defect progression by 24 months for a baseline knee maximal
        BML size of 1, 2, 3 vs no BML; 5.55 for size 3 ("very large") from literature.md 4
        (Wluka 2009), sizes 1 and 2 assumed.
    cartilage_risk : float, default=0.25
        Cartilage defect progression by 24 months in knees without a BML (assumption).
    person_correlation : float, default=0.4
        Latent-normal correlation between the two knees of a person, used for every
        knee-level draw (BML presence and transitions, severity, outcomes). In [0, 0.75].
    volume_loss, volume_loss_bml, volume_loss_resolved : float, default=25.0, 40.0, -35.9
        Annual medial tibial cartilage volume loss (mm3/yr) without a BML, the extra loss
        with a persistent BML, and the difference resolved minus persistent (Davies-Tuck
        2010, literature.md 1); an incident BML adds half of ``volume_loss_bml``.
    lateral_volume_loss, lateral_volume_loss_bml : float, default=20.0, 39.2
        Annual lateral tibial loss without, and the extra with, a lateral BML at baseline
        (Wluka 2009, literature.md 4; taken per year).
    id_prefix : str, default="K"
        Prefix of the participant ids (``K001``, ...).
    name : str, default="knee_cohort"
        The cohort's name.

    Returns
    -------
    Cohort
        Validated; tables ``participants`` (sex, age, bmi, condition ``knee_oa`` when a knee
        has KL >= 2 at baseline else ``knee_no_oa``), ``visits``, ``lesion_reads`` (MOAKS
        ``bml_size`` in 15 subregions per knee and attended visit, reader ``R1``) and
        ``knee_outcomes`` (womac_pain, frequent_knee_pain, kl_grade, jsn_medial,
        jsn_lateral, cartilage_defect, alignment_deg). The true parameters are
        ``true_effects("knee", ...)`` with the same effect arguments.

    Notes
    -----
    Definitions of the truth (all marginal over persons; the two knees of a person are
    correlated through Gaussian copulas, so GEE clustered by participant estimates them):

    * Knee BML = maximum MOAKS size over the 15 subregions >= 1. Knee BML follows a
      two-state continuous-time Markov chain, so ``P(BML at 24 | none at 0) = expit(c +
      log(bmi_or) (BMI - 27))``, averaging ``incidence`` over the BMI distribution, and
      ``P(none at 24 | BML at 0) = resolution`` for every knee, whatever the visits between.
    * Frequent knee pain at a follow-up visit :math:`t` depends only on pain at baseline and
      the knee BML at :math:`t`:

      .. math:: \\operatorname{logit} P(Y_t = 1 \\mid Y_0, B_t)
                = \\operatorname{logit}(\\pi_{Y_0}) + \\log(\\mathrm{OR}_{pain}) B_t,

      with :math:`\\pi_0` = ``pain_incidence`` and :math:`\\pi_1` = ``pain_persistence``; its
      latent variable is independent of the baseline one, so the relation holds exactly
      after conditioning on baseline pain and BML.
    * WOMAC pain = stochastic rounding of :math:`A_k + \\beta S_{kt} + e_{kt}`, with a knee
      level :math:`A_k`, the knee's largest BML size :math:`S_{kt}`, mean-zero bounded noise,
      kept inside 0-20 without clipping: the within-knee slope is exactly ``womac_per_grade``.
    * Medial JSN progression by 24 months (``jsn_medial`` at 24 > at 0; baseline grades are
      at most 2 so every knee can progress):

      .. math:: \\operatorname{logit} P = \\alpha + \\log(\\mathrm{OR}_{adj}) M
                + \\beta (a - 1),

      with :math:`M` a medial tibiofemoral BML (FMC, FMP, TMA, TMC, TMP) at baseline and
      :math:`a` = ``alignment_deg`` (N(1, 3.5^2) degrees, varus positive), which also raises
      a baseline BML (log-odds 0.2 per degree) and its medial location (0.4 per degree):
      :math:`\\alpha, \\beta` are solved so that the crude population OR is ``jsn_crude_or``
      and the risk without medial BML is ``jsn_unexposed_risk``.
    * Cartilage defect (0-16) progression by 24 months: log-odds ``logit(cartilage_risk) +
      log(cartilage_ors[s - 1])`` for a baseline knee maximal size :math:`s \\ge 1`.
    * Population: age N(58, 8^2) clipped to 40-85; BMI N(27, 4.5^2) truncated to 18-40; KL
      grades 0-4 with probabilities (0.40, 0.30, 0.18, 0.09, 0.03) at age 58, shifted by
      age; JSN consistent with KL (KL >= 1 + JSN). Events in continuous time appear at the
      first visit after them. BMI and alignment are recorded to 0.1 and the model uses the
      recorded values, so the ORs hold exactly; population averages (incidence, prevalence,
      crude OR) are computed over the continuous distributions, which the rounding changes
      by far less than simulation error.

    Examples
    --------
    >>> from bmecohort.simulate import knee_cohort
    >>> cohort = knee_cohort(50, seed=1)
    >>> sorted(cohort.tables)
    ['knee_outcomes', 'lesion_reads', 'participants', 'visits']
    """
    effects = KneeEffects(
        baseline_prevalence=baseline_prevalence, incidence=incidence, resolution=resolution,
        bmi_or=bmi_or, pain_or=pain_or, pain_incidence=pain_incidence,
        pain_persistence=pain_persistence, baseline_pain=baseline_pain,
        baseline_pain_or=baseline_pain_or, womac_per_grade=womac_per_grade,
        jsn_adjusted_or=jsn_adjusted_or, jsn_crude_or=jsn_crude_or,
        jsn_unexposed_risk=jsn_unexposed_risk, cartilage_ors=tuple(cartilage_ors),  # type: ignore[arg-type]  # KneeEffects checks the length
        cartilage_risk=cartilage_risk, person_correlation=person_correlation,
        volume_loss=volume_loss, volume_loss_bml=volume_loss_bml,
        volume_loss_resolved=volume_loss_resolved, lateral_volume_loss=lateral_volume_loss,
        lateral_volume_loss_bml=lateral_volume_loss_bml)
    tables = knee_tables(n_participants, seed=seed, visits=visits, knees=knees,
                         dropout=dropout, women_only=women_only,
                         pain_free_baseline=pain_free_baseline, effects=effects,
                         id_prefix=id_prefix)
    return Cohort(**tables, name=name, source=source_text(
        "knee_cohort", seed, n_participants, visits=tuple(visits), knees=knees,
        dropout=dropout, women_only=women_only, pain_free_baseline=pain_free_baseline,
        **changed(effects)))
