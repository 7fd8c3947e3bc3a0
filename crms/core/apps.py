from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "crms.core"
    label = "core"
    verbose_name = "Platform core"

    def ready(self):
        from django.contrib import admin

        from crms.core.admin_dates import window_admin_dates

        window_admin_dates(admin.site)
