"""A page whose database is away (or asks for a retry) answers 503 with Retry-After and a page
saying nothing was done, not a 500 (found by the PostgreSQL-stop fault run, issue 6)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import exc as sa_exc

from easypay.web.pages import pay_code
from tests.web.helpers import PIN, post_form, sign_up_with_pin


class _Driver(Exception):
    sqlstate = "57P01"  # terminating connection due to administrator command


async def test_a_page_whose_database_is_away_is_a_503_page(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sign_up_with_pin(client)

    async def away(*_args: object, **_kwargs: object) -> None:
        raise sa_exc.OperationalError("INSERT ...", {}, _Driver("terminating connection"))

    monkeypatch.setattr(pay_code.codes, "issue", away)
    response = await post_form(client, "/pay/code", "/pay/code", {"pin": PIN})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert "text/html" in response.headers["content-type"]
    assert "처리된 것은 없으니" in response.text


async def test_a_page_with_a_real_bug_is_still_a_500_page(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sign_up_with_pin(client)

    async def bug(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(pay_code.codes, "issue", bug)
    response = await post_form(client, "/pay/code", "/pay/code", {"pin": PIN})
    assert response.status_code == 500
    assert "retry-after" not in response.headers
