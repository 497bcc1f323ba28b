"""Lesion course over visits: status per unit and visit, transitions, courses.

``lesion_status`` aggregates site scores into units (participant, knee, compartment,
subregion, vertebral corner, bone); ``transitions`` classifies change between visits
(``definition="two-visit"`` or ``"ever"`` when visits lie in between); ``lesion_course``
classifies the course over three or more visits from every available read. Reads of
several readers are combined per site by a reader policy (``reader="first"``, ``"mean"``,
``"max"``, ``"adjudicated"``; :mod:`bmecohort.course.readers`), recorded as ``.reading``.
"""

from __future__ import annotations

from .course import COURSES, GAPS, LesionCourse, lesion_course
from .readers import ADJUDICATORS, POLICIES, Reading
from .states import lesion_states
from .status import LesionStatus, lesion_status
from .transitions import DEFINITIONS, Transitions, classify_change, transitions

__all__ = [
    "ADJUDICATORS",
    "COURSES",
    "DEFINITIONS",
    "GAPS",
    "LesionCourse",
    "LesionStatus",
    "POLICIES",
    "Reading",
    "Transitions",
    "classify_change",
    "lesion_course",
    "lesion_states",
    "lesion_status",
    "transitions",
]
