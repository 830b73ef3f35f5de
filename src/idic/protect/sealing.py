"""Protected storage of secret identifiers: keyed digests to find them, AES-GCM to keep them.

Pure functions: the key material is passed in, never read from settings here. The
subkeys derived from a secret (and the cipher built on one) are kept per secret, so a
million identifiers do not derive the same keys a million times.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# a deployment has one secret; a few more (tests, a key rotation) still fit
_SECRETS_KEPT = 8


@lru_cache(maxsize=_SECRETS_KEPT * 2)
def _subkey(secret: str, purpose: bytes) -> bytes:
    return hmac.new(secret.encode(), b"idic:" + purpose, hashlib.sha256).digest()


@lru_cache(maxsize=_SECRETS_KEPT)
def _digester(secret: str):
    """An HMAC keyed with the digest subkey, copied for each value (a copy skips re-keying)."""
    return hmac.new(_subkey(secret, b"digest"), digestmod=hashlib.sha256)


@lru_cache(maxsize=_SECRETS_KEPT)
def _box(secret: str) -> AESGCM:
    """The AES-GCM cipher of the seal subkey; it keeps no state between calls."""
    return AESGCM(_subkey(secret, b"seal"))


def digest(secret: str, kind: str, value: str) -> str:
    """A stable keyed digest of ``value`` for look-ups; reveals nothing without the key."""
    mac = _digester(secret).copy()
    mac.update(f"{kind}\x00{value}".encode())
    return mac.hexdigest()


def seal(secret: str, value: str) -> str:
    """Encrypt ``value`` (AES-256-GCM, random nonce); returns base64 text."""
    nonce = os.urandom(12)
    box = _box(secret).encrypt(nonce, value.encode(), None)
    return base64.b64encode(nonce + box).decode()


def unseal(secret: str, token: str) -> str:
    """Decrypt what :func:`seal` produced; raises ``ValueError`` if it was tampered with."""
    raw = base64.b64decode(token)
    try:
        return _box(secret).decrypt(raw[:12], raw[12:], None).decode()
    except Exception as exc:  # cryptography raises InvalidTag
        raise ValueError("protected value cannot be decrypted with this key") from exc
