"""`easypay settlement run [--date]`: settles a day, prints what was paid, and pays once."""

from __future__ import annotations

import asyncio
import json
from datetime import date

from typer.testing import CliRunner

from easypay.cli import app as cli
from easypay.config import get_settings
from easypay.settlement.command import run_settlement
from tests.payment import builders as pay
from tests.settlement import builders as s

DAY = date(2026, 11, 20)


def invoke(app, *args: str):
    """The command in a thread of its own (it runs its own event loop), on the test database."""
    settings = app.state.settings
    env = {
        "EASYPAY_DATABASE_URL": settings.database_url,
        "EASYPAY_BASE_URL": settings.base_url,
        "EASYPAY_SECRET_KEY": settings.secret_key,
        "EASYPAY_BANK_TIMEOUT_SECONDS": "2",
    }
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(cli, list(args), env=env)
    finally:
        get_settings.cache_clear()


class TestCommand:
    async def test_settles_and_reports_then_pays_nothing_twice(
        self, app, client, database, fake_clock
    ):
        fake_clock.set(s.at_kst(DAY, 10))
        shop = await s.merchant(database)
        buyer = await pay.buyer(client, database, 50_000)
        await s.payment(client, database, app, shop, buyer, 10_000)
        s.next_morning(fake_clock, DAY)
        result = await run_settlement(database, app.state.bank, app.state.settings, None)
        assert result["business_date"] == "2026-11-20"  # yesterday by default
        assert result["statements_written"] == 1
        [row] = result["statements"]
        assert (row["status"], row["net_amount"], row["merchant_id"]) == ("paid", 9_750, shop.id)
        again = await run_settlement(database, app.state.bank, app.state.settings, DAY)
        assert (again["statements_written"], again["statements"]) == (0, [])
        assert await s.deposits(app, shop) == [9_750]

    async def test_the_cli_with_a_date(self, app, client, database, fake_clock):
        fake_clock.set(s.at_kst(DAY, 10))
        shop = await s.merchant(database)
        buyer = await pay.buyer(client, database, 50_000)
        await s.payment(client, database, app, shop, buyer, 10_000)
        s.next_morning(fake_clock, DAY)
        done = await asyncio.to_thread(invoke, app, "settlement", "run", "--date", "2026-11-20")
        assert done.exit_code == 0, done.output
        assert "9,750" in done.output
        assert "1 statement(s) written" in done.output
        assert await s.deposits(app, shop) == [9_750]

        again = await asyncio.to_thread(
            invoke, app, "settlement", "run", "--date", "2026-11-20", "--json"
        )
        assert again.exit_code == 0, again.output
        body = json.loads(again.stdout)
        assert (body["statements_written"], body["statements"]) == (0, [])
        assert await s.deposits(app, shop) == [9_750]

    async def test_refuses_a_bad_or_unfinished_day(self, app, fake_clock):
        fake_clock.set(s.at_kst(DAY, 10))
        for bad in ("2026-13-01", "yesterday", "2026-02-30", ""):
            done = await asyncio.to_thread(invoke, app, "settlement", "run", "--date", bad)
            assert done.exit_code == 2, done.output
        today = await asyncio.to_thread(invoke, app, "settlement", "run", "--date", "2026-11-20")
        assert today.exit_code == 1
        assert "has ended" in today.output
