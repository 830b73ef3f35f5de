"""Chinese phone numbers: mobiles with real operator prefixes, landlines with area codes.

Numbers come from a running index through a :class:`Scrambler`, so two people never
share a number by accident — only a household shares its landline, on purpose.
"""

from __future__ import annotations

import random

from idic.identify.demo.numbering import Scrambler

# Mobile prefixes in use by China Mobile, China Unicom, China Telecom and virtual operators.
MOBILE_PREFIXES: tuple[str, ...] = (
    *(f"13{d}" for d in range(10)),
    "150", "151", "152", "153", "155", "156", "157", "158", "159",
    "166", "170", "171", "173", "175", "176", "177", "178",
    *(f"18{d}" for d in range(10)),
    "191", "198", "199",
)  # fmt: skip
_SUBSCRIBERS = 10**8  # eight digits after the prefix
_LOCAL_NUMBERS = 10**7  # seven digits after the first digit of an 8-digit local number


class PhoneBook:
    """Hands out distinct mobile and landline numbers for a seeded stream."""

    def __init__(self, rng: random.Random) -> None:
        self._mobile = Scrambler.seeded(rng, _SUBSCRIBERS)
        self._landline = Scrambler.seeded(rng, _LOCAL_NUMBERS)
        self._mobiles = 0
        self._landlines = 0

    def mobile(self, rng: random.Random) -> str:
        """A new 11-digit mobile number, e.g. ``13812345678``."""
        subscriber = self._mobile(self._mobiles)
        self._mobiles += 1
        return f"{rng.choice(MOBILE_PREFIXES)}{subscriber:08d}"

    def landline(self, rng: random.Random, area_code: str) -> str:
        """A new landline with area code and 8-digit local number, e.g. ``010-62345678``."""
        local = self._landline(self._landlines % _LOCAL_NUMBERS)
        self._landlines += 1
        return f"{area_code}-{rng.randint(2, 8)}{local:07d}"


def format_mobile(rng: random.Random, number: str) -> str:
    """The ways people write a mobile: 13812345678, 138-1234-5678, +86 138 1234 5678."""
    style = rng.random()
    if style < 0.6:
        return number
    if style < 0.75:
        return f"{number[:3]}-{number[3:7]}-{number[7:]}"
    if style < 0.9:
        return f"{number[:3]} {number[3:7]} {number[7:]}"
    return f"+86 {number[:3]} {number[3:7]} {number[7:]}"


def format_landline(rng: random.Random, number: str) -> str:
    """010-62345678, (010)62345678 or 01062345678."""
    area, local = number.split("-")
    style = rng.random()
    if style < 0.6:
        return number
    if style < 0.8:
        return f"({area}){local}"
    return area + local
