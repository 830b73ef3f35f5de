"""The demo data generator (pure): realistic, consistent, noisy where it should be."""

from __future__ import annotations

import random
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime

import opencc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from idic.identify.demo import noise, places
from idic.identify.demo.generator import END, START, Bundle, generate
from idic.identify.demo.id_numbers import FIRST_BIRTH_DATE, LAST_BIRTH_DATE, IdIssuer, id_number
from idic.identify.demo.names import to_pinyin
from idic.identify.demo.numbering import Scrambler
from idic.identify.demo.phones import MOBILE_PREFIXES
from idic.identify.demo.records import SOURCES
from idic.identify.normalise import normalise_phone, parse_id_number

REGION = {(d.province, d.city, d.name): d.code for d in places.DISTRICTS}
BIRTH_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d")
GENDERS = {"M": "M", "F": "F", "male": "M", "female": "F", "男": "M", "女": "F"}


def _birth(text: str) -> date:
    for fmt in BIRTH_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 — a date, no time
        except ValueError:
            continue
    raise AssertionError(f"birth date {text!r} in no documented format")


@dataclass
class Stream:
    bundles: list[Bundle]

    @property
    def customers(self):
        return [row for b in self.bundles for row in b.customers]

    @property
    def truth(self):
        return [row for b in self.bundles for row in b.truth]

    @property
    def transactions(self):
        return [row for b in self.bundles for row in b.transactions]

    @property
    def interactions(self):
        return [row for b in self.bundles for row in b.interactions]

    @property
    def noise(self):
        return {k: v for b in self.bundles for k, v in b.noise.items()}

    def person_of(self):
        return {(t["source"], t["source_id"]): t["person"] for t in self.truth}

    def originals(self):
        """Each person's first (original) record."""
        first = {}
        for row, t in zip(self.customers, self.truth, strict=True):
            first.setdefault(t["person"], row)
        return first


@pytest.fixture(scope="module")
def stream() -> Stream:
    return Stream(list(generate(customers=6000, rng=random.Random(20240601))))


def _rows(customers: int, seed: int) -> list:
    return [
        (b.customers, b.truth, b.transactions, b.interactions)
        for b in generate(customers=customers, rng=random.Random(seed))
    ]


# ---- determinism and shape ----------------------------------------------------------------


def test_same_seed_gives_same_rows_and_another_seed_other_rows():
    # given / when the stream is drawn twice with one seed and once with another
    first, again, other = _rows(300, 7), _rows(300, 7), _rows(300, 8)
    # then the same seed repeats every row and another seed does not
    assert first == again
    assert first != other


def test_stream_makes_exactly_the_requested_number_of_real_customers(stream):
    # given 6000 requested customers / then there are 6000 distinct truth ids
    assert len({t["person"] for t in stream.truth}) == 6000
    assert sum(b.people for b in stream.bundles) == 6000


def test_negative_customers_are_refused():
    # given / when / then a negative count is an error naming the value
    with pytest.raises(ValueError, match="-1"):
        next(generate(customers=-1, rng=random.Random(1)))


def test_every_record_has_one_truth_row_and_unique_source_id(stream):
    # given the records and the truth rows
    keys = [(r["source"], r["source_id"]) for r in stream.customers]
    # then keys are unique within their source and each record has its truth row
    assert len(keys) == len(set(keys))
    assert keys == [(t["source"], t["source_id"]) for t in stream.truth]
    assert {s for s, _ in keys} == set(SOURCES)


# ---- identity data -----------------------------------------------------------------------


def test_id_numbers_are_valid_and_agree_with_the_person(stream):
    # given every record that carries an ID number
    noise_of = stream.noise
    checked = 0
    for row in stream.customers:
        if not row.get("id_number"):
            continue
        # when it is parsed (full-width digits fold)
        parsed = parse_id_number(row["id_number"])
        kinds = noise_of.get((row["source"], row["source_id"]), ())
        # then the check digit holds, and birth date, gender and region agree with the row
        if row.get("birth_date") and "swap" not in kinds:
            assert parsed.birth_date == _birth(row["birth_date"]), row
        if row.get("gender"):
            assert parsed.gender == GENDERS[row["gender"]], row
        if row.get("district"):
            assert parsed.region == REGION[(row["province"], row["city"], row["district"])], row
        checked += 1
    assert checked > 1000


