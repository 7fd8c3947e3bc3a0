"""The OpenAPI schema generates without warnings and is valid OpenAPI."""

import io

from django.core.management import call_command


def test_openapi_schema_is_valid_and_warning_free(db, tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target), stdout=io.StringIO())
    text = target.read_text()
    for path in ("/api/v1/declarations/", "/api/v1/declarations/batch/", "/api/v1/declarations/{mrn}/assessment/"):
        assert path in text
    assert "EntrySummaryDeclaration:" in text and "goods_items" in text


def test_docs_page_renders_swagger_from_local_static_files(client, db):
    from tests.conftest import make_user

    client.force_login(make_user("fr1", "FR", "analyst"))
    html = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in html and "cdn.jsdelivr" not in html
