from django.apps import AppConfig


class OperatorsConfig(AppConfig):
    name = "crms.operators"
    label = "operators"
    verbose_name = "Economic operators and AEO"
