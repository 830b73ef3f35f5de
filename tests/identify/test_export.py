"""Exports: masking per role, the identity map, and the audit entry."""

from __future__ import annotations

import csv
import io

import pytest

from idic.identify.models import SourceRecord
from idic.identify.services import exports, imports
from idic.protect.models import AuditEntry
from tests.identify.import_files import CUSTOMER_HEADER, LI, ZHANG, write_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(tmp_path):
    path = write_csv(tmp_path / "c.csv", CUSTOMER_HEADER, [ZHANG, LI])
    report = imports.import_file(kind="customers", path=path)
    assert report.status == "succeeded", report.errors


def _export(viewer) -> dict[str, dict[str, str]]:
    out = io.StringIO()
    exports.export_customers(out=out, viewer=viewer)
    out.seek(0)
    return {row["name"]: row for row in csv.DictReader(out)}


def test_analyst_sees_masks_beyond_clearance(imported, viewer_factory):
    # when an analyst exports
    rows = _export(viewer_factory("analyst"))
    # then confidential and secret fields are masked, general ones shown
    zhang = rows["张伟"]
    assert zhang["id_number"] == "110105********2761"
    assert zhang["phone"] == "+86138****5678"
    assert zhang["email"] == "z***@example.com"
    assert zhang["birth_date"] == "1990-**-**"
    assert zhang["income"] != "12000.00"
    assert zhang["city"] == "北京市" and zhang["company"] == "华信科技"


def test_admin_sees_every_value(imported, viewer_factory):
    rows = _export(viewer_factory("admin"))
    zhang = rows["张伟"]
    assert zhang["id_number"] == "110105199001012761"
    assert zhang["phone"] == "+8613812345678"
    assert zhang["income"] == "12000.00"
    assert zhang["marital_status"] == "married"
    assert zhang["customer_id"] == str(SourceRecord.objects.get(source_id="C001").customer_id)


def test_agent_sees_contacts_but_not_secrets(imported, viewer_factory):
    rows = _export(viewer_factory("agent"))
    assert rows["张伟"]["phone"] == "+8613812345678"
    assert rows["张伟"]["id_number"] == "110105********2761"


def test_export_columns_and_audit(imported, viewer_factory):
    # given an export
    out = io.StringIO()
    count = exports.export_customers(out=out, viewer=viewer_factory("analyst", "amy"))
    # then the header is the documented one and the export is audited
    assert out.getvalue().splitlines()[0] == ",".join(exports.CUSTOMER_COLUMNS)
    assert count == 2
    entry = AuditEntry.objects.get(action="export", object_type="customers")
    assert (entry.actor, entry.role, entry.detail["rows"]) == ("amy", "analyst", 2)


def test_identities_export_format(imported):
    # when the identity map is exported
    out = io.StringIO()
    count = exports.export_identities(out=out)
    # then each source record names its customer
    lines = out.getvalue().splitlines()
    assert lines[0] == "source,source_id,customer_id"
    expected = {f"{r.source},{r.source_id},{r.customer_id}" for r in SourceRecord.objects.all()}
    assert set(lines[1:]) == expected and count == 2
    assert AuditEntry.objects.filter(object_type="identities").count() == 1


def test_export_streams_in_chunks(tmp_path, monkeypatch, viewer_factory):
    # given more customers than one chunk holds
    monkeypatch.setattr(exports, "CHUNK", 3)
    rows = [{**LI, "source_id": f"S{i}", "name": f"客户{i}"} for i in range(8)]
    imports.import_file(kind="customers", path=write_csv(tmp_path / "c.csv", CUSTOMER_HEADER, rows))
    # when exported / then every customer appears once
    names = _export(viewer_factory("admin"))
    assert sorted(names) == sorted(f"客户{i}" for i in range(8))
