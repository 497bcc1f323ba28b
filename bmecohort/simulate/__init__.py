"""Seeded synthetic cohorts with known truth.

Each generator returns a validated :class:`~bmecohort.Cohort` (or, for the hand, a joint-level
frame) drawn from a documented data-generating model whose effects reproduce published
numbers (../shared/research/literature.md); :func:`true_effects` returns those parameters for
recovery tests and power calculations. Draws come from :class:`numpy.random.SeedSequence`
streams: the same seed gives the same tables on any machine, whatever the number of cores.

- :func:`knee_cohort`: MOAKS BML in 15 subregions, pain, WOMAC, KL/JSN, cartilage defects
  (Davies-Tuck 2009, Felson 2001/2003, Wluka 2009, Zhang 2011).
- :func:`spine_cohort`: mSASSS corners and MRI corner lesions (Chiowchanwisawakit 2011).
- :func:`ra_bone_cohort`: RAMRIS BME, erosion and synovitis per bone (Nieuwenhuis 2016).
- :func:`hip_cohort`: bone marrow edema syndrome vs avascular necrosis (Koo 1999, slides).
- :func:`hand_oa_joints`: hand OA joints and incident tenderness (Haugen 2015).
- :func:`demo_cohort`: the first four in one Cohort.
- :func:`add_second_reader`: double reads with a known misclassification.
"""

from __future__ import annotations

from ._truth import true_effects
from .demo import demo_cohort
from .hand import hand_oa_joints
from .hip import hip_cohort
from .knee import knee_cohort
from .ra import ra_bone_cohort
from .readers import ONE_GRADE_ERROR, add_second_reader, expected_kappa
from .spine import spine_cohort

__all__ = [
    "ONE_GRADE_ERROR",
    "add_second_reader",
    "demo_cohort",
    "expected_kappa",
    "hand_oa_joints",
    "hip_cohort",
    "knee_cohort",
    "ra_bone_cohort",
    "spine_cohort",
    "true_effects",
]
