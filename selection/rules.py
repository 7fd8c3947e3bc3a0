"""The bounds of what a Member State sets about its own selection, in one place (see docs/decisions.md).

- Random-selection rate ("fuzzy random", seed 001:1901): 0 to 20 % of otherwise clean ENS. Random
  selection is a quality-control and deterrence sample; above a fifth it would be a control campaign,
  which is what criteria and PCAs are for, and it would swamp any control capacity.
- Daily control capacity: 0 to 1,000,000 controls per transport mode and day (``selection.models``).
"""

from __future__ import annotations

MAX_RATE = 0.2
