"""Reading import files: format and encoding sniffing, CSV and XLSX rows, header checks."""

from __future__ import annotations

import codecs
import datetime as dt

import pytest

from idic.identify.importing import readers
from idic.identify.importing.columns import check_header, column_letter
from idic.identify.importing.readers import FileProblem, cell_text, open_table
from tests.identify.import_files import write_xlsx


def _rows(path):
    with open_table(path) as table:
        return table.format, table.encoding, table.header, list(table.rows)


def test_csv_with_bom_and_blank_lines(tmp_path):
    # given a UTF-8 CSV with a BOM, a blank line and a quoted newline
    path = tmp_path / "c.csv"
    path.write_bytes(codecs.BOM_UTF8 + 'name,note\n张三,"a\nb"\n\n李四,x\n'.encode())
    # when read
    fmt, encoding, header, rows = _rows(path)
    # then the BOM is gone, blank rows skipped, and row numbers are spreadsheet rows
    assert (fmt, encoding, header) == ("csv", "utf-8", ["name", "note"])
    assert rows == [(2, ["张三", "a\nb"]), (4, ["李四", "x"])]


def test_gbk_csv_is_decoded_and_named(tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes("姓名,城市\n张三,北京\n".encode("gbk"))
    _, encoding, header, rows = _rows(path)
    assert (encoding, header, rows) == ("gb18030", ["姓名", "城市"], [(2, ["张三", "北京"])])


def test_text_that_is_neither_utf8_nor_gbk_is_refused(tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes(b"name\n\x81\x20\xff\xfe\n")
    with pytest.raises(FileProblem, match="neither UTF-8 nor GBK"):
        _rows(path)


def test_unclosed_quote_names_the_row(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text('a,b\n1,2\n3,"4\n5,6\n', encoding="utf-8")
    with open_table(path) as table, pytest.raises(FileProblem) as problem:
        list(table.rows)
    assert problem.value.row == 3 and "quote" in problem.value.reason


def test_xlsx_rows_are_text_as_typed(tmp_path):
    # given a workbook with numbers, dates and a trailing empty column
    path = write_xlsx(
        tmp_path / "w.xlsx",
        ["phone", "born", "amount", ""],
        [
            [13812345678, dt.datetime.fromisoformat("1990-01-02T00:00"), 12.5, None],
            [None, None, None, None],
        ],
    )
    # when read
    fmt, _, header, rows = _rows(path)
    # then cells read as a person typed them and empty rows are skipped
    assert (fmt, header) == ("xlsx", ["phone", "born", "amount"])
    assert rows == [(2, ["13812345678", "1990-01-02", "12.5"])]


def test_big_workbooks_stream_through_openpyxl(tmp_path, monkeypatch):
    # given a workbook above the in-memory limit
    monkeypatch.setattr(readers, "CALAMINE_MAX_BYTES", 10)
    path = write_xlsx(tmp_path / "w.xlsx", ["a", "b"], [["x", 1], ["y", 2.0]])
    # when read / then the same rows come out
    assert _rows(path)[3] == [(2, ["x", "1"]), (3, ["y", "2"])]


def test_zip_that_is_not_a_workbook_is_refused(tmp_path):
    import zipfile

    path = tmp_path / "x.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(FileProblem, match="not an Excel workbook"):
        _rows(path)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("x", "x"),
        (True, "true"),
        (3.0, "3"),
        (0.25, "0.25"),
        (dt.datetime.fromisoformat("2024-01-02T03:04:05"), "2024-01-02 03:04:05"),
        (dt.date(2024, 1, 2), "2024-01-02"),
    ],
)
def test_cell_text(value, text):
    assert cell_text(value) == text


def test_header_names_are_case_insensitive_and_folded():
    # given a header in mixed case, full-width letters and spaces
    columns, errors = check_header(
        [" Source ", "ＳＯＵＲＣＥ_ＩＤ", "Name", "attr.Preference.Colour"],
        known=("source", "source_id", "name"),
        required=("source", "source_id", "name"),
        allow_attributes=True,
    )
    # then it is clean
    assert errors == []
    assert columns.names[:3] == ("source", "source_id", "name")
    assert columns.attributes == ((3, "preference", "colour"),)


@pytest.mark.parametrize(
    ("header", "column", "words"),
    [
        (["source", "source_id", "name", "name"], "name", "appears twice"),
        (["source", "source_id", "name", "emial"], "emial", "did you mean 'email'"),
        (["source", "source_id", "name", "attr.hobby.x"], "attr.hobby.x", "group 'hobby'"),
        (["source", "source_id", "name", "attr.basic"], "attr.basic", "attr.<group>.<name>"),
        (["source", "source_id", "name", ""], "D", "has no name"),
        (["source", "name"], "source_id", "required column 'source_id' is missing"),
    ],
)
def test_header_errors(header, column, words):
    _, errors = check_header(
        header,
        known=("source", "source_id", "name", "email"),
        required=("source", "source_id", "name"),
        allow_attributes=True,
    )
    assert [(e.row, e.column) for e in errors] == [(1, column)]
    assert words in errors[0].reason


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]
