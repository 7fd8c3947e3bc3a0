from django.apps import AppConfig


class ReferenceConfig(AppConfig):
    name = "crms.reference"
    label = "reference"
    verbose_name = "Reference data"
