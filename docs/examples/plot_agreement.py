"""
Reader agreement
================

A second reader re-reads half of the knees with a known misclassification; the ICC of each
subregion and the Bland-Altman plot of the knees' summed scores.
"""

import matplotlib.pyplot as plt

import bmecohort as bc
from bmecohort.simulate import add_second_reader, knee_cohort

doubled = add_second_reader(knee_cohort(150, seed=1), seed=2, fraction=0.5)
bc.reliability(doubled, system="MOAKS", item="bml_size", visits=[0]).plot()
plt.show()

reads = doubled.lesion_reads
totals = reads.groupby(["participant_id", "side", "visit", "reader"], observed=True)[
    "score"].sum().unstack("reader").dropna()
bc.bland_altman(totals, rater_a="R1", rater_b="R2").plot(units="summed grade")
plt.show()
