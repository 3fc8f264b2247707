"""Secrets at rest (bearer tokens, SSNs): Fernet (AES-128-CBC + HMAC-SHA256) with a key from the environment."""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken

from stapp.settings import get_settings


class SecretKeyMissing(RuntimeError):
    """No ``STAPP_SECRET_KEY`` (nor ``var/secret.key``): secrets cannot be stored or read."""


@lru_cache(maxsize=4)
def _fernet(secret: str) -> Fernet:
    key = base64.urlsafe_b64encode(hashlib.sha256(("stapp-at-rest:" + secret).encode()).digest())
    return Fernet(key)


def _current() -> Fernet:
    secret = get_settings().secret_key
    if not secret:
        raise SecretKeyMissing("Set STAPP_SECRET_KEY (make run creates var/secret.key on first start).")
    return _fernet(secret)


def encrypt(plaintext: str) -> str:
    return _current().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return _current().decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise SecretKeyMissing("A stored secret cannot be read with the current STAPP_SECRET_KEY.") from exc
