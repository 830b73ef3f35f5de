"""The demo stream: one bundle of rows per household or organisation, in order.

``generate(customers=N, rng=random.Random(seed))`` yields :class:`Bundle` objects
until N real customers (persons and organisations) exist. A bundle holds every row
its people produce — customer records (originals and noisy duplicates), truth rows,
transactions and interactions — so a writer can stream them to files and forget
them: nothing outside the current bundle is kept.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from idic.identify.demo import contacts, noise, purchases
from idic.identify.demo.phones import format_mobile
from idic.identify.demo.population import OrganisationCustomer, Person, Population
from idic.identify.demo.records import (
    ADDRESS_SOURCES,
    PRIMARY_WEIGHTS,
    SOURCES,
    Row,
    SourceIds,
    key_person_row,
    organisation_row,
    person_row,
)

START = date(2023, 1, 1)  # first day of transactions and interactions
END = date(2025, 12, 31)  # last day of the demo data
DUPLICATE_SHARE = 0.2  # persons with records in further sources
ORG_DUPLICATE_SHARE = 0.15
POTENTIAL_SHARE = 0.1  # persons who never bought: status "potential"
INTERNAL_SHARE = 0.01  # staff who are customers too: scope "internal"
ORGANISATION_SHARE = 0.04  # of households-or-organisations drawn
_HOUSEHOLD_SIZES = ((1, 2, 3, 4), (45, 30, 17, 8))
_ADDRESS_WEIGHTS = PRIMARY_WEIGHTS[: len(ADDRESS_SOURCES)]


@dataclass(frozen=True)
class Buyer:
    """A customer's hidden buying behaviour and what came of it (for tests)."""

    person: str
    profile: purchases.BuyerProfile
    dropped_on: date | None
    orders: int


@dataclass
class Bundle:
    """All rows of one household or one organisation with its key persons.

    Each person's original record comes before their duplicates in ``customers``; an
    organisation's own record comes first of all.
    """

    kind: str  # "household" or "organisation"
    members: tuple[str, ...]  # truth ids; for an organisation, itself first
    customers: list[Row] = field(default_factory=list)
    truth: list[Row] = field(default_factory=list)
    transactions: list[Row] = field(default_factory=list)
    interactions: list[Row] = field(default_factory=list)
    # (source, source_id) of each duplicate record → the noise kinds it carries
    noise: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    buyers: list[Buyer] = field(default_factory=list)

    @property
    def people(self) -> int:
        return len(self.members)


