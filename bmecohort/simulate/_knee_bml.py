"""The knee BML process: a knee-level two-state Markov chain and the subregions under it.

Knee level
    Whether a knee has any BML (MOAKS size >= 1 in any of the 15 subregions) follows a
    continuous-time two-state Markov chain. A knee with 24-month incidence ``p`` and 24-month
    resolution ``q`` has rates :math:`\\lambda, \\mu` with :math:`\\lambda + \\mu = s`,

    .. math::

        P_{01}(\\Delta) = \\frac{p}{p + q}\\left(1 - (1 - p - q)^{\\Delta / 24}\\right), \\qquad
        P_{10}(\\Delta) = \\frac{q}{p + q}\\left(1 - (1 - p - q)^{\\Delta / 24}\\right),

    so the 0 -> 24 month transition probabilities are exactly ``p`` and ``q`` whatever visits
    lie in between (Chapman-Kolmogorov). The uniform deciding each knee's transition in an
    interval comes from a Gaussian copula shared by the knees of a person (BML-prone people
    develop and keep lesions in both knees), which leaves each knee's chain exactly Markov.

Subregion level
    Under a knee with a BML the lesions sit in subregions: when a lesion set starts (at
    baseline or at incidence) the medial tibiofemoral compartment is involved with a
    probability rising with varus alignment, the other compartments independently (at least
    one compartment is involved), a severity-dependent number of subregions per compartment
    (Gumbel top-k on site weights) and sizes 1-3 on an ordinal scale shifted by the knee's
    severity. While the knee keeps its BML, each lesion persists (size drifting by one
    grade), new subregions are recruited, and at least one lesion remains. Knee severity is a
    latent normal with a person component, so subregions cluster within knees and knees
    within persons.
"""

from __future__ import annotations

import numpy as np

from ..scoring import KNEE_COMPARTMENTS, KNEE_SUBREGIONS
from ._random import expit, latent, logit, ordinal, uniform

__all__ = ["SITES", "knee_chain", "subregion_scores", "transition_probabilities"]

#: The 15 MOAKS BML subregions in registry order.
SITES: tuple[str, ...] = tuple(KNEE_SUBREGIONS)
_COMPARTMENTS = ("medial_tf", "lateral_tf", "patellofemoral", "subspinous")
_SITE_COMPARTMENT = np.array([_COMPARTMENTS.index(KNEE_COMPARTMENTS[s]) for s in SITES])

# Relative frequency of each subregion within its compartment: the central weight-bearing
# tibia and femur dominate (assumption guided by MOAKS/WORMS reports; not a published table).
_SITE_WEIGHT = {
    "PM": 1.0, "PL": 1.0, "FMA": 0.6, "FLA": 0.6,
    "FMC": 1.5, "FMP": 0.5, "TMA": 0.6, "TMC": 1.6, "TMP": 1.0,
    "FLC": 1.0, "FLP": 0.5, "TLA": 0.7, "TLC": 1.0, "TLP": 1.0,
    "SS": 1.0,
}
_LOG_WEIGHT = np.log(np.array([_SITE_WEIGHT[s] for s in SITES]))
_REL_WEIGHT = np.exp(_LOG_WEIGHT) / np.exp(_LOG_WEIGHT).mean()

#: Log-odds per degree of varus of the medial compartment being involved (given a BML).
ALIGN_MEDIAL_LOGOR = 0.4
#: Probability the medial compartment is involved in a knee's BML at mean alignment.
MEDIAL_SHARE = 0.6
#: Lateral, patellofemoral and subspinous involvement at mean alignment (assumptions).
_OTHER_SHARE = np.array([0.30, 0.35, 0.08])
#: Log-odds per degree of varus of lateral involvement (valgus knees: lateral lesions).
_ALIGN_LATERAL_LOGOR = -0.15
#: Probability that each further subregion of an involved compartment is involved.
_SPREAD_INTERCEPT, _SPREAD_SEVERITY = -1.4, 0.8
#: Sizes 1, 2, 3 of a new lesion, and how strongly knee severity shifts them.
_SIZE_PROBS = np.array([0.60, 0.30, 0.10])
_SIZE_SEVERITY = 0.6
#: While a knee keeps its BML: persistence of a lesion, recruitment of a new subregion (per
#: subregion, scaled by site weight) and the size drift (-1, 0, +1).
_PERSIST, _RECRUIT = 0.75, 0.04
_DRIFT = np.array([0.2, 0.6, 0.2])

# The 8 patterns of (lateral, patellofemoral, subspinous) involvement.
_PATTERNS = np.array([[(k >> b) & 1 for b in range(3)] for k in range(8)], dtype=bool)


def transition_probabilities(p24: np.ndarray, q24: float | np.ndarray, months: float
                             ) -> tuple[np.ndarray, np.ndarray]:
    """``(P01, P10)`` over ``months`` for knees with 24-month incidence ``p24``, resolution ``q24``."""
    f = np.asarray(p24) + np.asarray(q24)
    scale = (1.0 - np.power(1.0 - f, months / 24.0)) / f
    return np.asarray(p24) * scale, np.asarray(q24) * scale


