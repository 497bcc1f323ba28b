"""Axial spondyloarthritis scoring: mSASSS, SPARCC (sacroiliac joint and spine), Berlin SIJ.

Also the anatomy they share: vertebrae C2-S1, their anterior corners, and the 24 corners that
mSASSS scores. Facts from ../shared/research/domain.md sections 1.5-1.8.
"""

from __future__ import annotations

from types import MappingProxyType

from ._types import Item, ScoringSystem

__all__ = [
    "VERTEBRAE",
    "CORNERS",
    "VERTEBRAL_CORNERS",
    "MSASSS_CORNERS",
    "DISCOVERTEBRAL_UNITS",
    "NEXT_VERTEBRA",
    "MSASSS",
    "SPARCC_SIJ",
    "SPARCC_SPINE",
    "BERLIN_SIJ",
    "corner_site",
]

#: Vertebrae from C2 to S1, cranial to caudal.
VERTEBRAE: tuple[str, ...] = (
    *(f"C{i}" for i in range(2, 8)),
    *(f"T{i}" for i in range(1, 13)),
    *(f"L{i}" for i in range(1, 6)),
    "S1",
)
#: Anterior corners of a vertebral body: the upper and the lower endplate.
CORNERS: tuple[str, ...] = ("upper", "lower")
#: Vertebra -> the next vertebra caudally (the other side of the disc space).
NEXT_VERTEBRA: MappingProxyType[str, str] = MappingProxyType(dict(zip(VERTEBRAE[:-1],
                                                                      VERTEBRAE[1:], strict=False)))

#: Every anterior corner that exists between C2 and S1: C2 has no scorable upper corner (no
#: C1/C2 disc) and S1 no lower one (the sacrum is fused).
VERTEBRAL_CORNERS: tuple[tuple[str, str], ...] = tuple(
    (v, c) for v in VERTEBRAE for c in CORNERS
    if not (v == "C2" and c == "upper") and not (v == "S1" and c == "lower")
)

_MSASSS_DISCS = (("C2", "C3"), ("C3", "C4"), ("C4", "C5"), ("C5", "C6"), ("C6", "C7"),
                 ("C7", "T1"), ("T12", "L1"), ("L1", "L2"), ("L2", "L3"), ("L3", "L4"),
                 ("L4", "L5"), ("L5", "S1"))
#: The 24 anterior corners mSASSS scores: both corners of the 12 disc spaces C2/C3-C7/T1 and
#: T12/L1-L5/S1 (VERIFIED: 12 disc spaces x 2 sites; anterior only is RECALLED standard).
MSASSS_CORNERS: tuple[tuple[str, str], ...] = tuple(
    corner for upper, lower in _MSASSS_DISCS for corner in ((upper, "lower"), (lower, "upper"))
)


def corner_site(vertebra: str, corner: str) -> str:
    """Site code of a vertebral corner in ``lesion_reads``: e.g. ``"C3-lower"``."""
    return f"{vertebra}-{corner}"


#: The 23 discovertebral units C2/C3 ... L5/S1 (SPARCC spine, ASspiMRI).
DISCOVERTEBRAL_UNITS: tuple[str, ...] = tuple(
    f"{a}/{b}" for a, b in zip(VERTEBRAE[:-1], VERTEBRAE[1:], strict=False)
)

MSASSS = ScoringSystem(
    name="MSASSS",
    full_name="modified Stoke Ankylosing Spondylitis Spinal Score (Creemers 2005, "
              "Ann Rheum Dis 64:127)",
    joint="spine",
    unit="corner",
    source="domain.md 1.8: 24 corners, 0-3 per corner, 0-72 total and the bridging rule "
           "VERIFIED; anterior-only RECALLED (standard)",
    items={
        "msasss": Item(
            name="msasss",
            description="Anterior vertebral corner on lateral radiographs",
            minimum=0, maximum=3, total_max=72,
            sites=tuple(corner_site(v, c) for v, c in MSASSS_CORNERS),
            levels={0: "normal", 1: "erosion, sclerosis or squaring", 2: "syndesmophyte",
                    3: "bridging syndesmophyte"},
            source="VERIFIED",
        ),
    },
)

_SIJ_QUADRANTS = ("iliac_upper", "iliac_lower", "sacral_upper", "sacral_lower")

SPARCC_SIJ = ScoringSystem(
    name="SPARCC_SIJ",
    full_name="SPARCC sacroiliac joint inflammation index (Maksymowych 2005, "
              "Arthritis Rheum 53:703)",
    joint="sij",
    unit="quadrant-slice",
    source="domain.md 1.5: 6 slices, 4 quadrants per joint, intensity and depth, 0-72 VERIFIED",
    items={
        "bme": Item(name="bme", description="Increased STIR signal in the quadrant",
                    minimum=0, maximum=1, sites=_SIJ_QUADRANTS, slices=tuple(range(1, 7)),
                    lesion=True, source="VERIFIED"),
        "intensity": Item(name="intensity",
                          description="Lesion in the joint as bright as CSF or blood vessels",
                          minimum=0, maximum=1, sites=("joint",), slices=tuple(range(1, 7)),
                          source="VERIFIED"),
        "depth": Item(name="depth",
                      description="Lesion in the joint >= 1 cm from the articular surface",
                      minimum=0, maximum=1, sites=("joint",), slices=tuple(range(1, 7)),
                      source="VERIFIED"),
    },
)

_DVU_QUADRANTS = ("UA", "UP", "LA", "LP")

SPARCC_SPINE = ScoringSystem(
    name="SPARCC_SPINE",
    full_name="SPARCC spine inflammation index (Maksymowych 2005, Arthritis Rheum 53:502)",
    joint="spine",
    unit="dvu-quadrant-slice",
    source="domain.md 1.6: DVU quadrants, 3 slices, 18 per DVU, six DVUs (0-108) VERIFIED; "
           "23-DVU total RECALLED",
    items={
        "bme": Item(name="bme",
                    description="Increased STIR signal in the DVU quadrant (upper/lower "
                                "endplate x anterior/posterior); site 'DVU:quadrant'",
                    minimum=0, maximum=1, slices=(1, 2, 3), lesion=True,
                    sites=tuple(f"{d}:{q}" for d in DISCOVERTEBRAL_UNITS for q in _DVU_QUADRANTS),
                    source="VERIFIED"),
        "intensity": Item(name="intensity", description="Lesion in the DVU brighter than CSF",
                          minimum=0, maximum=1, slices=(1, 2, 3), sites=DISCOVERTEBRAL_UNITS,
                          source="VERIFIED"),
        "depth": Item(name="depth", description="Lesion in the DVU >= 1 cm deep",
                      minimum=0, maximum=1, slices=(1, 2, 3), sites=DISCOVERTEBRAL_UNITS,
                      source="VERIFIED"),
    },
)

BERLIN_SIJ = ScoringSystem(
    name="BERLIN_SIJ",
    full_name="Berlin sacroiliac joint MRI score",
    joint="sij",
    unit="quadrant",
    source="domain.md 1.7: 0-3 per quadrant over all slices, 0-24 per person VERIFIED",
    items={
        "bme": Item(name="bme", description="Extent of BME in the quadrant over all slices",
                    minimum=0, maximum=3, sites=_SIJ_QUADRANTS, lesion=True, total_max=24,
                    levels={0: "absent", 1: "<33%", 2: "33-66%", 3: ">66%"},
                    source="VERIFIED"),
    },
)
