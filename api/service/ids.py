"""Identifiers: unguessable ids (>= 128 random bits) and short human booking references."""

from __future__ import annotations

import secrets

# Crockford-style alphabet without 0/O, 1/I/L: easy to read out over the phone.
_REF_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_id(prefix: str) -> str:
    """prefix + 24 url-safe chars = 144 random bits."""
    return f"{prefix}_{secrets.token_urlsafe(18)}"


def new_reference() -> str:
    """MTB-7KQ2XZ: 6 chars of a 31-letter alphabet (~887 million codes); the booking id stays the key."""
    return "MTB-" + "".join(secrets.choice(_REF_ALPHABET) for _ in range(6))
