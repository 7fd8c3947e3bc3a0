from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class ThrottledLogin:
    """Every way to log in with a password (``/login/`` and the admin's login) counts failures per username and
    address and locks them out alike (``crms.accounts.throttle``); says plainly when an account exists but its
    organisation no longer participates."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "no_access": _("This account's organisation no longer participates in the platform."),
        "locked": _("Too many failed attempts for this account from your address. Try again in a few minutes."),
    }

    def clean(self):
        from crms.accounts import throttle
        from crms.accounts.models import User

        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        address = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        if username and throttle.locked_out(username, address):
            raise forms.ValidationError(self.error_messages["locked"], code="locked")
        if username and password:
            user = User.objects.select_related("organisation").filter(username=username).first()
            if user is not None and user.check_password(password) and not user.has_platform_access():
                raise forms.ValidationError(self.error_messages["no_access"], code="no_access")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if username:
                throttle.record_failure(username, address)
            raise
        throttle.clear(username, address)
        return cleaned


class LoginForm(ThrottledLogin, AuthenticationForm):
    pass


class AdminLoginForm(ThrottledLogin, AdminAuthenticationForm):
    """The admin's login: staff only (Django's rule), throttled like ``/login/`` (it was not)."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        **{key: ThrottledLogin.error_messages[key] for key in ("no_access", "locked")},
    }
