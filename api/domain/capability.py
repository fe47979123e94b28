"""Capability tokens: holding one is the right to act on a hold or read a booking. Standard library only.

A token is 256 random bits shown to its holder once; only its SHA-256 is stored, and a presented token is
compared with that digest in constant time. A booking's token is derived from the hold's (HMAC), so a
replayed booking request, which presents the hold token again, gets the same booking token back without
any token being stored in clear.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

TOKEN_BYTES = 32


def new_token() -> str:
    """256 random bits, url-safe (43 characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def digest(token: str) -> str:
    """What is stored: the SHA-256 of the token (a leaked table grants nothing)."""
    return hashlib.sha256(token.encode()).hexdigest()


def matches(presented: str, stored_digest: str) -> bool:
    """Constant-time check of a presented token; an object stored without a digest matches nothing."""
    if not stored_digest:
        return False
    return hmac.compare_digest(digest(presented).encode(), stored_digest.encode())


def derive(parent_token: str, object_id: str) -> str:
    """The token of an object created with a parent token's authority (a booking made with a hold token)."""
    mac = hmac.new(parent_token.encode(), f"booking:{object_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
