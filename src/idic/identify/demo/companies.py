"""Organisation customers: companies, distributors and public bodies, with their key people.

Company names follow the usual pattern city + trade name + industry + legal form
(北京华信科技有限公司); intermediaries are trading and agency firms; public-interest
customers are hospitals, schools and government offices.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from idic.identify.demo.names import to_pinyin
from idic.identify.demo.places import District

_TRADE_CHARS = (
    "华", "信", "中", "恒", "泰", "鑫", "盛", "达", "通", "宏", "瑞", "祥", "联", "创", "新",
    "安", "康", "德", "金", "源", "海", "天", "永", "益", "博", "嘉", "丰", "隆", "昌", "远",
    "辰", "邦", "誉", "航", "科", "锦", "合", "润", "振", "兴",
)  # fmt: skip
# (word in the name, industry)
_INDUSTRIES = (
    ("科技", "信息技术"), ("软件", "信息技术"), ("电子", "电子制造"), ("机械制造", "装备制造"),
    ("建设工程", "建筑业"), ("物流", "交通运输"), ("医药", "医药"), ("食品", "食品制造"),
    ("化工", "化工"), ("新能源", "能源"), ("文化传媒", "文化传媒"), ("餐饮管理", "住宿餐饮"),
    ("房地产开发", "房地产"), ("环保", "环境治理"), ("服饰", "纺织服装"), ("汽车配件", "汽车"),
)  # fmt: skip
_INTERMEDIARY_WORDS = ("商贸", "贸易", "经销", "供应链管理", "电子商务", "代理")
_LEGAL_FORMS = ("有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司")
_PUBLIC_BODIES = (
    ("{city}第{n}人民医院", "卫生"), ("{city}第{n}中学", "教育"), ("{district}第{n}小学", "教育"),
    ("{district}人民政府", "公共管理"), ("{city}图书馆", "文化"), ("{city}{trade}大学", "教育"),
    ("{district}社区卫生服务中心", "卫生"), ("{city}红十字会", "社会组织"),
)  # fmt: skip
_NUMERALS = "一二三四五六七八九十"
# (lowest, highest) employees by size band, and the band's share
_SIZES = (((3, 19), 0.45), ((20, 299), 0.35), ((300, 999), 0.14), ((1000, 20000), 0.06))
CREDIT_GRADES = ("AAA", "AA", "A", "BBB", "BB", "B", "CCC")
RISK_FLAGS = ("bankrupt", "deregistered", "licence_revoked", "low_credit")
_PUBLIC_HEADS = ("院长", "校长", "主任")
KEY_ROLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("decision_maker", ("总经理", "董事长")),
    ("purchaser", ("采购经理", "采购主管", "采购专员")),
    ("user", ("技术主管", "工程师", "行政主管")),
    ("influencer", ("技术总监", "财务总监", "运营总监")),
    ("executive", ("副总经理", "办公室主任")),
    ("other", ("助理", "秘书")),
)


@dataclass(frozen=True)
class Organisation:
    name: str
    short_name: str  # name without city and legal form, used by noisy duplicates (华信科技)
    trade: str  # the two-character trade name (华信)
    kind: str  # industrial, intermediary or public_interest
    industry: str
    employees: int
    founded: int
    credit_grade: str
    risk_flag: str


def _city_short(district: District) -> str:
    return district.city.removesuffix("市")


def make_organisation(rng: random.Random, district: District) -> Organisation:
    """An organisation seated in ``district``: industrial 70 %, intermediary 20 %,
    public-interest 10 %."""
    trade = "".join(rng.sample(_TRADE_CHARS, 2))
    city = _city_short(district)
    roll = rng.random()
    if roll < 0.7:
        word, industry = rng.choice(_INDUSTRIES)
        kind = "industrial"
        short = trade + word
        name = f"{city}{short}{rng.choice(_LEGAL_FORMS)}"
    elif roll < 0.9:
        word, industry = rng.choice(_INTERMEDIARY_WORDS), "批发零售"
        kind = "intermediary"
        short = trade + word
        name = f"{city}{short}{rng.choice(_LEGAL_FORMS)}"
    else:
        pattern, industry = rng.choice(_PUBLIC_BODIES)
        kind = "public_interest"
        name = pattern.format(
            city=district.city, district=district.name, n=rng.choice(_NUMERALS), trade=trade
        )
        short = name.removeprefix(district.city).removeprefix(district.name) or name
    (low, high), _share = rng.choices(_SIZES, weights=[s for _r, s in _SIZES])[0]
    grade = rng.choices(CREDIT_GRADES, weights=(8, 20, 30, 20, 12, 7, 3))[0]
    risk = ""
    if rng.random() < 0.04:
        risk = rng.choice(RISK_FLAGS)
    return Organisation(
        name=name,
        short_name=short,
        trade=trade,
        kind=kind,
        industry=industry,
        employees=rng.randint(low, high),
        founded=rng.randint(1980, 2022),
        credit_grade=grade if kind != "public_interest" else "",
        risk_flag=risk if kind != "public_interest" else "",
    )


def pick_role(rng: random.Random, organisation: Organisation, first: bool) -> tuple[str, str]:
    """A key person's role and job title; the first contact of an organisation decides."""
    role, titles = KEY_ROLES[0] if first else rng.choice(KEY_ROLES[1:])
    if role == "decision_maker" and organisation.kind == "public_interest":
        titles = _PUBLIC_HEADS
    return role, rng.choice(titles)


def email_domain(organisation: Organisation, serial: int) -> str:
    """The mail domain of the organisation's staff: trade name in pinyin and a serial
    number that keeps two firms called 华信 apart (``huaxin1207.com.cn``)."""
    return f"{''.join(to_pinyin(organisation.trade))}{serial}.com.cn"


def employer_name(rng: random.Random, district: District) -> str:
    """The name of a person's employer (not itself a customer)."""
    word, _industry = rng.choice(_INDUSTRIES)
    trade = "".join(rng.sample(_TRADE_CHARS, 2))
    return f"{_city_short(district)}{trade}{word}{rng.choice(_LEGAL_FORMS)}"
