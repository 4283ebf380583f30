"""Issue 6 (H4) regression: a card nickname with a NUL character was refused only when the
card row was written — after the issuer had registered the card (a 500 on PostgreSQL)."""

from __future__ import annotations

import httpx
import pytest

from easypay.db import Database
from tests.attack.h4_support import changed_tables, snapshot
from tests.card.builders import register_card
from tests.money import builders as money


@pytest.mark.parametrize("nickname", ["생활비\x00", "\x1b[31m", "\x7f"])
async def test_a_nickname_with_control_characters_changes_nothing(
    client: httpx.AsyncClient, database: Database, nickname: str
) -> None:
    someone = await money.person(client, database, link=False)
    before = await snapshot(database)
    response = await register_card(client, someone, nickname=nickname)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "ValidationError"
    assert changed_tables(before, await snapshot(database)) == []
    response = await register_card(client, someone, nickname="생활비")
    assert response.status_code == 201, response.text
