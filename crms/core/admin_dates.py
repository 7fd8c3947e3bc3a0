"""The admin's date fields within a window too (``crms.core.dates``), like every other form's.

The admin builds its forms from the models, so there is no form class to change: every registered
``ModelAdmin`` (and every inline, created per request from the defaults) gets window fields instead of
Django's. The admin edits reference records as well (participation since 1958), hence its own window.
"""

from __future__ import annotations

from django import forms
from django.contrib.admin import options, widgets
from django.db import models

from crms.core.dates import ADMIN, WindowDateField


class WindowSplitDateTimeField(forms.SplitDateTimeField):
    """The admin's date and time inputs, within ``window``."""

    def __init__(self, *args, window, **kwargs):
        super().__init__(*args, **kwargs)
        self.window = window

    def clean(self, value):
        moment = super().clean(value)
        if moment is not None and not self.window.admits(moment):
            raise forms.ValidationError(self.window.rule(european=True), code="out_of_range")
        return moment


OVERRIDES = {
    models.DateField: {"form_class": WindowDateField, "widget": widgets.AdminDateWidget, "window": ADMIN},
    models.DateTimeField: {
        "form_class": WindowSplitDateTimeField,
        "widget": widgets.AdminSplitDateTime,
        "window": ADMIN,
    },
}


def window_admin_dates(site) -> None:
    """Called once the admin has registered every model (``CoreConfig.ready``)."""
    for field_class, values in OVERRIDES.items():
        options.FORMFIELD_FOR_DBFIELD_DEFAULTS.setdefault(field_class, {}).update(values)  # inlines, later admins
        for model_admin in site._registry.values():
            model_admin.formfield_overrides.setdefault(field_class, {}).update(values)
