import pytest
from django.core.exceptions import ImproperlyConfigured

from crms.env import celery_broker_url, env_bool, env_int, env_list, env_str, parse_database_url, parse_redis_url


@pytest.mark.parametrize("value,expected", [("true", True), ("1", True), ("ON", True), ("no", False), ("0", False)])
def test_env_bool_reads_usual_spellings(value, expected):
    assert env_bool("DEBUG", not expected, environ={"DEBUG": value}) is expected


@pytest.mark.parametrize("value", ["ture", "2", "enabled"])
def test_env_bool_rejects_anything_else_naming_the_variable(value):
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        env_bool("DEBUG", False, environ={"DEBUG": value})


def test_env_bool_default_when_unset_or_blank():
    assert env_bool("DEBUG", True, environ={}) is True
    assert env_bool("DEBUG", False, environ={"DEBUG": "  "}) is False


def test_env_int_rejects_text_and_out_of_range():
    assert env_int("N", 5, environ={"N": "12"}) == 12
    with pytest.raises(ImproperlyConfigured, match="N must be a whole number"):
        env_int("N", 5, environ={"N": "twelve"})
    with pytest.raises(ImproperlyConfigured, match="at least 30"):
        env_int("N", 60, minimum=30, environ={"N": "10"})
    with pytest.raises(ImproperlyConfigured, match="at most 9"):
        env_int("N", 1, maximum=9, environ={"N": "10"})


def test_env_str_required_without_default():
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY must be set"):
        env_str("SECRET_KEY", environ={})
    assert env_str("SECRET_KEY", "x", environ={}) == "x"


def test_env_list_splits_and_trims():
    assert env_list("HOSTS", [], environ={"HOSTS": "a.eu, b.eu,,"}) == ["a.eu", "b.eu"]
    assert env_list("HOSTS", ["d"], environ={}) == ["d"]


def test_database_url_tcp_and_unix_socket():
    tcp = parse_database_url("DATABASE_URL", "postgres://crms:s%40cret@db:5433/crms?sslmode=require")
    assert (tcp.user, tcp.password, tcp.host, tcp.port, tcp.name) == ("crms", "s@cret", "db", "5433", "crms")
    assert tcp.options == {"sslmode": "require"}
    sock = parse_database_url("DATABASE_URL", "postgresql://postgres:@/crms?host=/work/var/pgdata")
    assert (sock.host, sock.name, sock.options) == ("/work/var/pgdata", "crms", {})


@pytest.mark.parametrize("url", ["mysql://x/y", "postgres://host", "postgres://host:notaport/db"])
def test_database_url_rejects_bad_values(url):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        parse_database_url("DATABASE_URL", url)


def test_redis_url_checked_and_translated_for_celery():
    assert parse_redis_url("REDIS_URL", "redis://r:6379/0") == "redis://r:6379/0"
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL"):
        parse_redis_url("REDIS_URL", "http://r:6379")
    assert celery_broker_url("unix:///v/redis.sock?db=0") == "redis+socket:///v/redis.sock?db=0"
    assert celery_broker_url("redis://r:6379/0") == "redis://r:6379/0"


def test_settings_module_fails_loudly_on_bad_env():
    """Importing the settings with a bad value stops the process, naming the variable."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "DEBUG": "maybe"}
    result = subprocess.run(
        [sys.executable, "-c", "import crms.settings"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


def test_deploy_check_is_clean_with_debug_off_and_a_secret():
    import os
    import subprocess
    import sys

    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DEBUG": "false",
        "SECRET_KEY": "x" * 60 + "-deploy-check-key-with-enough-entropy-AbCdEf",
        "ALLOWED_HOSTS": "crms.example.eu",
        "SECURE_HTTPS": "true",
        "STATICFILES_MANIFEST": "true",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
