"""Hand and wrist scoring: OMERACT RAMRIS (rheumatoid arthritis) and HOAMRIS (hand OA).

Facts from ../shared/research/domain.md section 1.9 (RAMRIS) and literature.md section 7
(Haugen 2015 for the hand OA score).
"""

from __future__ import annotations

from types import MappingProxyType

from ._types import Item, ScoringSystem

__all__ = [
    "WRIST_BONES",
    "MCP_BONES",
    "MTP_BONES",
    "RA_BONES",
    "BONE_REGION",
    "BONE_SYNOVITIS_REGION",
    "RAMRIS",
    "HOAMRIS",
]

#: The 15 wrist bones RAMRIS scores (RECALLED list; the wrist BME total 0-45 is VERIFIED).
WRIST_BONES: tuple[str, ...] = (
    "radius", "ulna", "scaphoid", "lunate", "triquetrum", "pisiform", "trapezium",
    "trapezoid", "capitate", "hamate", "mc1_base", "mc2_base", "mc3_base", "mc4_base",
    "mc5_base",
)
#: MCP2-5: metacarpal heads and proximal phalangeal bases (bone types VERIFIED).
MCP_BONES: tuple[str, ...] = (
    *(f"mc{i}_head" for i in range(2, 6)), *(f"pp{i}_base" for i in range(2, 6)),
)
#: MTP1-5: metatarsal heads and the bases of the foot's proximal phalanges (RECALLED).
MTP_BONES: tuple[str, ...] = (
    *(f"mt{i}_head" for i in range(1, 6)), *(f"foot_pp{i}_base" for i in range(1, 6)),
)
RA_BONES: tuple[str, ...] = (*WRIST_BONES, *MCP_BONES, *MTP_BONES)

#: Bone -> region (wrist, mcp, mtp).
BONE_REGION: MappingProxyType[str, str] = MappingProxyType({
    **dict.fromkeys(WRIST_BONES, "wrist"),
    **dict.fromkeys(MCP_BONES, "mcp"),
    **dict.fromkeys(MTP_BONES, "mtp"),
})

#: Bone -> the RAMRIS synovitis region it lies in ("local synovitis", Nieuwenhuis 2016).
#: The wrist assignment is RECALLED anatomy (RAMRIS scores three wrist synovitis regions).
BONE_SYNOVITIS_REGION: MappingProxyType[str, str] = MappingProxyType({
    "radius": "radioulnar", "ulna": "radioulnar",
    "scaphoid": "radiocarpal", "lunate": "radiocarpal", "triquetrum": "radiocarpal",
    "pisiform": "radiocarpal",
    **dict.fromkeys(("trapezium", "trapezoid", "capitate", "hamate", "mc1_base", "mc2_base",
                     "mc3_base", "mc4_base", "mc5_base"), "intercarpal_cmc"),
    **{f"mc{i}_head": f"mcp{i}" for i in range(2, 6)},
    **{f"pp{i}_base": f"mcp{i}" for i in range(2, 6)},
    **{f"mt{i}_head": f"mtp{i}" for i in range(1, 6)},
    **{f"foot_pp{i}_base": f"mtp{i}" for i in range(1, 6)},
})

_SYNOVITIS_REGIONS = tuple(dict.fromkeys(BONE_SYNOVITIS_REGION.values()))

RAMRIS = ScoringSystem(
    name="RAMRIS",
    full_name="OMERACT RA MRI scoring system (Ostergaard 2003; updated 2017)",
    joint="hand",
    extra_joints=("foot",),
    unit="bone",
    source="domain.md 1.9: BME 0-3 by thirds, erosion 0-10 in 10% steps, synovitis 0-3 "
           "VERIFIED; the bone list RECALLED",
    items={
        "bme": Item(name="bme", description="Osteitis: proportion of the assessed bone volume",
                    minimum=0, maximum=3, sites=RA_BONES, lesion=True,
                    levels={0: "none", 1: "1-33%", 2: "34-66%", 3: "67-100%"},
                    source="VERIFIED"),
        "erosion": Item(name="erosion", description="Eroded bone volume in 10% steps",
                        minimum=0, maximum=10, sites=RA_BONES, source="VERIFIED"),
        "synovitis": Item(name="synovitis", description="Synovitis of the joint region",
                          minimum=0, maximum=3, sites=_SYNOVITIS_REGIONS, source="VERIFIED"),
    },
)

_HAND_OA_JOINTS = (*(f"dip{i}" for i in range(2, 6)), *(f"pip{i}" for i in range(2, 6)),
                   "ip1", "cmc1")

HOAMRIS = ScoringSystem(
    name="HOAMRIS",
    full_name="OMERACT hand osteoarthritis MRI scoring system (Haavardsholm 2013)",
    joint="hand",
    unit="joint",
    source="literature.md 7: BML and synovitis 0-3 per DIP/PIP joint with 0.5 increments "
           "for change VERIFIED (Haugen 2015); IP1/CMC1 sites and erosion 0-3 RECALLED",
    items={
        "bml": Item(name="bml", description="Bone marrow lesion of the joint",
                    minimum=0, maximum=3, sites=_HAND_OA_JOINTS, lesion=True,
                    within_grade=True, source="VERIFIED (Haugen 2015)"),
        "synovitis": Item(name="synovitis", description="Contrast-enhanced synovitis",
                          minimum=0, maximum=3, sites=_HAND_OA_JOINTS, within_grade=True,
                          source="VERIFIED (Haugen 2015)"),
        "erosion": Item(name="erosion", description="Erosion", minimum=0, maximum=3,
                        sites=_HAND_OA_JOINTS, source="RECALLED"),
    },
)
