"""Helpers of the import tests: write small CSV/XLSX files and count every table."""

from __future__ import annotations

import csv
from pathlib import Path

CUSTOMER_HEADER = [
    "source", "source_id", "name", "gender", "birth_date", "phone", "email", "id_number",
    "member_card", "province", "city", "district", "address", "company", "title", "income",
    "marital_status", "created_at",
]  # fmt: skip
ZHANG = {
    "source": "crm",
    "source_id": "C001",
    "name": "张伟",
    "gender": "男",
    "birth_date": "1990-01-01",
    "phone": "138 1234 5678",
    "email": "Zhang.Wei@Example.com",
    "id_number": "110105199001012761",
    "member_card": "M0001",
    "province": "北京市",
    "city": "北京市",
    "district": "朝阳区",
    "address": "建国路1号",
    "company": "华信科技",
    "title": "经理",
    "income": "12000",
    "marital_status": "已婚",
    "created_at": "2020-05-01 09:30",
}
LI = {
    "source": "shop",
    "source_id": "S001",
    "name": "李娜",
    "gender": "F",
    "phone": "13912345678",
    "city": "上海市",
}


def write_csv(path: Path, header: list[str], rows: list[dict], *, encoding="utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        out = csv.DictWriter(fh, fieldnames=header, extrasaction="ignore")
        out.writeheader()
        out.writerows(rows)
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def table_counts() -> dict[str, int]:
    """Rows in every table an import may write."""
    from idic.identify import models as m

    return {
        model.__name__: model.objects.count()
        for model in (
            m.Customer,
            m.SourceRecord,
            m.ContactPoint,
            m.Identifier,
            m.AttributeValue,
            m.KeyPerson,
            m.Product,
            m.Transaction,
            m.Interaction,
        )
    }
