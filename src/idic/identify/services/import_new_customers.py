"""New customer records: prepared on the reading side, written straight into their tables.

A new record writes eight to ten rows across five tables: its customer, its source
record, contact points, identifiers and attribute values. :class:`CustomerPreparer`
builds those rows on the reading side (which may be the worker process): masks, the
payload as JSON (its UTF-8 bytes, stored as text), times as the database stores them. What takes the writer no more time
to make than to receive is left to it, since the reading side is the busier of the two:
the name keys, the identifiers' digests and the sealed ID numbers
(:func:`complete_new`), and the keys the records are linked by. A batch travels as one
flat list of values per table (:class:`NewRecords`), few objects to carry and to free;
the keys of the rows are left to the writer, which allocates them: each row starts with
slots holding the index of its record in the batch, and :func:`insert_new` overwrites
those slots with the keys and hands the lists, as they are, to multi-row ``INSERT`` s
(``COPY`` on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import orjson

from idic.identify import normalise
from idic.identify.importing.customer_rows import ATTRIBUTE_GROUP_OF, CustomerRecord
from idic.identify.models import (
    AttributeValue,
    ContactPoint,
    Customer,
    Identifier,
    IdentifierKind,
    SourceRecord,
)
from idic.identify.services.import_linking import LinkKeys
from idic.identify.services.import_sql import Bulk, sqlite_time
from idic.protect import services as protect

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
# the columns of each table a new record fills, in the order of the prepared rows: first
# the keys the writer fills in (the customer's, then the source record's); the columns
# every new row of a table fills alike (times of the import, flags) are left to
# :func:`insert_new`
NEW_CUSTOMER = ("id", *CUSTOMER_FIELDS, "name_key", "created_at")
NEW_SOURCE = ("customer", "id", "source", "source_id", "payload")
NEW_CONTACT = ("customer", "source_record", "kind", "value", "raw_value")
NEW_IDENTIFIER = (
    "customer",
    "source_record",
    "kind",
    "issuer",
    "value",
    "digest",
    "ciphertext",
    "masked",
)
NEW_ATTRIBUTE = ("customer", "source_record", "group", "name", "value", "source", "collected_at")
# the whole rows a known record adds to those tables
CONTACT = (
    *NEW_CONTACT,
    "verified",
    "opt_out",
    "is_current",
    "first_seen_at",
    "last_seen_at",
)
IDENTIFIER = (*NEW_IDENTIFIER, "first_seen_at")
ATTRIBUTE = (*NEW_ATTRIBUTE, "confidence", "recorded_at")
# the times of creation a batch's records give, as the database stores them (most files
# give dates, or times shared by many rows): at most this many are remembered
_KEPT_TIMES = 50_000
_SEALED = NEW_IDENTIFIER.index("ciphertext")
_DIGEST = NEW_IDENTIFIER.index("digest")
_KIND = NEW_IDENTIFIER.index("kind")
_VALUE = NEW_IDENTIFIER.index("value")
_NAME = NEW_CUSTOMER.index("name")
_NAME_KEY = NEW_CUSTOMER.index("name_key")
_NATIONAL_ID = IdentifierKind.NATIONAL_ID.value
_MEMBER_CARD = IdentifierKind.MEMBER_CARD.value


class NewRecords(NamedTuple):
    """A batch of prepared customer records, as :class:`CustomerPreparer` makes it.

    Each table's rows follow one another in one flat list, in the column order of
    :data:`NEW_CUSTOMER`, :data:`NEW_SOURCE`, :data:`NEW_CONTACT`, :data:`NEW_IDENTIFIER`
    and :data:`NEW_ATTRIBUTE`; their key slots hold the index of the row's record in the
    batch. Left empty for the writer (:func:`complete_new`): the customers' name keys
    and the identifiers' digests; the identifier rows carry an ID number in clear in
    their ``ciphertext`` slot, sealed by :func:`insert_new`, which also adds what every
    row of a table holds alike.
    """

    keys: list[tuple[str, str]]  # (source, source_id) of each record
    people: list[tuple[int, str, str, str]]  # (record, org_source_id, key_role, title)
    customers: list
    sources: list
    contacts: list
    identifiers: list
    attributes: list
    # each record's (phone, email): with its name key and digests, what
    # ``import_linking`` recognises the record's customer by (see :func:`complete_new`)
    contact_keys: list[tuple[str, str]]
    records: list[tuple] | None  # each record whole, when the writer may update stored ones


class CustomerPreparer:
    """Turns a batch of checked :class:`CustomerRecord` s into :class:`NewRecords`, as a
    plain tuple: nothing here touches the database, and every value is in the form the
    database takes (text for times, UTF-8 bytes for the JSON), so ``marshal`` can carry it.

    ``keep_records``: also carry each record whole, for a writer that may find some of
    them stored already.
    """

    def __init__(self, *, vendor: str, now: dt.datetime, keep_records: bool) -> None:
        self.sqlite = vendor == "sqlite"
        self.now = self.when(now)
        self.keep_records = keep_records
        self.times: dict[str, str] = {}  # created_at as written -> as stored

    def when(self, value: dt.datetime) -> str:
        if self.sqlite:
            return sqlite_time(value)
        return value.isoformat(" ")

    def __call__(self, records: list[CustomerRecord]) -> tuple:
        now = self.now
        keys: list[tuple[str, str]] = []
        people: list[tuple[int, str, str, str]] = []
        customers: list = []
        sources: list = []
        contacts: list = []
        identifiers: list = []
        attributes: list = []
        contact_keys: list[tuple[str, str]] = []
        times = self.times
        if len(times) > _KEPT_TIMES:
            times.clear()
        for i, record in enumerate(records):
            source = record.source
            payload = record.payload
            created = now
            if record.created_at:
                written = payload["created_at"]
                if written not in times:
                    times[written] = self.when(record.created_at)
                created = times[written]
            birth = record.birth_date
            keys.append((source, record.source_id))
            if record.org_source_id:
                people.append((i, record.org_source_id, record.key_role, record.title))
            customers += (
                i,
                record.party_type,
                record.kind,
                record.status,
                record.scope,
                record.name,
                record.gender,
                None if birth is None else birth.isoformat(),
                record.province,
                record.city,
                record.district,
                record.address,
                record.company,
                record.title,
                record.risk_flag,
                "",  # the name key, made by the writer
                created,
            )
            sources += (i, i, source, record.source_id, orjson.dumps(payload))
            if record.phone:
                contacts += (i, i, "phone", record.phone, payload.get("phone", ""))
            if record.email:
                contacts += (i, i, "email", record.email, payload.get("email", ""))
            if record.address:  # a postal address needs its street; a city alone is not one
                postal = record.postal_address
                contacts += (i, i, "address", postal, postal)
            # the digests are made by the writer, the ID number sealed by ``insert_new``
            if record.id_number:
                number = record.id_number
                identifiers += (
                    i,
                    i,
                    _NATIONAL_ID,
                    source,
                    "",
                    "",
                    number,
                    protect.mask_value("id_number", number),
                )
            if record.member_card:
                number = record.member_card
                identifiers += (
                    i,
                    i,
                    _MEMBER_CARD,
                    source,
                    number,
                    "",
                    "",
                    protect.mask_value("member_card", number),
                )
            for group, name, value in record.attributes:
                # a column IDIC knows that the row leaves empty (未知 as gender) adds no value
                if value or ATTRIBUTE_GROUP_OF.get(name) != group:
                    attributes += (i, i, group, name, value, source, created)
            contact_keys.append((record.phone, record.email))
        return (
            keys,
            people,
            customers,
            sources,
            contacts,
            identifiers,
            attributes,
            contact_keys,
            [tuple(r) for r in records] if self.keep_records else None,
        )


def complete_new(batch: NewRecords) -> list[LinkKeys]:
    """Fill in what the reading side left to the writer: each customer row's name key and
    each identifier row's digest. Returns each record's :data:`LinkKeys`."""
    customers, step = batch.customers, len(NEW_CUSTOMER)
    name_keys = [normalise.name_key(name) for name in customers[_NAME::step]]
    customers[_NAME_KEY::step] = name_keys
    count = len(batch.keys)
    digests = {_NATIONAL_ID: [""] * count, _MEMBER_CARD: [""] * count}
    identifiers = batch.identifiers
    for start in range(0, len(identifiers), len(NEW_IDENTIFIER)):
        kind = identifiers[start + _KIND]
        number = identifiers[start + (_SEALED if kind == _NATIONAL_ID else _VALUE)]
        digest = identifiers[start + _DIGEST] = protect.identifier_digest(kind, number)
        digests[kind][identifiers[start]] = digest
    return [
        (id_digest, card_digest, phone, email, name_key)
        for id_digest, card_digest, (phone, email), name_key in zip(
            digests[_NATIONAL_ID], digests[_MEMBER_CARD], batch.contact_keys, name_keys, strict=True
        )
    ]


def insert_new(
    bulk: Bulk,
    batch: NewRecords,
    customer_ids: list[int],
    record_ids: list[int],
    *,
    now: object,
    created: set[int] | None = None,
    new_customers: set[int] | None = None,
) -> None:
    """Write the records of ``batch``: record ``i`` as source record ``record_ids[i]`` of
    customer ``customer_ids[i]``.

    Args:
        now: the time of the import, as ``bulk`` stores it.
        created: the records to write (default: all); the others are stored already.
        new_customers: the records whose customer is new and written too (default: all
            that are written); the others join a customer that exists.
    """
    # booleans as the integers SQLite stores them: the driver binds an int directly but
    # looks up an adapter for each bool first, which costs more than the insert of the value
    yes, no = (1, 0) if bulk.vendor == "sqlite" else (True, False)
    tables = (
        (Customer, NEW_CUSTOMER, batch.customers, new_customers, {"updated_at": now}),
        (
            SourceRecord,
            NEW_SOURCE,
            batch.sources,
            created,
            {"first_seen_at": now, "last_seen_at": now},
        ),
        (
            ContactPoint,
            NEW_CONTACT,
            batch.contacts,
            created,
            {
                "verified": no,
                "opt_out": no,
                "is_current": yes,
                "first_seen_at": now,
                "last_seen_at": now,
            },
        ),
        (Identifier, NEW_IDENTIFIER, batch.identifiers, created, {"first_seen_at": now}),
        (
            AttributeValue,
            NEW_ATTRIBUTE,
            batch.attributes,
            created,
            {"confidence": 1.0, "recorded_at": now},
        ),
    )
    for model, fields, values, wanted, fixed in tables:
        width = len(fields)
        if model is Customer and wanted is None:
            wanted = created
        if wanted is not None:
            values = _rows_of(values, width, wanted)
        # the first slot of a row holds its record's index: the customer's id goes there,
        # and into the second (but in the customer's own row) the source record's
        values[0::width] = [customer_ids[i] for i in values[0::width]]
        if model is not Customer:
            values[1::width] = [record_ids[i] for i in values[1::width]]
        if model is Identifier:
            values[_SEALED::width] = [
                protect.seal_value(number) if number else "" for number in values[_SEALED::width]
            ]
        # the payload is prepared as UTF-8 bytes, as the JSON encoder gives it
        utf8 = ("payload",) if model is SourceRecord else ()
        bulk.insert_flat(model, fields, values, fixed, utf8=utf8)


def _rows_of(values: list, width: int, records: set[int]) -> list:
    """The rows of ``values`` that belong to ``records``."""
    out: list = []
    for start in range(0, len(values), width):
        if values[start] in records:
            out += values[start : start + width]
    return out
