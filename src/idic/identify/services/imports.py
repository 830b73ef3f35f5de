"""The import use case: a CSV/XLSX file is written whole, or nothing of it is.

The file is streamed once. Every row is checked (header, values, keys repeated
inside the file, customer records the rows refer to) and, while no error has been
seen, written in batches of plain SQL (see ``import_sql``) inside ONE transaction.
When the check finds any error the transaction is rolled back, so what stays is
exactly what a separate checking pass followed by a writing pass would leave:
nothing but the :class:`~idic.identify.models.ImportRun` with its error report.
Checking and writing in the same pass reads and parses the file once. A large file is
read, checked and prepared in a worker process (``import_worker``) while this process
writes the batch before, and indexes on random keys are built after the load when that
is cheaper (``import_indexes``) — what makes a million rows a minute's work.
A dry run only checks and never opens a write transaction.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Model
from django.utils import timezone

from idic.identify.importing import (
    KINDS,
    RowError,
    customer_rows,
    interaction_rows,
    transaction_rows,
)
from idic.identify.models import (
    ContactPoint,
    ImportRun,
    Interaction,
    SourceRecord,
    Transaction,
)
from idic.identify.reasons import reason
from idic.identify.services import import_worker
from idic.identify.services.import_activity import (
    InteractionWriter,
    TransactionWriter,
    source_records,
)
from idic.identify.services.import_customers import CustomerWriter
from idic.identify.services.import_indexes import Deferrable, DeferredIndexes
from idic.identify.services.import_reading import Chunk, ReadingKind, Reference, read_file
from idic.identify.services.import_sql import Bulk, sqlite_pragma

logger = logging.getLogger(__name__)

BATCH = 5000
KEPT_ERRORS = 1000
IMPORT_CACHE_KIB = 512 * 1024
# files from this size on are read by a worker process (a smaller one is done before the
# worker would have started to help)
WORKER_MIN_BYTES = 1 << 20
# objects allocated between two collections of the youngest generation while importing
# (Python's default, 700, has the collector scan each batch many times over for nothing)
IMPORT_GC_THRESHOLD = 50_000
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
    # customer records created that joined a customer known before them (stored, or made
    # by an earlier row of the file) instead of creating one
    linked: int = 0


@dataclass(frozen=True)
class _Kind:
    reading: ReadingKind
    writer: Callable[..., CustomerWriter | TransactionWriter | InteractionWriter]
    refers_to_customers: bool  # rows name a customer record that must exist already
    # indexes on random keys of the tables the writer fills, built after a large load
    # (see ``import_indexes``)
    deferrable: Deferrable
    # the table that is empty before the first file of this kind is imported
    first_load: type[Model]


_KINDS: dict[str, _Kind] = {
    "customers": _Kind(
        ReadingKind(
            customer_rows.KNOWN,
            customer_rows.REQUIRED,
            True,
            lambda cols, tz, country: customer_rows.CustomerRowParser(cols, tz=tz, country=country),
            "source_id",
        ),
        CustomerWriter,
        False,
        # the contact points' index on (kind, value) only: the other random-key indexes
        # (customers' name keys, identifiers' digests) are small enough to stay in the page
        # cache while the load runs, so keeping them up to date costs the writer, which
        # waits for the reading worker, less than building them after the load, when one
        # core is idle (a million-row load: 2 s sooner)
        {ContactPoint: (("kind", "value"),)},
        SourceRecord,
    ),
    "transactions": _Kind(
        ReadingKind(
            transaction_rows.KNOWN,
            transaction_rows.REQUIRED,
            False,
            lambda cols, tz, country: transaction_rows.TransactionRowParser(cols, tz=tz),
            "order_id",
        ),
        TransactionWriter,
        True,
        {},  # keyed by order, customer and time: nothing random
        Transaction,
    ),
    "interactions": _Kind(
        ReadingKind(
            interaction_rows.KNOWN,
            interaction_rows.REQUIRED,
            False,
            lambda cols, tz, country: interaction_rows.InteractionRowParser(cols, tz=tz),
            "interaction_id",
        ),
        InteractionWriter,
        True,
        {},
        Interaction,
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
        with (
            _journal_for_first_load(spec),
            _keys_kept_by_importer(),
            transaction.atomic(),
            _import_cache(),
            _fewer_collections(),
        ):
            bulk = Bulk()
            try:
                writer = spec.writer(bulk=bulk, now=now)
                indexes = DeferredIndexes.drop(
                    bulk, spec.deferrable, file_bytes=path.stat().st_size
                )
                if isinstance(writer, CustomerWriter):
                    writer.start(deferred=indexes.models, file_bytes=path.stat().st_size)
                rows = _run(spec, path, errors, progress, writer=writer)
                if not errors.count:
                    writer.finish()
                    indexes.restore()
            finally:
                bulk.close()
            if errors.count:
                raise _Rejected(rows)
    except _Rejected as rejected:
        return _finish(run, ImportRun.Status.REJECTED, rejected.rows, errors, clock)
    except Exception as exc:
        logger.exception("import run %s failed and was rolled back", run.pk)
        errors.add(
            RowError(
                0,
                "",
                "",
                reason("the import failed and nothing was written: {error}", error=str(exc)),
            )
        )
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
        linked=getattr(writer, "linked", 0),
    )


class _Rejected(Exception):
    """Raised inside the transaction to roll back a file with errors."""

    def __init__(self, rows: int) -> None:
        self.rows = rows


def _file_problem(path: Path, limit: int) -> RowError | None:
    """What is wrong with the file before reading it: missing, or too large."""
    if not path.is_file():
        return RowError(0, "", path.name, reason("the file does not exist or is not a file"))
    size = path.stat().st_size
    if size > limit:
        return RowError(
            0,
            "",
            f"{size:,} bytes",
            reason(
                "the file is larger than the limit of {limit} bytes: split it into smaller files",
                limit=f"{limit:,}",
            ),
        )
    return None


@contextmanager
def _import_cache():
    """A larger SQLite page cache while importing: the pages being filled, and the
    random index keys (digests, phones) of a table not loaded from empty, stay in
    memory instead of being re-read."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor, sqlite_pragma(cursor, "cache_size", -IMPORT_CACHE_KIB):
        yield


