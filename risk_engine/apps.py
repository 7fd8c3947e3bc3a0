from django.apps import AppConfig


class RiskEngineConfig(AppConfig):
    name = "risk_engine"
    verbose_name = "Risk engine"
