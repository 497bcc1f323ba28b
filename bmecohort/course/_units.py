"""Units of analysis: where each unit's scores come from and which columns identify it."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["UNITS", "UnitSpec"]


@dataclass(frozen=True)
class UnitSpec:
    """How one unit of analysis is built.

    Parameters
    ----------
    name : str
        Unit name, as passed to :func:`bmecohort.lesion_status`.
    table : str
        Cohort table the scores come from.
    keys : tuple of str
        Columns identifying a unit (participant_id first).
    joint : str or None
        Joint the reads are restricted to (lesion_reads units).
    default_item : str
        Score column (wide tables) or item (lesion_reads: the system's lesion item).
    """

    name: str
    table: str
    keys: tuple[str, ...]
    joint: str | None
    default_item: str


UNITS: dict[str, UnitSpec] = {
    "participant": UnitSpec("participant", "lesion_reads", ("participant_id",), None,
                            "lesion"),
    "knee": UnitSpec("knee", "lesion_reads", ("participant_id", "side"), "knee", "lesion"),
    "compartment": UnitSpec("compartment", "lesion_reads",
                            ("participant_id", "side", "compartment"), "knee", "lesion"),
    "subregion": UnitSpec("subregion", "lesion_reads", ("participant_id", "side", "site"),
                          None, "lesion"),
    "corner": UnitSpec("corner", "spine_corners", ("participant_id", "level", "corner"), None,
                       "mri_inflammation"),
    "bone": UnitSpec("bone", "ra_bones", ("participant_id", "side", "bone"), None, "bme"),
}
