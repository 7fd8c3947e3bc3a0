from django.apps import AppConfig


class RifConfig(AppConfig):
    name = "rif"
    verbose_name = "Risk information forms"
