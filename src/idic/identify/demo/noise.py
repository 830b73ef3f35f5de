"""Duplicate noise: the ways a second record of the same person goes astray.

Each function takes a customer row (a dict of CSV columns) and changes it in place,
returning whether it changed anything, so a duplicate records only the kinds of noise
it really carries. Kinds:

``missing``      optional fields left empty
``pinyin``       the name written in pinyin (Zhang Wei, ZHANG Wei, Wei Zhang)
``homophone``    a character replaced by one read the same (张伟 → 章伟)
``typo``         a look-alike character, a wrong house-number digit, a slip in the email
``swap``         two characters or digits swapped (晓明 → 明晓, month and day of birth)
``traditional``  name and address in traditional characters (张伟 → 張偉)
``name_variant`` an organisation under a short or reordered name
``old_phone``    a phone number the person used before
``fullwidth``    full-width digits (１３８…)
``email_case``   an email address with capitals (ZhangWei@163.COM)
"""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import cache
from typing import NamedTuple

import opencc

from idic.identify.demo import names

# Characters read alike (toneless pinyin), as an input method offers them side by side.
_HOMOPHONE_GROUPS = (
    "张章", "李黎理", "王汪", "陈晨辰", "杨阳扬", "周舟州", "徐许", "吴武伍", "刘柳", "赵照昭",
    "林琳霖", "何贺和", "胡湖", "马玛", "朱珠竹", "孙荪", "肖萧", "于余鱼", "江姜蒋", "伟玮炜维",
    "静晶婧靖", "敏民", "丽莉立力", "娜纳", "芳方", "杰洁婕捷", "涛韬", "明铭鸣", "军俊君",
    "勇永", "强蔷", "磊蕾雷", "艳燕妍", "华桦", "平萍苹", "红宏鸿虹", "霞夏", "玲灵凌铃",
    "慧辉惠晖", "宇雨玉昱", "欣鑫心馨新", "浩昊皓", "子梓紫", "涵晗", "怡宜仪", "轩萱璇",
    "凯恺", "瑞睿", "博波", "建健剑", "刚钢", "峰丰锋枫", "斌彬", "婷庭", "琪琦棋", "悦越月",
    "思丝", "雅亚", "梅玫", "兰岚", "颖莹", "佳嘉家", "晓小", "文雯", "倩茜", "诗师", "彤桐",
)  # fmt: skip
HOMOPHONES = {ch: group.replace(ch, "") for group in _HOMOPHONE_GROUPS for ch in group}

# Characters that look alike: a slip of the eye or of a shape-based input method.
_LOOK_ALIKE_PAIRS = (
    "王玉", "李季", "陈阵", "余佘", "田由", "白自", "金全", "史吏", "梁粱", "宋宗", "赵越",
    "吴昊", "朱未", "贾贯", "己已", "军车", "宇字", "永水", "天夫", "鹏朋", "嘉喜", "刚冈",
    "海梅", "娟捐", "倩债", "佳住", "晶品", "怡恰", "琳淋", "雪雷", "红江", "洁浩", "璐路",
    "蓉容", "薇微", "彤形", "妍研", "晴睛", "新亲", "小少",
)  # fmt: skip
LOOK_ALIKES = {p[0]: p[1] for p in _LOOK_ALIKE_PAIRS} | {p[1]: p[0] for p in _LOOK_ALIKE_PAIRS}

_KEY_NEIGHBOURS = {
    "a": "sq", "b": "vn", "c": "xv", "d": "sf", "e": "wr", "f": "dg", "g": "fh", "h": "gj",
    "i": "uo", "j": "hk", "k": "jl", "l": "k", "m": "n", "n": "bm", "o": "ip", "p": "o",
    "q": "w", "r": "et", "s": "ad", "t": "ry", "u": "yi", "v": "cb", "w": "qe", "x": "zc",
    "y": "tu", "z": "x",
}  # fmt: skip
_FULL_WIDTH = str.maketrans("0123456789-+", "０１２３４５６７８９－＋")
_OPTIONAL = ("phone", "email", "id_number", "birth_date", "address", "gender", "member_card")


