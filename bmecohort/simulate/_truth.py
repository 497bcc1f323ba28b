"""``true_effects``: the parameters a generator reproduces, as a table."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pandas as pd

from ._knee_effects import KneeEffects, knee_truth
from .hand import HandEffects, hand_truth
from .hip import HipEffects, hip_truth
from .ra import RAEffects, ra_truth
from .spine import SpineEffects, spine_truth

__all__ = ["true_effects"]

#: kind -> (effects dataclass, truth function, generator name)
_KINDS: dict[str, tuple[type[Any], Callable[[Any], pd.DataFrame], str]] = {
    "knee": (KneeEffects, knee_truth, "knee_cohort"),
    "spine": (SpineEffects, spine_truth, "spine_cohort"),
    "ra": (RAEffects, ra_truth, "ra_bone_cohort"),
    "hip": (HipEffects, hip_truth, "hip_cohort"),
    "hand": (HandEffects, hand_truth, "hand_oa_joints"),
}
#: Design arguments of the generators: accepted and ignored (they do not change the truth),
#: so that one keyword dictionary can be passed to a generator and to ``true_effects``.
_DESIGN = frozenset({
    "n_participants", "n_patients", "seed", "visits", "knees", "dropout", "women_only",
    "pain_free_baseline", "follow_up_months", "synovitis_fraction", "id_prefix", "name",
})


def true_effects(kind: str, **params: object) -> pd.DataFrame:
    """The true parameters behind a simulated cohort, one row per effect.

    Parameters
    ----------
    kind : {"knee", "spine", "ra", "hip", "hand"}
        Which generator: :func:`knee_cohort`, :func:`spine_cohort`, :func:`ra_bone_cohort`,
        :func:`hip_cohort` or :func:`hand_oa_joints`.
    **params
        The effect arguments given to the generator (defaults otherwise). Design arguments
        (``n_participants``, ``seed``, ``visits``, ``dropout``, ...) are accepted and ignored:
        they do not change the truth.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``effect``, with columns ``value`` (float), ``scale`` (odds ratio,
        proportion, ...), ``exact`` (True when the generator reproduces the value exactly as
        a population parameter; False for values only implied approximately, e.g. published
        numbers that cannot all hold at once), ``model`` (the precise definition: the
        model, the units and the population it refers to) and ``source`` (literature.md
        section, "assumption", "calibrated" or "implied").

    Raises
    ------
    ValueError
        For an unknown ``kind`` or parameter name, or parameters the generator rejects.

    Examples
    --------
    >>> from bmecohort.simulate import true_effects
    >>> float(true_effects("knee").loc["pain_or", "value"])
    4.2
    >>> float(true_effects("knee", pain_or=3.0).loc["pain_or", "value"])
    3.0
    """
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {sorted(_KINDS)}, got {kind!r}")
    cls, truth, generator = _KINDS[kind]
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(params) - names - _DESIGN)
    if unknown:
        raise ValueError(f"{generator} has no effect parameter(s) {unknown}; its effect "
                         f"parameters are {sorted(names)}")
    return truth(cls(**{k: v for k, v in params.items() if k in names}))
