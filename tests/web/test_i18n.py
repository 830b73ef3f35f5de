"""The Chinese catalogue is complete and compiled: no untranslated or fuzzy entry, the
.mo holds exactly what the .po says, every template string is in it, and the pages'
key words come out in Chinese."""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.utils import translation

SRC = Path(__file__).resolve().parents[2] / "src" / "idic"
CATALOGUE = SRC / "locale" / "zh_Hans" / "LC_MESSAGES"
PO = CATALOGUE / "django.po"
MO = CATALOGUE / "django.mo"
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?) (".*")$')
_PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdif]")
_TEMPLATE_STRING = re.compile(r'{%\s*(?:translate|trans)\s+"([^"]+)"(?:\s+context\s+"([^"]+)")?')


@dataclass
class Entry:
    msgid: str = ""
    context: str | None = None
    plural: str | None = None
    strings: dict[int, str] = field(default_factory=dict)
    fuzzy: bool = False

    @property
    def key(self) -> str:
        return self.msgid if self.context is None else f"{self.context}\x04{self.msgid}"


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file (obsolete ``#~`` entries left out)."""
    entries: list[Entry] = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry = Entry()
        parts: dict[tuple[str, int], str] = {}
        current: tuple[str, int] | None = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry.fuzzy = "fuzzy" in line
            elif line.startswith("#") or not line.strip():
                continue
            elif match := _KEYWORD.match(line):
                current = (match.group(1).split("[")[0], int(match.group(2) or 0))
                parts[current] = ast.literal_eval(match.group(3))
            elif current is not None:  # a continuation line of the current keyword
                parts[current] += ast.literal_eval(line)
        if not parts:
            continue
        entry.context = parts.get(("msgctxt", 0))
        entry.msgid = parts.get(("msgid", 0), "")
        entry.plural = parts.get(("msgid_plural", 0))
        entry.strings = {i: text for (kw, i), text in parts.items() if kw == "msgstr"}
        entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return [e for e in read_po(PO) if e.msgid]


def test_po_has_no_untranslated_or_fuzzy_entry(entries):
    # given the Chinese catalogue / then every entry is translated and none is fuzzy
    untranslated = [e.msgid for e in entries if not all(e.strings.values()) or not e.strings]
    fuzzy = [e.msgid for e in entries if e.fuzzy]
    assert not untranslated, f"translate these in {PO.name}: {untranslated}"
    assert not fuzzy, f"review and un-fuzzy these in {PO.name}: {fuzzy}"


def test_translations_keep_their_placeholders(entries):
    # given each entry / then its translation uses the same %(name)s placeholders
    for entry in entries:
        wanted = set(_PLACEHOLDER.findall(entry.msgid))
        for text in entry.strings.values():
            assert set(_PLACEHOLDER.findall(text)) == wanted, entry.msgid


def test_mo_is_compiled_from_the_current_po(entries):
    # given the compiled catalogue
    with MO.open("rb") as handle:
        catalog = dict(gettext.GNUTranslations(handle)._catalog)  # type: ignore[attr-defined]
    catalog.pop("", None)
    # when the .po is read the way msgfmt compiles it
    expected: dict[object, str] = {}
    for entry in entries:
        if entry.plural is None:
            expected[entry.key] = entry.strings[0]
        else:
            for index, text in entry.strings.items():
                expected[(entry.key, index)] = text
    # then both hold the same messages and translations
    missing = sorted(str(k) for k in expected.keys() - catalog.keys())
    stale = sorted(str(k) for k in catalog.keys() - expected.keys())
    assert not missing and not stale, (
        f"django.mo is out of date (missing {missing[:5]}, stale {stale[:5]}): "
        "run `uv run --frozen idic compilemessages`"
    )
    changed = [k for k in expected if catalog[k] != expected[k]]
    assert not changed, f"recompile django.mo: {changed[:5]} changed"


def test_every_template_string_is_in_the_catalogue(entries):
    # given the literal {% translate %} strings of every template
    known = {e.key for e in entries}
    missing = []
    for template in sorted(SRC.rglob("templates/**/*.html")):
        for msgid, context in _TEMPLATE_STRING.findall(template.read_text(encoding="utf-8")):
            key = msgid if not context else f"{context}\x04{msgid}"
            if key not in known:
                missing.append(f"{template.relative_to(SRC)}: {msgid}")
    # then each is in the catalogue
    assert not missing, (
        "run `uv run --frozen idic makemessages -l zh_Hans --ignore=.venv` in src/idic, "
        f"translate, then compilemessages: {missing}"
    )


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("Person", "个人"),
        ("Organisation", "组织"),
        ("Consumer", "消费客户"),
        ("Industrial", "产业客户"),
        ("Intermediary", "中间客户"),
        ("Public-interest", "公利客户"),
        ("Actual", "现实客户"),
        ("Potential", "潜在客户"),
        ("Customer search", "客户查询"),
        ("Timeline", "客户时间线"),
        ("Opted out", "已退订"),
        ("Analyst", "分析员"),
    ],
)
def test_key_words_come_out_in_chinese(english, chinese):
    # given the interface in Simplified Chinese / then the key words are translated
    with translation.override("zh-hans"):
        assert translation.gettext(english) == chinese
    with translation.override("en"):
        assert translation.gettext(english) == english


def test_po_reader_sees_fuzzy_and_empty_entries(tmp_path):
    # given a catalogue with a fuzzy entry, an empty one, and a wrapped plural
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: zh_Hans\\n"\n\n'
        '#, fuzzy\nmsgid "Kind"\nmsgstr "类别"\n\n'
        'msgid "Gender"\nmsgstr ""\n\n'
        'msgctxt "menu"\nmsgid ""\n"%(n)s row"\nmsgid_plural "%(n)s rows"\nmsgstr[0] "%(n)s 行"\n',
        encoding="utf-8",
    )
    # when read
    kind, gender, rows = [e for e in read_po(po) if e.msgid]
    # then the checks above would catch both problems, and the plural is whole
    assert kind.fuzzy and not gender.strings[0]
    assert (rows.key, rows.plural, rows.strings) == (
        "menu\x04%(n)s row",
        "%(n)s rows",
        {0: "%(n)s 行"},
    )