class Truth(NamedTuple):
    """What the noise needs to know about the real customer."""

    surname: str = ""
    given: str = ""
    old_phone: str = ""
    short_name: str = ""  # organisations: the name without city and legal form
    city: str = ""


@cache
def _to_traditional() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def _is_chinese_name(row: dict[str, str], truth: Truth) -> bool:
    return bool(truth.surname) and not row["name"].isascii()


def missing(rng: random.Random, row: dict[str, str], truth: Truth) -> bool:
    present = [f for f in _OPTIONAL if row.get(f)]
    if len(present) < 2:
        return False
    for column in rng.sample(present, rng.randint(1, min(3, len(present) - 1))):
        row[column] = ""
        if column == "address":
            row["district"] = ""
    return True


def pinyin(rng: random.Random, row: dict[str, str], truth: Truth) -> bool:
    if not _is_chinese_name(row, truth):
        return False
    western = rng.random() < 0.25
    name = names.pinyin_name(truth.surname, truth.given, western_order=western)
    if not western and rng.random() < 0.25:
        family, personal = name.split(" ", 1)
        name = f"{family.upper()} {personal}"
    row["name"] = name
    return True


def homophone(rng: random.Random, row: dict[str, str], truth: Truth) -> bool:
    if not _is_chinese_name(row, truth):
        return False
    name = row["name"]
    spots = [i for i, ch in enumerate(name) if ch in HOMOPHONES]
    if not spots:
        return False
    i = rng.choice(spots)
    row["name"] = name[:i] + rng.choice(HOMOPHONES[name[i]]) + name[i + 1 :]
    return True


def _typo_name(rng: random.Random, row: dict[str, str]) -> None:
    name = row["name"]
    i = rng.choice([i for i, ch in enumerate(name) if ch in LOOK_ALIKES])
    row["name"] = name[:i] + LOOK_ALIKES[name[i]] + name[i + 1 :]


def _typo_address(rng: random.Random, row: dict[str, str]) -> None:
    address = row["address"]
    i = rng.choice([i for i, ch in enumerate(address) if ch.isdigit()])
    leading = i == 0 or not address[i - 1].isdigit()
    digit = rng.choice([d for d in "0123456789" if d != address[i] and not (leading and d == "0")])
    row["address"] = address[:i] + digit + address[i + 1 :]


def _typo_email(rng: random.Random, row: dict[str, str]) -> None:
    local, domain = row["email"].split("@")
    i = rng.choice([i for i, ch in enumerate(local) if ch in _KEY_NEIGHBOURS])
    local = local[:i] + rng.choice(_KEY_NEIGHBOURS[local[i]]) + local[i + 1 :]
    row["email"] = f"{local}@{domain}"


def typo(rng: random.Random, row: dict[str, str], truth: Truth) -> bool:
    options: list[Callable[[random.Random, dict[str, str]], None]] = []
    if _is_chinese_name(row, truth) and any(ch in LOOK_ALIKES for ch in row["name"]):
        options.append(_typo_name)
    if any(ch.isdigit() for ch in row.get("address", "")):
        options.append(_typo_address)
    if any(ch in _KEY_NEIGHBOURS for ch in row.get("email", "").split("@")[0]):
        options.append(_typo_email)
    if not options:
        return False
    rng.choice(options)(rng, row)
    return True


def swap(rng: random.Random, row: dict[str, str], truth: Truth) -> bool:
    options = []
    given = truth.given
    if _is_chinese_name(row, truth) and len(given) == 2 and row["name"].endswith(given):
        options.append("name")
    birth = row.get("birth_date", "")
    if len(birth) == 10 and birth[4] == "-" and birth[5:7] != birth[8:10] and birth[8:10] <= "12":
        options.append("birth_date")
    local = row.get("email", "").split("@")[0]
    if any(local[i] != local[i + 1] for i in range(len(local) - 1)):
        options.append("email")
    if not options:
        return False
    target = rng.choice(options)
    if target == "name":
        row["name"] = row["name"][: -len(given)] + given[::-1]
    elif target == "birth_date":
        row["birth_date"] = f"{birth[:4]}-{birth[8:10]}-{birth[5:7]}"
    else:
        i = rng.choice([i for i in range(len(local) - 1) if local[i] != local[i + 1]])
        local = local[:i] + local[i + 1] + local[i] + local[i + 2 :]
        row["email"] = f"{local}@{row['email'].split('@')[1]}"
    return True


