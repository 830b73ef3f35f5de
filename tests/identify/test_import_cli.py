"""The import and export commands as a person runs them."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from idic.cli import translate
from idic.identify.models import Customer
from tests.identify.import_files import CUSTOMER_HEADER, LI, ZHANG, table_counts, write_csv

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    # the messages are translated; these tests read the English ones
    with translation.override("en"):
        yield


def _call(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_idic_import_maps_to_the_command():
    # given the idic verb / then it names the management command
    assert translate(["import", "customers", "f.csv", "--dry-run"]) == [
        "import_customers",
        "f.csv",
        "--dry-run",
    ]


def test_import_prints_a_summary(tmp_path):
    # given a good file
    path = write_csv(tmp_path / "c.csv", CUSTOMER_HEADER, [ZHANG, LI])
    # when imported from the command line
    out, _ = _call("import_customers", str(path))
    # then the summary gives the counts
    assert "succeeded" in out and "2 rows, 2 created" in out
    assert Customer.objects.count() == 2


def test_dry_run_from_the_command_line_writes_nothing(tmp_path):
    path = write_csv(tmp_path / "c.csv", CUSTOMER_HEADER, [ZHANG])
    before = table_counts()
    out, _ = _call("import_customers", str(path), "--dry-run")
    assert "dry_run" in out
    assert table_counts() == before


def test_rejected_file_prints_errors_writes_them_out_and_fails(tmp_path):
    # given 60 rows with a bad phone
    rows = [{**LI, "source_id": f"S{i}", "phone": "42"} for i in range(60)]
    path = write_csv(tmp_path / "c.csv", CUSTOMER_HEADER, rows)
    errors_out = tmp_path / "errors.csv"
    out, err = io.StringIO(), io.StringIO()
    # when imported
    with pytest.raises(CommandError) as failure:
        call_command(
            "import_customers", str(path), "--errors-out", str(errors_out), stdout=out, stderr=err
        )
    # then the command fails, shows the first 50 errors and writes all of them
    assert failure.value.returncode == 2
    assert "nothing was written" in str(failure.value)
    screen = err.getvalue()
    assert "2\tphone\t'42'" in screen
    assert "10 more errors" in screen
    with open(errors_out, encoding="utf-8-sig") as fh:
        written = list(csv.DictReader(fh))
    assert len(written) == 60
    assert written[0]["row"] == "2" and written[0]["column"] == "phone"
    assert Customer.objects.count() == 0


def test_oversized_file_is_refused_from_the_command_line(tmp_path):
    path = write_csv(tmp_path / "c.csv", CUSTOMER_HEADER, [ZHANG])
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_customers", str(path), "--max-bytes", "5", stdout=io.StringIO(), stderr=err
        )
    assert "larger than the limit" in err.getvalue()


def test_export_commands_write_csv_files(tmp_path):
    # given two imported customers
    _call("import_customers", str(write_csv(tmp_path / "c.csv", CUSTOMER_HEADER, [ZHANG, LI])))
    # when both exports run
    _call("export_customers", "--out", str(tmp_path / "customers.csv"), "--role", "admin")
    _call("export_identities", "--out", str(tmp_path / "ids.csv"))
    # then the files hold one row per customer / record
    with open(tmp_path / "customers.csv", encoding="utf-8-sig") as fh:
        customers = list(csv.DictReader(fh))
    with open(tmp_path / "ids.csv", encoding="utf-8-sig") as fh:
        ids = list(csv.DictReader(fh))
    assert {c["name"] for c in customers} == {"张伟", "李娜"}
    assert {(i["source"], i["source_id"]) for i in ids} == {("crm", "C001"), ("shop", "S001")}


def test_export_with_an_unknown_role_fails():
    with pytest.raises(CommandError, match="unknown role"):
        _call("export_customers", "--role", "boss")
