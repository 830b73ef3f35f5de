"""The ``idic`` front: grouped verbs map onto management commands."""

import pytest

from idic.cli import translate


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["import", "customers", "f.csv", "--dry-run"], ["import_customers", "f.csv", "--dry-run"]),
        (["export", "identities"], ["export_identities"]),
        (["token", "create", "ann"], ["token_create", "ann"]),
        (["import", "--help"], ["import", "--help"]),
        (["init"], ["init"]),
        (["demo", "--customers", "10"], ["demo", "--customers", "10"]),
    ],
)
def test_translate(argv, expected):
    assert translate(argv) == expected