class _Stream:
    def __init__(self, rng: random.Random, *, start: date, end: date) -> None:
        self.rng = rng
        self.start = start
        self.end = end
        self.population = Population(rng, end=end)
        self.ids = SourceIds()
        self.staff = contacts.staff_roster(rng)
        self.orders = 0
        self.contacts = 0

    # ---- customer records ---------------------------------------------------------
    def _add(self, bundle: Bundle, row: Row, pid: str) -> tuple[str, str]:
        bundle.customers.append(row)
        bundle.truth.append({"source": row["source"], "source_id": row["source_id"], "person": pid})
        return row["source"], row["source_id"]

    def _later(self, since: date) -> date:
        return since + timedelta(days=self.rng.randint(0, max(0, (self.end - since).days)))

    def _other_source(self, source: str) -> str:
        if self.rng.random() < 0.15:  # a second record in the same system
            return source
        return self.rng.choice([s for s in SOURCES if s != source])

    def person_records(
        self, bundle: Bundle, person: Person, *, family: bool, status: str, scope: str
    ) -> list[tuple[str, str]]:
        """The person's original record and, for some, noisy duplicates elsewhere."""
        rng = self.rng
        if person.organisation is not None:
            source, sid = "crm", self.ids.next("crm")
            org_sid = bundle.customers[0]["source_id"]
            row = key_person_row(
                rng, person, source_id=sid, org_source_id=org_sid, created=person.since
            )
        else:
            if family:  # a family's shared home shows on records that keep an address
                source = rng.choices(ADDRESS_SOURCES, weights=_ADDRESS_WEIGHTS)[0]
            else:
                source = rng.choices(SOURCES, weights=PRIMARY_WEIGHTS)[0]
            sid = self.ids.next(source)
            home = family or (bool(person.landline) and rng.random() < 0.3)
            row = person_row(
                rng,
                person,
                source=source,
                source_id=sid,
                created=person.since,
                status=status,
                scope=scope,
                home_phone=home,
            )
        records = [self._add(bundle, row, person.pid)]
        if rng.random() >= DUPLICATE_SHARE:
            return records
        truth = noise.Truth(
            surname=person.surname,
            given=person.given,
            old_phone=format_mobile(rng, person.old_mobile) if person.old_mobile else "",
        )
        for _ in range(rng.choices((1, 2, 3), weights=(75, 20, 5))[0]):
            dsource = self._other_source(source)
            dsid = self.ids.next(dsource)
            drow = person_row(
                rng,
                person,
                source=dsource,
                source_id=dsid,
                created=self._later(person.since),
                status=status,
                scope=scope,
                home_phone=bool(person.landline) and rng.random() < 0.2,
            )
            kinds = noise.choose_kinds(rng, organisation=False)
            bundle.noise[(dsource, dsid)] = noise.apply_noise(rng, drow, kinds, truth)
            records.append(self._add(bundle, drow, person.pid))
        return records

    def organisation_records(
        self, bundle: Bundle, customer: OrganisationCustomer
    ) -> list[tuple[str, str]]:
        rng = self.rng
        sid = self.ids.next("crm")
        row = organisation_row(rng, customer, source="crm", source_id=sid, created=customer.since)
        records = [self._add(bundle, row, customer.pid)]
        if rng.random() < ORG_DUPLICATE_SHARE:
            dsource = rng.choice(("shop", "web", "crm"))
            dsid = self.ids.next(dsource)
            drow = organisation_row(
                rng, customer, source=dsource, source_id=dsid, created=self._later(customer.since)
            )
            truth = noise.Truth(short_name=customer.org.short_name, city=customer.district.city)
            kinds = noise.choose_kinds(rng, organisation=True)
            bundle.noise[(dsource, dsid)] = noise.apply_noise(rng, drow, kinds, truth)
            records.append(self._add(bundle, drow, customer.pid))
        return records

    # ---- behaviour ----------------------------------------------------------------
    def buy(
        self,
        bundle: Bundle,
        pid: str,
        records: list[tuple[str, str]],
        since: date,
        *,
        organisation: bool,
    ) -> int:
        """Transactions of one customer; returns how many orders fell in the window."""
        rng = self.rng
        profile = purchases.draw_profile(rng, organisation=organisation)
        days, dropped = purchases.purchase_days(
            rng, profile, since=since, start=self.start, end=self.end
        )
        for ts, amount, cost, sku, channel in purchases.orders(rng, profile, days):
            source, sid = records[0] if rng.random() < 0.7 else rng.choice(records)
            self.orders += 1
            bundle.transactions.append(
                {
                    "source": source,
                    "source_id": sid,
                    "order_id": f"O{self.orders:010d}",
                    "ts": ts.isoformat(),
                    "amount": f"{amount:.2f}",
                    "cost": f"{cost:.2f}",
                    "product": sku,
                    "channel": channel,
                }
            )
        bundle.buyers.append(Buyer(pid, profile, dropped, len(days)))
        return len(days)

    def contact(
        self,
        bundle: Bundle,
        records: list[tuple[str, str]],
        since: date,
        *,
        mean: float,
        business: bool = False,
    ) -> None:
        rng = self.rng
        first = max(since, self.start)
        if first > self.end:
            return
        count = min(40, contacts.poisson(rng, mean))
        for row in contacts.interactions(
            rng, count=count, first=first, end=self.end, staff=self.staff, business=business
        ):
            source, sid = records[0] if rng.random() < 0.7 else rng.choice(records)
            self.contacts += 1
            row = {
                "source": source,
                "source_id": sid,
                "interaction_id": f"I{self.contacts:010d}",
                **row,
            }
            bundle.interactions.append(row)

    # ---- units --------------------------------------------------------------------
    def household(self, size: int) -> Bundle:
        rng = self.rng
        household = self.population.household(size)
        bundle = Bundle("household", tuple(p.pid for p in household.members))
        for person in household.members:
            status = "potential" if rng.random() < POTENTIAL_SHARE else "actual"
            scope = "internal" if rng.random() < INTERNAL_SHARE else "external"
            records = self.person_records(
                bundle, person, family=size > 1, status=status, scope=scope
            )
            orders = 0
            if status == "actual":
                orders = self.buy(bundle, person.pid, records, person.since, organisation=False)
            self.contact(bundle, records, person.since, mean=0.6 + 0.4 * orders)
        return bundle

    def organisation(self, key_persons: int) -> Bundle:
        customer = self.population.organisation(key_persons)
        members = (customer.pid, *(p.pid for p in customer.key_persons))
        bundle = Bundle("organisation", members)
        records = self.organisation_records(bundle, customer)
        self.buy(bundle, customer.pid, records, customer.since, organisation=True)
        self.contact(bundle, records, customer.since, mean=1.0, business=True)
        for person in customer.key_persons:
            own = self.person_records(
                bundle, person, family=False, status="actual", scope="external"
            )
            self.contact(bundle, own, person.since, mean=2.0, business=True)
        return bundle


def generate(
    *, customers: int, rng: random.Random, start: date = START, end: date = END
) -> Iterator[Bundle]:
    """Bundles of rows until ``customers`` real persons and organisations exist.

    Deterministic for the state of ``rng``: the same seed gives the same rows.
    """
    if customers < 0:
        raise ValueError(f"customers must be 0 or more, not {customers}")
    stream = _Stream(rng, start=start, end=end)
    made = 0
    while made < customers:
        left = customers - made
        if left >= 2 and rng.random() < ORGANISATION_SHARE:
            bundle = stream.organisation(min(rng.randint(1, 4), left - 1))
        else:
            size = rng.choices(*_HOUSEHOLD_SIZES)[0]
            bundle = stream.household(min(size, left))
        made += bundle.people
        yield bundle
