from django import forms
from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    """Says plainly when an account exists but its organisation no longer participates."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "no_access": "This account's organisation no longer participates in the platform.",
    }

    def clean(self):
        from crms.accounts.models import User

        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username and password:
            user = User.objects.select_related("organisation").filter(username=username).first()
            if user is not None and user.check_password(password) and not user.has_platform_access():
                raise forms.ValidationError(self.error_messages["no_access"], code="no_access")
        return super().clean()
