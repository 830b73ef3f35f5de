"""Parsers of single cell values shared by the row parsers: text, dates, times, amounts,
counts and coded choices with their Chinese synonyms. Each raises
:class:`~idic.identify.normalise.InvalidValue` with a reason a person can act on.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from idic.identify.normalise import InvalidValue, fold
from idic.identify.reasons import reason

_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]0{1,2}:00(?::00(?:\.0+)?)?)?$"
)
_DATETIME = re.compile(
    r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
    r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$"
)
_MONEY_SIGNS = ("¥", "￥", "RMB", "CNY", "元")
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1e12")
MIN_YEAR, MAX_YEAR = 1900, 2100


def clean(text: str) -> str:
    """Trim, collapse inner white space and fold full-width forms (ＡＢＣ１２３ → ABC123)."""
    if not text:
        return ""
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return " ".join(text.split())
    return fold(text)


def parse_date(text: str) -> dt.date:
    """``YYYY-MM-DD``, ``YYYY/MM/DD``, ``YYYY.MM.DD``, ``YYYYMMDD`` or ``YYYY年M月D日``."""
    value: dt.date | None = None
    if len(text) == 10 or len(text) == 8:
        try:
            value = dt.date.fromisoformat(text)
        except ValueError:
            value = None
    if value is None:
        match = _DATE.match(text)
        if match is None:
            raise InvalidValue(reason("{text!r} is not a date: write it as YYYY-MM-DD", text=text))
        try:
            value = dt.date(*(int(part) for part in match.groups()))
        except ValueError:
            raise InvalidValue(reason("{text!r} is not a real calendar date", text=text)) from None
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise _year_outside(text)
    return value


def parse_datetime(text: str, tz: dt.tzinfo) -> dt.datetime:
    """An ISO date or date-time (``2024-03-01``, ``2024-03-01 14:05``, ``…T14:05:00+08:00``,
    ``/`` allowed between date parts); without an offset it is local time in ``tz``."""
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        value = _datetime_by_pattern(text)
    if value.tzinfo is None:
        # ``value.replace(tzinfo=tz)``, five times faster (a file may hold millions)
        value = dt.datetime.combine(value, value.time(), tz)
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise _year_outside(text)
    return value


def _datetime_by_pattern(text: str) -> dt.datetime:
    match = _DATETIME.match(text)
    if match is None:
        try:
            return dt.datetime.combine(parse_date(text), dt.time(0))
        except InvalidValue:
            raise InvalidValue(
                reason(
                    "{text!r} is not a date or date-time: write it as YYYY-MM-DD or "
                    "YYYY-MM-DD HH:MM[:SS] (optionally with an offset such as +08:00)",
                    text=text,
                )
            ) from None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    tzinfo: dt.tzinfo | None = None
    if offset:
        if offset == "Z":
            tzinfo = dt.UTC
        else:
            sign = -1 if offset[0] == "-" else 1
            digits = offset[1:].replace(":", "")
            delta = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            tzinfo = dt.timezone(sign * delta)
    try:
        return dt.datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0").ljust(6, "0")),
            tzinfo=tzinfo,
        )
    except ValueError:
        raise InvalidValue(reason("{text!r} is not a real date and time", text=text)) from None


def parse_amount(text: str) -> Decimal:
    """A money amount ≥ 0 (``1,299.00``, ``¥88``), rounded half-up to cents."""
    body = text.replace(",", "").replace(" ", "")
    for sign in _MONEY_SIGNS:
        body = body.replace(sign, "")
    try:
        value = Decimal(body)
    except InvalidOperation:
        raise _not_a_number(text) from None
    if not value.is_finite():
        raise _not_a_number(text)
    if value < 0:
        raise InvalidValue(reason("{text!r} is negative: amounts must be 0 or more", text=text))
    if value >= MAX_AMOUNT:
        raise InvalidValue(
            reason("{text!r} is too large: amounts must be below 1,000,000,000,000", text=text)
        )
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _year_outside(text: str) -> InvalidValue:
    return InvalidValue(
        reason("{text!r} has a year outside {low}–{high}", text=text, low=MIN_YEAR, high=MAX_YEAR)
    )


def _not_a_number(text: str) -> InvalidValue:
    return InvalidValue(reason("{text!r} is not a number: write it like 1299.50", text=text))


def parse_count(text: str) -> int:
    """A whole number ≥ 0 (``1,200`` and ``12.0`` accepted)."""
    body = text.replace(",", "").replace(" ", "")
    if body.endswith(".0"):
        body = body[:-2]
    if not body.isdigit() or not body.isascii():
        raise InvalidValue(reason("{text!r} is not a whole number of 0 or more", text=text))
    if len(body) > 9:
        raise InvalidValue(reason("{text!r} is too large", text=text))
    return int(body)


def choice(text: str, synonyms: dict[str, str], codes: tuple[str, ...]) -> str:
    """The code that ``text`` names, by code or synonym (case-insensitive)."""
    code = synonyms.get(text.lower())
    if code is None:
        code = synonyms.get(clean(text).lower())
    if code is None:
        others = [k for k, v in synonyms.items() if v and k not in codes and not k.isascii()]
        known = ", ".join(c for c in codes if c)
        if others:
            raise InvalidValue(
                reason(
                    "{text!r} is not one of {known} (also {others})",
                    text=text,
                    known=known,
                    others=", ".join(others),
                )
            )
        raise InvalidValue(reason("{text!r} is not one of {known}", text=text, known=known))
    return code


def synonyms(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Turn ``{code: (synonym, …)}`` into a look-up of every lower-cased spelling."""
    out: dict[str, str] = {}
    for code, words in table.items():
        out[code.lower()] = code
        for word in words:
            out[word.lower()] = code
    return out


def about(column: str, exc: InvalidValue) -> str:
    """``exc``'s reason about the value of ``column``: "amount 'x' is not a number …"."""
    return reason("{column} {problem}", column=column, problem=exc.reason)


def required(column: str) -> str:
    return reason("{column} is required: fill it in", column=column)


def too_long(column: str, length: int, limit: int) -> str:
    return reason(
        "{column} is {length} characters long; at most {limit} fit",
        column=column,
        length=length,
        limit=limit,
    )


def channel_too_long(limit: int) -> str:
    return reason("channel is longer than {limit} characters", limit=limit)
