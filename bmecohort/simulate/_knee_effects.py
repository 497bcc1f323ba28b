"""Parameters of the knee generator, their calibration, and the truth they imply.

Everything :func:`bmecohort.simulate.knee_cohort` needs beyond its random draws is computed
here from the parameters alone (no data), by one-dimensional root finding over Gauss
quadratures, so that :func:`bmecohort.simulate.true_effects` reports exactly what the
generator uses.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ._common import truth_frame
from ._knee_bml import medial_probability
from ._random import check_odds_ratio, check_probability, expit, normal_expectation

__all__ = ["KneeEffects", "KneeCalibration", "calibrate", "knee_truth"]

#: Population distributions (assumptions; documented in knee_cohort's Notes).
BMI_MEAN, BMI_SD, BMI_LOW, BMI_HIGH = 27.0, 4.5, 18.0, 40.0
BMI_REFERENCE = 27.0
ALIGN_MEAN, ALIGN_SD = 1.0, 3.5
#: Log-odds per degree of varus of a baseline BML in the knee (confounding path).
ALIGN_BML_LOGOR = 0.2
HORIZON = 24.0


@dataclass(frozen=True)
class KneeEffects:
    """The effect parameters of :func:`bmecohort.simulate.knee_cohort` (see its docstring)."""

    baseline_prevalence: float = 37 / 271
    incidence: float = 33 / 234
    resolution: float = 17 / 37
    bmi_or: float = 1.15
    pain_or: float = 4.2
    pain_incidence: float = 0.15
    pain_persistence: float = 0.6
    baseline_pain: float = 0.25
    baseline_pain_or: float = 8.03
    womac_per_grade: float = 1.5
    jsn_adjusted_or: float = 3.0
    jsn_crude_or: float = 6.5
    jsn_unexposed_risk: float = 12 / 148
    cartilage_ors: tuple[float, float, float] = (1.5, 2.5, 5.55)
    cartilage_risk: float = 0.25
    person_correlation: float = 0.4
    volume_loss: float = 25.0
    volume_loss_bml: float = 40.0
    volume_loss_resolved: float = -35.9
    lateral_volume_loss: float = 20.0
    lateral_volume_loss_bml: float = 39.2

    def __post_init__(self) -> None:
        for name in ("baseline_prevalence", "incidence", "resolution", "pain_incidence",
                     "pain_persistence", "baseline_pain", "jsn_unexposed_risk",
                     "cartilage_risk"):
            check_probability(name, getattr(self, name))
        for name in ("bmi_or", "pain_or", "baseline_pain_or", "jsn_adjusted_or",
                     "jsn_crude_or"):
            check_odds_ratio(name, getattr(self, name))
        ors = tuple(float(v) for v in self.cartilage_ors)
        if len(ors) != 3:
            raise ValueError("cartilage_ors must hold three odds ratios (BML size 1, 2 and 3 "
                             f"vs no BML), got {self.cartilage_ors!r}")
        for v in ors:
            check_odds_ratio("cartilage_ors", v)
        object.__setattr__(self, "cartilage_ors", ors)
        if not 0.0 <= float(self.womac_per_grade) <= 5.0:
            raise ValueError("womac_per_grade must lie in [0, 5] WOMAC points per BML grade "
                             f"(the 0-20 scale must hold the effect), got "
                             f"{self.womac_per_grade!r}")
        for name in ("volume_loss", "volume_loss_bml", "volume_loss_resolved",
                     "lateral_volume_loss", "lateral_volume_loss_bml"):
            if not -200.0 <= float(getattr(self, name)) <= 200.0:
                raise ValueError(f"{name} must lie in [-200, 200] mm3 per year, got "
                                 f"{getattr(self, name)!r}")
        if not 0.0 <= float(self.person_correlation) <= 0.75:
            raise ValueError("person_correlation must lie in [0, 0.75] (latent-normal "
                             f"correlation of a person's knees), got "
                             f"{self.person_correlation!r}")


@dataclass(frozen=True)
class KneeCalibration:
    """Intercepts and slopes solved from :class:`KneeEffects`.

    Attributes
    ----------
    bmi_intercept : float
        ``c`` in ``logit P(incident BML by 24 m | BMI) = c + log(bmi_or) (BMI - 27)``.
    baseline_intercept : float
        ``b`` in ``logit P(BML at baseline | alignment) = b + 0.2 (alignment - 1)``.
    baseline_pain_intercept : float
        Log-odds of frequent pain at baseline in a knee without BML.
    jsn_intercept, jsn_alignment : float
        ``alpha, beta`` of ``logit P(medial JSN progression by 24 m | medial BML, alignment)``.
    jsn_medial_prevalence : float
        Population share of knees with a medial tibiofemoral BML at baseline.
    """

    bmi_intercept: float
    baseline_intercept: float
    baseline_pain_intercept: float
    jsn_intercept: float
    jsn_alignment: float
    jsn_medial_prevalence: float


@functools.lru_cache(maxsize=4)
def bmi_quadrature(n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights for expectations over the truncated-normal BMI.

    Computed once per ``n`` (``leggauss`` solves an eigenvalue problem); read-only arrays.
    """
    x, w = np.polynomial.legendre.leggauss(n)
    half = (BMI_HIGH - BMI_LOW) / 2
    nodes = BMI_LOW + half * (x + 1)
    weights = w * stats.norm.pdf(nodes, BMI_MEAN, BMI_SD)
    weights = weights / weights.sum()
    nodes.flags.writeable = False
    weights.flags.writeable = False
    return nodes, weights


