from django.apps import AppConfig


class RiskEngineConfig(AppConfig):
    name = "risk_engine"
    verbose_name = "Risk engine"

    def ready(self) -> None:
        from crms.declarations.services import versions_filed
        from risk_engine.pipeline import on_versions_filed

        versions_filed.connect(on_versions_filed, dispatch_uid="risk_engine.screen_on_filing")
