from django.contrib import admin

from crms.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the admin can browse the log but offers no add, change or delete."""

    list_display = ("at", "actor_username", "organisation_code", "action", "object_type", "object_repr")
    list_filter = ("action", "organisation_code", "object_type")
    search_fields = ("actor_username", "object_id", "object_repr")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
