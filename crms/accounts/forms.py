from django import forms
from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    """Says plainly when an account exists but its organisation no longer participates."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "no_access": "This account's organisation no longer participates in the platform.",
        "locked": "Too many failed attempts for this account from your address. Try again in a few minutes.",
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
