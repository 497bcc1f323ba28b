"""Knee osteoarthritis MRI scoring systems: MOAKS, WORMS and BLOKS.

Facts from ../shared/research/domain.md section 1.1-1.4. Where that file tags a fact RECALLED
(not seen in retrieved text) the item's ``source`` says so.
"""

from __future__ import annotations

from types import MappingProxyType

from ._types import Item, ScoringSystem

__all__ = ["MOAKS", "WORMS", "BLOKS", "KNEE_SUBREGIONS", "KNEE_COMPARTMENTS"]

#: The 15 MOAKS / WORMS BML subregions and their meaning (OAI ``V00MBMS{code}``; VERIFIED).
KNEE_SUBREGIONS: MappingProxyType[str, str] = MappingProxyType({
    "PM": "patella, medial",
    "PL": "patella, lateral",
    "FMA": "femur, medial anterior (trochlea)",
    "FLA": "femur, lateral anterior (trochlea)",
    "FMC": "femur, medial central",
    "FLC": "femur, lateral central",
    "FMP": "femur, medial posterior",
    "FLP": "femur, lateral posterior",
    "TMA": "tibia, medial anterior",
    "TMC": "tibia, medial central",
    "TMP": "tibia, medial posterior",
    "TLA": "tibia, lateral anterior",
    "TLC": "tibia, lateral central",
    "TLP": "tibia, lateral posterior",
    "SS": "subspinous",
})

#: Subregion -> compartment, as grouped in public OAI analysis code (VERIFIED, domain.md 1.4).
KNEE_COMPARTMENTS: MappingProxyType[str, str] = MappingProxyType({
    **dict.fromkeys(("FMC", "FMP", "TMA", "TMC", "TMP"), "medial_tf"),
    **dict.fromkeys(("FLC", "FLP", "TLA", "TLC", "TLP"), "lateral_tf"),
    **dict.fromkeys(("FMA", "FLA", "PM", "PL"), "patellofemoral"),
    "SS": "subspinous",
})

_SUBREGIONS = tuple(KNEE_SUBREGIONS)
_CARTILAGE_SUBREGIONS = tuple(s for s in _SUBREGIONS if s != "SS")
_THIRDS: dict[float, str] = {0: "none", 1: "<33% of subregional volume", 2: "33-66%", 3: ">66%"}

MOAKS = ScoringSystem(
    name="MOAKS",
    full_name="MRI Osteoarthritis Knee Score (Hunter 2011, Osteoarthritis Cartilage 19:990)",
    joint="knee",
    unit="subregion",
    compartments=KNEE_COMPARTMENTS,
    source="domain.md 1.3: 15 BML subregions VERIFIED (OAI MOAKS datasets)",
    items={
        "bml_size": Item(
            name="bml_size",
            description="Subregional volume occupied by BML, cysts included",
            minimum=0, maximum=3, sites=_SUBREGIONS, levels=_THIRDS, lesion=True,
            within_grade=True, total_max=45,
            source="VERIFIED 0-3 thirds; within-grade half grades VERIFIED as OAI change codes",
        ),
        "bml_percent": Item(
            name="bml_percent",
            description="Percentage of the lesion that is BML rather than cyst",
            minimum=0, maximum=3, sites=_SUBREGIONS, levels=_THIRDS,
            source="VERIFIED (domain.md 1.3)",
        ),
        "bml_number": Item(
            name="bml_number",
            description="Number of BMLs in the subregion, 3 meaning three or more",
            minimum=0, maximum=3, sites=_SUBREGIONS,
            source="RECALLED: the cap at 3 ('>=3'); the item's existence is VERIFIED (OAI MBMN)",
        ),
        "cartilage_size": Item(
            name="cartilage_size",
            description="Size of any cartilage loss as % of the subregion's surface",
            minimum=0, maximum=3, sites=_CARTILAGE_SUBREGIONS,
            levels={0: "none", 1: "<10%", 2: "10-75%", 3: ">75%"},
            source="VERIFIED (domain.md 1.3)",
        ),
        "cartilage_full_thickness": Item(
            name="cartilage_full_thickness",
            description="Percentage of the subregion with full-thickness cartilage loss",
            minimum=0, maximum=3, sites=_CARTILAGE_SUBREGIONS,
            levels={0: "none", 1: "<10%", 2: "10-75%", 3: ">75%"},
            source="VERIFIED (domain.md 1.3)",
        ),
    },
)

