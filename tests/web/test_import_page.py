"""The import page: upload, dry run, the row-level error report, the size limit, the log."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from idic.identify.models import Customer, ImportRun, Transaction

pytestmark = pytest.mark.django_db

GOOD_CUSTOMERS = (
    "source,source_id,name,phone,kind,status,province\n"
    "web,W-1,周小川,13900002222,consumer,actual,上海\n"
    "web,W-2,钱多多,139 0000 3333,intermediary,potential,广东\n"
)
BAD_CUSTOMERS = (
    "source,source_id,name,phone,id_number,kind\n"
    "web,W-1,周小川,13900002222,,consumer\n"
    "web,W-2,钱多多,1390000,,consumer\n"
    "web,W-3,孙七,,110105199001012766,consumer\n"
    "web,W-4,李四,,,vip\n"
)


@pytest.fixture
def uploads(settings, tmp_path):
    """Uploads land in a folder of this test."""
    settings.DATA_DIR = tmp_path
    return tmp_path / "uploads"


def _post(client, content: str, *, kind="customers", dry_run=False, name="customers.csv"):
    data = {"kind": kind, "file": SimpleUploadedFile(name, content.encode(), "text/csv")}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(reverse("identify:import"), data, HTTP_ACCEPT_LANGUAGE="en")


def test_import_page_shows_the_form_and_recent_runs(signed_in, uploads):
    # given an earlier import run
    _post(signed_in("admin"), GOOD_CUSTOMERS, dry_run=True)
    # when the page is opened
    response = signed_in("agent").get(reverse("identify:import"), HTTP_ACCEPT_LANGUAGE="en")
    # then it offers the upload and lists the run
    page = response.content.decode()
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in page
    assert "Recent imports" in page and "customers.csv" in page and "Dry run" in page


def test_good_file_is_imported(signed_in, uploads):
    # given a valid customers file
    client = signed_in("admin")
    # when it is uploaded without dry run
    response = _post(client, GOOD_CUSTOMERS)
    # then both customers exist, the result says so, and the upload is gone from disk
    page = response.content.decode()
    assert response.status_code == 200
    assert "Every row was imported." in page
    assert sorted(Customer.objects.values_list("name", flat=True)) == ["周小川", "钱多多"]
    run = ImportRun.objects.get()
    assert (run.status, run.rows, run.created, run.actor) == ("succeeded", 2, 2, "admin")
    assert not any(uploads.rglob("*.csv"))


def test_dry_run_checks_and_writes_nothing(signed_in, uploads):
    # given a valid customers file / when it is uploaded as a dry run
    response = _post(signed_in("admin"), GOOD_CUSTOMERS, dry_run=True)
    # then the page says it is valid and no customer was written
    assert "This was a dry run: nothing was written." in response.content.decode()
    assert not Customer.objects.exists()
    assert ImportRun.objects.get().status == "dry_run"


def test_bad_file_shows_every_error_and_writes_nothing(signed_in, uploads):
    # given a file whose rows 3, 4 and 5 are wrong (row 2 is fine)
    client = signed_in("admin")
    # when it is uploaded
    response = _post(client, BAD_CUSTOMERS)
    # then the report lists row, column, value and reason of each error
    page = response.content.decode()
    assert response.status_code == 200
    assert "3 errors found: nothing was written." in page
    table = page[page.index('class="table table-compact errors"') :]
    rows = table.split("<tr>")[2:]
    assert ">3<" in rows[0] and "<code>phone</code>" in rows[0] and "1390000" in rows[0]
    assert ">4<" in rows[1] and "<code>id_number</code>" in rows[1] and "check digit" in rows[1]
    assert ">5<" in rows[2] and "<code>kind</code>" in rows[2] and "vip" in rows[2]
    # and nothing was written, not even the good row
    assert not Customer.objects.exists()
    assert ImportRun.objects.get().status == "rejected"


def test_rejected_values_are_masked_like_their_column(signed_in, uploads):
    # given a file with a wrong ID number / when an analyst uploads it
    page = _post(signed_in("analyst"), BAD_CUSTOMERS).content.decode()
    # then the report names the row but shows the ID number masked
    assert "110105********2766" in page
    assert "110105199001012766" not in page


def test_transactions_file_reaches_the_360_timeline(signed_in, uploads, zhang_wei):
    # given 张伟's CRM record C-001 and a transactions file for it
    client = signed_in("admin")
    content = "source,source_id,order_id,ts,amount,cost,channel\ncrm,C-001,SO-2001,2024-07-01 10:00,88.00,50,wechat\n"
    # when the file is imported
    _post(client, content, kind="transactions", name="orders.csv")
    # then the order is stored and shown on the timeline
    assert Transaction.objects.filter(order_id="SO-2001", customer=zhang_wei).exists()
    page = client.get(reverse("identify:customer", args=[zhang_wei.pk])).content.decode()
    timeline = page[page.index('class="timeline"') :]
    assert timeline.index("SO-2001") < timeline.index("生日关怀")


def test_oversized_upload_is_refused_before_import(signed_in, uploads, settings):
    # given an upload limit of 64 bytes
    settings.IDIC_UPLOAD_MAX_BYTES = 64
    # when a 200-byte file is uploaded
    response = _post(signed_in("admin"), GOOD_CUSTOMERS + "x" * 100)
    # then the form says how large it may be and what to do, and nothing is imported
    page = response.content.decode()
    assert response.status_code == 400
    assert "the largest upload accepted here is 64" in page
    assert "idic import" in page
    assert not ImportRun.objects.exists()
    assert not Customer.objects.exists()
    assert not uploads.exists() or not any(uploads.iterdir())


def test_missing_file_is_asked_for(signed_in, uploads):
    # given the form / when it is sent without a file
    response = signed_in("admin").post(
        reverse("identify:import"), {"kind": "customers"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    # then the form asks for the file and nothing runs
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not ImportRun.objects.exists()


def test_file_that_is_not_a_table_is_reported(signed_in, uploads):
    # given a binary file named .csv / when it is uploaded
    response = signed_in("admin").post(
        reverse("identify:import"),
        {"kind": "customers", "file": SimpleUploadedFile("photo.csv", b"\x89PNG\x00\x01\x02")},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    # then the report gives the reason for the file as a whole
    page = response.content.decode()
    assert "neither CSV nor XLSX" in page
    assert ImportRun.objects.get().status == "rejected"


def test_error_reasons_read_in_chinese_on_the_chinese_page(signed_in, uploads):
    # given a file with a wrong phone number and an unknown kind
    client = signed_in("admin")
    data = {"kind": "customers", "file": SimpleUploadedFile("c.csv", BAD_CUSTOMERS.encode())}
    # when it is uploaded by a user reading Chinese
    page = client.post(
        reverse("identify:import"), data, HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    # then the reasons are in Chinese, with the values quoted as written
    assert "电话号码 &#x27;1390000&#x27; 既不是 11 位手机号" in page
    assert "&#x27;vip&#x27; 不是以下之一" in page
    assert not Customer.objects.exists()


def test_file_level_reasons_read_in_chinese_too(signed_in, uploads):
    # given a customers file that names one record twice, and one with a header only
    header = "source,source_id,kind,name\n"
    twice = header + "crm,C1,consumer,张伟\ncrm,C1,consumer,张伟\n"
    client = signed_in("admin")
    # when both are uploaded by a user reading Chinese
    pages = [
        client.post(
            reverse("identify:import"),
            {"kind": "customers", "file": SimpleUploadedFile("c.csv", body.encode())},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        ).content.decode()
        for body in (twice, header)
    ]
    # then the duplicate key and the empty file are explained in Chinese
    assert "同一键 (crm, C1) 已出现在第 2 行" in pages[0]
    assert "文件只有表头，没有数据行" in pages[1]
    assert not Customer.objects.exists()
