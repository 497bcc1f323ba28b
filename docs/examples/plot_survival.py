"""
Time to a new lesion
====================

Kaplan-Meier estimate of the time to the first BML in knees free of BML at baseline, the
event placed at the midpoint of the interval in which it was first seen.
"""

import matplotlib.pyplot as plt

import bmecohort as bc

cohort = bc.demo_cohort(size="small")
status = bc.lesion_status(cohort, unit="knee")
times = bc.time_to_event(status)
bc.kaplan_meier(times, duration="midpoint", event="event", label="knees").plot()
plt.show()
