"""Random streams and correlated draws shared by the generators.

Every generator draws from named, independent streams derived from the user's seed with
:class:`numpy.random.SeedSequence`, so results are reproducible, free of global state and
independent of the number of cores; changing how one component is drawn does not shift the
others.

Correlated outcomes use a Gaussian copula: a latent standard normal variable

.. math::

    Z_{ij} = \\sqrt{\\rho}\\,U_i + \\sqrt{1 - \\rho}\\,E_{ij},
    \\qquad U_i, E_{ij} \\sim N(0, 1)\\ \\text{independent},

shared through :math:`U_i` within a cluster :math:`i` (a person), is thresholded at
:math:`\\Phi^{-1}(p_{ij})`, so that :math:`P(Y_{ij} = 1 \\mid x_{ij}) = p_{ij}` *exactly* while
units of one cluster are correlated. With :math:`p_{ij} = \\operatorname{expit}(x_{ij}'\\beta)`
the marginal logistic model holds at the unit level, which is what GEE estimates.
"""

from __future__ import annotations

import functools
import numbers
import zlib
from collections.abc import Sequence
from typing import overload

import numpy as np
from scipy import special

__all__ = [
    "check_seed",
    "stream",
    "latent",
    "binary",
    "ordinal",
    "uniform",
    "stochastic_round",
    "normal_expectation",
    "check_probability",
]


def check_seed(seed: object) -> int:
    """Return ``seed`` as a non-negative int, or raise a TypeError/ValueError naming it."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be a non-negative integer (e.g. seed=1), got {seed!r}")
    if int(seed) < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent generator for component ``name`` of a simulation seeded by ``seed``.

    The stream is ``SeedSequence(seed, spawn_key=(crc32(name),))``: deterministic, and
    statistically independent of the streams of other names.
    """
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(key,))))


def latent(rng: np.random.Generator, size: int,
           components: Sequence[tuple[np.ndarray, int, float]] = ()) -> np.ndarray:
    """Standard normal latent values correlated through shared components.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    size : int
        Number of units.
    components : sequence of (index, n_groups, variance)
        Each component adds ``sqrt(variance) * V[index]`` with ``V`` of length ``n_groups``
        standard normal; ``index`` gives each unit's group (e.g. its person). The variances
        must sum to less than 1; the remainder is unit-level noise.

    Returns
    -------
    numpy.ndarray
        ``size`` values, each marginally N(0, 1); two units sharing groups in components with
        variances summing to ``r`` have correlation ``r``.
    """
    total = float(sum(v for _, _, v in components))
    if not 0.0 <= total < 1.0:
        raise ValueError(f"latent variance components must sum to [0, 1), got {total}")
    z = np.sqrt(1.0 - total) * rng.standard_normal(size)
    for index, n_groups, variance in components:
        if variance > 0:
            z += np.sqrt(variance) * rng.standard_normal(n_groups)[index]
    return z


def binary(z: np.ndarray, p: np.ndarray | float) -> np.ndarray:
    """``z < Phi^-1(p)``: true with probability exactly ``p`` when ``z`` is N(0, 1)."""
    return z < special.ndtri(np.clip(p, 0.0, 1.0))


def uniform(z: np.ndarray) -> np.ndarray:
    """``Phi(z)``: uniform on (0, 1) when ``z`` is N(0, 1); keeps the copula's correlation."""
    return special.ndtr(z)


def ordinal(z: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """Category codes ``0..k-1`` with the given probabilities, by thresholding ``z``.

    Parameters
    ----------
    z : numpy.ndarray
        Latent N(0, 1) values, shape ``(n,)``.
    probabilities : numpy.ndarray
        Shape ``(k,)`` (the same for every unit) or ``(n, k)``; rows sum to 1.

    Returns
    -------
    numpy.ndarray of int8
        Code ``c`` with ``P(code = c) = probabilities[..., c]`` exactly.
    """
    probs = np.asarray(probabilities, dtype=float)
    cuts = special.ndtri(np.clip(np.cumsum(probs, axis=-1)[..., :-1], 0.0, 1.0))
    if cuts.ndim == 1:
        return (z[:, None] > cuts[None, :]).sum(axis=1).astype(np.int8)
    return (z[:, None] > cuts).sum(axis=1).astype(np.int8)


def stochastic_round(rng: np.random.Generator, x: np.ndarray) -> np.ndarray:
    """Round ``x`` down or up at random so that ``E[round(x)] = x`` exactly."""
    low = np.floor(x)
    return low + (rng.random(x.shape) < (x - low))


def normal_expectation(mean: float, sd: float, n: int = 96) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Hermite nodes and weights for expectations over N(mean, sd^2).

    ``(f(nodes) * weights).sum()`` approximates ``E[f(X)]``; with 96 nodes the error is far
    below simulation error for the smooth logistic functions used here.
    """
    nodes, weights = _hermite_e_rule(n)
    return mean + sd * nodes, weights.copy()


@functools.lru_cache(maxsize=8)
def _hermite_e_rule(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Probabilists' Gauss-Hermite nodes and normalised weights, computed once per ``n``.

    ``hermegauss`` solves an eigenvalue problem (about 15 ms on a busy core); the knee
    calibration asks for the same rule hundreds of times per root search. Read-only arrays,
    so a cached rule cannot be changed by a caller.
    """
    nodes, weights = np.polynomial.hermite_e.hermegauss(n)
    weights = weights / weights.sum()
    nodes.flags.writeable = False
    weights.flags.writeable = False
    return nodes, weights


def check_probability(name: str, value: float, *, open_interval: bool = True) -> float:
    """Return ``value`` as float, or raise a ValueError naming the parameter."""
    value = float(value)
    ok = (0.0 < value < 1.0) if open_interval else (0.0 <= value <= 1.0)
    if not ok:
        bounds = "strictly between 0 and 1" if open_interval else "between 0 and 1"
        raise ValueError(f"{name} must be a probability {bounds}, got {value!r}")
    return value


def check_odds_ratio(name: str, value: float) -> float:
    """Return ``value`` as float, or raise a ValueError when it is not a positive number."""
    value = float(value)
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive odds ratio, got {value!r}")
    return value


@overload
def logit(p: float) -> float: ...
@overload
def logit(p: np.ndarray) -> np.ndarray: ...
def logit(p: np.ndarray | float) -> np.ndarray | float:
    """Log-odds of ``p``."""
    return special.logit(p)


@overload
def expit(x: float) -> float: ...
@overload
def expit(x: np.ndarray) -> np.ndarray: ...
def expit(x: np.ndarray | float) -> np.ndarray | float:
    """Inverse logit of ``x``."""
    return special.expit(x)


@overload
def odds(p: float) -> float: ...
@overload
def odds(p: np.ndarray) -> np.ndarray: ...
def odds(p: np.ndarray | float) -> np.ndarray | float:
    """Odds ``p / (1 - p)``."""
    return np.asarray(p) / (1.0 - np.asarray(p))
