"""Linking a bank account, charging, withdrawing and the history, through the pages (the bank
is the sandbox bank, over real HTTP)."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from easypay.config import Settings
from easypay.db import Database
from easypay.money import service as money
from tests.web.helpers import (
    ACCOUNT,
    PIN,
    bank_headers,
    csrf_of,
    link_account,
    move,
    nonce_of,
    open_sandbox_account,
    post_form,
    sign_up_with_pin,
)


def balance_on(page: httpx.Response) -> str:
    found = re.search(r'data-testid="balance">([^<]+)<', page.text)
    assert found, page.text
    return found.group(1)


async def home_balance(client: httpx.AsyncClient) -> str:
    return balance_on(await client.get("/"))


async def fault(client: httpx.AsyncClient, settings: Settings, operation: str, mode: str) -> None:
    response = await client.post(
        "/sandbox/bank/_sandbox/faults",
        json={"operation": operation, "mode": mode},
        headers=bank_headers(settings),
    )
    assert response.status_code == 201, response.text


@pytest.fixture
async def linked(client: httpx.AsyncClient, settings: Settings) -> httpx.AsyncClient:
    """A signed-up user with a PIN and a linked, funded sandbox account."""
    await sign_up_with_pin(client)
    await open_sandbox_account(client, settings, balance=5_000_000)
    response = await link_account(client)
    assert response.status_code == 303, response.text
    return client


class TestLinkAccount:
    async def test_linked_account_shows_on_home(
        self, client: httpx.AsyncClient, settings: Settings
    ) -> None:
        await sign_up_with_pin(client)
        await open_sandbox_account(client, settings)
        response = await link_account(client)
        assert response.headers["location"] == "/?notice=linked"
        home = await client.get("/?notice=linked")
        assert "계좌를 연결했습니다" in home.text
        assert "신한은행" in home.text
        assert "110-***-**6789" in home.text
        assert ACCOUNT not in home.text  # never the full number

    async def test_the_consent_is_required(
        self, client: httpx.AsyncClient, settings: Settings
    ) -> None:
        await sign_up_with_pin(client)
        await open_sandbox_account(client, settings)
        response = await post_form(
            client,
            "/accounts/link",
            "/accounts/link",
            {"bank_code": "088", "account_number": ACCOUNT},
        )
        assert response.status_code == 422
        assert "계좌 연결 약관에 동의해 주세요" in response.text

    async def test_someone_elses_account_is_refused_with_the_reason(
        self, client: httpx.AsyncClient, settings: Settings
    ) -> None:
        await sign_up_with_pin(client)
        await open_sandbox_account(client, settings, holder="박서연")
        response = await link_account(client)
        assert response.status_code == 409
        assert "예금주 이름이 회원님 이름(김민준)과 다릅니다" in response.text
        assert "연결된 계좌가 없습니다" in (await client.get("/accounts")).text

    async def test_unknown_and_duplicate_accounts(self, linked: httpx.AsyncClient) -> None:
        unknown = await link_account(linked, "9988776655")
        assert unknown.status_code == 404
        assert "은행에 없는 계좌입니다" in unknown.text
        again = await link_account(linked)
        assert again.status_code == 409
        assert "이미 연결된 계좌입니다" in again.text

    async def test_unlink(self, linked: httpx.AsyncClient) -> None:
        page = await linked.get("/accounts")
        action = re.search(r'action="(/accounts/\d+/unlink)"', page.text)
        assert action
        response = await linked.post(action.group(1), data={"csrf_token": csrf_of(page.text)})
        assert response.headers["location"] == "/accounts?notice=unlinked"
        assert "연결된 계좌가 없습니다" in (await linked.get("/accounts")).text
        missing = await linked.post(action.group(1), data={"csrf_token": csrf_of(page.text)})
        assert missing.status_code == 404
        assert "연결된 계좌를 찾을 수 없습니다" in missing.text


class TestCharge:
    async def test_charge_shows_the_new_balance(self, linked: httpx.AsyncClient) -> None:
        response = await move(linked, "charge", "50,000")
        assert response.status_code == 303
        result = await linked.get(response.headers["location"])
        assert "50,000원 충전 완료" in result.text
        assert await home_balance(linked) == "50,000원"

    async def test_a_form_sent_twice_charges_once(
        self, linked: httpx.AsyncClient, database: Database
    ) -> None:
        page = await linked.get("/charge")
        link_id = re.search(r'name="link_id" value="(\d+)"', page.text)
        assert link_id
        form = {
            "csrf_token": csrf_of(page.text),
            "nonce": nonce_of(page.text),
            "link_id": link_id.group(1),
            "amount": "30000",
            "pin": PIN,
        }
        first = await linked.post("/charge", data=form)
        second = await linked.post("/charge", data=form)
        assert first.headers["location"] == second.headers["location"]
        assert await home_balance(linked) == "30,000원"
        assert (await linked.get("/charge")).text.count('name="nonce"') == 1
        assert nonce_of((await linked.get("/charge")).text) != form["nonce"]  # a fresh one

    async def test_a_form_sent_twice_at_once_charges_once(self, linked: httpx.AsyncClient) -> None:
        page = await linked.get("/charge")
        link_id = re.search(r'name="link_id" value="(\d+)"', page.text)
        assert link_id
        form = {
            "csrf_token": csrf_of(page.text),
            "nonce": nonce_of(page.text),
            "link_id": link_id.group(1),
            "amount": "30000",
            "pin": PIN,
        }
        answers = await asyncio.gather(*(linked.post("/charge", data=form) for _ in range(3)))
        assert {answer.status_code for answer in answers} <= {303, 409}
        assert any(answer.status_code == 303 for answer in answers)
        assert await home_balance(linked) == "30,000원"

    async def test_a_wrong_pin_moves_nothing(self, linked: httpx.AsyncClient) -> None:
        response = await move(linked, "charge", "10000", pin="111112")
        assert response.status_code == 403
        assert "결제 비밀번호가 틀렸습니다. 4번 더 틀리면 결제가 잠깁니다." in response.text
        assert await home_balance(linked) == "0원"

    async def test_amounts_are_checked_before_the_pin(self, linked: httpx.AsyncClient) -> None:
        cases = [
            ("abc", "금액을 숫자로 입력해 주세요"),
            ("0", "금액을 숫자로 입력해 주세요"),
            ("999", "충전 금액은 1,000원 이상 2,000,000원 이하로"),
            ("2,000,001", "충전 금액은 1,000원 이상 2,000,000원 이하로"),
            ("99999999999999999999", "금액을 숫자로 입력해 주세요"),
        ]
        for amount, message in cases:
            response = await move(linked, "charge", amount, pin="000001")
            assert response.status_code == 422, amount
            assert message in response.text, amount
        # None of them spent a PIN attempt.
        assert "4번 더" in (await move(linked, "charge", "1000", pin="000001")).text

    async def test_the_holding_cap(self, linked: httpx.AsyncClient, settings: Settings) -> None:
        await move(linked, "charge", "1,990,000")
        response = await move(linked, "charge", "20,000")
        assert "최대 2,000,000원까지 보유할 수 있습니다" in response.text
        assert "최대 10,000원까지 충전할 수 있어요" in response.text
        assert await home_balance(linked) == "1,990,000원"

    async def test_a_bank_refusal_is_explained(
        self, linked: httpx.AsyncClient, settings: Settings
    ) -> None:
        await fault(linked, settings, "withdraw", "decline")
        response = await move(linked, "charge", "10000")
        assert response.status_code == 402
        assert "은행이 요청을 거절했습니다" in response.text
        assert await home_balance(linked) == "0원"

    async def test_an_unclear_answer_waits_for_the_worker(
        self, linked: httpx.AsyncClient, settings: Settings, app: FastAPI, database: Database
    ) -> None:
        await fault(linked, settings, "withdraw", "fail_after_success")
        response = await move(linked, "charge", "10000")
        result = await linked.get(response.headers["location"])
        assert 'data-status="pending"' in result.text
        assert 'hx-trigger="every 2s"' in result.text  # the page asks again by itself

        await money.reconcile(database, app.state.bank, timedelta(0))
        partial = await linked.get(response.headers["location"], headers={"HX-Request": "true"})
        assert partial.text.lstrip().startswith("<section")  # only the status, for htmx
        assert "10,000원 충전 완료" in partial.text
        assert await home_balance(linked) == "10,000원"

    async def test_without_a_pin_asks_for_one_first(self, client: httpx.AsyncClient) -> None:
        from tests.web.helpers import sign_up

        await sign_up(client)
        response = await client.get("/charge")
        assert response.headers["location"] == "/pin/set?next=/charge"

    async def test_without_an_account_points_to_linking(self, client: httpx.AsyncClient) -> None:
        await sign_up_with_pin(client)
        page = await client.get("/charge")
        assert "먼저 본인 명의 계좌를 연결해 주세요" in page.text
        assert 'href="/accounts/link"' in page.text

    async def test_no_csrf_token_no_money(self, linked: httpx.AsyncClient) -> None:
        page = await linked.get("/charge")
        link_id = re.search(r'name="link_id" value="(\d+)"', page.text)
        assert link_id
        response = await linked.post(
            "/charge",
            data={
                "nonce": nonce_of(page.text),
                "link_id": link_id.group(1),
                "amount": "10000",
                "pin": PIN,
            },
        )
        assert response.status_code == 403
        assert await home_balance(linked) == "0원"

    async def test_someone_elses_operation_is_not_found(
        self, linked: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        response = await move(linked, "charge", "10000")
        await sign_up_with_pin(other_client, phone="010-2222-3333", name="박서연")
        page = await other_client.get(response.headers["location"])
        assert page.status_code == 404
        assert "요청한 페이지가 없습니다" in page.text
        assert "10,000" not in page.text

    async def test_a_malformed_operation_id_is_not_found(self, linked: httpx.AsyncClient) -> None:
        for path in ("/operations/abc", "/operations/0", "/operations/99999999999999999999999"):
            page = await linked.get(path)
            assert page.status_code == 404, path
            assert "요청한 페이지가 없습니다" in page.text


class TestWithdraw:
    async def test_withdraw_to_the_linked_account(self, linked: httpx.AsyncClient) -> None:
        await move(linked, "charge", "100000")
        response = await move(linked, "withdraw", "40000")
        result = await linked.get(response.headers["location"])
        assert "40,000원 출금 완료" in result.text
        assert await home_balance(linked) == "60,000원"

    async def test_not_more_than_the_balance(self, linked: httpx.AsyncClient) -> None:
        await move(linked, "charge", "10000")
        response = await move(linked, "withdraw", "10001")
        assert response.status_code == 402
        assert "잔액이 부족합니다" in response.text
        assert await home_balance(linked) == "10,000원"


class TestHistory:
    async def test_filters_by_kind(self, linked: httpx.AsyncClient) -> None:
        await move(linked, "charge", "20000")
        await move(linked, "withdraw", "5000")
        everything = await linked.get("/history")
        assert everything.text.count('data-testid="activity"') == 2
        charges = await linked.get("/history?kind=charge")
        assert charges.text.count('data-testid="activity"') == 1
        assert "+20,000원" in charges.text
        assert "-5,000원" not in charges.text
        withdrawals = await linked.get("/history?kind=withdrawal")
        assert "-5,000원" in withdrawals.text
        assert "+20,000원" not in withdrawals.text

    async def test_filters_by_date(self, linked: httpx.AsyncClient) -> None:
        await move(linked, "charge", "20000")
        future = await linked.get("/history?from=2099-01-01&to=2099-12-31")
        assert "조건에 맞는 내역이 없습니다" in future.text
        wide = await linked.get("/history?from=2000-01-01&to=2099-12-31")
        assert wide.text.count('data-testid="activity"') == 1
        bad = await linked.get("/history?from=yesterday")
        assert "날짜를 올바르게 입력해 주세요" in bad.text

    async def test_more_loads_the_next_page(self, linked: httpx.AsyncClient) -> None:
        for _ in range(21):
            await move(linked, "charge", "1000")
        first = await linked.get("/history?kind=charge")
        assert first.text.count('data-testid="activity"') == 20
        more = re.search(r'hx-get="(/history\?[^"]+)"', first.text)
        assert more
        assert "cursor=" in more.group(1)
        assert "kind=charge" in more.group(1)
        rest = await linked.get(more.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"})
        assert rest.text.count('data-testid="activity"') == 1
        assert "<html" not in rest.text  # a fragment to append
        assert "hx-get" not in rest.text  # the last page
