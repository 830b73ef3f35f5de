"""Writing checked transactions and interactions in batches (pass 2 of the importer).

Each row belongs to a customer record imported before; it is keyed on (source,
order_id) or (source, interaction_id): a new key is inserted, a known one is updated
in place when a value differs. Called only inside the transaction of
:func:`imports.import_file`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from idic.identify.importing.interaction_rows import InteractionRecord
from idic.identify.importing.transaction_rows import TransactionRecord
from idic.identify.models import Interaction, Product, SourceRecord, Transaction
from idic.identify.services.import_sql import Bulk

Key = tuple[str, str]


def source_records(bulk: Bulk, keys: Iterable[Key]) -> dict[Key, tuple[int, int]]:
    """``(source, source_id)`` → ``(source record id, customer id)`` for the keys that exist."""
    return {
        (source, source_id): (sr_id, customer_id)
        for sr_id, source, source_id, customer_id in bulk.select_keys(
            SourceRecord,
            ("id", "source", "source_id", "customer_id"),
            set(keys),
            ("source", "source_id"),
        )
    }


class _ActivityWriter:
    # records need no preparing on the reading side
    prepare = None

    def __init__(self, *, bulk: Bulk, now: dt.datetime) -> None:
        self.bulk = bulk
        self.now = now
        self.created = self.updated = self.unchanged = 0

    def finish(self) -> None:
        """Nothing is left to do after the last batch."""

    def _owners(self, records) -> dict[Key, tuple[int, int]]:
        owners = source_records(self.bulk, (r.customer_key for r in records))
        for record in records:
            if record.customer_key not in owners:
                source, source_id = record.customer_key
                raise LookupError(
                    f"customer record {source}:{source_id} vanished during the import"
                )
        return owners


class TransactionWriter(_ActivityWriter):
    """Inserts new orders, updates changed ones; products are created by SKU as needed."""

    FIELDS = ("customer", "source_record", "ts", "amount", "cost", "product", "channel")

    def write(self, records: list[TransactionRecord]) -> None:
        b = self.bulk
        owners = self._owners(records)
        products = self._products({r.product for r in records if r.product})
        stored: dict[Key, tuple] = {}
        for source, order_ids in _by_source(records, "order_id").items():
            for chunk in _chunked(order_ids):
                for pk, order_id, *stored_values in Transaction.objects.filter(
                    source=source, order_id__in=chunk
                ).values_list(
                    "pk",
                    "order_id",
                    "customer_id",
                    "source_record_id",
                    "ts",
                    "amount",
                    "cost",
                    "product_id",
                    "channel",
                ):
                    stored[(source, order_id)] = (pk, tuple(stored_values))
        inserts, updates = [], []
        for r in records:
            sr_id, customer_id = owners[r.customer_key]
            values = (
                customer_id,
                sr_id,
                r.ts,
                r.amount,
                r.cost,
                products.get(r.product),
                r.channel,
            )
            old = stored.get(r.key)
            if old is None:
                inserts.append((r.source, r.order_id, *self._db(values)))
            elif old[1] != values:
                updates.append((*self._db(values), old[0]))
            else:
                self.unchanged += 1
        b.insert(Transaction, ("source", "order_id", *self.FIELDS), inserts)
        b.update(Transaction, self.FIELDS, updates)
        self.created += len(inserts)
        self.updated += len(updates)

    def _db(self, values: tuple) -> tuple:
        customer_id, sr_id, ts, amount, cost, product_id, channel = values
        ops = self.bulk.ops
        return (
            customer_id,
            sr_id,
            self.bulk.when(ts),
            ops.adapt_decimalfield_value(amount, 14, 2),
            None if cost is None else ops.adapt_decimalfield_value(cost, 14, 2),
            product_id,
            channel,
        )

    def _products(self, skus: set[str]) -> dict[str, int]:
        if not skus:
            return {}
        b = self.bulk
        found = dict(b.select_in(Product, ("sku", "id"), "sku", skus))
        missing = sorted(skus - found.keys())
        ids = b.allocate_ids(Product, len(missing))
        b.insert(
            Product,
            ("id", "sku", "name", "category"),
            [(pk, sku, sku, "") for pk, sku in zip(ids, missing, strict=True)],
        )
        found.update(zip(missing, ids, strict=True))
        return found


class InteractionWriter(_ActivityWriter):
    """Inserts new interactions, updates changed ones."""

    FIELDS = (
        "customer",
        "source_record",
        "ts",
        "channel",
        "direction",
        "subject",
        "summary",
        "staff",
        "duration_seconds",
    )

    def write(self, records: list[InteractionRecord]) -> None:
        b = self.bulk
        owners = self._owners(records)
        stored: dict[Key, tuple] = {}
        for source, ids in _by_source(records, "interaction_id").items():
            for chunk in _chunked(ids):
                for pk, external_id, *stored_values in Interaction.objects.filter(
                    source=source, external_id__in=chunk
                ).values_list(
                    "pk",
                    "external_id",
                    "customer_id",
                    "source_record_id",
                    "ts",
                    "channel",
                    "direction",
                    "subject",
                    "summary",
                    "staff",
                    "duration_seconds",
                ):
                    stored[(source, external_id)] = (pk, tuple(stored_values))
        inserts, updates = [], []
        for r in records:
            sr_id, customer_id = owners[r.customer_key]
            values = (
                customer_id,
                sr_id,
                r.ts,
                r.channel,
                r.direction,
                r.subject,
                r.summary,
                r.staff,
                r.duration_seconds,
            )
            old = stored.get(r.key)
            db_values = (*values[:2], b.when(r.ts), *values[3:])
            if old is None:
                inserts.append((r.source, r.interaction_id, *db_values))
            elif old[1] != values:
                updates.append((*db_values, old[0]))
            else:
                self.unchanged += 1
        b.insert(Interaction, ("source", "external_id", *self.FIELDS), inserts)
        b.update(Interaction, self.FIELDS, updates)
        self.created += len(inserts)
        self.updated += len(updates)


def _by_source(records, field: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in records:
        out.setdefault(r.source, []).append(getattr(r, field))
    return out


def _chunked(items: list[str], size: int = 900):
    for start in range(0, len(items), size):
        yield items[start : start + size]
