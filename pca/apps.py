from django.apps import AppConfig


class PcaConfig(AppConfig):
    name = "pca"
    verbose_name = "Priority control areas"
