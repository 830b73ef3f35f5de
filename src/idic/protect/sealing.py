"""Protected storage of secret identifiers: keyed digests to find them, AES-GCM to keep them.

Pure functions: the key material is passed in, never read from settings here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def _subkey(secret: str, purpose: bytes) -> bytes:
    return hmac.new(secret.encode(), b"idic:" + purpose, hashlib.sha256).digest()


def digest(secret: str, kind: str, value: str) -> str:
    """A stable keyed digest of ``value`` for look-ups; reveals nothing without the key."""
    key = _subkey(secret, b"digest")
    return hmac.new(key, f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()


def seal(secret: str, value: str) -> str:
    """Encrypt ``value`` (AES-256-GCM, random nonce); returns base64 text."""
    nonce = os.urandom(12)
    box = AESGCM(_subkey(secret, b"seal")).encrypt(nonce, value.encode(), None)
    return base64.b64encode(nonce + box).decode()


def unseal(secret: str, token: str) -> str:
    """Decrypt what :func:`seal` produced; raises ``ValueError`` if it was tampered with."""
    raw = base64.b64decode(token)
    try:
        return AESGCM(_subkey(secret, b"seal")).decrypt(raw[:12], raw[12:], None).decode()
    except Exception as exc:  # cryptography raises InvalidTag
        raise ValueError("protected value cannot be decrypted with this key") from exc
