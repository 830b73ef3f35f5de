"""The real people behind the records: households and organisations with key persons.

A household shares a home address and (when it has one) a landline, but its members
are different people — own names, birth dates, ID numbers, mobiles. Organisations
carry one to four key persons. Every person and organisation gets a stable truth id
(``P00000001``) that all of its source records will carry.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from idic.identify.demo import companies, names, places
from idic.identify.demo.id_numbers import FIRST_BIRTH_DATE, LAST_BIRTH_DATE, IdIssuer
from idic.identify.demo.numbering import Scrambler
from idic.identify.demo.phones import PhoneBook

FIRST_CUSTOMER_DATE = date(2012, 1, 1)
_TITLES = (
    "经理", "工程师", "教师", "会计", "销售代表", "主管", "职员", "医生", "护士", "设计师",
    "程序员", "公务员", "律师", "店长", "司机", "技术员", "行政专员", "研究员",
)  # fmt: skip
_MAIL_DOMAINS = ("163.com", "126.com", "sina.com", "sohu.com", "foxmail.com", "outlook.com",
                 "gmail.com", "139.com", "aliyun.com")  # fmt: skip


@dataclass
class Person:
    pid: str
    surname: str
    given: str
    gender: str  # M or F
    birth: date
    district: places.District
    address: str
    mobile: str
    old_mobile: str  # a number the person used before, or ""
    landline: str  # the household's, or ""
    email: str  # or ""
    id_number: str
    member_card: str
    company: str
    title: str
    income: int
    marital: str
    since: date  # when the person became a customer
    household: int  # household serial number; shared by family members
    key_role: str = ""  # for a key person: their role in ``organisation``
    organisation: OrganisationCustomer | None = None

    @property
    def name(self) -> str:
        return self.surname + self.given


@dataclass
class OrganisationCustomer:
    pid: str
    org: companies.Organisation
    district: places.District
    address: str
    phone: str
    email: str
    since: date
    key_persons: list[Person] = field(default_factory=list)


@dataclass
class Household:
    members: list[Person]


@dataclass(frozen=True)
class Home:
    """Where a person lives, shared by the members of a household."""

    district: places.District
    address: str
    landline: str  # or ""
    household: int  # serial number of the household


class Population:
    """Draws households and organisations one at a time, numbering everyone it makes.

    Args:
        rng: the stream's random generator (all draws come from it, in order).
        end: the last day of the data; nobody becomes a customer after it.
    """

    def __init__(self, rng: random.Random, *, end: date) -> None:
        self.rng = rng
        self.end = end
        self.phones = PhoneBook(rng)
        self.ids = IdIssuer()
        self._mailbox = Scrambler.seeded(rng, 10**7)
        self._qq = Scrambler.seeded(rng, 9 * 10**8)
        self._cards = Scrambler.seeded(rng, 10**10)
        self._next_pid = 1
        self._people = 0
        self._households = 0
        self._organisations = 0

    # ---- identities -------------------------------------------------------------------
    def _pid(self) -> str:
        pid = f"P{self._next_pid:08d}"
        self._next_pid += 1
        return pid

    def _email(self, surname: str, given: str, birth: date) -> str:
        rng = self.rng
        box = self._people  # one mailbox number per person: unique by construction
        if rng.random() < 0.35:
            return f"{100_000_000 + self._qq(box)}@qq.com"
        full = names.surname_pinyin(surname) + "".join(names.to_pinyin(given))
        local = rng.choice((full, f"{full}{birth:%y}", names.surname_pinyin(surname)))
        return f"{local}{self._mailbox(box % 10**7)}@{rng.choice(_MAIL_DOMAINS)}"

    def _since(self, birth: date) -> date:
        adult = date(min(birth.year + 18, self.end.year), birth.month, min(birth.day, 28))
        first = max(FIRST_CUSTOMER_DATE, adult)
        span = (self.end - first).days
        if span <= 0:
            return self.end
        # acquisitions grow over the years: later dates are more likely
        return first + timedelta(days=int(span * math.sqrt(self.rng.random())))

    def _birth(self, year_low: int, year_high: int) -> date:
        last = min(year_high, LAST_BIRTH_DATE.year)
        year = self.rng.randint(min(year_low, last), last)
        return date(year, 1, 1) + timedelta(days=self.rng.randrange(365))

    def person(
        self,
        *,
        gender: str,
        birth: date,
        home: Home,
        surname: str | None = None,
        marital: str = "",
        avoid: list[Person] | None = None,
    ) -> Person:
        """A new person with their own mobile, email, ID number and job, named unlike
        the people in ``avoid`` (their family)."""
        rng = self.rng
        surname = surname or names.pick_surname(rng)
        given = names.pick_given(rng, gender, birth.year)
        while any(m.name == surname + given for m in avoid or ()):
            given = names.pick_given(rng, gender, birth.year)
        age = self.end.year - birth.year
        working = 22 <= age <= 62 and rng.random() < 0.75
        income = rng.lognormvariate(math.log(9000 if working else 4000), 0.55)
        person = Person(
            pid=self._pid(),
            surname=surname,
            given=given,
            gender=gender,
            birth=birth,
            district=home.district,
            address=home.address,
            mobile=self.phones.mobile(rng),
            old_mobile=self.phones.mobile(rng) if rng.random() < 0.3 else "",
            landline=home.landline,
            email=self._email(surname, given, birth) if rng.random() < 0.8 else "",
            id_number=self.ids.issue(home.district.code, birth, gender),
            member_card=f"62{self._cards(self._people):010d}",
            company=companies.employer_name(rng, home.district) if working else "",
            title=rng.choice(_TITLES) if working else ("退休" if age > 60 else ""),
            income=max(1000, int(round(income, -2))),
            marital=marital or _marital(rng, age),
            since=self._since(birth),
            household=home.household,
        )
        self._people += 1
        return person

    # ---- households -------------------------------------------------------------------
    def household(self, size: int) -> Household:
        """A household of ``size`` people at one address: a couple, their parent, children."""
        rng = self.rng
        self._households += 1
        district = places.pick_district(rng)
        address = places.home_address(rng, district)
        landline = ""
        if size > 1 or rng.random() < 0.25:
            landline = self.phones.landline(rng, district.area_code)
        common = Home(district, address, landline, self._households)
        head_gender = rng.choice("MF")
        head_birth = self._birth(1945, 2000)
        married = size > 1 and rng.random() < 0.85
        head = self.person(
            gender=head_gender, birth=head_birth, marital="已婚" if married else "", home=common
        )
        members = [head]
        if size > 1 and married:
            members.append(
                self.person(
                    gender="F" if head_gender == "M" else "M",
                    birth=self._relative_birth(head_birth, -5, 5, members),
                    marital="已婚",
                    home=common,
                    avoid=members,
                )
            )
        father = next((m for m in members if m.gender == "M"), head)
        while len(members) < size:
            child_birth = self._relative_birth(head_birth, 22, 34, members)
            if child_birth <= LAST_BIRTH_DATE:
                surname = father.surname if rng.random() < 0.9 else None
                marital = "未婚"
            else:  # too young to be a customer: a parent of the head lives with them
                child_birth = self._relative_birth(head_birth, -34, -22, members)
                surname = head.surname if rng.random() < 0.5 else None
                marital = ""
            members.append(
                self.person(
                    gender=rng.choice("MF"),
                    birth=child_birth,
                    surname=surname,
                    marital=marital,
                    home=common,
                    avoid=members,
                )
            )
        return Household(members)

    def _relative_birth(
        self, base: date, years_low: int, years_high: int, family: list[Person]
    ) -> date:
        """A birth date ``years_low``…``years_high`` years from ``base``, on a day no one
        in ``family`` was born."""
        taken = {m.birth for m in family}
        day = base + timedelta(days=self.rng.randint(years_low * 365, years_high * 365))
        day = max(day, FIRST_BIRTH_DATE)
        while day in taken:
            day += timedelta(days=1)
        return day

    # ---- organisations ----------------------------------------------------------------
    def organisation(self, key_persons: int) -> OrganisationCustomer:
        """An organisation customer and its ``key_persons`` contacts (the first decides)."""
        rng = self.rng
        self._organisations += 1
        district = places.pick_district(rng)
        org = companies.make_organisation(rng, district)
        domain = companies.email_domain(org, self._organisations)
        customer = OrganisationCustomer(
            pid=self._pid(),
            org=org,
            district=district,
            address=places.office_address(rng, district),
            phone=self.phones.landline(rng, district.area_code),
            email=f"{rng.choice(('info', 'service', 'office', 'contact'))}@{domain}",
            since=FIRST_CUSTOMER_DATE
            + timedelta(days=rng.randrange((self.end - FIRST_CUSTOMER_DATE).days)),
        )
        for n in range(key_persons):
            self._households += 1
            lives_in = places.pick_district(rng) if rng.random() < 0.2 else district
            address = places.home_address(rng, lives_in)
            person = self.person(
                gender=rng.choice("MF"),
                birth=self._birth(1960, 1995),
                home=Home(lives_in, address, "", self._households),
            )
            role, title = companies.pick_role(rng, org, first=n == 0)
            person.company, person.title, person.key_role = org.name, title, role
            person.email = f"{names.surname_pinyin(person.surname)}{''.join(names.to_pinyin(person.given))}{n + 1}@{domain}"
            person.organisation = customer
            person.since = max(person.since, customer.since)
            customer.key_persons.append(person)
        return customer


def _marital(rng: random.Random, age: int) -> str:
    if age < 25:
        return rng.choices(("未婚", "已婚"), weights=(85, 15))[0]
    if age < 60:
        return rng.choices(("未婚", "已婚", "离异"), weights=(20, 70, 10))[0]
    return rng.choices(("已婚", "离异", "丧偶"), weights=(70, 8, 22))[0]
