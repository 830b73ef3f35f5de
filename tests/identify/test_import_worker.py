"""Reading an import file in a worker process: the same database, the same report, whole or
nothing, as reading it in the importing process."""

from __future__ import annotations

import os
import threading
import time

import pytest

from idic.identify.importing import customer_rows
from idic.identify.models import (
    AttributeValue,
    ContactPoint,
    Customer,
    Identifier,
    KeyPerson,
    SourceRecord,
)
from idic.identify.services import import_customers, import_worker, imports
from idic.identify.services.import_new_customers import NewRecords
from idic.protect import services as protect
from tests.identify.import_files import CUSTOMER_HEADER, LI, ZHANG, table_counts, write_csv

pytestmark = pytest.mark.django_db

HEADER = [*CUSTOMER_HEADER, "party_type", "org_source_id", "key_role", "attr.preference.colour"]
ORG = {"source": "shop", "source_id": "ORG1", "name": "华信科技有限公司", "party_type": "企业"}
CREATED = "2024-03-01 10:00"  # from the file, so both runs of a file agree on every time


def _rows(count: int) -> list[dict]:
    rows = [{**ORG, "created_at": CREATED}, ZHANG]
    for i in range(count):
        rows.append(
            {
                **LI,
                "created_at": CREATED,
                "source_id": f"S{i:03d}",
                "phone": f"1391234{i:04d}",
                "attr.preference.colour": "红" if i % 2 else "",
                "org_source_id": "ORG1" if i % 5 == 0 else "",
                "key_role": "采购" if i % 10 == 0 else "",
            }
        )
    return rows


@pytest.fixture
def spied_worker(monkeypatch):
    """Every file goes to a worker process; the list counts the workers started."""
    started: list[int] = []
    real = import_worker.chunks_from_worker

    def counting(read):
        started.append(1)
        return real(read)

    monkeypatch.setattr(import_worker, "chunks_from_worker", counting)
    _through_worker(monkeypatch)
    return started


def _through_worker(monkeypatch):
    monkeypatch.setattr(imports, "WORKER_MIN_BYTES", 0)
    # the suite may run threads of its own (a Spark gateway); this code forks safely anyway
    monkeypatch.setattr(import_worker, "can_fork", lambda: True)


def _in_process(monkeypatch):
    monkeypatch.setattr(imports, "WORKER_MIN_BYTES", 1 << 60)


def _import(path):
    return imports.import_file(kind="customers", path=path, actor="tester")


def _content() -> dict[str, list[tuple]]:
    """Everything the imports wrote, keyed by source records instead of row ids, and
    without the times of the import itself (the two runs happen at different moments)."""
    key = {
        sr.customer_id: f"{sr.source}:{sr.source_id}" for sr in SourceRecord.objects.order_by("id")
    }
    return {
        "customers": sorted(
            (
                *(key[c.id], c.party_type, c.kind, c.status, c.name, c.name_key, c.gender),
                *(c.birth_date, c.province, c.city, c.address, c.company, c.title, c.created_at),
            )
            for c in Customer.objects.all()
        ),
        "records": sorted((key[r.customer_id], r.payload) for r in SourceRecord.objects.all()),
        "contacts": sorted(
            (key[p.customer_id], p.kind, p.value, p.raw_value, p.is_current)
            for p in ContactPoint.objects.all()
        ),
        "identifiers": sorted(
            (
                *(key[i.customer_id], i.kind, i.issuer, i.value, i.digest, i.masked),
                protect.unseal_value(i.ciphertext) if i.ciphertext else "",
            )
            for i in Identifier.objects.all()
        ),
        "attributes": sorted(
            (
                *(key[a.customer_id], a.group, a.name, a.value, a.source, a.collected_at),
                *(a.confidence, a.superseded_at is None),
            )
            for a in AttributeValue.objects.all()
        ),
        "key_persons": sorted(
            (key[k.organisation_id], key[k.person_id], k.role, k.title)
            for k in KeyPerson.objects.all()
        ),
    }


def _forget_everything() -> None:
    KeyPerson.objects.all().delete()
    AttributeValue.objects.all().delete()
    Identifier.objects.all().delete()
    ContactPoint.objects.all().delete()
    SourceRecord.objects.all().delete()
    Customer.objects.all().delete()