def test_id_numbers_belong_to_one_person_each(stream):
    # given the ID numbers of all records / then no two people share one
    owners = defaultdict(set)
    person_of = stream.person_of()
    for row in stream.customers:
        if row.get("id_number"):
            value = parse_id_number(row["id_number"]).value
            owners[value].add(person_of[(row["source"], row["source_id"])])
    assert all(len(people) == 1 for people in owners.values())


def test_every_phone_normalises_and_mobiles_use_real_prefixes(stream):
    # given every phone written in the customers rows
    phones = [row["phone"] for row in stream.customers if row.get("phone")]
    # when normalised
    normalised = [normalise_phone(p) for p in phones]
    # then each is E.164, and mobiles start with an operator prefix
    assert len(normalised) > 5000
    mobiles = [n for n in normalised if n.startswith("+861") and len(n) == 14]
    assert mobiles and all(m[3:6] in MOBILE_PREFIXES for m in mobiles)
    assert any(not n.startswith("+861") or len(n) != 14 for n in normalised)  # landlines too


def test_people_share_a_phone_only_within_their_household(stream):
    # given which people use each phone number
    users = defaultdict(set)
    person_of = stream.person_of()
    for row in stream.customers:
        if row.get("phone"):
            users[normalise_phone(row["phone"])].add(person_of[(row["source"], row["source_id"])])
    household_of = {pid: i for i, b in enumerate(stream.bundles) for pid in b.members}
    # then a number used by several people is one household's
    shared = [people for people in users.values() if len(people) > 1]
    assert shared
    assert all(len({household_of[p] for p in people}) == 1 for people in shared)


def test_family_members_share_home_and_phone_but_are_different_people(stream):
    # given households of two or more people
    originals = stream.originals()
    families = [b for b in stream.bundles if b.kind == "household" and b.people > 1]
    assert len(families) > 500
    for family in families:
        rows = [originals[pid] for pid in family.members]
        # then their original records show one address and one phone
        assert len({(r["province"], r["city"], r["district"], r["address"]) for r in rows}) == 1
        assert len({normalise_phone(r["phone"]) for r in rows}) == 1
        # and they are different people: own truth ids, names and birth dates
        assert len(set(family.members)) == len(rows)
        assert len({r["name"] for r in rows}) == len(rows)
        births = [_birth(r["birth_date"]) for r in rows if r.get("birth_date")]
        assert len(set(births)) == len(births)


def test_organisations_have_key_persons_in_the_same_source(stream):
    # given the organisation bundles
    organisations = [b for b in stream.bundles if b.kind == "organisation"]
    assert len(organisations) > 30
    kinds = Counter()
    for bundle in organisations:
        org = bundle.customers[0]
        kinds[org["kind"]] += 1
        # then the organisation's record comes first and its key persons point to it
        assert org["party_type"] == "organisation"
        key_rows = [r for r in bundle.customers if r.get("org_source_id")]
        assert 1 <= len(key_rows) == bundle.people - 1
        assert all(r["org_source_id"] == org["source_id"] for r in key_rows)
        assert all(r["source"] == org["source"] and r["company"] == org["name"] for r in key_rows)
        assert [r["key_role"] for r in key_rows].count("decision_maker") == 1
    assert set(kinds) == {"industrial", "intermediary", "public_interest"}


# ---- duplicates and noise ----------------------------------------------------------------


def test_a_fifth_of_people_have_duplicate_records(stream):
    # given the number of records per real person
    records = Counter(t["person"] for t in stream.truth)
    # then 15–25 % have records in further sources, all named in the truth file
    share = sum(1 for n in records.values() if n > 1) / len(records)
    assert 0.15 <= share <= 0.25
    assert set(stream.noise) <= {(t["source"], t["source_id"]) for t in stream.truth}


def test_every_kind_of_noise_occurs(stream):
    # given the noise each duplicate carries
    seen = Counter(kind for kinds in stream.noise.values() for kind in kinds)
    # then every kind occurs
    assert set(seen) == set(noise.NOISE_KINDS)


