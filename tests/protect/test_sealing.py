"""Keyed digests and sealing of protected identifiers (pure functions, no database)."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from idic.protect import sealing

SECRET = "a-deployment-secret"
OTHER = "another-deployment-secret"
ID_NUMBER = "110105199001012761"


def _reference_digest(secret: str, kind: str, value: str) -> str:
    """The digest as first specified: HMAC-SHA256 under a subkey derived per purpose."""
    key = hmac.new(secret.encode(), b"idic:digest", hashlib.sha256).digest()
    return hmac.new(key, f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()


@given(secret=st.text(min_size=1), kind=st.text(), value=st.text())
def test_digest_is_the_keyed_hmac_of_kind_and_value(secret, kind, value):
    # given any secret, kind and value / when digested twice (the second from the cache)
    first = sealing.digest(secret, kind, value)
    second = sealing.digest(secret, kind, value)
    # then both equal the reference construction, so stored digests still match
    assert first == second == _reference_digest(secret, kind, value)


def test_digest_depends_on_secret_kind_and_value():
    # given one value / when digested under other secrets or kinds
    base = sealing.digest(SECRET, "national_id", ID_NUMBER)
    # then each digest differs
    assert base != sealing.digest(OTHER, "national_id", ID_NUMBER)
    assert base != sealing.digest(SECRET, "member_card", ID_NUMBER)
    assert base != sealing.digest(SECRET, "national_id", ID_NUMBER[:-1] + "0")


@given(value=st.text())
def test_seal_round_trips_under_its_secret(value):
    # given a sealed value / when unsealed with the same secret / then it comes back
    assert sealing.unseal(SECRET, sealing.seal(SECRET, value)) == value


def test_sealing_twice_gives_different_tokens_that_hide_the_value():
    # given the same value sealed twice
    first, second = sealing.seal(SECRET, ID_NUMBER), sealing.seal(SECRET, ID_NUMBER)
    # then the random nonce makes the tokens differ, and neither shows the value
    assert first != second
    assert ID_NUMBER not in first and ID_NUMBER.encode() not in base64.b64decode(first)


def test_a_token_sealed_under_one_secret_does_not_open_under_another():
    # given a token sealed under SECRET, after OTHER's cipher was built and cached
    sealing.seal(OTHER, "warm the cache")
    token = sealing.seal(SECRET, ID_NUMBER)
    # when opened with OTHER / then it is refused
    with pytest.raises(ValueError, match="cannot be decrypted"):
        sealing.unseal(OTHER, token)


def test_a_tampered_token_is_refused():
    # given a token with one byte of its ciphertext flipped
    raw = bytearray(base64.b64decode(sealing.seal(SECRET, ID_NUMBER)))
    raw[14] ^= 0x01
    # when unsealed / then it is refused rather than decrypted to something else
    with pytest.raises(ValueError, match="cannot be decrypted"):
        sealing.unseal(SECRET, base64.b64encode(bytes(raw)).decode())
