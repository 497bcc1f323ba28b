"""
Lesion transitions and courses
==============================

Knee-level BML transitions between baseline and 24 months, and courses over every visit.
"""

import matplotlib.pyplot as plt

import bmecohort as bc

cohort = bc.demo_cohort(size="small")
status = bc.lesion_status(cohort, unit="knee")
change = bc.transitions(status, baseline=0, follow_up=24, definition="two-visit")
change.plot()
plt.show()

course = bc.lesion_course(status)
course.plot()
plt.show()