def traditional(rng: random.Random, row: dict[str, str], truth: Truth) -> bool:
    converter = _to_traditional()
    changed = False
    for column in ("name", "address"):
        value = row.get(column, "")
        if value and not value.isascii():
            converted = converter.convert(value)
            changed = changed or converted != value
            row[column] = converted
    return changed


def name_variant(rng: random.Random, row: dict[str, str], truth: Truth) -> bool:
    if not truth.short_name or truth.short_name == row["name"]:
        return False
    name = row["name"]
    city = truth.city.removesuffix("市")
    variants = [truth.short_name]
    if name.endswith("有限公司"):
        variants.append(name.removesuffix("有限公司") + "公司")
        variants.append(f"{truth.short_name}({city})有限公司")
        variants.append(f"{truth.short_name}（{city}）有限公司")
    row["name"] = rng.choice([v for v in variants if v != name])
    return True


def old_phone(rng: random.Random, row: dict[str, str], truth: Truth) -> bool:
    if not truth.old_phone:
        return False
    row["phone"] = truth.old_phone
    return True


def fullwidth(rng: random.Random, row: dict[str, str], truth: Truth) -> bool:
    columns = [c for c in ("phone", "id_number", "member_card") if row.get(c)]
    if not columns:
        return False
    column = rng.choice(columns)
    row[column] = row[column].translate(_FULL_WIDTH)
    return True


def email_case(rng: random.Random, row: dict[str, str], truth: Truth) -> bool:
    email = row.get("email", "")
    if not email:
        return False
    local, domain = email.split("@")
    if rng.random() < 0.5 and not local.isdigit():
        local = local.capitalize() if rng.random() < 0.5 else local.upper()
    else:
        domain = domain.upper()
    row["email"] = f"{local}@{domain}"
    return row["email"] != email


# Kinds in the order they are applied (missing fields first, so later kinds act only on
# what is left), with their relative chance of being chosen for persons.
NOISE: dict[str, tuple[Callable[[random.Random, dict[str, str], Truth], bool], float]] = {
    "missing": (missing, 1.0),
    "pinyin": (pinyin, 0.5),
    "homophone": (homophone, 1.0),
    "typo": (typo, 0.8),
    "swap": (swap, 0.6),
    "traditional": (traditional, 0.5),
    "name_variant": (name_variant, 0.0),
    "old_phone": (old_phone, 0.8),
    "fullwidth": (fullwidth, 0.6),
    "email_case": (email_case, 0.7),
}
NOISE_KINDS = tuple(NOISE)
_PERSON_KINDS = tuple(k for k, (_f, w) in NOISE.items() if w)
_PERSON_WEIGHTS = tuple(NOISE[k][1] for k in _PERSON_KINDS)
_ORG_KINDS = ("name_variant", "traditional", "missing", "typo", "fullwidth", "email_case")
_ORG_WEIGHTS = (2.0, 0.5, 1.0, 0.5, 0.5, 0.3)


def choose_kinds(rng: random.Random, *, organisation: bool) -> set[str]:
    """One to three kinds of noise for a duplicate record."""
    kinds, weights = (
        (_ORG_KINDS, _ORG_WEIGHTS) if organisation else (_PERSON_KINDS, _PERSON_WEIGHTS)
    )
    count = rng.choices((1, 2, 3), weights=(50, 35, 15))[0]
    chosen: set[str] = set()
    while len(chosen) < count:
        chosen.add(rng.choices(kinds, weights=weights)[0])
    if "pinyin" in chosen:  # the pinyin spelling replaces the whole Chinese name
        chosen -= {"homophone", "traditional"}
    return chosen


def apply_noise(
    rng: random.Random, row: dict[str, str], kinds: set[str], truth: Truth
) -> tuple[str, ...]:
    """Apply ``kinds`` to ``row`` in place; return the kinds that changed something."""
    applied = []
    for kind, (function, _weight) in NOISE.items():
        if kind in kinds and function(rng, row, truth):
            applied.append(kind)
    return tuple(applied)
