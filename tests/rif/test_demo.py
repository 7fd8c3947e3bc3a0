"""The demo risk information loads through the real services and is idempotent."""

import pytest

from crms.accounts.demo import load_demo_users
from pca.models import PriorityControlArea
from rif import selectors
from rif.demo import load_demo_rif
from rif.models import CrisisAlert, Rif

pytestmark = pytest.mark.django_db


def test_demo_rifs_crisis_and_pca():
    load_demo_users(password="demo-password-1")
    assert load_demo_rif().startswith("2 RIFs")
    assert load_demo_rif() == "already present"
    assert Rif.objects.filter(status="published").count() == 2
    assert CrisisAlert.objects.count() == 1 and PriorityControlArea.objects.count() == 1
    from crms.accounts.models import User

    overdue = selectors.overdue_follow_ups(User.objects.get(username="eu_commission"))
    assert "DE" in set(overdue.values_list("member_state_id", flat=True))
