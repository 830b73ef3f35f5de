"""The import use case: a CSV/XLSX file is written whole, or nothing of it is.

The file is streamed once. Every row is checked (header, values, keys repeated
inside the file, customer records the rows refer to) and, while no error has been
seen, written in batches of plain SQL (see ``import_sql``) inside ONE transaction.
When the check finds any error the transaction is rolled back, so what stays is
exactly what a separate checking pass followed by a writing pass would leave:
nothing but the :class:`~idic.identify.models.ImportRun` with its error report.
Checking and writing in the same pass reads and parses the file once, and lets the
database store one batch while the next is parsed — what makes a million rows a
minute's work. A dry run only checks and never opens a write transaction.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from idic.identify.importing import (
    KINDS,
    RowError,
    customer_rows,
    interaction_rows,
    transaction_rows,
)
from idic.identify.importing.columns import check_header
from idic.identify.importing.readers import FileProblem, Table, open_table
from idic.identify.models import ImportRun
from idic.identify.services.import_activity import (
    InteractionWriter,
    TransactionWriter,
    source_records,
)
from idic.identify.services.import_customers import CustomerWriter
from idic.identify.services.import_sql import Bulk

logger = logging.getLogger(__name__)

BATCH = 5000
KEPT_ERRORS = 1000
IMPORT_CACHE_KIB = 512 * 1024
Progress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class ImportReport:
    """How an import went; ``errors`` holds the first :data:`KEPT_ERRORS` problems."""

    run_id: int
    status: str  # an ImportRun.Status value
    rows: int
    created: int
    updated: int
    unchanged: int
    error_count: int
    errors: list[RowError]
    seconds: float


@dataclass(frozen=True)
class _Kind:
    known: tuple[str, ...]
    required: tuple[str, ...]
    attributes: bool
    parser: Callable[..., Any]
    writer: Callable[..., Any]
    refers_to_customers: bool  # rows name a customer record that must exist already
    key_column: str  # the column that, with source, keys a row


_KINDS: dict[str, _Kind] = {
    "customers": _Kind(
        customer_rows.KNOWN,
        customer_rows.REQUIRED,
        True,
        lambda cols, tz, country: customer_rows.CustomerRowParser(cols, tz=tz, country=country),
        CustomerWriter,
        False,
        "source_id",
    ),
    "transactions": _Kind(
        transaction_rows.KNOWN,
        transaction_rows.REQUIRED,
        False,
        lambda cols, tz, country: transaction_rows.TransactionRowParser(cols, tz=tz),
        TransactionWriter,
        True,
        "order_id",
    ),
    "interactions": _Kind(
        interaction_rows.KNOWN,
        interaction_rows.REQUIRED,
        False,
        lambda cols, tz, country: interaction_rows.InteractionRowParser(cols, tz=tz),
        InteractionWriter,
        True,
        "interaction_id",
    ),
}


@dataclass
class _Errors:
    count: int = 0
    kept: list[RowError] = field(default_factory=list)

    def add(self, error: RowError) -> None:
        self.count += 1
        if len(self.kept) < KEPT_ERRORS:
            self.kept.append(error)


def import_file(
    *,
    kind: str,
    path: Path,
    actor: str = "",
    dry_run: bool = False,
    progress: Progress | None = None,
    max_bytes: int | None = None,
) -> ImportReport:
    """Import a customers, transactions or interactions file (CSV or XLSX) whole or not at all.

    Args:
        kind: ``customers``, ``transactions`` or ``interactions``.
        path: the file; its format is told by its content.
        actor: who imports (kept on the import run).
        dry_run: check everything, write nothing but the import run.
        progress: called with (rows read, rows in all when known) every batch.
        max_bytes: largest file accepted; default ``settings.IDIC_IMPORT_MAX_BYTES``.

    Returns:
        The report; its status is ``succeeded``, ``rejected`` (errors, nothing written),
        ``dry_run`` or ``failed`` (the database refused the write; nothing written).
    """
    if kind not in _KINDS:
        raise ValueError(f"unknown import kind {kind!r}: use one of {', '.join(KINDS)}")
    clock = time.perf_counter()
    now = timezone.now()
    path = Path(path)
    run = ImportRun.objects.create(
        kind=kind, file_name=path.name[:300], actor=actor[:150], started_at=now
    )
    errors = _Errors()
    problem = _file_problem(
        path, settings.IDIC_IMPORT_MAX_BYTES if max_bytes is None else max_bytes
    )
    if problem is not None:
        errors.add(problem)
        return _finish(run, ImportRun.Status.REJECTED, 0, errors, clock)
    spec = _KINDS[kind]
    if dry_run:
        rows = _run(spec, path, errors, progress, writer=None)
        status = ImportRun.Status.REJECTED if errors.count else ImportRun.Status.DRY_RUN
        return _finish(run, status, rows, errors, clock)
    try:
        with transaction.atomic(), _import_cache():
            bulk = Bulk(background=True)
            try:
                writer = spec.writer(bulk=bulk, now=now)
                rows = _run(spec, path, errors, progress, writer=writer)
                if not errors.count:
                    writer.finish()
            finally:
                bulk.close()
            if errors.count:
                raise _Rejected(rows)
    except _Rejected as rejected:
        return _finish(run, ImportRun.Status.REJECTED, rejected.rows, errors, clock)
    except Exception as exc:
        logger.exception("import run %s failed and was rolled back", run.pk)
        errors.add(RowError(0, "", "", f"the import failed and nothing was written: {exc}"))
        return _finish(run, ImportRun.Status.FAILED, 0, errors, clock)
    return _finish(
        run,
        ImportRun.Status.SUCCEEDED,
        rows,
        errors,
        clock,
        created=writer.created,
        updated=writer.updated,
        unchanged=writer.unchanged,
    )


class _Rejected(Exception):
    """Raised inside the transaction to roll back a file with errors."""

    def __init__(self, rows: int) -> None:
        self.rows = rows


def _file_problem(path: Path, limit: int) -> RowError | None:
    """What is wrong with the file before reading it: missing, or too large."""
    if not path.is_file():
        return RowError(0, "", path.name, "the file does not exist or is not a file")
    size = path.stat().st_size
    if size > limit:
        return RowError(
            0,
            "",
            f"{size:,} bytes",
            f"the file is larger than the limit of {limit:,} bytes: split it into smaller files",
        )
    return None


@contextmanager
def _import_cache():
    """A larger SQLite page cache while importing: random index keys (digests, phones)
    stay in memory instead of being re-read."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = {-IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def _run(spec: _Kind, path: Path, errors: _Errors, progress: Progress | None, *, writer) -> int:
    """Read and check every row; hand each checked batch to ``writer`` while no error
    has been found. Returns the number of data rows read."""
    counter = _Counter()
    try:
        with ExitStack() as stack:
            table = stack.enter_context(open_table(path))
            columns, header_errors = check_header(
                table.header,
                known=spec.known,
                required=spec.required,
                allow_attributes=spec.attributes,
            )
            for error in header_errors:
                errors.add(error)
            if header_errors:
                return 0
            parser = spec.parser(
                columns, timezone.get_default_timezone(), settings.IDIC_DEFAULT_COUNTRY_CODE
            )
            checker = stack.enter_context(_FileChecks(spec, errors))
            for batch in _parsed_batches(table, parser, errors, counter):
                checker.check(batch)
                if writer is not None and not errors.count:
                    writer.write(batch)
                if progress:
                    progress(counter.rows, table.total_rows)
            checker.finish()
    except FileProblem as problem:
        errors.add(RowError(problem.row, "", "", problem.reason))
    if counter.rows == 0 and not errors.count:
        errors.add(RowError(0, "", "", "the file has a header but no data rows"))
    return counter.rows


