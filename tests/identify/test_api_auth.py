"""Who may call the API: bearer tokens, the web session (with CSRF), roles; and the CLI
that makes users and tokens."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone, translation

from idic.api import api
from idic.identify.models import Customer
from idic.protect import services as protect
from idic.protect.models import ApiToken
from tests.identify.api_support import Api, api_as, new_customer, user_with_role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer idic_not-a-real-token"},
        {"Authorization": "Token abc"},
        {"Authorization": "Bearer "},
    ],
    ids=["none", "unknown token", "wrong scheme", "empty token"],
)
def test_missing_or_bad_credentials_are_a_401(headers):
    # given a client with no or bad credentials
    client = Client()
    # when it lists customers
    response = client.get("/api/customers", headers=headers)
    # then 401 with a JSON error saying what to send
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "unauthenticated"
    assert "Bearer" in body["message"] or "token" in body["message"]
    assert response["WWW-Authenticate"] == "Bearer"


def test_revoked_token_is_a_401():
    # given a token that was revoked
    user = user_with_role("agent")
    secret = protect.issue_token(user=user)
    ApiToken.objects.update(revoked_at=timezone.now())
    # when it is used
    status, body = Api(Client(), secret).get("/customers")
    # then 401
    assert (status, body["code"]) == (401, "unauthenticated")


def test_user_without_a_role_is_a_403():
    # given a user in no role group
    api_client = api_as(None, "norole")
    # when they read
    status, body = api_client.get("/customers")
    # then 403 says how to give them a role
    assert (status, body["code"]) == (403, "forbidden")
    assert "--role" in body["message"]


@pytest.mark.parametrize(
    ("role", "method", "path", "body", "allowed"),
    [
        ("analyst", "get", "/customers", None, True),
        ("analyst", "post", "/customers", {"name": "甲"}, False),
        ("analyst", "patch", "/customers/{cid}", {"company": "x"}, False),
        (
            "analyst",
            "post",
            "/customers/{cid}/contact-points",
            {"kind": "email", "value": "a@b.cn"},
            False,
        ),
        (
            "analyst",
            "post",
            "/customers/{cid}/attributes",
            {"name": "hobby", "value": "x", "group": "preference"},
            False,
        ),
        ("agent", "post", "/customers", {"name": "甲"}, True),
        ("agent", "patch", "/customers/{cid}", {"company": "x"}, True),
        (
            "agent",
            "post",
            "/customers/{cid}/identifiers",
            {"kind": "member_card", "value": "M1"},
            False,
        ),
        (
            "agent",
            "post",
            "/customers/{cid}/transactions",
            {"order_id": "1", "ts": "2024-01-01T00:00:00Z", "amount": 1},
            False,
        ),
        (
            "admin",
            "post",
            "/customers/{cid}/identifiers",
            {"kind": "member_card", "value": "M1"},
            True,
        ),
        (
            "admin",
            "post",
            "/customers/{cid}/transactions",
            {"order_id": "1", "ts": "2024-01-01T00:00:00Z", "amount": 1},
            True,
        ),
    ],
)
def test_each_role_may_do_what_its_role_allows(role, method, path, body, allowed):
    # given a customer and a caller of the role
    cid = new_customer(api_as("admin", "owner"))["id"]
    caller = api_as(role)
    # when the caller does the operation
    call = getattr(caller, method)
    args = (path.format(cid=cid),) + ((body,) if body is not None else ())
    status, answer = call(*args)
    # then it is done, or refused with 403 before anything is read from the body
    if allowed:
        assert status in (200, 201), answer
    else:
        assert (status, answer["code"]) == (403, "forbidden")
        assert role in answer["message"]


def test_refused_write_writes_nothing():
    # given an analyst
    analyst = api_as("analyst")
    # when they try to create a customer
    analyst.post("/customers", {"name": "甲"})
    # then there is none
    assert not Customer.objects.exists()


def test_every_operation_requires_authentication_and_names_its_roles():
    # given the OpenAPI schema
    schema = api.get_openapi_schema()
    operations = [op for path in schema["paths"].values() for op in path.values()]
    # then each operation declares both schemes and a non-empty list of known roles
    assert len(operations) >= 15
    for op in operations:
        assert op["security"] == [{"BearerToken": []}, {"SessionCookie": []}], op["operationId"]
        assert op["x-roles"] and set(op["x-roles"]) <= set(protect.ROLES), op["operationId"]
    writes = [op for path in schema["paths"].values() for m, op in path.items() if m != "get"]
    assert all("analyst" not in op["x-roles"] for op in writes)


def test_signed_in_session_can_read_and_write_with_csrf():
    # given an agent signed in to the pages, with CSRF checks on as in a browser
    user = user_with_role("agent", "webagent")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    # when they read, write without the CSRF token, and write with it
    read = client.get("/api/customers")
    body = json.dumps({"name": "会话客户"})
    refused = client.post("/api/customers", body, content_type="application/json")
    client.get("/api/docs")  # any page that renders {% csrf_token %} sets the cookie
    token = client.cookies["csrftoken"].value
    done = client.post(
        "/api/customers", body, content_type="application/json", headers={"X-CSRFToken": token}
    )
    # then reading works, writing needs the token
    assert read.status_code == 200
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    assert done.status_code == 201, done.json()
    assert list(Customer.objects.values_list("name", flat=True)) == ["会话客户"]


def test_session_of_a_role_that_may_not_write_is_a_403():
    # given an analyst signed in
    client = Client()
    client.force_login(user_with_role("analyst", "webanalyst"))
    # when they write
    response = client.post("/api/customers", {"name": "甲"}, content_type="application/json")
    # then 403
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_user_create_prints_a_generated_password_that_signs_in():
    # given no user / when created without a password
    out = io.StringIO()
    call_command("user_create", "zhang", "--role", "agent", stdout=out)
    # then the printed password (last line, after the colon) is theirs and the role is set
    password = re.split("[:：] *", out.getvalue().strip().splitlines()[-1])[-1]
    client = Client()
    assert client.login(username="zhang", password=password)
    from django.contrib.auth import get_user_model

    assert protect.role_of(get_user_model().objects.get(username="zhang")) == "agent"


def test_user_create_with_password_does_not_print_it_and_rejects_unknown_roles():
    # given a chosen password / when a user is created with it
    out = io.StringIO()
    call_command("user_create", "li", "--role", "analyst", "--password", "s3cret-pass", stdout=out)
    # then the password is not echoed
    assert "s3cret-pass" not in out.getvalue()
    # and an unknown role is refused
    with pytest.raises(CommandError):
        call_command("user_create", "wang", "--role", "boss", stdout=io.StringIO())


def test_token_create_prints_a_token_the_api_accepts():
    # given a user
    call_command(
        "user_create", "ann", "--role", "analyst", "--password", "pw-12345678", stdout=io.StringIO()
    )
    out, err = io.StringIO(), io.StringIO()
    # when a token is created
    with translation.override("en"):
        call_command("token_create", "ann", stdout=out, stderr=err)
    token = out.getvalue().strip()
    # then stdout holds only the token, stored as a digest, and it works
    assert token.startswith("idic_")
    assert not ApiToken.objects.filter(digest=token).exists()
    assert "once" in err.getvalue()
    status, _ = Api(Client(), token).get("/customers")
    assert status == 200


def test_token_create_for_unknown_user_says_how_to_create_one():
    # given no such user / when a token is asked for / then the error names the fix
    with pytest.raises(CommandError, match="user create ghost"):
        call_command("token_create", "ghost", stdout=io.StringIO())
