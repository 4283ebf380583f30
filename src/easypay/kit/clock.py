"""Injectable time, so expiry, windows and schedules are testable without sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock the tests move by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **kwargs: float) -> None:
        self._now += timedelta(**kwargs)

    def set(self, moment: datetime) -> None:
        self._now = moment


def as_utc(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class _ClockProxy:
    """The process clock. Code calls `clock.now()`; tests swap the source with `clock.use()`."""

    def __init__(self) -> None:
        self._source: Clock = SystemClock()

    def now(self) -> datetime:
        return self._source.now()

    def use(self, source: Clock) -> None:
        self._source = source

    def reset(self) -> None:
        self._source = SystemClock()


clock = _ClockProxy()
