"""Name keys for matching: simplified characters, toneless pinyin, Latin spellings.

Two records of one person may write the name 张伟, 張偉 (traditional), 章伟 (a
homophone typed by an input method), ``Zhang Wei``, ``ZHANG Wei`` or ``Wei Zhang``.
:func:`simplified_key` makes the first two equal; :func:`pinyin_key` makes all of
them equal: the surname's reading and the given name's syllables, as two tokens in a
fixed (sorted) order so the Western order reads the same.

Conversion is done character by character with a cache, so a million names cost a
few dictionary look-ups each rather than a dictionary-based phrase conversion.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import NamedTuple

import opencc
from pypinyin import lazy_pinyin

from idic.identify.normalise import fold

# Two-character surnames: the given name starts after them.
COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "令狐",
        "司徒",
        "夏侯",
        "长孙",
        "宇文",
        "轩辕",
        "端木",
        "南宫",
        "独孤",
        "西门",
        "呼延",
        "澹台",
        "公羊",
        "万俟",
        "闻人",
        "赫连",
        "钟离",
        "宗政",
        "濮阳",
        "淳于",
        "单于",
        "太叔",
        "申屠",
    ]
)
# Surnames read differently from the character's common reading.
SURNAME_READINGS = {
    "曾": "zeng", "单": "shan", "仇": "qiu", "区": "ou", "解": "xie", "朴": "piao",
    "查": "zha", "盖": "ge", "乐": "yue", "翟": "zhai", "缪": "miao", "覃": "qin",
    "召": "shao", "种": "chong", "员": "yun", "秘": "bi", "繁": "po", "句": "gou",
    "尉迟": "yuchi", "长孙": "zhangsun", "万俟": "moqi", "单于": "chanyu",
}  # fmt: skip
_PUNCTUATION = re.compile(r"[\s·•.\-_'’,，、()（）]+")
_LATIN_TOKEN = re.compile(r"[a-zA-Z]+")
_U_UMLAUT = re.compile(r"^([ln])(?:yu|u:|v)")  # lyu / lu: / lv → lv (吕, 女)


@cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


class _Simplifier(dict):
    """``str.translate`` table: code point → simplified character, filled on first use
    (a dict's ``__missing__`` runs only for a character not seen before)."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        simple = ch if code < 0x2E80 else (_t2s().convert(ch) or ch)
        self[code] = simple
        return simple


_SIMPLIFIER = _Simplifier()


def simplified_char(ch: str) -> str:
    """One character in simplified form (張 → 张); other characters unchanged."""
    return ch.translate(_SIMPLIFIER)


@cache
def char_pinyin(ch: str) -> str:
    """Toneless pinyin of one Chinese character (ü written v); other characters as given."""
    if ch.isascii():
        return ch.lower()
    reading = lazy_pinyin(ch, errors="default", v_to_u=False)
    return "".join(reading).lower()


def simplified(text: str) -> str:
    """``text`` folded (full-width → ASCII) and in simplified characters."""
    if not text.isascii() and not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        text = text.translate(_SIMPLIFIER)
    if " " in text or "\t" in text or "\n" in text or text[:1].isspace() or text[-1:].isspace():
        text = " ".join(text.split())
    return text


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or ch >= "\U00020000"


def is_latin(name: str) -> bool:
    """Whether a name is written without Chinese characters (pinyin, Latin letters)."""
    return not any(_is_han(ch) for ch in name)


def _latin_words(name: str) -> list[str]:
    """Lower-case words of a Latin name; tone marks dropped, ü written v."""
    text = unicodedata.normalize("NFKD", fold(name).casefold().replace("ü", "v"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _LATIN_TOKEN.findall(text)


def simplified_key(name: str) -> str:
    """The name in simplified characters without spaces or dots, lower-cased: the key
    of the *exact* name comparison (張偉 = 张伟; ``Zhang Wei`` → ``zhangwei``)."""
    return _PUNCTUATION.sub("", simplified(name)).casefold()


def _canonical_syllables(token: str) -> str:
    return _U_UMLAUT.sub(r"\1v", token.replace("ü", "v"))


def split_surname(name: str) -> tuple[str, str]:
    """``(surname, given)`` of a Chinese name in simplified characters."""
    if len(name) > 2 and name[:2] in COMPOUND_SURNAMES:
        return name[:2], name[2:]
    return name[:1], name[1:]


def pinyin_tokens(name: str) -> tuple[str, ...]:
    """Pinyin tokens of a person's name: ``(surname, given)`` for 张晓明 →
    ``("zhang", "xiaoming")``; the words of a Latin name (``Xiaoming ZHANG`` →
    ``("xiaoming", "zhang")``). Empty for an empty name."""
    key = simplified_key(name)
    if not key:
        return ()
    if is_latin(key):
        return tuple(_canonical_syllables(w) for w in _latin_words(name))
    chinese = "".join(ch for ch in key if _is_han(ch))
    surname, given = split_surname(chinese)
    family = SURNAME_READINGS.get(surname) or "".join(char_pinyin(c) for c in surname)
    personal = "".join(char_pinyin(c) for c in given)
    return tuple(t for t in (family, personal) if t)


# Readings of common surnames: which word of a Latin name is the family name.
LATIN_SURNAMES = frozenset(
    [
        "wang",
        "li",
        "zhang",
        "liu",
        "chen",
        "yang",
        "zhao",
        "huang",
        "zhou",
        "wu",
        "xu",
        "sun",
        "hu",
        "zhu",
        "gao",
        "lin",
        "he",
        "guo",
        "ma",
        "luo",
        "liang",
        "song",
        "zheng",
        "xie",
        "han",
        "tang",
        "feng",
        "yu",
        "dong",
        "xiao",
        "cheng",
        "cao",
        "yuan",
        "deng",
        "fu",
        "shen",
        "zeng",
        "peng",
        "lv",
        "lu",
        "su",
        "jiang",
        "cai",
        "jia",
        "ding",
        "wei",
        "xue",
        "ye",
        "yan",
        "pan",
        "du",
        "dai",
        "xia",
        "zhong",
        "tian",
        "ren",
        "fan",
        "fang",
        "shi",
        "yao",
        "tan",
        "liao",
        "zou",
        "xiong",
        "jin",
        "hao",
        "kong",
        "bai",
        "cui",
        "kang",
        "mao",
        "qiu",
        "qin",
        "gu",
        "hou",
        "shao",
        "meng",
        "long",
        "wan",
        "duan",
        "lei",
        "qian",
        "yin",
        "yi",
        "chang",
        "qiao",
        "lai",
        "gong",
        "wen",
        "shan",
        "ouyang",
        "sima",
        "shangguan",
        "zhuge",
    ]
)


def _latin_order(name: str, words: tuple[str, ...]) -> tuple[str, ...]:
    """A Latin name's words as (surname, given): ``ZHANG Wei`` and ``Wei Zhang`` →
    (zhang, wei). The surname is the word in capitals, else the only word that is a
    common surname, else the first word (the Chinese order)."""
    if len(words) != 2:
        return words
    raw = _LATIN_TOKEN.findall(fold(name))
    if len(raw) == 2 and raw[1].isupper() and not raw[0].isupper():
        return words[1], words[0]
    if words[1] in LATIN_SURNAMES and words[0] not in LATIN_SURNAMES:
        return words[1], words[0]
    return words


def spoken_name(name: str) -> str:
    """The name's pinyin as ``surname given`` (张伟 and ``Wei Zhang`` → ``zhang wei``),
    for a string-similarity comparison that a slip in one syllable does not upset."""
    tokens = pinyin_tokens(name)
    if is_latin(name):
        tokens = _latin_order(name, tokens)
    return " ".join(tokens)


@cache
def pinyin_syllables() -> frozenset[str]:
    """Every toneless pinyin syllable (ü written v), from pypinyin's reading table."""
    from pypinyin.constants import PINYIN_DICT

    found = set()
    for readings in PINYIN_DICT.values():
        for reading in readings.split(","):
            plain = unicodedata.normalize("NFKD", reading.replace("ü", "v"))
            found.add("".join(ch for ch in plain if not unicodedata.combining(ch)))
    return frozenset(found)


@cache
def split_syllables(word: str) -> tuple[str, ...]:
    """A pinyin word cut into syllables (``xiaoming`` → xiao, ming): the fewest
    syllables; then the fewest that start with a, o or e after the first (pinyin writes
    ``xi'an`` with an apostrophe, so ``yina`` is yi-na, not yin-a); a word that is not
    pinyin stays whole."""
    known = pinyin_syllables()
    # best[i]: (cost, syllables) of word[i:]; cost = (count, vowel-initial non-first)
    best: list[tuple[tuple[int, int], tuple[str, ...]] | None] = [None] * (len(word) + 1)
    best[len(word)] = ((0, 0), ())
    for start in range(len(word) - 1, -1, -1):
        for end in range(min(len(word), start + 6), start, -1):
            rest = best[end]
            piece = word[start:end]
            if rest is None or piece not in known:
                continue
            (count, vowels), tail = rest
            if tail and tail[0][0] in "aoe":
                vowels += 1
            option = ((count + 1, vowels), (piece, *tail))
            current = best[start]
            if current is None or option[0] < current[0]:
                best[start] = option
    found = best[0]
    return found[1] if found else (word,)


def syllables_key(name: str) -> str:
    """The syllables of the name, sorted: 周东德, 周德东 (the given name's characters
    swapped) and ``Zhou Dedong`` agree."""
    key = simplified_key(name)
    if not key:
        return ""
    if is_latin(key):
        return " ".join(sorted(s for w in pinyin_tokens(name) for s in split_syllables(w)))
    chinese = "".join(ch for ch in key if _is_han(ch))
    surname, given = split_surname(chinese)
    family = SURNAME_READINGS.get(surname) or "".join(char_pinyin(c) for c in surname)
    return " ".join(sorted([*split_syllables(family), *(char_pinyin(c) for c in given)]))


def pinyin_key(name: str) -> str:
    """The name's pinyin tokens in sorted order, space-separated: 张伟, 章伟, 張偉,
    ``Zhang Wei`` and ``Wei Zhang`` all give ``"wei zhang"``."""
    return " ".join(sorted(pinyin_tokens(name)))


class NameKeys(NamedTuple):
    simplified: str  # simplified_key
    pinyin: str  # pinyin_key
    spoken: str  # spoken_name
    syllables: str  # syllables_key


def name_keys(name: str) -> NameKeys:
    """The four keys of a person's name at once (what the functions above give one by
    one), each character converted once: the fast path for a million records."""
    key = simplified_key(name)
    if not key:
        return NameKeys("", "", "", "")
    if is_latin(key):
        words = tuple(_canonical_syllables(w) for w in _latin_words(name))
        return NameKeys(
            key,
            " ".join(sorted(words)),
            " ".join(_latin_order(name, words)),
            " ".join(sorted(s for w in words for s in split_syllables(w))),
        )
    chinese = "".join(ch for ch in key if _is_han(ch))
    surname, given = split_surname(chinese)
    family = SURNAME_READINGS.get(surname) or "".join(char_pinyin(c) for c in surname)
    given_syllables = [char_pinyin(c) for c in given]
    personal = "".join(given_syllables)
    tokens = [t for t in (family, personal) if t]
    return NameKeys(
        key,
        " ".join(sorted(tokens)),
        " ".join(tokens),
        " ".join(sorted([*split_syllables(family), *given_syllables])),
    )


# Organisation names: 深圳市华信科技有限公司, 华信科技, 华信科技(深圳)有限公司 are one firm.
_LEGAL_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "集团公司", "公司", "集团")
_BRACKETS = re.compile(r"[(（][^()（）]*[)）]")


def organisation_core(name: str, *places: str) -> str:
    """An organisation's name without its legal form, bracketed parts and leading
    place names (``places``: the record's province, city …, with or without 省/市)."""
    core = simplified_key(_BRACKETS.sub("", simplified(name)))
    for form in _LEGAL_FORMS:
        if core.endswith(form) and len(core) > len(form):
            core = core[: -len(form)]
            break
    for place in places:
        for variant in (place, place[:-1] if len(place) > 2 else ""):
            if variant and core.startswith(variant) and len(core) > len(variant) + 1:
                core = core[len(variant) :]
                break
    return core