@contextmanager
def _journal_for_first_load(spec: _Kind):
    """A first load into SQLite (the tables of its kind still empty) is written through a
    rollback journal instead of the write-ahead log, when nobody else has the database
    open; the log is back on once it is over.

    In WAL mode every page of the load is written twice: into the log, then copied into
    the database by the checkpoint that follows the commit (a sixth of a million-row
    load). A rollback journal keeps only the pages that held data before the load, and a
    first load adds pages: they are written once. Whole or nothing holds the same way: an
    import that fails, or a process that dies, leaves the journal to put back what was
    there. Other connections cannot read while such a load commits (they wait, as they
    would for any writer without the log), which is why a live database, whose tables
    are not empty, keeps the log.
    """
    if (
        connection.vendor != "sqlite"
        or connection.in_atomic_block
        or spec.first_load._default_manager.exists()
    ):
        yield
        return
    with connection.cursor() as cursor:
        switched = _journal_mode(cursor, "delete", wait=False)
    try:
        yield
    finally:
        if switched:
            with connection.cursor() as cursor:
                if not _journal_mode(cursor, "wal", wait=True):
                    # the next connection opened turns the log back on (settings)
                    logger.warning("the SQLite write-ahead log could not be turned back on")


def _journal_mode(cursor, mode: str, *, wait: bool) -> bool:
    """Switch the SQLite journal mode; False when another connection holds the database
    (at once, unless ``wait``: then after the connection's busy timeout)."""
    with nullcontext() if wait else sqlite_pragma(cursor, "busy_timeout", 0):
        try:
            cursor.execute(f"PRAGMA journal_mode = {mode}")
            return str(cursor.fetchone()[0]).lower() == mode
        except OperationalError:
            return False