def _counts(report) -> tuple:
    return (report.status, report.rows, report.created, report.updated, report.unchanged)


def test_worker_writes_what_the_importing_process_writes(tmp_path, monkeypatch):
    # given a first file and a second one that changes, adds and repeats records,
    # read in small batches so several chunks travel from the worker
    monkeypatch.setattr(imports, "BATCH", 4)
    first = write_csv(tmp_path / "first.csv", HEADER, _rows(12))
    changed = [
        {**r, "city": "杭州市"} if r["source_id"] in {"C001", "S003"} else r for r in _rows(15)
    ]
    second = write_csv(tmp_path / "second.csv", HEADER, changed)
    # when both are imported in the importing process, and again through the worker
    _in_process(monkeypatch)
    local = [_counts(_import(first)), _counts(_import(second))]
    expected = _content()
    _forget_everything()
    _through_worker(monkeypatch)
    started: list[int] = []
    real = import_worker.chunks_from_worker
    monkeypatch.setattr(
        import_worker, "chunks_from_worker", lambda read: started.append(1) or real(read)
    )
    remote = [_counts(_import(first)), _counts(_import(second))]
    # then the worker ran for both files, and the reports and the database agree
    assert started == [1, 1]
    assert remote == local
    assert local[0] == ("succeeded", 14, 14, 0, 0)
    assert local[1][:3] == ("succeeded", 17, 3)
    assert _content() == expected


def test_a_bad_row_in_the_middle_rolls_back_batches_the_worker_fed(
    tmp_path, monkeypatch, spied_worker
):
    # given batches of two and a bad email on the ninth data row of twenty
    monkeypatch.setattr(imports, "BATCH", 2)
    rows = [{**LI, "source_id": f"S{i}"} for i in range(20)]
    rows[8] = {**rows[8], "email": "not-an-email"}
    written: list[int] = []
    real = import_customers.CustomerWriter.write
    monkeypatch.setattr(
        import_customers.CustomerWriter,
        "write",
        lambda self, batch: written.append(len(NewRecords(*batch).keys)) or real(self, batch),
    )
    before = table_counts()
    # when imported through the worker
    report = _import(write_csv(tmp_path / "c.csv", CUSTOMER_HEADER, rows))
    # then batches before the bad row were written, and all of them are rolled back
    assert spied_worker == [1]
    assert sum(written) == 8
    assert report.status == "rejected"
    assert [(e.row, e.column, e.value) for e in report.errors] == [(10, "email", "not-an-email")]
    assert report.rows == 20
    assert table_counts() == before


def test_the_worker_reports_the_same_errors_in_the_same_order(tmp_path, monkeypatch):
    # given a file with a bad value, a repeated key, a short row and a missing organisation
    monkeypatch.setattr(imports, "BATCH", 2)
    rows = _rows(6)
    rows[3] = {**rows[3], "birth_date": "1990-13-45"}
    rows[5] = {**rows[5], "source_id": rows[4]["source_id"]}
    rows.append({**LI, "source_id": "K1", "org_source_id": "NOWHERE"})
    path = write_csv(tmp_path / "c.csv", HEADER, rows)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("shop,SHORT\n")
    # when imported in the importing process and through the worker
    _in_process(monkeypatch)
    local = _import(path)
    _through_worker(monkeypatch)
    remote = _import(path)
    # then both reject it with the same errors, rows and counts
    assert local.status == remote.status == "rejected"
    assert [e.column for e in local.errors] == ["birth_date", "source_id", "", "org_source_id"]
    assert remote.errors == local.errors
    assert (remote.rows, remote.error_count) == (local.rows, local.error_count) == (10, 4)


def test_progress_is_reported_from_the_worker(tmp_path, monkeypatch, spied_worker):
    # given batches of three
    monkeypatch.setattr(imports, "BATCH", 3)
    rows = [{**LI, "source_id": f"S{i}"} for i in range(10)]
    seen: list[int] = []
    # when imported through the worker with a progress callback
    report = imports.import_file(
        kind="customers",
        path=write_csv(tmp_path / "c.csv", CUSTOMER_HEADER, rows),
        progress=lambda done, total: seen.append(done),
    )
    # then progress grows batch by batch to every row
    assert report.status == "succeeded"
    assert seen == [3, 6, 9, 10]


