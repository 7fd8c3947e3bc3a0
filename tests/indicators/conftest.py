"""Indicator fixtures: the PCA and RIF personas and helpers, reused."""

from tests.pca.conftest import designate, people, toy_criterion  # noqa: F401
