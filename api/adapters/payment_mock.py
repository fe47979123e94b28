"""Mock payment gateway: tok_visa succeeds, tok_chargeDeclined declines, tok_slow succeeds slowly.

Like a real gateway it is idempotent per key: a retry returns the first charge, never a second one.
"""

from __future__ import annotations

import asyncio
import secrets

from api.domain.errors import PaymentDeclined
from api.service.ports import Charge

SLOW = "tok_slow"
DECLINE = "tok_chargeDeclined"
TOKENS = ("tok_visa", "tok_mastercard", "tok_chargeDeclined", "tok_slow")


class MockPaymentGateway:
    def __init__(self, *, slow_delay_ms: int = 2000) -> None:
        self._slow_delay_s = slow_delay_ms / 1000
        self._charges: dict[str, Charge] = {}
        self.refunds: list[str] = []
        self.calls = 0

    async def charge(self, *, amount_cents: int, currency: str, token: str, idempotency_key: str) -> Charge:
        self.calls += 1
        known = self._charges.get(idempotency_key)
        if known is not None:
            return known
        if token == SLOW:
            await asyncio.sleep(self._slow_delay_s)
        if token not in TOKENS or token == DECLINE:
            raise PaymentDeclined(details={"decline_code": "card_declined" if token in TOKENS else "unknown_token"})
        charge = Charge(id=f"ch_{secrets.token_hex(12)}", amount_cents=amount_cents, currency=currency)
        self._charges[idempotency_key] = charge
        return charge

    async def refund(self, charge: Charge) -> None:
        self.refunds.append(charge.id)
