"""Normalisation of contact data: pure functions, no Django.

Phones become E.164 (``+8613812345678``) with China (+86) as the default country,
emails are lower-cased, full-width characters are folded to their ASCII forms,
and 18-digit Chinese ID numbers are checked by their ISO 7064 MOD 11-2 check digit.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from operator import mul

from idic.identify.reasons import reason

_SPACE = re.compile(r"\s+")
_PHONE_JUNK = re.compile(r"[\s\-().·/]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CN_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_CN_LANDLINE = re.compile(r"^0[1-9]\d{8,10}$")
# For ASCII text, folding and then dropping the junk of a phone number is deleting every
# white-space character (as ``\s`` and :meth:`str.isspace` know them) and ``-().·/``: one
# ``str.translate`` instead of two regular-expression passes (an import makes millions).
_ASCII_PHONE_JUNK = str.maketrans(
    "", "", "".join(c for c in map(chr, range(128)) if c.isspace()) + "-()./"
)


class InvalidValue(ValueError):
    """A value that cannot be normalised; the message says why."""

    @property
    def reason(self) -> str:
        """The message as given (a translatable :class:`~idic.identify.reasons.Reason`)."""
        return self.args[0] if self.args else ""


def fold(text: str) -> str:
    """Fold full-width forms (ＡＢＣ１２３＠) to ASCII and collapse white space."""
    if not text:
        return ""
    if text.isascii():
        return _SPACE.sub(" ", text).strip()
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def name_key(name: str) -> str:
    """Search key of a name: folded, case-folded, without spaces or dots."""
    return fold(name).casefold().replace(" ", "").replace("·", "").replace(".", "")


def normalise_phone(raw: str, default_country: str = "86") -> str:
    """Return the E.164 form of a phone number or raise :class:`InvalidValue`.

    Chinese mobiles (11 digits, 1[3-9]…) and landlines with trunk prefix 0 get +86;
    ``+`` or ``00`` introduce an international number; ``86`` before a mobile is the
    country code. Anything else is taken as a national number of ``default_country``.
    """
    text = raw.translate(_ASCII_PHONE_JUNK) if raw.isascii() else _PHONE_JUNK.sub("", fold(raw))
    if not text:
        raise InvalidValue(reason("empty phone number"))
    if text.startswith("+"):
        digits = text[1:]
        international = True
    elif text.startswith("00"):
        digits = text[2:]
        international = True
    else:
        digits = text
        international = False
    if not digits.isdigit():
        raise InvalidValue(
            reason("phone number {raw!r} has characters that are not digits", raw=raw)
        )
    if international:
        if not 7 <= len(digits) <= 15:
            raise InvalidValue(
                reason(
                    "phone number {raw!r} has {count} digits; E.164 allows 7–15",
                    raw=raw,
                    count=len(digits),
                )
            )
        if digits.startswith("86"):
            national = digits[2:]
            if national.startswith("0"):
                national = national[1:]
            return "+86" + national
        return "+" + digits
    if len(digits) == 13 and digits.startswith("86") and _CN_MOBILE.match(digits[2:]):
        return "+" + digits
    if default_country == "86":
        if _CN_MOBILE.match(digits):
            return "+86" + digits
        if _CN_LANDLINE.match(digits):
            return "+86" + digits[1:]
        raise InvalidValue(
            reason(
                "phone number {raw!r} is neither an 11-digit mobile (1[3-9]…) nor a landline "
                "with area code (0…); write international numbers with + and the country code",
                raw=raw,
            )
        )
    national = digits.lstrip("0")
    if not 4 <= len(national) <= 14:
        raise InvalidValue(
            reason("phone number {raw!r} has {count} digits", raw=raw, count=len(national))
        )
    return "+" + default_country + national


def normalise_email(raw: str) -> str:
    """Lower-cased, folded email address, or :class:`InvalidValue`."""
    text = fold(raw).replace(" ", "").lower()
    if not _EMAIL.match(text):
        raise InvalidValue(
            reason("email address {raw!r} is not of the form name@domain.tld", raw=raw)
        )
    return text


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits of an ID number."""
    if len(first17) != len(_ID_WEIGHTS):
        raise ValueError("an ID number's check digit needs exactly its first 17 digits")
    return _ID_CHECK[sum(map(mul, map(int, first17), _ID_WEIGHTS)) % 11]


@dataclass(frozen=True)
class IdNumber:
    """A valid 18-digit resident ID number and what it encodes."""

    value: str
    region: str
    birth_date: date
    gender: str  # "M" or "F"


def parse_id_number(raw: str) -> IdNumber:
    """Validate an ID number (18 digits, or the old 15-digit form) or raise :class:`InvalidValue`."""
    text = checked_id_number(raw)
    born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    return IdNumber(
        value=text, region=text[:6], birth_date=born, gender="M" if int(text[16]) % 2 else "F"
    )


def checked_id_number(raw: str) -> str:
    """The 18-character form of a valid ID number (what :func:`parse_id_number` checks),
    without the parts it encodes; or :class:`InvalidValue`."""
    text = fold(raw).replace(" ", "").upper()
    if len(text) == 15 and text.isdigit():
        first17 = text[:6] + "19" + text[6:]
        text = first17 + id_check_digit(first17)
    if len(text) != 18 or not text[:17].isdigit() or not (text[17].isdigit() or text[17] == "X"):
        raise InvalidValue(
            reason("ID number {raw!r} must have 17 digits and a digit or X (18 in all)", raw=raw)
        )
    if id_check_digit(text[:17]) != text[17]:
        raise InvalidValue(
            reason(
                "ID number {raw!r} fails its check digit (expected {digit})",
                raw=raw,
                digit=id_check_digit(text[:17]),
            )
        )
    try:
        date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError as exc:
        raise InvalidValue(
            reason("ID number {raw!r} encodes an impossible birth date", raw=raw)
        ) from exc
    return text