def test_a_failure_while_reading_fails_the_import_and_writes_nothing(
    tmp_path, monkeypatch, spied_worker
):
    # given a parser that breaks on the sixth row, after earlier batches were written
    monkeypatch.setattr(imports, "BATCH", 1)
    real = customer_rows.CustomerRowParser.parse

    def breaking(self, row, cells):
        if row == 7:
            raise RuntimeError("parser exploded")
        return real(self, row, cells)

    monkeypatch.setattr(customer_rows.CustomerRowParser, "parse", breaking)
    before = table_counts()
    rows = [{**LI, "source_id": f"S{i}"} for i in range(10)]
    # when imported through the worker
    report = _import(write_csv(tmp_path / "c.csv", CUSTOMER_HEADER, rows))
    # then the import failed, says why, and left nothing behind
    assert report.status == "failed"
    assert "reading the file failed: RuntimeError: parser exploded" in report.errors[0].reason
    assert table_counts() == before


def test_a_worker_that_dies_fails_the_import_and_writes_nothing(
    tmp_path, monkeypatch, spied_worker
):
    # given a worker process that ends abruptly on the sixth row
    monkeypatch.setattr(imports, "BATCH", 1)
    real = customer_rows.CustomerRowParser.parse

    def dying(self, row, cells):
        if row == 7:
            os._exit(3)
        return real(self, row, cells)

    monkeypatch.setattr(customer_rows.CustomerRowParser, "parse", dying)
    before = table_counts()
    rows = [{**LI, "source_id": f"S{i}"} for i in range(10)]
    # when imported through the worker
    report = _import(write_csv(tmp_path / "c.csv", CUSTOMER_HEADER, rows))
    # then the import failed with the worker's exit code, and nothing is left
    assert report.status == "failed"
    assert "stopped unexpectedly (exit code 3)" in report.errors[0].reason
    assert table_counts() == before


def test_a_worker_that_goes_silent_fails_the_import_and_writes_nothing(
    tmp_path, monkeypatch, spied_worker
):
    # given a worker that stops answering on the sixth row, and a short patience
    monkeypatch.setattr(imports, "BATCH", 1)
    monkeypatch.setattr(import_worker, "SILENCE_LIMIT_S", 0.5)
    real = customer_rows.CustomerRowParser.parse

    def stuck(self, row, cells):
        if row == 7:
            time.sleep(60)
        return real(self, row, cells)

    monkeypatch.setattr(customer_rows.CustomerRowParser, "parse", stuck)
    before = table_counts()
    rows = [{**LI, "source_id": f"S{i}"} for i in range(10)]
    # when imported through the worker
    started = time.monotonic()
    report = _import(write_csv(tmp_path / "c.csv", CUSTOMER_HEADER, rows))
    # then the import gave up soon, failed, and left nothing behind
    assert time.monotonic() - started < 30
    assert report.status == "failed"
    assert "sent nothing for 0.5 seconds" in report.errors[0].reason
    assert table_counts() == before


def test_no_worker_is_forked_while_other_threads_run(monkeypatch):
    # given a second thread that is alive
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        # when asked / then forking is refused (the child could inherit a held lock)
        assert not import_worker.can_fork()
    finally:
        stop.set()
        other.join()
    # and in a process of one thread it is allowed (on a system that can fork)
    monkeypatch.setattr(import_worker.threading, "active_count", lambda: 1)
    assert import_worker.can_fork()


def test_a_large_file_goes_to_a_worker_and_a_small_one_does_not(tmp_path, monkeypatch):
    # given a size limit between a small and a large file, in a process that may fork
    monkeypatch.setattr(import_worker, "can_fork", lambda: True)
    started: list[int] = []
    real = import_worker.chunks_from_worker
    monkeypatch.setattr(
        import_worker, "chunks_from_worker", lambda read: started.append(1) or real(read)
    )
    small = write_csv(tmp_path / "small.csv", CUSTOMER_HEADER, [LI])
    large = write_csv(tmp_path / "large.csv", CUSTOMER_HEADER, _rows(40))
    monkeypatch.setattr(imports, "WORKER_MIN_BYTES", small.stat().st_size + 1)
    # when both are imported
    reports = [_import(small), _import(large)]
    # then only the large one was read by a worker
    assert [r.status for r in reports] == ["succeeded", "succeeded"]
    assert started == [1]