def _solve(f, low: float = -30.0, high: float = 30.0) -> float:
    return float(optimize.brentq(f, low, high, xtol=1e-13, rtol=1e-13, maxiter=500))


def _jsn_crude(effects: KneeEffects, baseline_intercept: float, beta: float
               ) -> tuple[float, float, float]:
    """(alpha, crude OR, P(medial BML)) for alignment slope ``beta``."""
    a, w = normal_expectation(0.0, ALIGN_SD)
    p_medial = expit(baseline_intercept + ALIGN_BML_LOGOR * a) * medial_probability(a)
    gamma = np.log(effects.jsn_adjusted_or)
    unexposed = w * (1.0 - p_medial)
    alpha = _solve(lambda al: (unexposed * expit(al + beta * a)).sum() / unexposed.sum()
                   - effects.jsn_unexposed_risk)
    exposed = w * p_medial
    p1 = (exposed * expit(alpha + gamma + beta * a)).sum() / exposed.sum()
    p0 = effects.jsn_unexposed_risk
    return alpha, (p1 / (1 - p1)) / (p0 / (1 - p0)), float(exposed.sum())


@functools.lru_cache(maxsize=64)
def calibrate(effects: KneeEffects) -> KneeCalibration:
    """Solve the intercepts and the confounding slope implied by ``effects``.

    Raises
    ------
    ValueError
        When the targets cannot be met together (e.g. incidence plus resolution reaching 1
        for the heaviest participants, or a crude JSN odds ratio beyond what alignment
        confounding can produce).
    """
    bmi, wb = bmi_quadrature()
    slope = np.log(effects.bmi_or)
    c = _solve(lambda c: (wb * expit(c + slope * (bmi - BMI_REFERENCE))).sum()
               - effects.incidence)
    worst = expit(c + slope * (BMI_HIGH - BMI_REFERENCE)) if slope > 0 else \
        expit(c + slope * (BMI_LOW - BMI_REFERENCE))
    if worst + effects.resolution >= 0.999:
        raise ValueError(
            f"incidence={effects.incidence:.3g} with bmi_or={effects.bmi_or:g} gives a 24-month "
            f"incidence of {worst:.3f} at BMI {BMI_HIGH if slope > 0 else BMI_LOW:g}; together "
            f"with resolution={effects.resolution:.3g} it must stay below 1 for a two-state "
            "Markov chain. Lower incidence, resolution or bmi_or.")
    a, wa = normal_expectation(0.0, ALIGN_SD)
    b = _solve(lambda b: (wa * expit(b + ALIGN_BML_LOGOR * a)).sum()
               - effects.baseline_prevalence)
    prev, lor = effects.baseline_prevalence, np.log(effects.baseline_pain_or)
    pain0 = _solve(lambda p: (1 - prev) * expit(p) + prev * expit(p + lor)
                   - effects.baseline_pain)
    # The alignment slope that makes the crude OR hit its target: first crossing on a grid
    # (the crude OR is not monotone in the slope), then brentq inside that interval.
    target = np.log(effects.jsn_crude_or)
    sign = 1.0 if effects.jsn_crude_or >= effects.jsn_adjusted_or else -1.0
    grid = sign * np.linspace(0.0, 3.0, 61)
    gap = np.array([np.log(_jsn_crude(effects, b, g)[1]) - target for g in grid])
    cross = np.flatnonzero(np.sign(gap[:-1]) != np.sign(gap[1:]))
    if effects.jsn_crude_or == effects.jsn_adjusted_or:
        beta = 0.0
    elif len(cross) == 0:
        best = float(np.exp(gap.max() + target)) if sign > 0 else float(np.exp(gap.min()
                                                                              + target))
        raise ValueError(
            f"jsn_crude_or={effects.jsn_crude_or:g} cannot be reached from "
            f"jsn_adjusted_or={effects.jsn_adjusted_or:g} by confounding through alignment "
            f"(the attainable crude OR peaks near {best:.2f}); bring the two closer.")
    else:
        i = int(cross[0])
        beta = _solve(lambda g: np.log(_jsn_crude(effects, b, g)[1]) - target,
                      float(min(grid[i], grid[i + 1])), float(max(grid[i], grid[i + 1])))
    alpha, _, medial = _jsn_crude(effects, b, beta)
    return KneeCalibration(bmi_intercept=c, baseline_intercept=b,
                           baseline_pain_intercept=pain0, jsn_intercept=alpha,
                           jsn_alignment=beta, jsn_medial_prevalence=medial)


