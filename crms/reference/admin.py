from django.contrib import admin

from crms.reference.models import Country, CustomsOffice, ExchangeRate, HsCode, HsSection, RiskArea, VagueGoodsTerm


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ("iso2", "iso3", "name", "region", "currency")
    list_filter = ("region",)
    search_fields = ("iso2", "iso3", "name")


@admin.register(CustomsOffice)
class CustomsOfficeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "member_state", "unlocode", "border_type", "roles")
    list_filter = ("member_state", "border_type")
    search_fields = ("code", "name", "unlocode")

    def get_readonly_fields(self, request, obj=None):
        """An existing office keeps its Member State: declarations' Member State of first entry is their
        office's (a database key), so moving it would fail or re-scope them (crms.reference.loader)."""
        return ("code", "member_state") if obj is not None else ()


@admin.register(HsSection)
class HsSectionAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "position")


@admin.register(HsCode)
class HsCodeAdmin(admin.ModelAdmin):
    list_display = ("code", "level", "description", "section")
    list_filter = ("level", "section")
    search_fields = ("code", "description")
    raw_id_fields = ("parent",)


@admin.register(RiskArea)
class RiskAreaAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "examples")


@admin.register(VagueGoodsTerm)
class VagueGoodsTermAdmin(admin.ModelAdmin):
    list_display = ("term",)
    search_fields = ("term",)


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ("currency", "per_eur", "as_of")
