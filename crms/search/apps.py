from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "crms.search"
    label = "search"
    verbose_name = "Global search"
