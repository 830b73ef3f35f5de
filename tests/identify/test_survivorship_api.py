"""The survivorship rules in the API: every role reads them, only admins change them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from idic.identify.models import Customer, SurvivorshipRule
from idic.identify.services import merging
from tests.identify.api_support import api_as
from tests.identify.merge_support import T0, make_customer

pytestmark = pytest.mark.django_db


def _rule(rows, field):
    return next(r for r in rows if r["field"] == field)


@pytest.mark.parametrize("role", ["admin", "agent", "analyst"])
def test_every_role_reads_the_rules(role):
    # given no stored rule / when any role lists them
    status, rows = api_as(role).get("/survivorship")
    # then each field shows its built-in rule, none overridden
    assert status == 200, rows
    assert _rule(rows, "name") == {
        "field": "name",
        "rule": "most_trusted_source",
        "source_ranking": _rule(rows, "name")["source_ranking"],
        "overridden": False,
    }
    assert _rule(rows, "name")["source_ranking"][0] == "kyc"
    assert _rule(rows, "address")["rule"] == "most_recent"


def test_admin_sets_a_rule_that_decides_the_next_merge_and_resets_it():
    # given two records of one person: the older from crm, the newer (and longer) from web
    a = make_customer(1, name="张伟", source="crm", at=T0)
    b = make_customer(2, name="张伟伟", source="web", at=T0 + timedelta(days=300))
    admin = api_as("admin")
    # when the admin sets the name to the most complete value
    status, row = admin.put("/survivorship/name", {"rule": "most_complete"})
    # then the rule is stored and shown as set by a person
    assert status == 200, row
    assert (row["rule"], row["overridden"]) == ("most_complete", True)
    # and the next merge displays the longer name
    merging.merge_customers(customer_ids=[a.pk, b.pk], actor="t", reason="same")
    assert Customer.objects.get(pk=a.pk).name == "张伟伟"
    # when the admin goes back to the built-in rule
    status, row = admin.delete("/survivorship/name")
    # then the stored rule is gone
    assert status == 200 and row == {**row, "rule": "most_trusted_source", "overridden": False}
    assert not SurvivorshipRule.objects.exists()


def test_a_trusted_source_ranking_is_kept_in_order():
    status, row = api_as("admin").put(
        "/survivorship/company", {"rule": "most_trusted_source", "source_ranking": ["erp", "crm"]}
    )
    assert status == 200, row
    assert row["source_ranking"] == ["erp", "crm"]
    assert SurvivorshipRule.objects.get(field="company").source_ranking == ["erp", "crm"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/survivorship/nickname", {"rule": "most_recent"}, "field"),
        ("/survivorship/name", {"rule": "loudest"}, "rule"),
        ("/survivorship/name", {"rule": "most_recent", "colour": "red"}, "colour"),
        (
            "/survivorship/name",
            {"rule": "most_trusted_source", "source_ranking": ["crm", "bad source!"]},
            "source",
        ),
    ],
)
def test_bad_rules_are_refused_naming_the_field_and_nothing_is_stored(path, body, field):
    status, error = api_as("admin").put(path, body)
    assert status == 422, error
    assert error["field"] == field
    assert not SurvivorshipRule.objects.exists()


@pytest.mark.parametrize("role", ["agent", "analyst"])
def test_only_admins_change_rules(role):
    caller = api_as(role)
    status, error = caller.put("/survivorship/name", {"rule": "most_recent"})
    assert status == 403 and error["code"] == "forbidden"
    status, error = caller.delete("/survivorship/name")
    assert status == 403
    assert not SurvivorshipRule.objects.exists()
