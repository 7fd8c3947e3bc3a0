"""What changed between ENS versions on the declaration page, ``?compare=1..2`` (issue 14)."""

from __future__ import annotations

import pytest

from crms.declarations.models import Declaration
from crms.declarations.services import amend_declaration
from crms.declarations.version_diff import body_diff, flatten, parse_compare
from tests.conftest import make_user
from tests.declarations import test_pages
from tests.declarations.test_pages import body, page_html

filed = test_pages.filed  # the fixture: three FR declarations and one DE declaration


def test_flatten_and_diff_name_each_changed_leaf():
    before = {"lrn": "A", "goods_items": [{"description": "cars", "hs_code": "950300"}], "routing": ["CN", "FR"]}
    after = {"lrn": "A", "goods_items": [{"description": "trains", "hs_code": "950300"}], "routing": ["CN", "AE"]}
    assert flatten(before)["goods_items[1].description"] == "cars"
    assert body_diff(before, after) == [
        {"path": "goods_items[1].description", "before": "cars", "after": "trains"},
        {"path": "routing", "before": "CN, FR", "after": "CN, AE"},
    ]
    assert body_diff(before, {"lrn": "A"})[0] == {"path": "goods_items[1].description", "before": "cars", "after": "—"}


@pytest.mark.parametrize(
    "typed,pair", [("1..2", (1, 2)), (" 2..1 ", (2, 1)), ("1-2", None), ("a..2", None), ("", None)]
)
def test_parse_compare(typed, pair):
    assert parse_compare(typed) == pair


@pytest.mark.django_db
def test_the_page_shows_what_an_amendment_changed(client, filed):
    declaration = Declaration.objects.get(mrn=filed["FR-1"])
    amended = body("FR-1")
    amended["goods_items"][0]["description"] = "wooden toy trains"
    assert amend_declaration(declaration, amended, user=filed["fr_system"]).status == 201
    analyst = make_user("fr-diff", "FR", "analyst")
    status, html = page_html(client, analyst, f"/declarations/{filed['FR-1']}/?compare=1..2")
    assert status == 200
    assert "<code>goods_items[1].description</code></td><td><del>plastic toy cars" in html
    assert "<ins>wooden toy trains</ins>" in html
    assert "?compare=1..2#version-diff" in html  # the versions list links to it


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["1..9", "x", "1..", "0..1"])
def test_a_bad_compare_is_a_400_naming_it(client, filed, typed):
    status, html = page_html(
        client, make_user("fr-diff", "FR", "analyst"), f"/declarations/{filed['FR-1']}/?compare={typed}"
    )
    assert status == 400
    assert '<p class="flash flash-error" role="alert">compare: ' in html
