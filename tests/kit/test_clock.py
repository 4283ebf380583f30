"""Injectable time: the fake clock moves only when told, and the process clock can be swapped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from easypay.kit.clock import FakeClock, SystemClock, as_utc, clock

pytestmark = pytest.mark.no_database


class TestFakeClock:
    def test_starts_at_a_fixed_utc_moment_by_default(self):
        assert FakeClock().now() == datetime(2026, 1, 1, tzinfo=UTC)

    def test_stands_still_until_moved(self):
        fake = FakeClock()
        assert fake.now() == fake.now()

    def test_advance_moves_forward(self):
        fake = FakeClock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
        fake.advance(hours=1, minutes=30, seconds=5)
        assert fake.now() == datetime(2026, 3, 1, 13, 30, 5, tzinfo=UTC)

    def test_set_jumps_to_a_moment(self):
        fake = FakeClock()
        moment = datetime(2030, 5, 17, tzinfo=UTC)
        fake.set(moment)
        assert fake.now() == moment


class TestProcessClock:
    def test_uses_the_swapped_source_until_reset(self):
        fake = FakeClock()
        clock.use(fake)
        try:
            assert clock.now() == fake.now()
            fake.advance(days=2)
            assert clock.now() == datetime(2026, 1, 3, tzinfo=UTC)
        finally:
            clock.reset()
        assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)

    def test_system_clock_is_timezone_aware(self):
        assert SystemClock().now().tzinfo is not None


class TestAsUtc:
    def test_naive_values_are_read_as_utc(self):
        assert as_utc(datetime(2026, 1, 1)) == datetime(2026, 1, 1, tzinfo=UTC)

    def test_aware_values_are_kept(self):
        moment = datetime(2026, 1, 1, tzinfo=UTC)
        assert as_utc(moment) is moment
