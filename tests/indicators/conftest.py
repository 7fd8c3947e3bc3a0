"""Indicator fixtures: the PCA and RIF personas and helpers, reused."""

from tests.indicators.test_figures import dataset  # noqa: F401 - the hand-computed dataset, shared
from tests.pca.conftest import designate, people, toy_criterion  # noqa: F401
