"""The embedded demo cohort: the knee, spine, RA and hip generators in one Cohort."""

from __future__ import annotations

import pandas as pd

from ..cohort import Cohort
from ..schemas import TABLES
from ._random import check_seed
from .hip import hip_tables
from .knee import knee_tables
from .ra import ra_tables
from .spine import spine_tables

__all__ = ["demo_cohort", "DEMO_SEED", "DEMO_SIZES"]

#: The demo's default seed.
DEMO_SEED = 20261124
#: Participants per generator for each size.
DEMO_SIZES: dict[str, dict[str, int]] = {
    "default": {"knee": 500, "spine": 100, "ra": 59, "hip": 200},
    "small": {"knee": 40, "spine": 20, "ra": 12, "hip": 24},
}


def demo_cohort(seed: int = DEMO_SEED, *, size: str = "default") -> Cohort:
    """The demo cohort: knee, spine, RA and hip participants, generated on demand.

    Parameters
    ----------
    seed : int, default=20261124
        Seed passed to every generator (each draws from its own named streams).
    size : {"default", "small"}, default="default"
        ``"default"``: 500 knee (prefix ``K``), 100 spine (``S``), 59 RA (``R``) and 200
        hip (``H``) participants, the sizes of the studies they imitate; ``"small"``: 40,
        20, 12 and 24, for fast tests and doctests.

    Returns
    -------
    Cohort
        Validated; participant ids are disjoint across the parts (their prefixes) and
        ``participants.condition`` tells them apart (``knee_oa``/``knee_no_oa``, ``axspa``,
        ``early_arthritis``, ``hip``). Every generator runs with its default effects, so
        ``true_effects(kind)`` gives the truth of each part. ``source`` records the calls.

    Examples
    --------
    >>> from bmecohort.simulate import demo_cohort
    >>> cohort = demo_cohort(size="small")
    >>> sorted(cohort.participants["condition"].unique())[:2]
    ['axspa', 'early_arthritis']
    """
    seed = check_seed(seed)
    if size not in DEMO_SIZES:
        raise ValueError(f"size must be one of {sorted(DEMO_SIZES)}, got {size!r}")
    n = DEMO_SIZES[size]
    parts = [
        knee_tables(n["knee"], seed=seed, id_prefix="K"),
        spine_tables(n["spine"], seed=seed, id_prefix="S"),
        ra_tables(n["ra"], seed=seed, id_prefix="R"),
        hip_tables(n["hip"], seed=seed, id_prefix="H"),
    ]
    tables = {
        name: pd.concat([_plain(p[name]) for p in parts if name in p], ignore_index=True)
        for name in TABLES if any(name in p for p in parts)
    }
    calls = ", ".join(f"{g}({n[k]}, seed={seed})" for g, k in (
        ("knee_cohort", "knee"), ("spine_cohort", "spine"), ("ra_bone_cohort", "ra"),
        ("hip_cohort", "hip")))
    return Cohort(**tables, name="demo",
                  source=f"simulated: bmecohort.simulate.demo_cohort(seed={seed}, "
                         f"size={size!r}) = {calls}")


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Categoricals as objects, so frames with different categories concatenate cleanly."""
    return frame.astype({c: object for c in frame.columns
                         if isinstance(frame[c].dtype, pd.CategoricalDtype)})
