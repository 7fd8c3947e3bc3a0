"""Cached token authentication (issue 17) with revocation still immediate.

The invariant, over every way an API caller's standing can change: a request right after the
change is answered as the new state says, in the same process that had the token cached, both
when the change commits and inside a transaction. The list of changes is enumerated; the models
whose changes bump the generation are pinned, so a new input to authentication needs a row here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from rest_framework.authtoken.models import Token

from crms.accounts import authentication
from crms.accounts.models import Organisation, User
from crms.accounts.services import revoke_token
from tests.conftest import make_user
from tests.risk_engine.conftest import api_client, make_ens

pytestmark = pytest.mark.django_db


def _revoke(user: User) -> None:
    revoke_token(actor=None, user=user)


def _deactivate(user: User) -> None:
    user.is_active = False
    user.save()


def _demote(user: User) -> None:
    user.role = "analyst"
    user.save()


def _org_leaves(user: User) -> None:
    organisation = user.organisation
    organisation.member_to = timezone.localdate() - dt.timedelta(days=1)
    organisation.save()


def _moved(user: User) -> None:
    user.organisation = Organisation.objects.get(code="NL")
    user.save()


# change -> what a filing by the national system's token gets right after it
CHANGES: dict[str, tuple[Callable[[User], None], set[int]]] = {
    "token revoked": (_revoke, {401}),
    "user deactivated": (_deactivate, {401}),
    "role changed to analyst": (_demote, {403}),
    "organisation no longer participates": (_org_leaves, {401, 403}),
    "user moved to another Member State": (_moved, {403}),  # an FR office filed by an NL system: not its own
}


def _file(client) -> int:
    return client.post("/api/v1/declarations/", make_ens(), format="json").status_code


@pytest.mark.parametrize("change", list(CHANGES))
@pytest.mark.parametrize("committed", [True, False], ids=["after-commit", "in-transaction"])
def test_the_next_request_after_a_change_sees_it(reference_data, change, committed, django_capture_on_commit_callbacks):
    user = make_user("cache_fr_system", "FR", "national_system")
    client = api_client(user)
    assert _file(client) == 201  # the token is now cached in this process
    assert client.get("/api/v1/me/").status_code == 200
    act, expected = CHANGES[change]
    with django_capture_on_commit_callbacks(execute=committed):
        act(User.objects.get(pk=user.pk))
    assert _file(client) in expected, change


def test_a_cached_token_spares_the_database(reference_data, django_assert_max_num_queries):
    user = make_user("cache_fr_reader", "FR", "analyst")
    client = api_client(user)
    authentication.forget()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        assert client.get("/api/v1/me/").status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert client.get("/api/v1/me/").status_code == 200
    assert len(second) <= len(first) - 2  # token + user, organisation: not asked again


def test_redis_down_authenticates_from_the_database_and_trusts_nothing_cached(reference_data, monkeypatch):
    user = make_user("cache_fr_down", "FR", "national_system")
    client = api_client(user)
    assert client.get("/api/v1/me/").status_code == 200  # cached

    def down(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(authentication.cache, "get", down)
    assert client.get("/api/v1/me/").status_code == 200  # from the database
    assert not authentication._entries
    Token.objects.filter(user=user).delete()
    assert client.get("/api/v1/me/").status_code == 401


def test_a_lost_generation_matches_no_cached_entry(reference_data):
    user = make_user("cache_fr_flush", "FR", "national_system")
    client = api_client(user)
    assert client.get("/api/v1/me/").status_code == 200
    before = authentication.current_generation()
    authentication.cache.delete(authentication.GENERATION_KEY)  # Redis flushed or the key evicted
    after = authentication.current_generation()
    assert after is not None and after != before


def test_the_generation_follows_every_model_authentication_reads():
    """Authentication reads the token, its user and the user's organisation: saving or deleting any of
    them must bump the generation. A new model read by authentication needs a row here."""
    for model in (Token, User, Organisation):
        for signal in (post_save, post_delete):
            receivers = signal._live_receivers(model)
            receivers = receivers[0] if isinstance(receivers, tuple) else receivers
            assert authentication.accounts_changed in receivers, (model.__name__, signal)
