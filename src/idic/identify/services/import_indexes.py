"""Build random-key indexes after a bulk load instead of row by row (SQLite).

Inserting a million rows into an index on random keys (phones, emails and addresses)
touches a random page per row and soon outgrows the page cache; sorting the finished
table once is several times cheaper. (A smaller random-key index, one that stays in
the page cache, is cheaper to keep up to date while the load runs: the importer names
which to defer.) So when a table the import writes is empty, or small next to the
file, the random-key indexes the importer names are dropped at the start of the
import and created again, from the very SQL that made them, before it commits. Both
happen inside the import's one transaction: a rejected or failed import rolls the drop
back with everything else, and other connections never see a table without its indexes.

Every other index stays: unique ones enforce the keys and serve the importer's own
look-ups, and the rest (foreign keys, times, a few codes) fill at their end or at a
handful of places, about as cheaply as the table itself — while the load runs beside
the reading worker, not after it. On PostgreSQL nothing is deferred (a dropped index
would lock the table against readers until the import commits).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from django.db.models import Model

from idic.identify.services.import_sql import Bulk, sqlite_pragma

# Bytes a typical file spends on one record; a small guess overstates the rows of a file,
# which only makes deferring likelier on a table that is not empty.
BYTES_PER_ROW = 100
# most helper threads SQLite may sort with when it builds them
SORT_THREADS = 4
# per table, the field lists of the indexes to build after the load
Deferrable = Mapping[type[Model], tuple[tuple[str, ...], ...]]


class DeferredIndexes:
    """The indexes an import dropped, to be created again by :meth:`restore`."""

    def __init__(
        self, bulk: Bulk, statements: list[str], models: tuple[type[Model], ...] = ()
    ) -> None:
        self.bulk = bulk
        self.statements = statements
        self.models = models  # the tables whose indexes are dropped until :meth:`restore`

    @classmethod
    def drop(cls, bulk: Bulk, deferrable: Deferrable, *, file_bytes: int) -> DeferredIndexes:
        """Drop the ``deferrable`` indexes of each table that holds fewer rows than the
        file is likely to bring (an empty table always qualifies)."""
        if bulk.vendor != "sqlite":
            return cls(bulk, [])
        incoming = max(file_bytes // BYTES_PER_ROW, 1)
        statements: list[str] = []
        models: list[type[Model]] = []
        for model, indexes in deferrable.items():
            bulk.cursor.execute(f"SELECT MAX(id) FROM {bulk.table(model)}")
            top = bulk.cursor.fetchone()[0] or 0
            if top >= incoming:
                continue
            wanted = {_field_columns(model, fields) for fields in indexes}
            bulk.cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL ORDER BY name",
                [model._meta.db_table],
            )
            for name, sql in bulk.cursor.fetchall():
                if sql.lstrip().upper().startswith("CREATE UNIQUE"):
                    continue
                if _columns(bulk, name) in wanted:
                    bulk.run(f"DROP INDEX {bulk.ops.quote_name(name)}", [])
                    statements.append(sql)
                    if model not in models:
                        models.append(model)
        return cls(bulk, statements, tuple(models))

    def restore(self) -> None:
        """Create the dropped indexes again, once every row of the import is written.

        The file is read by then, so SQLite may sort with helper threads on the cores
        the reading worker used (``PRAGMA threads``; set back afterwards)."""
        if not self.statements:
            return
        threads = min(SORT_THREADS, os.cpu_count() or 1)
        with sqlite_pragma(self.bulk.raw_cursor, "threads", threads):
            for sql in self.statements:
                self.bulk.run(sql, [])
        self.statements = []


def _field_columns(model: type[Model], fields: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(str(model._meta.get_field(f).column) for f in fields)  # type: ignore[union-attr]


def _columns(bulk: Bulk, index: str) -> tuple[str, ...]:
    bulk.cursor.execute(f"PRAGMA index_info({bulk.ops.quote_name(index)})")
    return tuple(column for _, _, column in sorted(bulk.cursor.fetchall()))
