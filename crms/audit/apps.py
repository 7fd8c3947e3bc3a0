from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "crms.audit"
    label = "audit"
    verbose_name = "Audit log"
