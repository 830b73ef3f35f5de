"""A first load into SQLite goes through a rollback journal, not the write-ahead log.

Run in a child process on a database file of its own: the test database is in memory
(no journal to switch) and the tests run inside transactions (no switch is allowed
there); it does so on the PostgreSQL run of the suite too. The child reports the journal mode each batch was written under, the mode
after the import, and what the tables hold.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.identify.import_files import CUSTOMER_HEADER, LI, ZHANG, write_csv

CHILD = r"""
import json, os, sqlite3, sys

import django

django.setup()
from django.core.management import call_command
from django.db import connection

from idic.identify.models import ContactPoint, Customer, SourceRecord
from idic.identify.services import import_customers, imports

call_command("migrate", interactive=False, verbosity=0)
database = connection.settings_dict["NAME"]
steps = json.loads(sys.argv[1])
seen = []
real_write = import_customers.CustomerWriter.write


def write(self, batch):
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        seen.append(cursor.fetchone()[0])
    if os.environ.get("IDIC_TEST_FAIL_WRITE"):
        real_write(self, batch)
        raise OSError("the disk is full")
    return real_write(self, batch)


import_customers.CustomerWriter.write = write
out = []
for step in steps:
    seen.clear()
    other = None
    if step.get("hold"):  # another connection that has read the database
        other = sqlite3.connect(database)
        other.execute("SELECT COUNT(*) FROM identify_customer").fetchall()
    if step.get("fail"):
        os.environ["IDIC_TEST_FAIL_WRITE"] = "1"
    report = imports.import_file(kind="customers", path=step["file"])
    os.environ.pop("IDIC_TEST_FAIL_WRITE", None)
    if other is not None:
        other.close()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        after = cursor.fetchone()[0]
        cursor.execute("PRAGMA integrity_check")
        integrity = cursor.fetchone()[0]
    out.append(
        {
            "status": report.status,
            "written_under": list(seen),
            "after": after,
            "integrity": integrity,
            "records": SourceRecord.objects.count(),
            "customers": Customer.objects.count(),
            "contacts": ContactPoint.objects.count(),
            "journal_left": os.path.exists(database + "-journal"),
        }
    )
print(json.dumps(out))
"""


def _import_in_child(tmp_path: Path, steps: list[dict]) -> list[dict]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'idic.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "idic.settings",
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(steps)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _file(tmp_path: Path, name: str, rows: list[dict]) -> str:
    return str(write_csv(tmp_path / name, CUSTOMER_HEADER, rows))


def test_a_first_load_is_written_once_and_the_log_comes_back(tmp_path):
    # given an empty database and two files
    first = _file(tmp_path, "first.csv", [ZHANG, LI])
    second = _file(tmp_path, "second.csv", [{**LI, "source_id": "S002", "name": "王芳"}])
    # when the first is imported, then the second
    loads = _import_in_child(tmp_path, [{"file": first}, {"file": second}])
    # then the first load was written through a rollback journal, and the write-ahead
    # log is on again afterwards
    assert loads[0]["status"] == "succeeded"
    assert loads[0]["written_under"] == ["delete"]
    assert loads[0]["after"] == "wal" and loads[0]["integrity"] == "ok"
    assert (loads[0]["records"], loads[0]["customers"]) == (2, 2)
    # and the second, into tables no longer empty, kept the log throughout
    assert loads[1]["status"] == "succeeded"
    assert loads[1]["written_under"] == ["wal"]
    assert loads[1]["after"] == "wal" and loads[1]["records"] == 3


def test_a_first_load_that_fails_while_writing_leaves_nothing(tmp_path):
    # given a first load whose writing fails after its batch is written
    path = _file(tmp_path, "c.csv", [ZHANG, LI])
    # when it is imported
    (load,) = _import_in_child(tmp_path, [{"file": path, "fail": True}])
    # then the journal put back the empty database: nothing written, no journal left,
    # and the log on again
    assert load["status"] == "failed"
    assert load["written_under"] == ["delete"]
    assert (load["records"], load["customers"], load["contacts"]) == (0, 0, 0)
    assert not load["journal_left"]
    assert load["after"] == "wal" and load["integrity"] == "ok"


def test_a_first_load_beside_another_connection_keeps_the_log(tmp_path):
    # given another connection that has the database open
    path = _file(tmp_path, "c.csv", [ZHANG, LI])
    # when a first load is imported meanwhile
    (load,) = _import_in_child(tmp_path, [{"file": path, "hold": True}])
    # then it is written through the log (switching would have to wait for the other
    # connection), at once and whole
    assert load["status"] == "succeeded"
    assert load["written_under"] == ["wal"]
    assert load["after"] == "wal" and load["records"] == 2
