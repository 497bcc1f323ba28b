"""
Power of a clustered design
===========================

Simulated power to detect an odds ratio of 2 for incident pain with an incident BML, two
knees per person (a small number of replicates, for speed).
"""

import matplotlib.pyplot as plt

import bmecohort as bc

result = bc.power("knee_pain", effect=2.0, n_grid=[200, 400, 600], replicates=40, seed=1)
result.plot()
plt.show()
