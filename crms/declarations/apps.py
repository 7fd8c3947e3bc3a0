from django.apps import AppConfig


class DeclarationsConfig(AppConfig):
    name = "crms.declarations"
    label = "declarations"
    verbose_name = "Entry summary declarations"
