from django.apps import AppConfig


class DeclarationsConfig(AppConfig):
    name = "crms.declarations"
    label = "declarations"
    verbose_name = "Entry summary declarations"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        post_migrate.connect(_partitions_ahead, sender=self)


def _partitions_ahead(sender, using="default", **kwargs) -> None:
    """Every ``migrate`` leaves the current and next months partitioned, whenever it runs."""
    from django.db import DEFAULT_DB_ALIAS, connections

    from crms.declarations.partitions import ensure_ahead

    if using != DEFAULT_DB_ALIAS:
        return  # ensure_ahead works on the default connection
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT to_regprocedure('crms_version_id(timestamptz)') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return  # migrated backwards, before partitioning
    ensure_ahead()
