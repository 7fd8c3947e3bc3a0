from django.apps import AppConfig


class SelectionConfig(AppConfig):
    """What a Member State sets about its own selection: random-selection rate and daily control capacity."""

    name = "selection"
    verbose_name = "Selection settings"
