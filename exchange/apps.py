from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    """Information requests between Member States over REST, with an answer deadline."""

    name = "exchange"
    verbose_name = "Information exchange"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from exchange.deadlines import give_default_deadline
        from workbench.models import InformationRequest

        post_save.connect(give_default_deadline, sender=InformationRequest, dispatch_uid="exchange-default-deadline")
