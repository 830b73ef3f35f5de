"""Helpers for the REST API tests: a client that calls as a user of a given role."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from idic.protect import services as protect

# A valid resident ID (check digit 6): born 1963-11-15, female (17th digit even).
ID_NUMBER = "110105196311152766"
ID_MASKED = "110105********2766"
OTHER_ID = "440304198506151237"  # born 1985-06-15, male
BAD_CHECK_ID = "110105196311152765"


class Api:
    """Calls ``/api/...`` with a bearer token; returns (status, JSON body)."""

    def __init__(self, client: Client, token: str | None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **params: Any) -> tuple[int, Any]:
        response = self.client.get("/api" + path, params, headers=self.headers)
        return response.status_code, response.json()

    def post(self, path: str, body: Any) -> tuple[int, Any]:
        data = body if isinstance(body, str) else json.dumps(body)
        response = self.client.post(
            "/api" + path, data, content_type="application/json", headers=self.headers
        )
        return response.status_code, response.json()

    def put(self, path: str, body: Any) -> tuple[int, Any]:
        response = self.client.put(
            "/api" + path, json.dumps(body), content_type="application/json", headers=self.headers
        )
        return response.status_code, response.json()

    def delete(self, path: str) -> tuple[int, Any]:
        response = self.client.delete("/api" + path, headers=self.headers)
        return response.status_code, response.json()

    def patch(self, path: str, body: Any) -> tuple[int, Any]:
        response = self.client.patch(
            "/api" + path, json.dumps(body), content_type="application/json", headers=self.headers
        )
        return response.status_code, response.json()


def user_with_role(role: str | None, username: str = ""):
    """A user with ``role`` (None: a user without any role). No password: the tests sign
    in by token or ``force_login``, and skipping the password hash keeps them fast."""
    name = username or f"{role or 'nobody'}_user"
    user, _ = get_user_model().objects.get_or_create(username=name)
    if role is not None:
        protect.ensure_roles()
        user.groups.set([Group.objects.get(name=role)])
    return user


def api_as(role: str | None, username: str = "") -> Api:
    """A client acting with a fresh token of a user of ``role``."""
    user = user_with_role(role, username)
    return Api(Client(), protect.issue_token(user=user, name="test"))


def new_customer(api: Api, **fields: Any) -> dict[str, Any]:
    body = {"name": "张伟", **fields}
    status, data = api.post("/customers", body)
    assert status == 201, data
    return data
