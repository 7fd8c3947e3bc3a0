"""Saved queue filters (issue 14): per user, named, normalised to the queue's own parameters; a clear
message naming the problem for a bad name; nobody lists or deletes another's."""

from __future__ import annotations

import pytest

from tests.workbench.test_queue import browser
from workbench.models import SavedQueueFilter

pytestmark = pytest.mark.django_db


def test_save_open_and_delete_a_filter(people):
    analyst = people["fr_analyst"]
    client = browser(analyst)
    response = client.post(
        "/workbench/filters/", {"name": "  Sea   by arrival ", "query": "mode=sea&sort=arrival&page=3&evil=1"}
    )
    assert response.status_code == 302 and response["Location"] == "/workbench/?mode=sea&sort=arrival"
    saved = SavedQueueFilter.objects.get(user=analyst)
    assert (saved.name, saved.query) == ("Sea by arrival", "mode=sea&sort=arrival")
    page = client.get(response["Location"]).content.decode()
    assert "Filter “Sea by arrival” saved." in page
    assert '<a href="/workbench/?mode=sea&amp;sort=arrival" aria-current="true">Sea by arrival</a>' in page
    # the same name overwrites
    client.post("/workbench/filters/", {"name": "Sea by arrival", "query": "mode=sea"})
    assert list(SavedQueueFilter.objects.filter(user=analyst).values_list("query", flat=True)) == ["mode=sea"]
    assert client.post(f"/workbench/filters/{saved.pk}/delete/").status_code == 302
    assert not SavedQueueFilter.objects.filter(user=analyst).exists()


def test_saved_filters_are_per_user(people):
    mine = SavedQueueFilter.objects.create(user=people["fr_analyst"], name="Arrivals of mine", query="mine=1")
    colleague = browser(people["fr_analyst_2"])
    assert "Arrivals of mine" not in colleague.get("/workbench/").content.decode().split('id="queue"')[0]
    assert colleague.post(f"/workbench/filters/{mine.pk}/delete/").status_code == 404
    assert SavedQueueFilter.objects.filter(pk=mine.pk).exists()


def test_a_filter_without_a_name_is_refused_in_plain_words(people):
    client = browser(people["fr_analyst"])
    response = client.post("/workbench/filters/", {"name": "   ", "query": "mode=air"}, follow=True)
    assert response.status_code == 200
    assert "Give the filter a name." in response.content.decode()
    assert response.redirect_chain[-1][0] == "/workbench/?mode=air"
    assert not SavedQueueFilter.objects.exists()


def test_only_queue_users_save_filters(people):
    response = browser(people["commission"]).post("/workbench/filters/", {"name": "x", "query": ""})
    assert response.status_code in (302, 403, 404)
    assert not SavedQueueFilter.objects.exists()