WORMS = ScoringSystem(
    name="WORMS",
    full_name="Whole-Organ MRI Score (Peterfy 2004, Osteoarthritis Cartilage 12:177)",
    joint="knee",
    unit="subregion",
    compartments=KNEE_COMPARTMENTS,
    source="domain.md 1.1: the 15 regions and the 0-3 BML grades are RECALLED; MOST analyses "
           "used 14 subregions (VERIFIED), so projects may restrict the vocabulary",
    items={
        "bml": Item(
            name="bml",
            description="Subarticular bone marrow abnormality, by % of the subregion's volume",
            minimum=0, maximum=3, sites=_SUBREGIONS, lesion=True, total_max=45,
            levels={0: "none", 1: "<25%", 2: "25-50%", 3: ">50%"},
            source="RECALLED grades (domain.md 1.1)",
        ),
        "cartilage": Item(
            name="cartilage",
            description="Cartilage morphology",
            minimum=0, maximum=6, sites=_CARTILAGE_SUBREGIONS,
            source="VERIFIED 0-6 (MOST, domain.md 1.1)",
        ),
        "cyst": Item(
            name="cyst",
            description="Subarticular cyst",
            minimum=0, maximum=3, sites=_SUBREGIONS,
            source="VERIFIED 0-3 in MOST (domain.md 1.1)",
        ),
    },
)

#: BLOKS's nine BML regions (RECALLED names; the count of nine is VERIFIED).
BLOKS_REGIONS: MappingProxyType[str, str] = MappingProxyType({
    "PM": "patella, medial",
    "PL": "patella, lateral",
    "TrM": "trochlea, medial",
    "TrL": "trochlea, lateral",
    "MF": "medial femur (weight-bearing)",
    "LF": "lateral femur (weight-bearing)",
    "MT": "medial tibia",
    "LT": "lateral tibia",
    "SS": "subspinous",
})

BLOKS = ScoringSystem(
    name="BLOKS",
    full_name="Boston Leeds Osteoarthritis Knee Score (Hunter 2008, Ann Rheum Dis 67:206)",
    joint="knee",
    unit="lesion",
    compartments={
        "MF": "medial_tf", "MT": "medial_tf", "LF": "lateral_tf", "LT": "lateral_tf",
        "PM": "patellofemoral", "PL": "patellofemoral", "TrM": "patellofemoral",
        "TrL": "patellofemoral", "SS": "subspinous",
    },
    source="domain.md 1.2: nine regions and the three 0-3 items VERIFIED; region names and "
           "per-lesion scoring RECALLED",
    items={
        "bml_size": Item(
            name="bml_size", description="BML size", minimum=0, maximum=3,
            sites=tuple(BLOKS_REGIONS), per_lesion=True, lesion=True,
            source="VERIFIED 0-3 in nine regions",
        ),
        "bml_surface": Item(
            name="bml_surface",
            description="% of the surface area adjacent to the subchondral plate",
            minimum=0, maximum=3, sites=tuple(BLOKS_REGIONS), per_lesion=True,
            source="VERIFIED",
        ),
        "bml_percent": Item(
            name="bml_percent", description="% of the lesion that is BML as distinct from cyst",
            minimum=0, maximum=3, sites=tuple(BLOKS_REGIONS), per_lesion=True,
            source="VERIFIED",
        ),
    },
)
