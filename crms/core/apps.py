from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "crms.core"
    label = "core"
    verbose_name = "Platform core"
