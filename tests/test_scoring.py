"""The scoring-system registry: sites, compartments, corners, allowed values, lookups.

Expected facts are written out from ../shared/research/domain.md (sections 1.1-1.9), not
derived from the registry, so that a slip in the registry fails here.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from bmecohort.scoring import (
    BONE_REGION,
    BONE_SYNOVITIS_REGION,
    KNEE_COMPARTMENTS,
    KNEE_SUBREGIONS,
    MSASSS_CORNERS,
    NEXT_VERTEBRA,
    RA_BONES,
    SYSTEMS,
    VERTEBRAE,
    VERTEBRAL_CORNERS,
    get_system,
    item_table,
    site_table,
)
from bmecohort.scoring.spine import DISCOVERTEBRAL_UNITS, corner_site

MOAKS_SUBREGIONS = ["PM", "PL", "FMA", "FLA", "FMC", "FLC", "FMP", "FLP", "TMA", "TMC", "TMP",
                    "TLA", "TLC", "TLP", "SS"]


def test_fifteen_moaks_subregions_and_their_compartments() -> None:
    assert list(KNEE_SUBREGIONS) == MOAKS_SUBREGIONS
    moaks = get_system("MOAKS")
    assert list(moaks.item("bml_size").sites) == MOAKS_SUBREGIONS
    assert moaks.compartments == KNEE_COMPARTMENTS
    groups: dict[str, set[str]] = {}
    for site, compartment in KNEE_COMPARTMENTS.items():
        groups.setdefault(compartment, set()).add(site)
    # The groupings of public OAI analysis code (bml2plusm / bml2plusl / bml2pluspf).
    assert groups == {
        "medial_tf": {"FMC", "FMP", "TMA", "TMC", "TMP"},
        "lateral_tf": {"FLC", "FLP", "TLA", "TLC", "TLP"},
        "patellofemoral": {"FMA", "FLA", "PM", "PL"},
        "subspinous": {"SS"},
    }


def test_cartilage_has_no_subspinous_site() -> None:
    sites = get_system("MOAKS").item("cartilage_size").sites
    assert len(sites) == 14 and "SS" not in sites


def test_bloks_has_nine_regions_and_no_moaks_codes() -> None:
    sites = get_system("BLOKS").item("bml_size").sites
    assert len(sites) == 9
    assert {"FMC", "TMC", "TLP"}.isdisjoint(sites)
    assert get_system("BLOKS").item("bml_size").per_lesion


def test_twenty_four_msasss_corners() -> None:
    assert len(MSASSS_CORNERS) == 24 and len(set(MSASSS_CORNERS)) == 24
    assert set(MSASSS_CORNERS) <= set(VERTEBRAL_CORNERS)
    levels = Counter(level for level, _ in MSASSS_CORNERS)
    # Both corners of C3-C7 and L1-L5; one corner of C2, T1, T12 and S1; no other thoracic.
    assert levels == {**dict.fromkeys(["C3", "C4", "C5", "C6", "C7"], 2),
                      **dict.fromkeys(["L1", "L2", "L3", "L4", "L5"], 2),
                      "C2": 1, "T1": 1, "T12": 1, "S1": 1}
    assert ("C2", "lower") in MSASSS_CORNERS and ("S1", "upper") in MSASSS_CORNERS
    assert ("T1", "upper") in MSASSS_CORNERS and ("T12", "lower") in MSASSS_CORNERS
    sites = get_system("MSASSS").item("msasss").sites
    assert sites == tuple(corner_site(v, c) for v, c in MSASSS_CORNERS)
    assert get_system("MSASSS").item("msasss").total_max == 72 == 24 * 3


def test_vertebrae_corners_and_discs() -> None:
    assert VERTEBRAE[0] == "C2" and VERTEBRAE[-1] == "S1" and len(VERTEBRAE) == 24
    assert ("C2", "upper") not in VERTEBRAL_CORNERS
    assert ("S1", "lower") not in VERTEBRAL_CORNERS
    assert len(VERTEBRAL_CORNERS) == 24 * 2 - 2
    assert NEXT_VERTEBRA["C7"] == "T1" and NEXT_VERTEBRA["L5"] == "S1"
    assert "S1" not in NEXT_VERTEBRA
    assert len(DISCOVERTEBRAL_UNITS) == 23
    assert DISCOVERTEBRAL_UNITS[0] == "C2/C3" and DISCOVERTEBRAL_UNITS[-1] == "L5/S1"


@pytest.mark.parametrize(("system", "item", "whole", "with_halves"), [
    ("MOAKS", "bml_size", [0, 1, 2, 3], [0, 0.5, 1, 1.5, 2, 2.5, 3]),
    ("MOAKS", "bml_number", [0, 1, 2, 3], [0, 1, 2, 3]),
    ("MOAKS", "bml_percent", [0, 1, 2, 3], [0, 1, 2, 3]),
    ("WORMS", "bml", [0, 1, 2, 3], [0, 1, 2, 3]),
    ("WORMS", "cartilage", [0, 1, 2, 3, 4, 5, 6], [0, 1, 2, 3, 4, 5, 6]),
    ("SPARCC_SIJ", "bme", [0, 1], [0, 1]),
    ("SPARCC_SPINE", "depth", [0, 1], [0, 1]),
    ("BERLIN_SIJ", "bme", [0, 1, 2, 3], [0, 1, 2, 3]),
    ("MSASSS", "msasss", [0, 1, 2, 3], [0, 1, 2, 3]),
    ("RAMRIS", "erosion", list(range(11)), list(range(11))),
    ("RAMRIS", "bme", [0, 1, 2, 3], [0, 1, 2, 3]),
    ("HOAMRIS", "bml", [0, 1, 2, 3], [0, 0.5, 1, 1.5, 2, 2.5, 3]),
])
def test_allowed_values_with_and_without_within_grade(system: str, item: str, whole: list,
                                                      with_halves: list) -> None:
    spec = get_system(system).item(item)
    np.testing.assert_array_equal(spec.allowed_values(), whole)
    np.testing.assert_array_equal(spec.allowed_values(within_grade=False), whole)
    np.testing.assert_array_equal(spec.allowed_values(within_grade=True), with_halves)


def test_sparcc_slices() -> None:
    assert get_system("SPARCC_SIJ").item("bme").slices == (1, 2, 3, 4, 5, 6)
    assert get_system("SPARCC_SPINE").item("bme").slices == (1, 2, 3)
    assert not get_system("MOAKS").item("bml_size").slices


def test_unknown_system_and_item_errors_list_what_exists() -> None:
    with pytest.raises(KeyError, match=r"unknown scoring system 'MOAKZ'; registered: \["):
        get_system("MOAKZ")
    with pytest.raises(KeyError, match="'moaks'"):
        get_system("moaks")  # registry keys are case-sensitive
    with pytest.raises(KeyError, match=r"MOAKS has no item 'bml'; its items are \["):
        get_system("MOAKS").item("bml")


def test_registry_is_read_only() -> None:
    with pytest.raises(TypeError):
        SYSTEMS["NEW"] = SYSTEMS["MOAKS"]  # type: ignore[index]
    with pytest.raises(TypeError):
        get_system("MOAKS").items["x"] = None  # type: ignore[index]
    with pytest.raises(AttributeError):
        get_system("MOAKS").item("bml_size").maximum = 4  # type: ignore[misc]


def test_item_and_site_tables_agree_with_the_registry() -> None:
    items = item_table()
    assert len(items) == sum(len(s.items) for s in SYSTEMS.values())
    assert not items.duplicated(["system", "item"]).any()
    moaks = items.set_index(["system", "item"]).loc[("MOAKS", "bml_size")]
    assert (moaks["minimum"], moaks["maximum"], moaks["step"]) == (0, 3, 1)
    assert moaks["within_grade"] and moaks["lesion"] and moaks["total_max"] == 45
    sites = site_table()
    assert len(sites) == sum(len(i.sites) for s in SYSTEMS.values() for i in s.items.values())
    knee = sites[(sites["system"] == "MOAKS") & (sites["item"] == "bml_size")]
    assert dict(zip(knee["site"], knee["compartment"], strict=True)) == dict(KNEE_COMPARTMENTS)


def test_every_system_names_its_lesion_item_and_provenance() -> None:
    lesion_items = {name: s.lesion_item for name, s in SYSTEMS.items()}
    assert lesion_items == {"MOAKS": "bml_size", "WORMS": "bml", "BLOKS": "bml_size",
                            "SPARCC_SIJ": "bme", "SPARCC_SPINE": "bme", "BERLIN_SIJ": "bme",
                            "MSASSS": None, "RAMRIS": "bme", "HOAMRIS": "bml"}
    for system in SYSTEMS.values():
        assert "VERIFIED" in system.source or "RECALLED" in system.source
        for item in system.items.values():
            assert "VERIFIED" in item.source or "RECALLED" in item.source, (system.name,
                                                                             item.name)


def test_ramris_bones_and_regions() -> None:
    regions = Counter(BONE_REGION[b] for b in RA_BONES)
    assert regions == {"wrist": 15, "mcp": 8, "mtp": 10}
    assert set(BONE_SYNOVITIS_REGION) == set(RA_BONES)
    assert BONE_SYNOVITIS_REGION["mc2_head"] == BONE_SYNOVITIS_REGION["pp2_base"] == "mcp2"
    assert get_system("RAMRIS").joints == ("hand", "foot")
    # Wrist BME total 0-45 (VERIFIED): 15 bones x 3.
    assert regions["wrist"] * get_system("RAMRIS").item("bme").maximum == 45
