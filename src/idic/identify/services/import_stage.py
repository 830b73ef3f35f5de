"""New customer records through a staging table: one wide row per record from Python,
then set-based SQL fans each batch out to customers, source records, contact points,
identifiers and attribute values.

A record writes eight to ten rows across five tables; building and binding them one
by one in Python cost more than the database's own work. Here Python binds one row
per record and the database copies the parts with ``INSERT … SELECT`` (inside the
importer's transaction, on SQLite and PostgreSQL alike).
"""

from __future__ import annotations

from idic.identify.importing.customer_rows import ATTRIBUTE_GROUP_OF
from idic.identify.models import (
    AttributeValue,
    ContactPoint,
    Customer,
    Identifier,
    IdentifierKind,
    SourceRecord,
)
from idic.identify.services.import_sql import Bulk

STAGE = "idic_import_stage"
CUSTOMER_FIELDS = (
    "party_type",
    "kind",
    "status",
    "scope",
    "name",
    "gender",
    "birth_date",
    "province",
    "city",
    "district",
    "address",
    "company",
    "title",
    "risk_flag",
)
ATTRIBUTE_NAMES = tuple(ATTRIBUTE_GROUP_OF)
# (column, PostgreSQL type); SQLite stores every column as TEXT but the keys
COLUMNS: tuple[tuple[str, str], ...] = (
    ("customer_id", "bigint"),
    ("sr_id", "bigint"),
    ("new_customer", "integer"),
    ("source", "text"),
    ("source_id", "text"),
    ("payload", "jsonb"),
    ("created", "timestamptz"),
    *((f, "date" if f == "birth_date" else "text") for f in CUSTOMER_FIELDS),
    ("name_key", "text"),
    ("phone", "text"),
    ("phone_raw", "text"),
    ("email", "text"),
    ("email_raw", "text"),
    ("postal", "text"),
    ("nid_digest", "text"),
    ("nid_cipher", "text"),
    ("nid_mask", "text"),
    ("card", "text"),
    ("card_digest", "text"),
    ("card_mask", "text"),
    *((f"a_{name}", "text") for name in ATTRIBUTE_NAMES),
)
COLUMN_NAMES = tuple(name for name, _ in COLUMNS)


class CustomerStage:
    """Stages batches of new-record rows (in :data:`COLUMN_NAMES` order) and fans them out."""

    def __init__(self, bulk: Bulk, now_db) -> None:
        self.bulk = bulk
        self.now = now_db
        sqlite = bulk.vendor == "sqlite"
        typed = ", ".join(
            f"{name} {('INTEGER' if kind in ('bigint', 'integer') else 'TEXT') if sqlite else kind}"
            for name, kind in COLUMNS
        )
        bulk.run(f"DROP TABLE IF EXISTS {STAGE}", [])
        bulk.run(f"CREATE TEMPORARY TABLE {STAGE} ({typed})", [])
        self.fan_out = self._statements()

    def write(self, rows: list[tuple]) -> None:
        """Insert one batch of staged rows and spread them over the real tables."""
        self.bulk.insert_into(STAGE, COLUMN_NAMES, rows)
        for sql, params in self.fan_out:
            self.bulk.run(sql, params)
        self.bulk.run(f"DELETE FROM {STAGE}", [])

    def close(self) -> None:
        self.bulk.run(f"DROP TABLE IF EXISTS {STAGE}", [])

    def _statements(self) -> list[tuple[str, list]]:
        b = self.bulk
        m = b.mark
        now = self.now
        out: list[tuple[str, list]] = []

        def copy(model, fields, select: str, where: str, params: list) -> None:
            columns = ", ".join(b.column(model, f) for f in fields)
            out.append(
                (
                    f"INSERT INTO {b.table(model)} ({columns}) SELECT {select} FROM {STAGE}"
                    + (f" WHERE {where}" if where else ""),
                    params,
                )
            )

        copy(
            Customer,
            ("id", *CUSTOMER_FIELDS, "name_key", "created_at", "updated_at"),
            f"customer_id, {', '.join(CUSTOMER_FIELDS)}, name_key, created, {m}",
            "new_customer = 1",
            [now],
        )
        copy(
            SourceRecord,
            ("id", "source", "source_id", "customer", "payload", "first_seen_at", "last_seen_at"),
            f"sr_id, source, source_id, customer_id, payload, {m}, {m}",
            "",
            [now, now],
        )
        contact = (
            "customer",
            "source_record",
            "kind",
            "value",
            "raw_value",
            "verified",
            "opt_out",
            "is_current",
            "first_seen_at",
            "last_seen_at",
        )
        for kind, value, raw in (
            ("phone", "phone", "phone_raw"),
            ("email", "email", "email_raw"),
            ("address", "postal", "postal"),
        ):
            copy(
                ContactPoint,
                contact,
                f"customer_id, sr_id, {m}, {value}, {raw}, {m}, {m}, {m}, {m}, {m}",
                f"{value} <> ''",
                [kind, False, False, True, now, now],
            )
        identifier = (
            "customer",
            "source_record",
            "kind",
            "issuer",
            "value",
            "digest",
            "ciphertext",
            "masked",
            "first_seen_at",
        )
        copy(
            Identifier,
            identifier,
            f"customer_id, sr_id, {m}, source, {m}, nid_digest, nid_cipher, nid_mask, {m}",
            "nid_digest <> ''",
            [IdentifierKind.NATIONAL_ID.value, "", now],
        )
        copy(
            Identifier,
            identifier,
            f"customer_id, sr_id, {m}, source, card, card_digest, {m}, card_mask, {m}",
            "card <> ''",
            [IdentifierKind.MEMBER_CARD.value, "", now],
        )
        attribute = (
            "customer",
            "source_record",
            "group",
            "name",
            "value",
            "source",
            "collected_at",
            "confidence",
            "recorded_at",
        )
        parts, params = [], []
        for name in ATTRIBUTE_NAMES:
            parts.append(
                f"SELECT customer_id, sr_id, {m}, {m}, a_{name}, source, created, {m}, {m} "
                f"FROM {STAGE} WHERE a_{name} <> ''"
            )
            params += [ATTRIBUTE_GROUP_OF[name], name, 1.0, now]
        columns = ", ".join(b.column(AttributeValue, f) for f in attribute)
        out.append(
            (
                f"INSERT INTO {b.table(AttributeValue)} ({columns}) " + " UNION ALL ".join(parts),
                params,
            )
        )
        return out
