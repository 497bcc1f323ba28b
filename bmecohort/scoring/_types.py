"""The building blocks of the scoring-system registry: an item and a system."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

__all__ = ["Item", "ScoringSystem"]


def _frozen(mapping: Mapping | None) -> Mapping:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Item:
    """One scored item of a system (e.g. MOAKS BML size).

    Parameters
    ----------
    name : str
        Item code used in ``lesion_reads.item`` (e.g. ``"bml_size"``).
    description : str
        What is scored and how.
    minimum, maximum : float
        Allowed range of a score.
    step : float, default=1.0
        Allowed increment: a score must be ``minimum + k * step``.
    sites : tuple of str
        Site vocabulary: the codes allowed in ``lesion_reads.site`` for this item.
    levels : mapping of float to str, default={}
        Meaning of each grade, where the system defines one.
    within_grade : bool, default=False
        Whether the system records within-grade change as half grades (e.g. 1.5 for a grade-1
        lesion that worsened without reaching grade 2). Accepted only when a Cohort is built
        with ``allow_within_grade=True``.
    slices : tuple of int, default=()
        Slice numbers for slice-based systems (SPARCC); empty when the item has no slice.
    per_lesion : bool, default=False
        Scored per lesion (BLOKS) rather than per site: ``lesion_no`` is then required.
    lesion : bool, default=False
        Whether the item measures a bone marrow lesion (the default item of
        :func:`bmecohort.lesion_status`).
    total_max : float or None, default=None
        Maximum of the item summed over all sites of one joint at one visit, where defined.
    source : str, default=""
        Where the facts come from; items marked RECALLED in the research notes say so here.
    """

    name: str
    description: str
    minimum: float
    maximum: float
    sites: tuple[str, ...]
    step: float = 1.0
    levels: Mapping[float, str] = field(default_factory=dict)
    within_grade: bool = False
    slices: tuple[int, ...] = ()
    per_lesion: bool = False
    lesion: bool = False
    total_max: float | None = None
    source: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "levels", _frozen(self.levels))

    def allowed_values(self, *, within_grade: bool = False) -> np.ndarray:
        """Every allowed score, with half grades when ``within_grade`` and the item allows it."""
        step = self.step / 2 if (within_grade and self.within_grade) else self.step
        count = int(round((self.maximum - self.minimum) / step)) + 1
        return self.minimum + step * np.arange(count)


@dataclass(frozen=True)
class ScoringSystem:
    """A semi-quantitative MRI or radiographic scoring system.

    Parameters
    ----------
    name : str
        Registry key used in ``lesion_reads.system`` (e.g. ``"MOAKS"``).
    full_name : str
        Name and reference of the system.
    joint : str
        Anatomical joint scored (``knee``, ``sij``, ``spine``, ``hand``, ``wrist``...).
    unit : str
        Unit of scoring (``subregion``, ``region``, ``quadrant-slice``, ``corner``, ``bone``...).
    items : mapping of str to Item
        The scored items.
    compartments : mapping of str to str, default={}
        Site -> compartment, where the system's sites group into compartments (knee).
    extra_joints : tuple of str, default=()
        Further joints the system may be applied to (RAMRIS: the foot's MTP joints).
    source : str, default=""
        Provenance of the facts; RECALLED facts are marked as such.
    """

    name: str
    full_name: str
    joint: str
    unit: str
    items: Mapping[str, Item]
    compartments: Mapping[str, str] = field(default_factory=dict)
    extra_joints: tuple[str, ...] = ()
    source: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", _frozen(self.items))
        object.__setattr__(self, "compartments", _frozen(self.compartments))

    def item(self, name: str) -> Item:
        """The item called ``name``; a clear error lists the system's items otherwise."""
        try:
            return self.items[name]
        except KeyError:
            raise KeyError(
                f"{self.name} has no item {name!r}; its items are {sorted(self.items)}"
            ) from None

    @property
    def joints(self) -> tuple[str, ...]:
        """Every joint the system may score."""
        return (self.joint, *self.extra_joints)

    @property
    def lesion_item(self) -> str | None:
        """Name of the item that grades the bone marrow lesion's size, if any."""
        for item in self.items.values():
            if item.lesion:
                return item.name
        return None

    @property
    def within_grade(self) -> bool:
        """Whether any item records within-grade change."""
        return any(item.within_grade for item in self.items.values())
