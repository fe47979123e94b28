"""The waiting room's counters in process memory: unit tests and STORE=memory (one task, so nothing to share)."""

from __future__ import annotations

from dataclasses import replace

from api.service.admission import RoomState


class MemoryRoomStore:
    def __init__(self) -> None:
        self.stored = RoomState()
        self.writes = 0

    async def state(self) -> RoomState:
        return self.stored

    async def take_ticket(self, now_ms: int) -> RoomState:
        at_ms = self.stored.at_ms if self.stored.issued else now_ms
        self.stored = replace(self.stored, issued=self.stored.issued + 1, at_ms=at_ms)
        self.writes += 1
        return self.stored

    async def advance(self, seen: RoomState, serving: int, at_ms: int) -> bool:
        if self.stored.serving != seen.serving:
            return False
        self.stored = replace(self.stored, serving=serving, at_ms=at_ms)
        self.writes += 1
        return True
