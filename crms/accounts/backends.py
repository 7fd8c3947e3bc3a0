"""Session login refuses users whose organisation no longer participates (e.g. the UK after 2020)."""

from django.contrib.auth.backends import ModelBackend


class ParticipantModelBackend(ModelBackend):
    def user_can_authenticate(self, user) -> bool:
        # Also consulted by get_user(), so an open session ends when access ends.
        return super().user_can_authenticate(user) and user.has_platform_access()
