import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token

from crms.accounts.models import User
from crms.audit.models import AuditEntry


def run(*args) -> list[str]:
    from io import StringIO

    out = StringIO()
    call_command("add_user", *args, stdout=out)
    return out.getvalue().rstrip("\n").split("\n")


def test_creates_user_with_org_and_role(db):
    run("fr-sys", "--org", "FR", "--role", "national_system")
    user = User.objects.get(username="fr-sys")
    assert (user.organisation_id, user.role) == ("FR", "national_system")
    assert not user.has_usable_password()  # machine account: token only


def test_token_is_last_line_alone_and_stable_across_runs(db):
    first = run("fr-sys", "--org", "FR", "--role", "national_system", "--token")
    token = first[-1]
    assert token == Token.objects.get(user__username="fr-sys").key
    assert len(token) == 40 and token.isalnum()
    second = run("fr-sys", "--org", "FR", "--role", "national_system", "--token")
    assert second[-1] == token


def test_rerun_updates_org_role_and_password(db):
    run("anna", "--org", "FR", "--role", "analyst", "--password", "first-password-1")
    run("anna", "--org", "NL", "--role", "risk_manager", "--password", "second-password-2")
    user = User.objects.get(username="anna")
    assert (user.organisation_id, user.role) == ("NL", "risk_manager")
    assert user.check_password("second-password-2")
    assert User.objects.filter(username="anna").count() == 1


def test_commission_org_code_is_eu(db):
    run("tax", "--org", "EU", "--role", "commission_approver")
    assert User.objects.get(username="tax").organisation.is_commission


@pytest.mark.parametrize(
    "args,message",
    [
        (["--org", "XX", "--role", "analyst"], "--org"),
        (["--org", "EU", "--role", "analyst"], "--role"),
        (["--org", "FR", "--role", "commission"], "--role"),
    ],
)
def test_bad_org_or_role_is_a_clear_error_and_writes_nothing(db, args, message):
    with pytest.raises(CommandError, match=message):
        run("bob", *args)
    assert not User.objects.filter(username="bob").exists()


def test_unknown_role_rejected_by_parser(db):
    with pytest.raises(CommandError):
        run("bob", "--org", "FR", "--role", "boss")


def test_user_changes_are_audited(db):
    run("anna", "--org", "FR", "--role", "analyst")
    run("anna", "--org", "FR", "--role", "risk_manager")
    actions = list(AuditEntry.objects.filter(object_repr="anna").order_by("id").values_list("action", "after"))
    assert actions[0][0] == "user.created"
    assert actions[1] == ("user.updated", {"organisation": "FR", "role": "risk_manager", "is_active": True})


def test_load_demo_creates_one_user_per_role_for_eu_fr_nl_de(db):
    from io import StringIO

    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "password for all" in out.getvalue()
    for org in ("FR", "NL", "DE"):
        assert set(User.objects.filter(organisation_id=org).values_list("role", flat=True)) == {
            "national_system",
            "analyst",
            "risk_manager",
            "auditor",
        }
    assert set(User.objects.filter(organisation_id="EU").values_list("role", flat=True)) == {
        "commission",
        "commission_approver",
        "auditor",
    }
    call_command("load_demo", stdout=StringIO())  # idempotent
    assert User.objects.filter(username="fr_analyst").count() == 1
