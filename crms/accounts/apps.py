from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "crms.accounts"
    label = "accounts"
    verbose_name = "Organisations and users"

    def ready(self) -> None:
        """Any change to a token, user or organisation makes every process's cached tokens stale."""
        from django.db.models.signals import post_delete, post_save
        from rest_framework.authtoken.models import Token

        from crms.accounts.authentication import accounts_changed
        from crms.accounts.models import Organisation, User

        for model in (Token, User, Organisation):
            for signal in (post_save, post_delete):
                signal.connect(accounts_changed, sender=model, dispatch_uid=f"accounts-generation-{model.__name__}")