def test_noise_kinds_leave_the_traces_they_claim(stream):
    # given each duplicate beside its person's original record
    originals = stream.originals()
    person_of = stream.person_of()
    to_simplified = opencc.OpenCC("t2s")
    full_width = set("０１２３４５６７８９")
    noise_of = stream.noise
    for row in stream.customers:
        kinds = noise_of.get((row["source"], row["source_id"]))
        if kinds is None:
            continue
        original = originals[person_of[(row["source"], row["source_id"])]]
        # then each claimed kind is visible in the row
        if "pinyin" in kinds:
            assert row["name"].isascii() and " " in row["name"]
        if "traditional" in kinds:
            text = row["name"] + row.get("address", "")
            assert to_simplified.convert(text) != text
        if "fullwidth" in kinds:
            assert any(ch in full_width for v in row.values() for ch in v)
        if "email_case" in kinds:
            assert row["email"] != row["email"].lower()
        if "old_phone" in kinds and original.get("phone"):
            assert normalise_phone(row["phone"]) != normalise_phone(original["phone"])
        if "homophone" in kinds and not {"typo", "swap"} & set(kinds):
            name = original["name"]
            assert row["name"] != name and len(row["name"]) == len(name)
            assert all(to_pinyin(a) == to_pinyin(b) for a, b in zip(row["name"], name, strict=True))


@pytest.mark.parametrize(
    ("kind", "row", "truth", "changed"),
    [
        ("homophone", {"name": "张伟"}, noise.Truth("张", "伟"), {"name"}),
        ("pinyin", {"name": "张伟"}, noise.Truth("张", "伟"), {"name"}),
        ("traditional", {"name": "张伟", "address": "建国路8号"}, noise.Truth("张", "伟"),
         {"name", "address"}),
        ("swap", {"name": "王晓明"}, noise.Truth("王", "晓明"), {"name"}),
        ("typo", {"name": "王", "address": "人民路12号"}, noise.Truth("王", ""), None),
        ("old_phone", {"phone": "13812345678"}, noise.Truth(old_phone="13900001111"), {"phone"}),
        ("fullwidth", {"phone": "13812345678"}, noise.Truth(), {"phone"}),
        ("email_case", {"email": "zhangwei@163.com"}, noise.Truth(), {"email"}),
        ("missing", {"name": "李娜", "phone": "13812345678", "email": "a@b.cn"}, noise.Truth(),
         None),
        ("name_variant", {"name": "北京华信科技有限公司"}, noise.Truth(short_name="华信科技",
                                                                  city="北京市"), {"name"}),
    ],
)  # fmt: skip
def test_each_noise_kind_changes_the_row(kind, row, truth, changed):
    # given a clean row
    before = dict(row)
    # when the kind is applied
    applied = noise.apply_noise(random.Random(3), row, {kind}, truth)
    # then it reports itself and the row differs (in the expected column)
    assert applied == (kind,)
    assert row != before
    if changed:
        assert {c for c in row if row[c] != before[c]} == changed


def test_noise_that_cannot_apply_is_not_reported():
    # given a row without email, old phone or two-character given name
    row = {"name": "Li Na", "phone": "13812345678"}
    # when kinds that need those are applied / then none is claimed and the row stays
    assert (
        noise.apply_noise(random.Random(1), row, {"email_case", "old_phone"}, noise.Truth()) == ()
    )
    assert row == {"name": "Li Na", "phone": "13812345678"}


# ---- transactions and interactions -------------------------------------------------------


def test_transactions_are_sane_and_belong_to_their_persons_records(stream):
    # given every transaction
    person_of = stream.person_of()
    owners = {}
    for bundle in stream.bundles:
        for row in bundle.customers:
            owners[(row["source"], row["source_id"])] = set(bundle.members)
    order_ids = Counter((t["source"], t["order_id"]) for t in stream.transactions)
    for t in stream.transactions:
        # then amounts are positive, cost within amount, time inside the window
        amount, cost = float(t["amount"]), float(t["cost"])
        assert amount > 0 and 0 <= cost <= amount
        assert START <= datetime.fromisoformat(t["ts"]).date() <= END
        # and the record exists
        assert (t["source"], t["source_id"]) in person_of
    assert max(order_ids.values()) == 1


