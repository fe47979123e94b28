"""CatalogStore on DynamoDB: movies (one partition), shows (by movie and day on GSI1), and the seed."""

from __future__ import annotations

import asyncio
from datetime import date

from api.adapters.dynamodb import items as I
from api.adapters.dynamodb.seat_locks import query_seats
from api.adapters.dynamodb.table import Table
from api.domain.errors import DependencyUnavailable
from api.domain.model import Movie, Show

SEED_ATTEMPTS = 4
SEATS_PER_TXN = 25  # small transactions: DynamoDB Local runs each under a table lock (measured: 25 seats ~50 ms warm)
CREATE = "attribute_not_exists(PK)"


class DynamoCatalog:
    def __init__(self, table: Table) -> None:
        self._t = table

    async def list_movies(self) -> list[Movie]:
        rows = await self._t.query_all(
            KeyConditionExpression="PK = :pk", ExpressionAttributeValues={":pk": I.s(I.CATALOG_PK)}
        )
        return [I.parse_movie(r) for r in rows]

    async def get_movie(self, movie_id: str) -> Movie | None:
        item = await self._t.get(I.key(I.CATALOG_PK, f"MOVIE#{movie_id}"))
        return I.parse_movie(item) if item else None

    async def list_shows(self, movie_id: str, on: date | None) -> list[Show]:
        cond = "GSI1PK = :pk"
        values = {":pk": I.s(f"MOVIE#{movie_id}")}
        if on is not None:
            cond += " AND begins_with(GSI1SK, :day)"
            values[":day"] = I.s(on.isoformat())
        rows = await self._t.query_all(IndexName="GSI1", KeyConditionExpression=cond, ExpressionAttributeValues=values)
        return [I.parse_show(r) for r in rows]

    async def get_show(self, show_id: str) -> Show | None:
        item = await self._t.get(I.key(I.show_pk(show_id), "META"))
        return I.parse_show(item) if item else None

    async def put_catalog(self, movies: list[Movie], shows: list[Show]) -> int:
        """Idempotent: movies and shows are overwritten, seats only created when missing (keeps bookings).

        Seats are stored before their show and shows before their movie: a show the API lists always has
        its seats, even while a seed is still running or after one failed half-way (a seat with no item
        would be refused to every buyer). Seats are created with a condition, never a blind put: a write
        that lands late (a timed-out request the client resent) must not reset a seat booked meanwhile.
        Writes run 8 at a time: seeding 2 days (~2,200 items) is bound by round trips, not by DynamoDB.
        """
        gate = asyncio.Semaphore(8)

        async def seats_of(show: Show) -> list[I.Item]:
            async with gate:
                existing = {st.seat_id for st in await query_seats(self._t, show.id, consistent=True)}
            return [I.seat_item(show.id, sid) for sid in show.seat_ids() if sid not in existing]

        async def create(chunk: list[I.Item]) -> None:
            async with gate:
                await self.create_seats(chunk)

        async def put(chunk: list[I.Item]) -> None:
            async with gate:
                await self._t.batch_put(chunk)

        seats = [it for missing in await asyncio.gather(*(seats_of(show) for show in shows)) for it in missing]
        await asyncio.gather(*(create(seats[i : i + SEATS_PER_TXN]) for i in range(0, len(seats), SEATS_PER_TXN)))
        for layer in ([I.show_item(s) for s in shows], [I.movie_item(m) for m in movies]):
            await asyncio.gather(*(put(layer[i : i + 25]) for i in range(0, len(layer), 25)))
        return len(seats) + len(shows) + len(movies)

    async def create_seats(self, seats: list[I.Item]) -> None:
        """Create seat items that do not exist yet: one conditional transaction, or one by one if some do.

        Conditional, so repeating it is harmless: a timed-out attempt (a busy DynamoDB Local queues
        transactions behind its table lock) is simply sent again.
        """
        txn = [{"Put": {"TableName": self._t.name, "Item": it, "ConditionExpression": CREATE}} for it in seats]
        for attempt in range(SEED_ATTEMPTS):
            try:
                if await self._t.transact(txn) is None:
                    return
                break  # some exist already (another seed, or an earlier attempt of this one)
            except DependencyUnavailable:
                if attempt + 1 == SEED_ATTEMPTS:
                    raise
                await asyncio.sleep(0.2 * 2**attempt)
        await asyncio.gather(*(self._t.write("PutItem", Item=it, ConditionExpression=CREATE) for it in seats))
