"""Issue 6 (H4) regressions on the KakaoPay wire: a deeply nested JSON body was a 500
(RecursionError escaped `read_params`); control characters (NUL among them, which PostgreSQL
cannot store: a 500 there) were accepted in names, ids and URLs."""

from __future__ import annotations

import httpx
import pytest

from easypay.db import Database
from tests.attack.h4_support import changed_tables, snapshot
from tests.payment import builders

DEEP = b'{"total_amount": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"


@pytest.mark.parametrize("path", ["/v1/payment/ready", "/online/v1/payment/ready"])
async def test_a_deeply_nested_json_body_is_an_invalid_parameter(
    client: httpx.AsyncClient, database: Database, path: str
) -> None:
    shop = await builders.shop(database)
    auth = shop.legacy if path.startswith("/v1/") else shop.current
    before = await snapshot(database)
    response = await client.post(
        path, content=DEEP, headers={**auth, "Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert builders.error_of(response) == -2
    assert changed_tables(before, await snapshot(database)) == []


@pytest.mark.parametrize("form", builders.FORMS)
@pytest.mark.parametrize("name", ["item_name", "partner_order_id", "partner_user_id", "fail_url"])
@pytest.mark.parametrize("bad", ["초코\x00파이", "a\x1b[31m", "\x7f"])
async def test_control_characters_are_an_invalid_parameter(
    client: httpx.AsyncClient, database: Database, form: builders.Form, name: str, bad: str
) -> None:
    shop = await builders.shop(database)
    before = await snapshot(database)
    params = builders.ready_params(shop, **{name: bad})
    response = await builders.call(client, shop, "ready", params, form)
    assert response.status_code == 400, response.text
    assert builders.error_of(response) == -2
    assert changed_tables(before, await snapshot(database)) == []


async def test_tabs_and_line_breaks_stay_allowed(
    client: httpx.AsyncClient, database: Database
) -> None:
    """custom_json may be pretty-printed; an item name may carry a tab."""
    shop = await builders.shop(database)
    params = builders.ready_params(
        shop, item_name="초코\t파이", custom_json='{\r\n  "gift": true\n}'
    )
    response = await builders.call(client, shop, "ready", params, "json")
    assert response.status_code == 200, response.text
