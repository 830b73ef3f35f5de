"""Shared fixtures. The database under test is the one DATABASE_URL names
(SQLite by default; `make test` runs the suite again on PostgreSQL)."""

from __future__ import annotations

import pytest


@pytest.fixture
def viewer_factory():
    from idic.protect.services import Viewer

    def make(role: str = "admin", username: str = "tester"):
        return Viewer(username=username, role=role)

    return make
