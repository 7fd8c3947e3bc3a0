"""API token authentication with the same participation rule as the session login."""

from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


class ParticipantTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if not user.has_platform_access():
            raise AuthenticationFailed("This account's organisation no longer has access to the platform.")
        return user, token
