from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from crms.accounts.forms import AdminLoginForm
from crms.accounts.models import Organisation, User


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "status", "member_from", "member_to")
    list_filter = ("status",)
    search_fields = ("code", "name")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "organisation", "role", "is_active", "last_login")
    list_filter = ("organisation", "role", "is_active")
    fieldsets = (*DjangoUserAdmin.fieldsets, ("Organisation and role", {"fields": ("organisation", "role")}))
    add_fieldsets = (*DjangoUserAdmin.add_fieldsets, ("Organisation and role", {"fields": ("organisation", "role")}))


# The admin's login counts failures and locks out like /login/ (crms.accounts.throttle).
admin.site.login_form = AdminLoginForm
