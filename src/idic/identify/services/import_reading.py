"""The reading side of an import: a file → batches of checked, prepared records.

Everything here needs the file alone, never the database: reading the rows, checking
the header and each row, finding keys repeated in the file and key persons whose
organisation is not in it, and preparing each good record for its writer. So it can
run in the importing process or in a worker process (``import_worker``) while the
importing process writes the previous batch.

It yields :class:`Chunk` s: one per batch of good records, with the errors found
since the previous one, in file order; the last one has ``end`` set.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from idic.identify.importing import RowError
from idic.identify.importing.columns import check_header
from idic.identify.importing.readers import FileProblem, Table, open_table
from idic.identify.reasons import reason

Prepare = Callable[[list], Any]  # a batch of good records → what the writer takes
Reference = tuple[int, str, str]  # (row, source, organisation's source_id)


@dataclass(frozen=True)
class ReadingKind:
    """What a kind of file holds: its columns, how a row is parsed, what keys a row."""

    known: tuple[str, ...]
    required: tuple[str, ...]
    attributes: bool  # attr.<group>.<name> columns allowed
    parser: Callable[..., Any]  # (columns, tz, country) → a row parser
    key_column: str  # the column that, with source, keys a row


class Chunk(NamedTuple):
    """A piece of the reading: the errors found since the last chunk and a batch of items."""

    rows: int  # data rows read so far
    total: int | None  # data rows in all, when the format tells
    errors: list[RowError]
    items: Any  # the batch of good records, or what ``prepare`` made of it
    end: bool = False
    # at the end: key-person rows naming an organisation that is not in the file (the
    # database may hold it); None when the file could not be read to its end
    outside: list[Reference] | None = None


def read_file(
    path: Path,
    *,
    kind: ReadingKind,
    batch: int,
    tz: dt.tzinfo,
    country: str,
    prepare: Prepare | None = None,
) -> Iterator[Chunk]:
    """Read, check and prepare the rows of ``path`` in batches of ``batch`` good records
    (``prepare`` is called with each batch, the last maybe empty)."""
    reading = _Reading()
    try:
        with open_table(path) as table:
            columns, header_errors = check_header(
                table.header,
                known=kind.known,
                required=kind.required,
                allow_attributes=kind.attributes,
            )
            if header_errors:
                yield Chunk(0, table.total_rows, header_errors, [], end=True)
                return
            parser = kind.parser(columns, tz, country)
            keys = _FileKeys(kind.key_column)
            for records in _parsed_batches(table, parser, reading, batch):
                keys.check(records, reading.errors)
                items = records
                if prepare is not None:
                    items = prepare(records)
                    # the prepared rows hold what is needed: freeing the records leaves most
                    # values referenced once, which ``marshal`` writes without tracking them
                    records.clear()
                yield Chunk(reading.rows, table.total_rows, reading.taken(), items)
            yield Chunk(reading.rows, table.total_rows, reading.taken(), [], True, keys.outside())
    except FileProblem as problem:
        reading.errors.append(RowError(problem.row, "", "", problem.reason))
        yield Chunk(reading.rows, None, reading.taken(), [], end=True)


@dataclass
class _Reading:
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)

    def taken(self) -> list[RowError]:
        """The errors found since the last call."""
        errors, self.errors = self.errors, []
        return errors


def _parsed_batches(table: Table, parser, reading: _Reading, size: int):
    """Yield the good records every ``size`` of them and at the end; count rows read."""
    width = len(parser.names)
    batch: list = []
    parse = parser.parse
    for row, cells in table.rows:
        reading.rows += 1
        if len(cells) != width:
            if len(cells) < width or any(cells[width:]):
                reading.errors.append(_width_error(row, len(cells), width))
                continue
            cells = cells[:width]
        record = parse(row, cells)
        if type(record) is list:
            reading.errors.extend(record)
        else:
            batch.append(record)
            if len(batch) >= size:
                yield batch
                batch = []
    yield batch


def _width_error(row: int, count: int, width: int) -> RowError:
    return RowError(
        row,
        "",
        f"{count} values",
        reason(
            "the row has {count} values but the header has {width} columns: look for a "
            'missing or extra comma, or a quote (") that is not closed',
            count=count,
            width=width,
        ),
    )


class _FileKeys:
    """Keys repeated in the file, and the organisations key persons name."""

    def __init__(self, key_column: str) -> None:
        self.key_column = key_column
        self.first_row: dict[str, int] = {}
        self.org_refs: list[Reference] = []

    def check(self, batch: list, errors: list[RowError]) -> None:
        """Drop (and report) each record whose key an earlier row of the file had."""
        first_row = self.first_row
        org_refs = self.org_refs
        clean = []
        for record in batch:
            source, second = record.key
            row = record.row
            seen = first_row.setdefault(source + "\x1f" + second, row)
            if seen != row:
                errors.append(
                    RowError(
                        row,
                        self.key_column,
                        second,
                        reason(
                            "the same key ({source}, {source_id}) is already on row {row}: "
                            "each record may appear once per file",
                            source=source,
                            source_id=second,
                            row=seen,
                        ),
                    )
                )
            else:
                clean.append(record)
            org = getattr(record, "org_source_id", "")
            if org:
                org_refs.append((row, source, org))
        batch[:] = clean

    def outside(self) -> list[Reference]:
        """Key-person rows whose organisation has no row in this file."""
        return [
            (row, source, org)
            for row, source, org in self.org_refs
            if "\x1f".join((source, org)) not in self.first_row
        ]
