"""Fixtures of the page tests: signed-in clients per role and sample customers."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from idic.protect import services as protect
from tests.web.sample_customers import PASSWORD, build_organisation, build_zhang_wei


@pytest.fixture
def users(db, settings):
    """One user per role, and one user without a role (with a fast hasher: tests only)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    made = {
        role: protect.create_user(username=role, password=PASSWORD, role=role)
        for role in protect.ROLES
    }
    made["norole"] = get_user_model().objects.create_user(username="norole", password=PASSWORD)
    return made


@pytest.fixture
def signed_in(client, users):
    """``signed_in("analyst")`` → the test client signed in as that role's user."""

    def sign_in(role: str):
        client.force_login(users[role])
        return client

    return sign_in


@pytest.fixture
def zhang_wei(db):
    return build_zhang_wei()


@pytest.fixture
def organisation(zhang_wei):
    return build_organisation(zhang_wei)