def knee_chain(rng: np.random.Generator, k0: np.ndarray, p24: np.ndarray, q24: float,
               schedule: np.ndarray, person: np.ndarray, n_persons: int, rho: float
               ) -> np.ndarray:
    """Knee BML presence at every scheduled visit, shape ``(n_knees, n_visits)``.

    ``k0`` is the baseline presence; the interval uniforms are person-correlated with latent
    correlation ``rho``. A small uniform means incidence for a BML-free knee and persistence
    for a knee with a BML, so BML-prone persons cluster.
    """
    states = np.empty((len(k0), len(schedule)), dtype=bool)
    states[:, 0] = k0
    for t in range(1, len(schedule)):
        p01, p10 = transition_probabilities(p24, q24, float(schedule[t] - schedule[t - 1]))
        u = uniform(latent(rng, len(k0), [(person, n_persons, rho)]))
        prev = states[:, t - 1]
        states[:, t] = np.where(prev, u < 1.0 - p10, u < p01)
    return states


def medial_probability(align_centred: np.ndarray) -> np.ndarray:
    """P(medial compartment involved | knee has a new lesion set, alignment)."""
    return expit(logit(MEDIAL_SHARE) + ALIGN_MEDIAL_LOGOR * align_centred)


def _sizes(rng: np.random.Generator, severity: np.ndarray) -> np.ndarray:
    n = len(severity)
    z = (_SIZE_SEVERITY * np.repeat(severity, len(SITES))
         + np.sqrt(1.0 - _SIZE_SEVERITY ** 2) * rng.standard_normal(n * len(SITES)))
    return (ordinal(z, _SIZE_PROBS) + 1).reshape(n, len(SITES))


def _new_lesions(rng: np.random.Generator, align_centred: np.ndarray, severity: np.ndarray
                 ) -> np.ndarray:
    """Sizes (n, 15) of a freshly started lesion set; every row has at least one lesion."""
    n = len(severity)
    medial = rng.random(n) < medial_probability(align_centred)
    q = np.column_stack([
        expit(logit(_OTHER_SHARE[0]) + _ALIGN_LATERAL_LOGOR * align_centred),
        np.full(n, _OTHER_SHARE[1]),
        np.full(n, _OTHER_SHARE[2]),
    ])
    bits = _PATTERNS[None, :, :]
    probs = np.where(bits, q[:, None, :], 1.0 - q[:, None, :]).prod(axis=2)
    probs[~medial, 0] = 0.0  # no medial lesion: some other compartment must be involved
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    pattern = (rng.random(n)[:, None] > cum[:, :-1]).sum(axis=1)
    involved = np.column_stack([medial, _PATTERNS[pattern]])

    spread = expit(_SPREAD_INTERCEPT + _SPREAD_SEVERITY * severity)
    keys = _LOG_WEIGHT[None, :] + rng.gumbel(size=(n, len(SITES)))
    chosen = np.zeros((n, len(SITES)), dtype=bool)
    for c in range(len(_COMPARTMENTS)):
        cols = np.flatnonzero(_SITE_COMPARTMENT == c)
        count = 1 + rng.binomial(len(cols) - 1, spread)
        rank = np.argsort(np.argsort(-keys[:, cols], axis=1), axis=1)
        chosen[:, cols] = involved[:, [c]] & (rank < count[:, None])
    return np.where(chosen, _sizes(rng, severity), 0).astype(np.int8)


def _evolve(rng: np.random.Generator, prev: np.ndarray, severity: np.ndarray) -> np.ndarray:
    """Next sizes of knees that keep a BML: persistence, drift, recruitment, >= 1 lesion."""
    n = len(prev)
    present = prev > 0
    keep = present & (rng.random(prev.shape) < _PERSIST)
    recruit = ~present & (rng.random(prev.shape) < _RECRUIT * _REL_WEIGHT[None, :])
    drift = ordinal(rng.standard_normal(prev.size), _DRIFT).reshape(prev.shape) - 1
    kept_size = np.clip(prev + drift, 1, 3)
    out = np.where(keep, kept_size, np.where(recruit, _sizes(rng, severity), 0))
    empty = ~(out > 0).any(axis=1)
    if empty.any():
        # the knee still has a BML: its largest previous lesion (random tie-break) persists
        tie = rng.random((n, len(SITES)))
        best = np.argmax(np.where(present, prev + tie, -1.0), axis=1)
        rows = np.flatnonzero(empty)
        out[rows, best[rows]] = kept_size[rows, best[rows]]
    return out.astype(np.int8)


def subregion_scores(rng: np.random.Generator, states: np.ndarray, align_centred: np.ndarray,
                     severity: np.ndarray) -> np.ndarray:
    """MOAKS BML sizes ``(n_knees, n_visits, 15)`` consistent with the knee-level ``states``."""
    n_knees, n_visits = states.shape
    scores = np.zeros((n_knees, n_visits, len(SITES)), dtype=np.int8)
    for t in range(n_visits):
        now = states[:, t]
        before = states[:, t - 1] if t > 0 else np.zeros(n_knees, dtype=bool)
        start = np.flatnonzero(now & ~before)
        go_on = np.flatnonzero(now & before)
        if len(start):
            scores[start, t] = _new_lesions(rng, align_centred[start], severity[start])
        if len(go_on):
            scores[go_on, t] = _evolve(rng, scores[go_on, t - 1], severity[go_on])
    return scores
