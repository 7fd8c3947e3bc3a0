from django.apps import AppConfig


class WorkbenchConfig(AppConfig):
    name = "workbench"
    verbose_name = "Analyst workbench"

    def ready(self) -> None:
        from risk_engine.signals import assessments_written
        from workbench.cases import sync_cases

        assessments_written.connect(sync_cases, dispatch_uid="workbench-sync-cases")
