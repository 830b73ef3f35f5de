"""``idic survivorship``: show and set which value a merged customer displays."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from idic.identify.models import Customer, SurvivorshipRule
from idic.identify.services import merging
from tests.identify.merge_support import T0, make_customer

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("survivorship", *args, stdout=out)
    return out.getvalue()


def test_listing_shows_the_built_in_rules():
    # given no stored rule / when listed / then every field shows its built-in rule
    lines = _run().splitlines()
    assert any(line.split()[:2] == ["name", "most_trusted_source"] for line in lines)
    assert any(line.split()[:2] == ["address", "most_recent"] for line in lines)
    assert not any(line.startswith("*") for line in lines[:-1])


def test_a_rule_set_here_decides_later_merges():
    # given two records of one person: the older from crm, the newer from web
    a = make_customer(1, name="张伟", source="crm", at=T0)
    b = make_customer(2, name="张玮", source="web", at=T0 + timedelta(days=300))
    # when the name is set to trust web first
    out = _run("name", "most_trusted_source", "--sources", "web,crm")
    assert out.split()[:4] == ["*", "name", "most_trusted_source", "web,crm"]
    # then a merge displays the web name (the built-in ranking would pick crm's)
    merging.merge_customers(customer_ids=[a.pk, b.pk], actor="alice", reason="")
    assert Customer.objects.get(pk=a.pk).name == "张玮"
    # and --default goes back to the built-in rule
    _run("name", "--default")
    assert not SurvivorshipRule.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nme", "most_recent"], "'nme' is not a customer field"),
        (["name", "oldest"], "not one of most_trusted_source, most_recent, most_complete"),
        (["name"], "give a RULE for name, or --default"),
        (["name", "most_trusted_source", "--sources", "a b"], "may hold only letters"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(args, message):
    with pytest.raises(CommandError, match=message) as refused:
        _run(*args)
    assert refused.value.returncode == 2
    assert not SurvivorshipRule.objects.exists()
