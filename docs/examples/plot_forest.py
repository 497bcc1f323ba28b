"""
Odds ratios of a design as a forest plot
========================================

Knee BML and frequent knee pain in the synthetic demo cohort (two knees per person, so the
intervals are cluster-robust).
"""

import matplotlib.pyplot as plt

import bmecohort as bc

cohort = bc.demo_cohort(size="small")
design = bc.bml_pain_association(cohort)
design.plot()
plt.show()
