"""
Hopfield capacity: Hebbian and Storkey storage
==============================================

The fraction of stored random patterns that are fixed points of the dynamics (recalled with at
most 2 % of their bits wrong), against the load p / N. Hebb's rule breaks down near the classical
0.138 N (Amit, Gutfreund & Sompolinsky 1985); Storkey's rule stores more.
"""
import matplotlib.pyplot as plt
import numpy as np

from fastrbm.capacity import capacity_curve

loads = np.linspace(0.02, 0.4, 12)
fig, ax = plt.subplots(figsize=(5, 3.2))
for rule in ("hebbian", "storkey"):
    curve = capacity_curve(200, loads, rule, random_state=0)
    ax.plot(curve["load"], curve["recalled"], "o-", label=rule)
    print(rule, np.round(curve["recalled"], 2))
ax.axvline(0.138, color="gray", ls=":", label="0.138 N")
ax.set_xlabel("load p / N (N = 200)")
ax.set_ylabel("patterns recalled")
ax.legend()
fig.tight_layout()