def knee_truth(effects: KneeEffects) -> pd.DataFrame:
    """The true parameters of a knee cohort, one row per effect (see ``true_effects``)."""
    cal = calibrate(effects)
    lit1, lit2, lit3 = "literature.md 1 (Davies-Tuck 2009)", "literature.md 2 (Felson 2003)", \
        "literature.md 4 (Wluka 2009)"
    rows = [
        dict(effect="baseline_prevalence", value=effects.baseline_prevalence,
             scale="proportion", exact=True, source=lit1 + ": 37/271",
             model="P(knee max MOAKS BML size >= 1 at visit 0), population average"),
        dict(effect="incidence", value=effects.incidence, scale="proportion", exact=True,
             source=lit1 + ": 33/234",
             model="P(knee BML at month 24 | no knee BML at month 0), population average"),
        dict(effect="resolution", value=effects.resolution, scale="proportion", exact=True,
             source=lit1 + ": 17/37",
             model="P(no knee BML at month 24 | knee BML at month 0), every knee"),
        dict(effect="bmi_or", value=effects.bmi_or, scale="odds ratio per kg/m2",
             exact=True, source=lit1,
             model="logit P(knee BML at month 24 | none at 0, BMI) = c + log(OR) (BMI - 27); "
                   "marginal at knee level (GEE/GLM on BML-free knees)"),
        dict(effect="bmi_intercept", value=cal.bmi_intercept, scale="log-odds", exact=True,
             source="calibrated", model="c above (incidence at BMI 27)"),
        dict(effect="pain_or", value=effects.pain_or, scale="odds ratio", exact=True,
             source=lit1,
             model="logit P(frequent_knee_pain at visit t | none at 0, knee BML at t) = "
                   "a + log(OR) [BML at t], knees without frequent pain at 0, every "
                   "follow-up t; among BML-free knees at 0 this is incident pain vs "
                   "incident BML; marginal, unadjusted"),
        dict(effect="pain_incidence", value=effects.pain_incidence, scale="proportion",
             exact=True, source="assumption",
             model="P(frequent_knee_pain at t | none at 0, no knee BML at t)"),
        dict(effect="pain_persistence", value=effects.pain_persistence, scale="proportion",
             exact=True, source="assumption",
             model="P(frequent_knee_pain at t | pain at 0, no knee BML at t); BML at t "
                   "multiplies the odds by pain_or"),
        dict(effect="baseline_pain_or", value=effects.baseline_pain_or, scale="odds ratio",
             exact=True, source="literature.md 3 (Felson 2001, crude 8.03)",
             model="OR between knee BML and frequent_knee_pain at visit 0 (unless "
                   "pain_free_baseline)"),
        dict(effect="womac_per_grade", value=effects.womac_per_grade,
             scale="WOMAC points per grade", exact=True,
             source="literature.md 8 (Zhang 2011: direction; size assumed)",
             model="E[womac_pain | knee, visit] = A_knee + slope * knee max BML size; "
                   "within-knee (knee fixed effects) linear slope"),
        dict(effect="jsn_adjusted_or", value=effects.jsn_adjusted_or, scale="odds ratio",
             exact=True, source=lit2 + ": adjusted value not published; chosen",
             model="logit P(jsn_medial at 24 > at 0 | medial BML at 0, alignment) = alpha + "
                   "log(OR) medial_bml + beta (alignment_deg - 1); medial BML = max size >= "
                   "1 in FMC, FMP, TMA, TMC, TMP; marginal over persons"),
        dict(effect="jsn_alignment_or", value=float(np.exp(cal.jsn_alignment)),
             scale="odds ratio per degree varus", exact=True, source="calibrated",
             model="exp(beta) above"),
        dict(effect="jsn_crude_or", value=effects.jsn_crude_or, scale="odds ratio",
             exact=True, source=lit2 + ": 6.5 (3.0-14.0)",
             model="population OR of medial JSN progression by 24 m for medial BML at 0, "
                   "unadjusted (alignment omitted); fit with independence GEE/GLM"),
        dict(effect="jsn_unexposed_risk", value=effects.jsn_unexposed_risk,
             scale="proportion", exact=True, source=lit2 + ": 12/148",
             model="P(medial JSN progression by 24 m | no medial BML at 0)"),
        dict(effect="jsn_medial_prevalence", value=cal.jsn_medial_prevalence,
             scale="proportion", exact=True, source="implied",
             model="P(medial tibiofemoral BML at visit 0)"),
    ]
    for size, value in zip((1, 2, 3), effects.cartilage_ors, strict=True):
        rows.append(dict(
            effect=f"cartilage_or_size{size}", value=value, scale="odds ratio", exact=True,
            source=(lit3 + ": very large BML 5.55 (1.04-29.6)") if size == 3 else
            "assumption (Wluka 2009 'large' OR not published)",
            model=f"OR of cartilage_defect at 24 > at 0 for knee max BML size {size} vs 0 at "
                  "visit 0; marginal, unadjusted"))
    rows.append(dict(effect="cartilage_risk", value=effects.cartilage_risk,
                     scale="proportion", exact=True, source="assumption",
                     model="P(cartilage_defect at 24 > at 0 | no knee BML at 0)"))
    course = ("E[annual loss of medial tibial cartilage volume, mm3/yr | knee BML course "
              "month 0 -> 24] = L (absent), L + B/2 (incident), L + B (persistent), "
              "L + B + R (resolved), plus a knee's own deviation (SD 40 mm3/yr, correlated "
              "within persons); volumes at every visit = baseline - loss x years + noise "
              "(SD 20 mm3)")
    rows += [
        dict(effect="volume_loss", value=effects.volume_loss, scale="mm3 per year",
             exact=True, source="assumption", model=course + ": L"),
        dict(effect="volume_loss_bml", value=effects.volume_loss_bml, scale="mm3 per year",
             exact=True, source="assumption", model=course + ": B"),
        dict(effect="volume_loss_resolved", value=effects.volume_loss_resolved,
             scale="mm3 per year", exact=True,
             source="Davies-Tuck 2010 (literature.md 1): resolution vs persistence, beta "
                    "-35.9 (-65, -6.82) mm3/yr",
             model=course + ": R, the difference resolved minus persistent"),
        dict(effect="lateral_volume_loss", value=effects.lateral_volume_loss,
             scale="mm3 per year", exact=True, source="assumption",
             model="annual lateral tibial cartilage volume loss without a lateral BML at 0"),
        dict(effect="lateral_volume_loss_bml", value=effects.lateral_volume_loss_bml,
             scale="mm3 per year", exact=True,
             source=lit3 + ": regression coefficient 39.2 (11.1-67.2) mm3 (its time unit "
                    "is not published: taken per year)",
             model="extra annual lateral tibial cartilage volume loss with a lateral "
                   "tibiofemoral BML (FLA..TLP max size >= 1) at visit 0"),
    ]
    return truth_frame(rows)
