"""The ``hip_cases`` table: bone marrow edema syndrome and osteonecrosis of the hip."""

from __future__ import annotations

from typing import Any, Optional

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from ._fields import field

DIAGNOSES = ("bmes", "avn", "other")
ARCO_STAGES = ("I", "II", "IIIA", "IIIB", "IV")
PAIN_COURSES = ("resolved", "improved", "persistent", "worsened")


class HipCases(pa.DataFrameModel):
    """One affected hip per row, keyed by (participant_id, side)."""

    participant_id: Series[Any] = field("id", "Participant identifier.", key=True)
    side: Series[Any] = field("label", "Hip: L or R.", key=True, isin=["L", "R"])
    diagnosis: Series[Any] = field("label", "bmes (bone marrow edema syndrome / transient "
                                            "osteoporosis), avn (osteonecrosis) or other.",
                                   isin=list(DIAGNOSES), nullable=False)
    onset: Optional[Series[Any]] = field("label", "Onset of symptoms: acute or insidious.",
                                         isin=["acute", "insidious"])
    mri_pattern: Optional[Series[Any]] = field("label", "MRI pattern: diffuse edema or focal "
                                                        "lesion.", isin=["diffuse", "focal"])
    bme: Optional[Series[pd.BooleanDtype]] = field("boolean", "Bone marrow edema on MRI.")
    painful: Optional[Series[pd.BooleanDtype]] = field("boolean", "Hip painful at presentation.")
    arco_stage: Optional[Series[Any]] = field("label", "ARCO 2019 stage of osteonecrosis.",
                                              isin=list(ARCO_STAGES))
    resolved: Optional[Series[pd.BooleanDtype]] = field("boolean", "Edema resolved on "
                                                                   "follow-up.")
    months_to_resolution: Optional[Series[float]] = field(
        "number", "Months from onset to resolution (only when resolved).", ge=0)
    progressed: Optional[Series[pd.BooleanDtype]] = field(
        "boolean", "Structural progression (subchondral collapse, ARCO III or more).")
    pain_course: Optional[Series[Any]] = field("label", "Course of pain over follow-up.",
                                               isin=list(PAIN_COURSES))

    class Config:
        name = "hip_cases"
        description = "Hips with bone marrow edema syndrome, osteonecrosis or another cause."
        metadata = {
            "key": ["participant_id", "side"],
            "rules": [
                ("participant exists", "participant_id is in participants"),
                ("no ARCO stage for BMES", "arco_stage is missing when diagnosis is bmes"),
                ("resolution time when resolved", "months_to_resolution is given only when "
                                                  "resolved is true"),
            ],
        }
