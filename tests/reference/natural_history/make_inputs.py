"""Write the states of bmecohort.lesion_natural_history on a simulated knee cohort for R msm.

Run from this folder: ``python make_inputs.py`` (then ``Rscript make_natural_history.R``).
"""

from __future__ import annotations

from bmecohort.course.states import lesion_states
from bmecohort.designs.natural_history import _recurrence_states
from bmecohort.simulate import knee_cohort

states = lesion_states(knee_cohort(300, seed=3), unit="knee", thresholds=(1,))
states = states.assign(recurrence_state=_recurrence_states(states))
states[["subject", "time", "state", "recurrence_state"]].to_csv(
    "inputs/states.csv", index=False, float_format="%.17g")
