"""Writing checked customer records in batches (pass 2 of the importer).

A record whose (source, source_id) is new gets a source record, its contact points,
identifiers and attribute values, and a customer: a new one, or the one it is recognised
as by an exact strong key (``import_linking``), stored or made by an earlier row of the
file; a returning customer is linked, not duplicated. A known record is compared with what it
brought last time: an unchanged value is left alone; a changed attribute adds a new
value and marks the old one superseded; a changed phone, email or address becomes the
current contact point and the old one stays, no longer current. History is never
overwritten. Called only inside the transaction of :func:`imports.import_file`.

The writer takes batches as ``import_new_customers.CustomerPreparer`` made them on the
reading side. Into an import whose source records table was empty at the start no
record can be stored already (keys repeated in the file are rejected before anything
is written), so the writer skips looking for them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Model

from idic.identify import normalise
from idic.identify.importing.customer_rows import CustomerRecord
from idic.identify.models import (
    AttributeValue,
    ContactPoint,
    Customer,
    Identifier,
    IdentifierKind,
    KeyPerson,
    SourceRecord,
)
from idic.identify.services.import_linking import ImportLinker, link_keys
from idic.identify.services.import_new_customers import (
    ATTRIBUTE,
    CONTACT,
    CUSTOMER_FIELDS,
    IDENTIFIER,
    CustomerPreparer,
    NewRecords,
    complete_new,
    insert_new,
)
from idic.identify.services.import_sql import Bulk
from idic.protect import services as protect


def contact_points_of(record: CustomerRecord) -> list[tuple[str, str, str]]:
    """``(kind, normalised value, raw value)`` of each contact point the record gives."""
    points = []
    if record.phone:
        points.append(("phone", record.phone, record.payload.get("phone", "")))
    if record.email:
        points.append(("email", record.email, record.payload.get("email", "")))
    if record.address:  # a postal address needs its street part; a city alone is not one
        postal = record.postal_address
        points.append(("address", postal, postal))
    return points


class CustomerWriter:
    """Writes batches of customer records and counts what it created, updated, left alone."""

    def __init__(self, *, bulk: Bulk, now: dt.datetime) -> None:
        self.bulk = bulk
        self.now = now
        self.now_db = bulk.when(now)
        self.created = self.updated = self.unchanged = 0
        self.linked = 0  # created records that joined a customer known before them
        self.linker: ImportLinker | None = None
        # (person customer id, source, organisation's source_id, role, title), linked at the end
        self.key_people: list[tuple[int, str, str, str, str]] = []
        self.fresh = not bulk.exists(SourceRecord)
        # runs on the reading side, maybe in another process: it must not use ``bulk``
        self.prepare = CustomerPreparer(vendor=bulk.vendor, now=now, keep_records=not self.fresh)

    def start(self, *, deferred: Iterable[type[Model]] = (), file_bytes: int = 0) -> None:
        """Get ready to write a file of ``file_bytes``, once the import has deferred the
        indexes of ``deferred``."""
        self.linker = ImportLinker(self.bulk, deferred=deferred, file_bytes=file_bytes)

    def write(self, prepared: tuple) -> None:
        """Write one batch of prepared records (:class:`NewRecords` as a plain tuple): new
        ones created, stored ones updated."""
        batch = NewRecords(*prepared)
        if not batch.keys:
            return
        if self.fresh:
            self._create(batch, set(range(len(batch.keys))))
            return
        found = {
            (source, source_id): (sr_id, customer_id)
            for sr_id, source, source_id, customer_id in self.bulk.select_keys(
                SourceRecord,
                ("id", "source", "source_id", "customer_id"),
                batch.keys,
                ("source", "source_id"),
            )
        }
        records = batch.records or []
        known = []
        new = set()
        for i, key in enumerate(batch.keys):
            stored = found.get(key)
            if stored is None:
                new.add(i)
            else:
                known.append((CustomerRecord(*records[i]), *stored))
        if new:
            self._create(batch, new)
        if known:
            self._update(known)

    # -- new records ------------------------------------------------------------------

    def _create(self, batch: NewRecords, created: set[int]) -> None:
        """Create the records of ``batch`` whose index is in ``created``."""
        b = self.bulk
        indexes = sorted(created)
        if self.linker is None:
            self.start()
        assert self.linker is not None
        record_keys = complete_new(batch)
        links = [link_keys(record_keys[i]) for i in indexes]
        # the customer each record joins: stored, an earlier record's of this batch
        # (-(position + 1) among ``indexes``), or None for a new one
        owners = self.linker.owners(links)
        new_ids = iter(b.allocate_ids(Customer, owners.count(None)))
        record_ids = iter(b.allocate_ids(SourceRecord, len(indexes)))
        customer_of: list = [None] * len(batch.keys)
        record_of: list = [None] * len(batch.keys)
        new_customers = set()
        for i, owner in zip(indexes, owners, strict=True):
            if owner is None:
                customer_of[i] = next(new_ids)
                new_customers.add(i)
            else:
                customer_of[i] = owner if owner > 0 else customer_of[indexes[-owner - 1]]
            record_of[i] = next(record_ids)
        self.linker.settle([customer_of[i] for i in indexes])
        self.linked += len(indexes) - len(new_customers)
        everything = len(indexes) == len(batch.keys)
        insert_new(
            b,
            batch,
            customer_of,
            record_of,
            now=self.now_db,
            created=None if everything else created,
            new_customers=None if len(new_customers) == len(indexes) else new_customers,
        )
        for i, org, role, title in batch.people:
            if i in created:
                self.key_people.append((customer_of[i], batch.keys[i][0], org, role, title))
        self.created += len(indexes)

    def _customer_values(self, record: CustomerRecord) -> tuple:
        return (
            record.party_type,
            record.kind,
            record.status,
            record.scope,
            record.name,
            record.gender,
            self.bulk.day(record.birth_date),
            record.province,
            record.city,
            record.district,
            record.address,
            record.company,
            record.title,
            record.risk_flag,
        )

    def _identifiers(self, record: CustomerRecord, owner: int, sr_id: int) -> list[tuple]:
        out = []
        if record.id_number:
            kind = IdentifierKind.NATIONAL_ID.value
            out.append(
                (
                    owner,
                    sr_id,
                    kind,
                    record.source,
                    "",
                    protect.identifier_digest(kind, record.id_number),
                    protect.seal_value(record.id_number),
                    protect.mask_value("id_number", record.id_number),
                    self.now_db,
                )
            )
        if record.member_card:
            kind = IdentifierKind.MEMBER_CARD.value
            out.append(
                (
                    owner,
                    sr_id,
                    kind,
                    record.source,
                    record.member_card,
                    protect.identifier_digest(kind, record.member_card),
                    "",
                    protect.mask_value("member_card", record.member_card),
                    self.now_db,
                )
            )
        return out

    # -- known records ----------------------------------------------------------------

    def _update(self, known: list[tuple[CustomerRecord, int, int]]) -> None:
        b = self.bulk
        now = self.now_db
        sr_ids = [sr_id for _, sr_id, _ in known]
        current_attrs = _group(
            b.select_in(
                AttributeValue,
                ("source_record_id", "id", "name", "value"),
                "source_record",
                sr_ids,
                "AND superseded_at IS NULL",
            )
        )
        current_contacts = _group(
            b.select_in(
                ContactPoint,
                ("source_record_id", "id", "kind", "value"),
                "source_record",
                sr_ids,
                "AND is_current = %s",
                [True],
            )
        )
        known_identifiers = _group(
            b.select_in(
                Identifier, ("source_record_id", "id", "kind", "digest"), "source_record", sr_ids
            )
        )
        customer_ids = sorted({customer_id for _, _, customer_id in known})
        customer_rows = {
            row[0]: row[1:]
            for row in b.select_in(Customer, ("id", *CUSTOMER_FIELDS), "id", customer_ids)
        }
        # a customer's own fields follow the record that made it; a record linked or
        # merged into it later keeps its values as attributes (with history) only
        first_record = _first_records(b, customer_ids)
        superseded: list[int] = []
        not_current: list[int] = []
        seen_contacts: list[int] = []
        attributes, contacts, identifiers, customers, sources = [], [], [], [], []
        for record, sr_id, customer_id in known:
            changed = False
            created = b.when(record.created_at) if record.created_at else now
            old_attrs = {
                name: (av_id, value) for av_id, name, value in current_attrs.get(sr_id, ())
            }
            for group, name, value in record.attributes:
                old = old_attrs.get(name)
                if old is not None and old[1] == value:
                    continue
                if old is not None:
                    superseded.append(old[0])
                attributes.append(
                    (customer_id, sr_id, group, name, value, record.source, created, 1.0, now)
                )
                changed = True
            old_contacts = {
                kind: (cp_id, value) for cp_id, kind, value in current_contacts.get(sr_id, ())
            }
            for kind, value, raw in contact_points_of(record):
                old = old_contacts.get(kind)
                if old is not None and old[1] == value:
                    seen_contacts.append(old[0])
                    continue
                if old is not None:
                    not_current.append(old[0])
                contacts.append(
                    (customer_id, sr_id, kind, value, raw, False, False, True, now, now)
                )
                changed = True
            have = {(kind, digest) for _, kind, digest in known_identifiers.get(sr_id, ())}
            for row in self._identifiers(record, customer_id, sr_id):
                if (row[2], row[5]) not in have:
                    identifiers.append(row)
                    changed = True
            fields = None
            if first_record.get(customer_id) == sr_id:
                fields = self._changed_customer(record, customer_rows.get(customer_id))
            if fields is not None:
                customers.append((*fields, normalise.name_key(fields[4]), now, customer_id))
                changed = True
            if record.org_source_id:
                self.key_people.append(
                    (
                        customer_id,
                        record.source,
                        record.org_source_id,
                        record.key_role,
                        record.title,
                    )
                )
            sources.append((b.json(record.payload), now, sr_id))
            if changed:
                self.updated += 1
            else:
                self.unchanged += 1
        b.set_where_in(AttributeValue, {"superseded_at": now}, superseded)
        b.set_where_in(ContactPoint, {"is_current": False}, not_current)
        b.set_where_in(ContactPoint, {"last_seen_at": now}, seen_contacts)
        b.insert(AttributeValue, ATTRIBUTE, attributes)
        b.insert(ContactPoint, CONTACT, contacts)
        b.insert(Identifier, IDENTIFIER, identifiers)
        b.update(Customer, (*CUSTOMER_FIELDS, "name_key", "updated_at"), customers)
        b.update(SourceRecord, ("payload", "last_seen_at"), sources)

    def _changed_customer(self, record: CustomerRecord, stored: tuple | None) -> tuple | None:
        """The customer's fields after this record, or None when nothing changes."""
        if stored is None:
            return None
        # a column the row leaves empty (or the file lacks) keeps the stored value
        given = record.payload
        old = _as_db(self.bulk, stored)
        merged = tuple(
            new if name in given else before
            for name, before, new in zip(
                CUSTOMER_FIELDS, old, self._customer_values(record), strict=True
            )
        )
        return None if merged == old else merged

    # -- key persons ------------------------------------------------------------------

    def finish(self) -> None:
        """Link key persons to their organisations once every record of the file is written."""
        if not self.key_people:
            return
        b = self.bulk
        orgs = {
            (source, source_id): customer_id
            for source, source_id, customer_id in b.select_keys(
                SourceRecord,
                ("source", "source_id", "customer_id"),
                {(source, org) for _, source, org, _, _ in self.key_people},
                ("source", "source_id"),
            )
        }
        persons = sorted({person for person, *_ in self.key_people})
        existing = set(
            b.select_in(KeyPerson, ("organisation_id", "person_id", "role"), "person", persons)
        )
        rows = []
        for person, source, org, role, title in self.key_people:
            organisation = orgs.get((source, org))
            if organisation is None:
                raise LookupError(f"organisation {source}:{org} vanished during the import")
            if (organisation, person, role) not in existing:
                existing.add((organisation, person, role))
                rows.append((organisation, person, role, title[:100]))
        b.insert(KeyPerson, ("organisation", "person", "role", "title"), rows)


def _first_records(bulk: Bulk, customer_ids: list[int]) -> dict[int, int]:
    """The first source record (the one that made it) of each customer."""
    first: dict[int, int] = {}
    for customer_id, sr_id in bulk.select_in(
        SourceRecord, ("customer", "id"), "customer", customer_ids
    ):
        if sr_id < first.get(customer_id, sr_id + 1):
            first[customer_id] = sr_id
    return first


def _group(rows: Iterable[tuple]) -> dict[Any, list[tuple]]:
    """Rows keyed by their first value."""
    out: dict[Any, list[tuple]] = {}
    for first, *rest in rows:
        out.setdefault(first, []).append(tuple(rest))
    return out


def _as_db(bulk: Bulk, stored: tuple) -> tuple:
    """Stored customer fields in the form :meth:`CustomerWriter._customer_values` gives."""
    birth = stored[6]
    if isinstance(birth, dt.date):
        birth = bulk.day(birth)
    return (*stored[:6], birth, *stored[7:])
