from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "crms.accounts"
    label = "accounts"
    verbose_name = "Organisations and users"