def test_purchase_rates_differ_between_customers_and_some_stop_buying(stream):
    # given the buyers' hidden behaviour and their orders
    buyers = [b for bundle in stream.bundles for b in bundle.buyers]
    rates = [b.profile.rate for b in buyers]
    counts = [b.orders for b in buyers]
    # then rates are heterogeneous (gamma), counts over-dispersed compared with Poisson
    assert statistics.stdev(rates) / statistics.mean(rates) > 0.6
    assert statistics.variance(counts) > 2 * statistics.mean(counts)
    # and some customers who bought in the window dropped out more than a year before the end
    churned = [
        b for b in buyers if b.orders >= 2 and b.dropped_on and (END - b.dropped_on).days > 365
    ]
    assert len(churned) > 50
    spend = [b.profile.shape / b.profile.spend for b in buyers]
    assert max(spend) > 5 * statistics.median(spend)


def test_dropped_out_customers_place_no_later_orders(stream):
    # given each buyer's drop-out day and the orders of their records
    person_of = stream.person_of()
    last_order = {}
    for t in stream.transactions:
        pid = person_of[(t["source"], t["source_id"])]
        day = datetime.fromisoformat(t["ts"]).date()
        last_order[pid] = max(day, last_order.get(pid, day))
    # then no order comes after the drop-out
    for bundle in stream.bundles:
        for buyer in bundle.buyers:
            if buyer.dropped_on and buyer.person in last_order:
                assert last_order[buyer.person] <= buyer.dropped_on


def test_interactions_name_existing_records_in_known_channels(stream):
    # given the interactions
    person_of = stream.person_of()
    ids = Counter((i["source"], i["interaction_id"]) for i in stream.interactions)
    channels = {"phone", "email", "sms", "wechat", "web", "store", "visit"}
    # then each names a record, a known channel and direction, and Chinese text
    for row in stream.interactions:
        assert (row["source"], row["source_id"]) in person_of
        assert row["channel"] in channels
        assert row["direction"] in {"inbound", "outbound"}
        assert not row["subject"].isascii()
        assert int(row["duration_seconds"]) >= 0
        assert START <= datetime.fromisoformat(row["ts"]).date() <= END
    assert max(ids.values()) == 1
    assert {row["channel"] for row in stream.interactions} == channels


# ---- properties --------------------------------------------------------------------------


@given(
    district=st.sampled_from(places.DISTRICTS),
    birth=st.dates(FIRST_BIRTH_DATE, LAST_BIRTH_DATE),
    gender=st.sampled_from("MF"),
)
def test_issued_id_numbers_parse_back_to_what_was_asked(district, birth, gender):
    # given an issuer / when it issues a number / then the number encodes the request
    parsed = parse_id_number(IdIssuer().issue(district.code, birth, gender))
    assert (parsed.region, parsed.birth_date, parsed.gender) == (district.code, birth, gender)


def test_id_issuer_never_repeats_within_a_day_and_refuses_when_full():
    # given one region, day and gender
    issuer = IdIssuer()
    numbers = {issuer.issue("110105", date(1990, 5, 1), "F") for _ in range(500)}
    # then 500 numbers are distinct and the 501st is refused with the reason
    assert len(numbers) == 500
    with pytest.raises(ValueError, match="sequence numbers"):
        issuer.issue("110105", date(1990, 5, 1), "F")


def test_id_number_rejects_bad_parts():
    # given / when / then malformed parts are refused by name
    with pytest.raises(ValueError, match="region"):
        id_number("11010", date(1990, 1, 1), 1)
    with pytest.raises(ValueError, match="sequence"):
        id_number("110105", date(1990, 1, 1), 1000)


@given(modulus=st.integers(2, 5000), seed=st.integers(0, 2**32))
def test_scrambler_is_a_bijection(modulus, seed):
    # given a seeded scrambler / then it maps the range one-to-one onto itself
    scramble = Scrambler.seeded(random.Random(seed), modulus)
    assert sorted(scramble(i) for i in range(modulus)) == list(range(modulus))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32), customers=st.integers(1, 40))
def test_any_small_stream_is_consistent(seed, customers):
    # given a small stream for any seed
    bundles = list(generate(customers=customers, rng=random.Random(seed)))
    rows = [r for b in bundles for r in b.customers]
    truth = [t for b in bundles for t in b.truth]
    # then it has exactly the customers asked for, every record in the truth file,
    assert len({t["person"] for t in truth}) == customers
    assert [(r["source"], r["source_id"]) for r in rows] == [
        (t["source"], t["source_id"]) for t in truth
    ]
    # and phones and ID numbers that the importer accepts
    for row in rows:
        if row.get("phone"):
            normalise_phone(row["phone"])
        if row.get("id_number"):
            parse_id_number(row["id_number"])