@contextmanager
def _keys_kept_by_importer():
    """SQLite checks no foreign key row by row while the import writes: every key the
    importer writes is one it allocated, or read, inside the same transaction, which holds
    the database's write lock throughout (checking cost a fifth of the writing). Only
    outside a transaction: inside one, SQLite keeps checking, and the import does too."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.constraint_checks_disabled():
        yield


@contextmanager
def _fewer_collections():
    """Collect garbage less often while a file's rows stream through (see
    :data:`IMPORT_GC_THRESHOLD`), and never over what existed before the import (the
    whole of Django and its modules); both are undone afterwards."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], IMPORT_GC_THRESHOLD), *before[1:])
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def _run(spec: _Kind, path: Path, errors: _Errors, progress: Progress | None, *, writer) -> int:
    """Read and check every row; hand each checked batch to ``writer`` while no error
    has been found. Returns the number of data rows read."""
    read = partial(
        read_file,
        path,
        kind=spec.reading,
        batch=BATCH,
        tz=timezone.get_default_timezone(),
        country=settings.IDIC_DEFAULT_COUNTRY_CODE,
        prepare=writer.prepare if writer is not None else None,
    )
    checks = _DatabaseChecks(spec)
    rows = 0
    with _chunks(read, in_worker=writer is not None and _worth_a_worker(path)) as chunks:
        for chunk in chunks:
            rows = chunk.rows
            for error in chunk.errors:
                errors.add(error)
            if chunk.end:
                if chunk.outside is not None:
                    for error in checks.organisations(chunk.outside):
                        errors.add(error)
                break
            items = chunk.items
            if spec.refers_to_customers:
                items = checks.customers(items, errors)
            if writer is not None and not errors.count:
                writer.write(items)
            if progress:
                progress(chunk.rows, chunk.total)
    if rows == 0 and not errors.count:
        errors.add(RowError(0, "", "", reason("the file has a header but no data rows")))
    return rows


def _worth_a_worker(path: Path) -> bool:
    return path.stat().st_size >= WORKER_MIN_BYTES and import_worker.can_fork()


@contextmanager
def _chunks(read: Callable[[], Iterator[Chunk]], *, in_worker: bool) -> Iterator[Iterator[Chunk]]:
    if in_worker:
        with import_worker.chunks_from_worker(read) as chunks:
            yield chunks
    else:
        yield read()


class _DatabaseChecks:
    """Checks that need the database: customer records the rows refer to, and
    organisations that key persons name but the file does not hold."""

    def __init__(self, spec: _Kind) -> None:
        self.spec = spec
        self.known_customers: set[tuple[str, str]] = set()

    def customers(self, batch: list, errors: _Errors) -> list:
        """The records of ``batch`` whose customer record exists; an error for each other."""
        wanted = {r.customer_key for r in batch} - self.known_customers
        if wanted:
            self.known_customers.update(self._source_records(wanted))
        missing = [r for r in batch if r.customer_key not in self.known_customers]
        for r in missing:
            errors.add(
                RowError(
                    r.row,
                    "source_id",
                    r.source_id,
                    reason(
                        "no customer record ({source}, {source_id}) exists: import the "
                        "customers file first, or correct source/source_id",
                        source=r.source,
                        source_id=r.source_id,
                    ),
                )
            )
        if missing:
            return [r for r in batch if r.customer_key in self.known_customers]
        return batch

    def organisations(self, outside: list[Reference]) -> list[RowError]:
        """Key persons must name an organisation in this file or imported before."""
        if not outside:
            return []
        found = self._source_records({(source, org) for _, source, org in outside})
        return [
            RowError(
                row,
                "org_source_id",
                org,
                reason(
                    "no organisation record ({source}, {org}) in this file or imported "
                    "before: add the organisation's row or correct org_source_id",
                    source=source,
                    org=org,
                ),
            )
            for row, source, org in outside
            if (source, org) not in found
        ]

    @staticmethod
    def _source_records(keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
        bulk = Bulk()
        try:
            return set(source_records(bulk, keys))
        finally:
            bulk.close()


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
    linked: int = 0,
) -> ImportReport:
    run.status = status
    run.finished_at = timezone.now()
    run.rows = rows
    run.created, run.updated, run.unchanged = created, updated, unchanged
    run.linked = linked
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
        linked=linked,
    )
