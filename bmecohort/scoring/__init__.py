"""The scoring-system registry: what a valid score is, system by system.

Each :class:`ScoringSystem` knows its joint, unit of scoring, site vocabulary (with the knee's
compartments), items, allowed values and steps, whether within-grade (+/-0.5) change codes
exist, and totals. The validator (:class:`bmecohort.Cohort`) and the lesion-course functions
read everything from here; nothing else hard-codes a grade range.

Examples
--------
>>> from bmecohort.scoring import get_system
>>> moaks = get_system("MOAKS")
>>> moaks.item("bml_size").allowed_values().tolist()
[0.0, 1.0, 2.0, 3.0]
>>> moaks.compartments["TMC"]
'medial_tf'
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
import pandas as pd

from ._types import Item, ScoringSystem
from .hand import BONE_REGION, BONE_SYNOVITIS_REGION, HOAMRIS, RA_BONES, RAMRIS
from .knee import BLOKS, KNEE_COMPARTMENTS, KNEE_SUBREGIONS, MOAKS, WORMS
from .spine import (
    BERLIN_SIJ,
    MSASSS,
    MSASSS_CORNERS,
    NEXT_VERTEBRA,
    SPARCC_SIJ,
    SPARCC_SPINE,
    VERTEBRAE,
    VERTEBRAL_CORNERS,
)

__all__ = [
    "Item",
    "ScoringSystem",
    "SYSTEMS",
    "get_system",
    "item_table",
    "site_table",
    "KNEE_SUBREGIONS",
    "KNEE_COMPARTMENTS",
    "VERTEBRAE",
    "VERTEBRAL_CORNERS",
    "MSASSS_CORNERS",
    "NEXT_VERTEBRA",
    "RA_BONES",
    "BONE_REGION",
    "BONE_SYNOVITIS_REGION",
]

#: Every registered system by name.
SYSTEMS: MappingProxyType[str, ScoringSystem] = MappingProxyType({
    s.name: s for s in (MOAKS, WORMS, BLOKS, SPARCC_SIJ, SPARCC_SPINE, BERLIN_SIJ, MSASSS,
                        RAMRIS, HOAMRIS)
})


def get_system(name: str) -> ScoringSystem:
    """The scoring system called ``name`` (case-sensitive registry key).

    Raises
    ------
    KeyError
        Listing the registered systems when ``name`` is unknown.

    Examples
    --------
    >>> from bmecohort import get_system
    >>> moaks = get_system("MOAKS")
    >>> moaks.joint, moaks.unit
    ('knee', 'subregion')
    >>> "bml_size" in moaks.items
    True
    """
    try:
        return SYSTEMS[name]
    except KeyError:
        raise KeyError(f"unknown scoring system {name!r}; registered: {sorted(SYSTEMS)}") from None


def item_table() -> pd.DataFrame:
    """One row per (system, item): joint, unit, range, step, within-grade, slices, lesion.

    Used by the validator to check scores with a single vectorised merge.
    """
    rows = [
        {
            "system": s.name, "item": i.name, "joint": s.joint, "unit": s.unit,
            "minimum": float(i.minimum), "maximum": float(i.maximum), "step": float(i.step),
            "within_grade": i.within_grade, "has_slice": bool(i.slices),
            "max_slice": max(i.slices) if i.slices else np.nan,
            "per_lesion": i.per_lesion, "lesion": i.lesion,
            "total_max": np.nan if i.total_max is None else float(i.total_max),
        }
        for s in SYSTEMS.values() for i in s.items.values()
    ]
    return pd.DataFrame(rows)


def site_table() -> pd.DataFrame:
    """One row per (system, item, site) allowed, with the site's compartment if any."""
    rows = [
        (s.name, i.name, site, s.compartments.get(site))
        for s in SYSTEMS.values() for i in s.items.values() for site in i.sites
    ]
    return pd.DataFrame(rows, columns=["system", "item", "site", "compartment"])
