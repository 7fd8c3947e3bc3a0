from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    """The Commission's analysis workspace (001:951-955): hits of EU criteria across Member States, flags
    on declarations for the responsible Member State, and one party's declarations across Member States."""

    name = "analysis"
    verbose_name = "Commission analysis"
