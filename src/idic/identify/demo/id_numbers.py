"""18-digit resident ID numbers (GB 11643): region, birth date, sequence, check digit.

Digits 1–6 are the region code, 7–14 the birth date, 15–17 a sequence number whose
last digit is odd for men and even for women, and 18 the ISO 7064 MOD 11-2 check
character. An :class:`IdIssuer` counts the numbers given out per region, day and
gender in a fixed-size table, so no two people share a number and memory does not
grow with the number of people.
"""

from __future__ import annotations

from array import array
from datetime import date

from idic.identify.demo.places import REGION_INDEX
from idic.identify.normalise import id_check_digit

FIRST_BIRTH_DATE = date(1930, 1, 1)
LAST_BIRTH_DATE = date(2010, 12, 31)
_DAYS = (LAST_BIRTH_DATE - FIRST_BIRTH_DATE).days + 1
_PER_GENDER = 500  # sequence numbers 000–999 split by the parity of the last digit
_STEP = 137  # coprime to 500: successive numbers in one bucket look unrelated


def id_number(region: str, birth: date, sequence: int) -> str:
    """The ID number for a region code, birth date and 3-digit sequence (0–999)."""
    if len(region) != 6 or not region.isdigit():
        raise ValueError(f"region code {region!r} must be 6 digits")
    if not 0 <= sequence <= 999:
        raise ValueError(f"sequence {sequence} must be 0–999")
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_check_digit(first17)


class IdIssuer:
    """Hands out distinct ID numbers for people of the regions in ``places``."""

    def __init__(self) -> None:
        self._issued = array("H", bytes(2 * len(REGION_INDEX) * _DAYS * 2))

    def issue(self, region: str, birth: date, gender: str) -> str:
        """A new ID number for a person born on ``birth`` in ``region``, gender ``M``/``F``."""
        if not FIRST_BIRTH_DATE <= birth <= LAST_BIRTH_DATE:
            raise ValueError(f"birth date {birth} outside {FIRST_BIRTH_DATE}…{LAST_BIRTH_DATE}")
        region_no = REGION_INDEX[region]
        day = (birth - FIRST_BIRTH_DATE).days
        slot = ((region_no * _DAYS) + day) * 2 + (gender == "M")
        count = self._issued[slot]
        if count >= _PER_GENDER:
            raise ValueError(f"all {_PER_GENDER} sequence numbers of {region} {birth} are used")
        self._issued[slot] = count + 1
        start = (region_no * 7919 + day * 31) % _PER_GENDER
        sequence = 2 * ((start + count * _STEP) % _PER_GENDER) + (gender == "M")
        return id_number(region, birth, sequence)
