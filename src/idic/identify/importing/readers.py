"""Stream the rows of a CSV or XLSX import file as lists of text cells.

The format is told by the file's content, not its name (an upload is saved under a
temporary name). CSV is decoded as UTF-8 (with or without BOM); a file that is not
UTF-8 but is valid GBK/GB18030 — what Excel saves as "CSV" on a Chinese Windows —
is decoded as GB18030 and the table says so. XLSX is read from its first sheet with
python-calamine, which is fast but holds the sheet in memory; a workbook larger than
:data:`CALAMINE_MAX_BYTES` is streamed with openpyxl's read-only mode instead.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from idic.identify.reasons import reason

SNIFF_BYTES = 1 << 20
CALAMINE_MAX_BYTES = 32 << 20
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0"
_SAVE_AS = reason("save it from your spreadsheet as 'CSV UTF-8' or as an Excel workbook (.xlsx)")


class FileProblem(ValueError):
    """The file as a whole (or from ``row`` on) cannot be read; the message tells the fix."""

    def __init__(self, reason: str, row: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.row = row


@dataclass
class Table:
    """An open import file: its format, header and a one-shot iterator over its data rows.

    ``rows`` yields ``(row_number, cells)`` with the header as row 1; rows whose cells
    are all empty are skipped. Iterating may raise :class:`FileProblem`.
    """

    format: str  # "csv" or "xlsx"
    encoding: str  # "utf-8", "gb18030", or "" for a workbook
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    total_rows: int | None  # data rows, when the format tells it up front


def sniff_format(head: bytes, name: str = "") -> str:
    """Tell "csv" or "xlsx" from the first bytes of a file, or raise :class:`FileProblem`."""
    suffix = Path(name).suffix.lower()
    if not head.strip() or head.strip() == codecs.BOM_UTF8:
        raise FileProblem(
            reason("the file is empty: it needs a header row and at least one data row")
        )
    if head.startswith(_ZIP):
        return "xlsx"
    if head.startswith(_OLE) or suffix == ".xls":
        raise FileProblem(reason("old Excel .xls workbooks are not read: {fix}", fix=_SAVE_AS))
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileProblem(reason("the file is UTF-16 text: {fix}", fix=_SAVE_AS))
    if b"\x00" in head:
        raise FileProblem(reason("the file is binary, neither CSV nor XLSX: {fix}", fix=_SAVE_AS))
    if suffix in {".xlsx", ".xlsm"}:
        raise FileProblem(
            reason(
                "the file is named {suffix} but is not an Excel workbook: {fix}",
                suffix=suffix,
                fix=_SAVE_AS,
            )
        )
    return "csv"


def sniff_encoding(head: bytes) -> str:
    """ "utf-8" (BOM or not) or "gb18030" for the start of a text file, or :class:`FileProblem`."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(head, final=False)
        return "gb18030"
    except UnicodeDecodeError:
        raise FileProblem(
            reason("the file is neither UTF-8 nor GBK text: {fix}", fix=_SAVE_AS)
        ) from None


@contextmanager
def open_table(path: Path) -> Iterator[Table]:
    """Open an import file and read its header; close it when the block ends."""
    with open(path, "rb") as raw:
        head = raw.read(SNIFF_BYTES)
    kind = sniff_format(head, path.name)
    if kind == "xlsx":
        with _open_xlsx(path) as table:
            yield table
        return
    encoding = sniff_encoding(head)
    with open(path, encoding=encoding, newline="", errors="strict") as text:
        yield _csv_table(text, "utf-8" if encoding == "utf-8-sig" else encoding)


def _csv_table(text, encoding: str) -> Table:
    reader = csv.reader(text, strict=True)
    try:
        header = next(reader, None)
    except (csv.Error, UnicodeDecodeError) as exc:
        raise FileProblem(
            reason("the header row cannot be read ({error}): {fix}", error=str(exc), fix=_SAVE_AS),
            row=1,
        ) from None
    if header is None or not any(header):
        raise FileProblem(
            reason("the file has no header row: the first row must name the columns"), 1
        )
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        sep = "';'" if ";" in header[0] else reason("tabs")
        raise FileProblem(
            reason(
                "the columns are separated by {sep}; IDIC reads comma-separated CSV: {fix}",
                sep=sep,
                fix=_SAVE_AS,
            ),
            1,
        )
    return Table(
        format="csv",
        encoding=encoding,
        header=header,
        rows=_csv_rows(reader, encoding),
        total_rows=None,
    )


def _csv_rows(reader, encoding: str) -> Iterator[tuple[int, list[str]]]:
    row = 1
    try:
        for cells in reader:
            row += 1
            if any(cells):
                yield row, cells
    except csv.Error as exc:
        raise FileProblem(
            reason(
                'the CSV is malformed here ({error}); check for a quote (") that is never closed',
                error=str(exc),
            ),
            row=row + 1,
        ) from None
    except UnicodeDecodeError:
        name = "UTF-8" if encoding.startswith("utf") else "GBK"
        raise FileProblem(
            reason(
                "the text stops being valid {name} after row {row}: {fix}",
                name=name,
                row=row,
                fix=_SAVE_AS,
            ),
            row=row + 1,
        ) from None


def cell_text(value: Any) -> str:
    """A workbook cell as the text a person typed: ``13812345678.0`` → ``13812345678``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


@contextmanager
def _open_xlsx(path: Path) -> Iterator[Table]:
    try:
        with zipfile.ZipFile(path) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                raise FileProblem(
                    reason(
                        "the file is a ZIP archive but not an Excel workbook: {fix}", fix=_SAVE_AS
                    )
                )
    except zipfile.BadZipFile:
        raise FileProblem(
            reason("the workbook is damaged and cannot be opened: {fix}", fix=_SAVE_AS)
        ) from None
    if path.stat().st_size <= CALAMINE_MAX_BYTES:
        yield _calamine_table(path)
        return
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        yield _sheet_table(sheet.iter_rows(values_only=True), sheet.max_row)
    finally:
        book.close()


def _calamine_table(path: Path) -> Table:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        sheet = book.get_sheet_by_index(0)
    except Exception as exc:  # calamine raises its own error types for broken workbooks
        raise FileProblem(
            reason("the workbook cannot be read ({error}): {fix}", error=str(exc), fix=_SAVE_AS)
        ) from None
    return _sheet_table(sheet.iter_rows(), sheet.height)


def _sheet_table(values: Iterator, height: int | None) -> Table:
    first = next(values, None)
    header = [cell_text(v).strip() for v in first] if first is not None else []
    while header and not header[-1]:
        header.pop()
    if not header:
        raise FileProblem(
            reason("the first sheet has no header row: its first row must name the columns")
        )
    total = max(height - 1, 0) if height else None
    return Table(
        format="xlsx",
        encoding="",
        header=header,
        rows=_sheet_rows(values, len(header)),
        total_rows=total,
    )


def _sheet_rows(values: Iterator, width: int) -> Iterator[tuple[int, list[str]]]:
    row = 1
    for raw in values:
        row += 1
        cells = [cell_text(v) for v in raw]
        if not any(cells):
            continue
        if len(cells) < width:
            cells.extend([""] * (width - len(cells)))
        elif len(cells) > width and not any(cells[width:]):
            del cells[width:]
        yield row, cells
