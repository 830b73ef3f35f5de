"""Chinese personal names: surnames by frequency, given names of one or two characters.

Surname weights approximate their share of the population (per cent); each surname
carries its own pinyin because the surname reading of 曾, 单 or 仇 differs from the
common one. Given names use characters frequent in names of each gender.
"""

from __future__ import annotations

import random
from functools import lru_cache

from pypinyin import lazy_pinyin

# (surname, pinyin, weight in per cent of the population)
SURNAMES: tuple[tuple[str, str, float], ...] = (
    ("王", "wang", 7.12), ("李", "li", 7.0), ("张", "zhang", 6.76), ("刘", "liu", 5.43),
    ("陈", "chen", 4.53), ("杨", "yang", 3.08), ("赵", "zhao", 2.29), ("黄", "huang", 2.23),
    ("周", "zhou", 2.12), ("吴", "wu", 2.05), ("徐", "xu", 1.67), ("孙", "sun", 1.54),
    ("胡", "hu", 1.31), ("朱", "zhu", 1.26), ("高", "gao", 1.21), ("林", "lin", 1.18),
    ("何", "he", 1.17), ("郭", "guo", 1.15), ("马", "ma", 1.05), ("罗", "luo", 0.86),
    ("梁", "liang", 0.84), ("宋", "song", 0.81), ("郑", "zheng", 0.78), ("谢", "xie", 0.72),
    ("韩", "han", 0.68), ("唐", "tang", 0.65), ("冯", "feng", 0.64), ("于", "yu", 0.62),
    ("董", "dong", 0.61), ("萧", "xiao", 0.08), ("肖", "xiao", 0.59), ("程", "cheng", 0.57),
    ("曹", "cao", 0.57), ("袁", "yuan", 0.54), ("邓", "deng", 0.54), ("许", "xu", 0.53),
    ("傅", "fu", 0.51), ("沈", "shen", 0.49), ("曾", "zeng", 0.49), ("彭", "peng", 0.48),
    ("吕", "lyu", 0.47), ("苏", "su", 0.46), ("卢", "lu", 0.46), ("蒋", "jiang", 0.45),
    ("蔡", "cai", 0.44), ("贾", "jia", 0.42), ("丁", "ding", 0.41), ("魏", "wei", 0.4),
    ("薛", "xue", 0.39), ("叶", "ye", 0.39), ("阎", "yan", 0.1), ("闫", "yan", 0.28),
    ("余", "yu", 0.37), ("潘", "pan", 0.36), ("杜", "du", 0.35), ("戴", "dai", 0.34),
    ("夏", "xia", 0.33), ("钟", "zhong", 0.33), ("汪", "wang", 0.32), ("田", "tian", 0.32),
    ("任", "ren", 0.31), ("姜", "jiang", 0.31), ("范", "fan", 0.3), ("方", "fang", 0.3),
    ("石", "shi", 0.29), ("姚", "yao", 0.29), ("谭", "tan", 0.28), ("廖", "liao", 0.27),
    ("邹", "zou", 0.27), ("熊", "xiong", 0.26), ("金", "jin", 0.26), ("陆", "lu", 0.25),
    ("郝", "hao", 0.25), ("孔", "kong", 0.24), ("白", "bai", 0.24), ("崔", "cui", 0.23),
    ("康", "kang", 0.23), ("毛", "mao", 0.22), ("邱", "qiu", 0.22), ("秦", "qin", 0.21),
    ("江", "jiang", 0.21), ("史", "shi", 0.2), ("顾", "gu", 0.2), ("侯", "hou", 0.2),
    ("邵", "shao", 0.19), ("孟", "meng", 0.19), ("龙", "long", 0.19), ("万", "wan", 0.18),
    ("段", "duan", 0.18), ("雷", "lei", 0.17), ("钱", "qian", 0.17), ("汤", "tang", 0.17),
    ("尹", "yin", 0.16), ("黎", "li", 0.16), ("易", "yi", 0.16), ("常", "chang", 0.15),
    ("武", "wu", 0.15), ("乔", "qiao", 0.15), ("贺", "he", 0.15), ("赖", "lai", 0.14),
    ("龚", "gong", 0.14), ("文", "wen", 0.14), ("单", "shan", 0.05), ("欧阳", "ouyang", 0.05),
    ("司马", "sima", 0.01), ("上官", "shangguan", 0.008), ("诸葛", "zhuge", 0.006),
)  # fmt: skip
_SURNAME_PINYIN = {s: p for s, p, _w in SURNAMES}
_SURNAME_CHOICES = tuple(s for s, _p, _w in SURNAMES)
_SURNAME_WEIGHTS = tuple(w for _s, _p, w in SURNAMES)

MALE_CHARS = (
    "伟", "强", "磊", "军", "勇", "杰", "涛", "明", "超", "刚", "平", "辉", "鹏", "华", "飞",
    "鑫", "波", "斌", "宇", "浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙", "林", "阳",
    "建", "国", "志", "文", "海", "峰", "东", "亮", "成", "博", "晨", "轩", "昊", "睿", "泽",
    "子", "一", "天", "嘉", "铭", "锋", "振", "永", "小", "新", "德", "庆", "晓", "家", "立",
)  # fmt: skip
FEMALE_CHARS = (
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "婷", "雪", "慧", "红", "琳",
    "倩", "颖", "洁", "佳", "晶", "萍", "秀", "英", "梅", "兰", "莉", "欣", "怡", "媛", "悦",
    "雨", "涵", "萱", "思", "梦", "诗", "雅", "晓", "小", "文", "玉", "春", "美", "婉", "佩",
    "子", "一", "嘉", "可", "心", "琪", "瑶", "晴", "蕾", "璐", "蓉", "薇", "月", "彤", "妍",
)  # fmt: skip

_FIRST_ONLY = frozenset("小晓一子家嘉")  # 小明, 子涵 — but hardly ever 明小, 涵子


def pick_surname(rng: random.Random) -> str:
    """A surname drawn by its frequency in the population."""
    return rng.choices(_SURNAME_CHOICES, weights=_SURNAME_WEIGHTS)[0]


def pick_given(rng: random.Random, gender: str, birth_year: int) -> str:
    """A given name of one or two characters; one-character names are commoner in
    older generations."""
    chars = MALE_CHARS if gender == "M" else FEMALE_CHARS
    single = 0.35 if birth_year < 1975 else 0.2 if birth_year < 1995 else 0.1
    if rng.random() < single:
        return rng.choice(chars[:40])
    first = rng.choice(chars)
    second = rng.choice(chars)
    while second == first or second in _FIRST_ONLY:
        second = rng.choice(chars)
    return first + second


@lru_cache(maxsize=65536)
def to_pinyin(text: str) -> tuple[str, ...]:
    """Toneless pinyin syllables of Chinese text (characters without a reading are kept)."""
    return tuple(lazy_pinyin(text, errors="default", v_to_u=False))


def surname_pinyin(surname: str) -> str:
    """The surname's own reading (曾 is *zeng* as a surname)."""
    return _SURNAME_PINYIN.get(surname) or "".join(to_pinyin(surname))


def pinyin_name(surname: str, given: str, *, western_order: bool = False) -> str:
    """The name as written in pinyin: ``Zhang Wei``, ``Ouyang Xiaoming``; or ``Wei Zhang``."""
    family = surname_pinyin(surname).capitalize()
    personal = "".join(to_pinyin(given)).capitalize()
    return f"{personal} {family}" if western_order else f"{family} {personal}"