@dataclass
class _Counter:
    rows: int = 0


def _parsed_batches(table: Table, parser, errors: _Errors, counter: _Counter):
    """Yield the good records every :data:`BATCH` rows and at the end; count rows read."""
    width = len(parser.names)
    batch: list = []
    parse = parser.parse
    for row, cells in table.rows:
        counter.rows += 1
        if len(cells) != width:
            if len(cells) < width or any(cells[width:]):
                errors.add(_width_error(row, len(cells), width))
                continue
            cells = cells[:width]
        record = parse(row, cells)
        if type(record) is list:
            for error in record:
                errors.add(error)
        else:
            batch.append(record)
            if len(batch) >= BATCH:
                yield batch
                batch = []
    yield batch


def _width_error(row: int, count: int, width: int) -> RowError:
    return RowError(
        row,
        "",
        f"{count} values",
        f"the row has {count} values but the header has {width} columns: look for a missing "
        'or extra comma, or a quote (") that is not closed',
    )


class _FileChecks:
    """Checks that look beyond one row: keys repeated in the file, and referenced records."""

    def __init__(self, spec: _Kind, errors: _Errors) -> None:
        self.spec = spec
        self.errors = errors
        self.first_row: dict[str, int] = {}
        self.known_customers: set[tuple[str, str]] = set()
        self.org_refs: list[tuple[int, str, str]] = []
        self.bulk = Bulk()

    def check(self, batch: list) -> None:
        first_row = self.first_row
        clean = []
        for record in batch:
            key = "\x1f".join(record.key)
            seen = first_row.setdefault(key, record.row)
            if seen != record.row:
                self.errors.add(
                    RowError(
                        record.row,
                        self.spec.key_column,
                        record.key[1],
                        f"the same key ({record.key[0]}, {record.key[1]}) is already on row "
                        f"{seen}: each record may appear once per file",
                    )
                )
            else:
                clean.append(record)
            if getattr(record, "org_source_id", ""):
                self.org_refs.append((record.row, record.source, record.org_source_id))
        batch[:] = clean
        if self.spec.refers_to_customers:
            self._check_customers(batch)

    def _check_customers(self, batch: list) -> None:
        wanted = {r.customer_key for r in batch} - self.known_customers
        if wanted:
            self.known_customers.update(source_records(self.bulk, wanted))
        missing = [r for r in batch if r.customer_key not in self.known_customers]
        for r in missing:
            self.errors.add(
                RowError(
                    r.row,
                    "source_id",
                    r.source_id,
                    f"no customer record ({r.source}, {r.source_id}) exists: import the "
                    "customers file first, or correct source/source_id",
                )
            )
        if missing:
            batch[:] = [r for r in batch if r.customer_key in self.known_customers]

    def finish(self) -> None:
        """Key persons must name an organisation in this file or imported before."""
        outside = {
            (source, org)
            for _, source, org in self.org_refs
            if "\x1f".join((source, org)) not in self.first_row
        }
        found = set(source_records(self.bulk, outside)) if outside else set()
        for row, source, org in self.org_refs:
            if (source, org) in outside and (source, org) not in found:
                self.errors.add(
                    RowError(
                        row,
                        "org_source_id",
                        org,
                        f"no organisation record ({source}, {org}) in this file or imported "
                        "before: add the organisation's row or correct org_source_id",
                    )
                )

    def __enter__(self) -> _FileChecks:
        return self

    def __exit__(self, *exc_info) -> None:
        self.bulk.close()


def _finish(
    run: ImportRun,
    status: str,
    rows: int,
    errors: _Errors,
    clock: float,
    *,
    created: int = 0,
    updated: int = 0,
    unchanged: int = 0,
) -> ImportReport:
    run.status = status
    run.finished_at = timezone.now()
    run.rows = rows
    run.created, run.updated, run.unchanged = created, updated, unchanged
    run.error_count = errors.count
    run.errors = [e.as_dict() for e in errors.kept]
    run.save()
    return ImportReport(
        run_id=run.pk,
        status=str(ImportRun.Status(status).value),
        rows=rows,
        created=created,
        updated=updated,
        unchanged=unchanged,
        error_count=errors.count,
        errors=list(errors.kept),
        seconds=round(time.perf_counter() - clock, 3),
    )
