"""Fixed-window rate limits counted in the database."""

from __future__ import annotations

import pytest

from easypay.errors import RateLimited
from easypay.kit import ratelimit


class TestRateLimit:
    async def test_counts_attempts_per_key(self, database):
        for _ in range(3):
            await ratelimit.hit(database, "signin-phone:+821012345678", 5, 300)
        await ratelimit.hit(database, "signin-phone:+821099999999", 5, 300)
        assert await ratelimit.attempts(database, "signin-phone:+821012345678", 300) == 3
        assert await ratelimit.attempts(database, "signin-phone:+821099999999", 300) == 1
        assert await ratelimit.attempts(database, "signin-phone:+821000000000", 300) == 0

    async def test_refuses_once_more_than_the_limit(self, database):
        for _ in range(5):
            await ratelimit.hit(database, "k", 5, 300)
        with pytest.raises(RateLimited):
            await ratelimit.hit(database, "k", 5, 300)

    async def test_a_new_window_starts_afresh(self, database, fake_clock):
        for _ in range(5):
            await ratelimit.hit(database, "k", 5, 300)
        fake_clock.advance(seconds=301)
        assert await ratelimit.attempts(database, "k", 300) == 0
        await ratelimit.hit(database, "k", 5, 300)
