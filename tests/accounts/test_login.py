"""Session login and token authentication, including former participants (the UK after 2020)."""

from rest_framework.authtoken.models import Token

from tests.conftest import make_user


def test_active_member_state_user_logs_in(client, db):
    make_user("fr1", "FR", "analyst", password="right-password-1")
    response = client.post("/login/", {"username": "fr1", "password": "right-password-1"})
    assert response.status_code == 302 and response.url == "/"
    assert client.get("/").status_code == 200


def test_wrong_password_is_refused(client, db):
    make_user("fr1", "FR", "analyst", password="right-password-1")
    response = client.post("/login/", {"username": "fr1", "password": "wrong"})
    assert response.status_code == 200
    assert client.get("/").status_code == 302


def test_uk_user_is_refused_login_with_a_clear_message(client, db):
    make_user("uk1", "GB", "analyst", password="right-password-1")
    response = client.post("/login/", {"username": "uk1", "password": "right-password-1"})
    assert response.status_code == 200
    assert "no longer participates" in response.content.decode()
    assert client.get("/").status_code == 302


def test_uk_user_open_session_ends(client, db):
    user = make_user("uk1", "GB", "analyst")
    client.force_login(user)
    assert client.get("/").status_code == 302  # get_user() refuses: back to login


def test_uk_token_is_refused(client, db):
    user = make_user("uk-sys", "GB", "national_system")
    token = Token.objects.create(user=user)
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 401
    assert "no longer has access" in response.json()["errors"][0]["message"]


def test_token_identifies_org_and_role(client, db):
    user = make_user("fr-sys", "FR", "national_system")
    token = Token.objects.create(user=user)
    body = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}").json()
    assert body == {
        "username": "fr-sys",
        "organisation": "FR",
        "organisation_name": "France",
        "role": "national_system",
    }


def test_api_without_credentials_is_401_in_contract_format(client, db):
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["errors"][0]["field"] is None


def test_bad_token_is_401(client, db):
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token not-a-real-token")
    assert response.status_code == 401


def test_logout_needs_post_and_ends_session(client, db):
    client.force_login(make_user("fr1", "FR", "analyst"))
    client.post("/logout/")
    assert client.get("/").status_code == 302
