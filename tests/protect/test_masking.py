"""Masking and revealing customer fields by role (pure: no database)."""

from __future__ import annotations

import pytest

from idic.protect import classification
from idic.protect.classification import Level, mask, reveal


@pytest.mark.parametrize(
    ("field", "value", "masked"),
    [
        ("id_number", "110105196311152766", "110105********2766"),
        ("national_id", "11010519491231002X", "110105********002X"),
        ("id_number", "1234567890", "**********"),  # too short to keep anything
        ("account_number", "6222020200112233445", "622202*********3445"),
        ("member_card", "880012345678", "880012**5678"),
        ("phone", "+8613812345678", "+86138****5678"),
        ("phone", "+861062345678", "+8610****5678"),
        ("fax", "+8675588886666", "+86755****6666"),
        ("phone", "12345", "***45"),  # short numbers keep the last two digits
        ("email", "zhang.wei@example.com", "z***@example.com"),
        ("email", "not-an-email", "n********"),  # no @: masked as text, 8 stars at most
        ("birth_date", "1990-01-02", "1990-**-**"),
        ("address", "北京市朝阳区建国路88号", "北********"),
        ("income", "25000", "2****"),
        ("address", "", ""),
    ],
)
def test_mask(field, value, masked):
    # given a field's value / when masked / then the expected form
    assert mask(field, value) == masked


@pytest.mark.parametrize(
    ("role", "field", "value", "seen"),
    [
        # the texts' example: only admins see an ID number; others see region and check part
        ("admin", "id_number", "110105196311152766", "110105196311152766"),
        ("agent", "id_number", "110105196311152766", "110105********2766"),
        ("analyst", "id_number", "110105196311152766", "110105********2766"),
        # confidential: agents and admins see it, analysts see a mask
        ("agent", "phone", "+8613812345678", "+8613812345678"),
        ("analyst", "phone", "+8613812345678", "+86138****5678"),
        ("analyst", "birth_date", "1990-01-02", "1990-**-**"),
        ("agent", "income", "25000", "2****"),
        # general: everyone sees it
        ("analyst", "name", "王芳", "王芳"),
        ("analyst", "city", "北京市", "北京市"),
        # a field nobody classified is confidential, so it is never shown by accident
        ("analyst", "favourite_colour", "red", "r**"),
        ("agent", "favourite_colour", "red", "red"),
        # an unknown role is cleared for general fields only
        ("intern", "name", "王芳", "王芳"),
        ("intern", "phone", "+8613812345678", "+86138****5678"),
        # nothing to hide
        ("analyst", "phone", None, None),
        ("analyst", "phone", "", ""),
    ],
)
def test_reveal_by_role(role, field, value, seen):
    # given a role and a field / when revealed / then the value or its mask
    assert reveal(role, field, value) == seen


@pytest.mark.parametrize(
    ("role", "level"),
    [("admin", Level.SECRET), ("agent", Level.CONFIDENTIAL), ("analyst", Level.GENERAL)],
)
def test_each_role_has_its_clearance(role, level):
    assert classification.clearance_of(role) == level


def test_mask_never_returns_the_value_of_a_field_beyond_clearance():
    # given every classified field above general and a typical value
    samples = {
        "id_number": "110105196311152766",
        "phone": "+8613812345678",
        "email": "a.b@example.com",
        "birth_date": "1990-01-02",
        "income": "25000",
        "address": "朝阳路1号",
    }
    for field, value in samples.items():
        # when an analyst sees it / then never the value itself
        assert reveal("analyst", field, value) != value, field
