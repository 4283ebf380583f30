"""The merchant pages: applying, the operator's review and creation, the dashboard's payments
(search, detail, cancel), keys and the settlement account; who may see what; CSRF."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from easypay.config import Settings
from easypay.db import Database
from easypay.kit.crypto import sha256_hex
from easypay.merchant import service
from easypay.merchant.service import KST
from easypay.models import Merchant, Payment
from easypay.money.gateway import BankGateway
from tests.merchant import builders as build
from tests.money.builders import PASSWORD, Person
from tests.payment import builders as pay
from tests.payment.builders import Shop
from tests.web.conftest import OPERATOR_PASSWORD, OPERATOR_PHONE, make_operator
from tests.web.helpers import csrf_of, post_form

_ADMIN_KEY = re.compile(r'data-testid="admin-key">([^<]+)<')
_SECRET_KEY = re.compile(r'data-testid="secret-key">([^<]+)<')


@pytest.fixture
def bank(app: FastAPI) -> BankGateway:
    gateway: BankGateway = app.state.bank
    return gateway


async def sign_in(client: httpx.AsyncClient, someone: Person) -> Person:
    response = await post_form(
        client, "/signin", "/signin", {"phone": someone.phone, "password": PASSWORD}
    )
    assert response.status_code == 303, response.text
    return someone


async def sign_in_operator(client: httpx.AsyncClient, database: Database) -> httpx.AsyncClient:
    await make_operator(database)
    response = await post_form(
        client, "/signin", "/signin", {"phone": OPERATOR_PHONE, "password": OPERATOR_PASSWORD}
    )
    assert response.status_code == 303, response.text
    return client


async def merchants_in_db(database: Database) -> int:
    async with database.transaction() as session:
        return int((await session.execute(select(func.count()).select_from(Merchant))).scalar_one())


async def payment_row(database: Database, tid: str) -> Payment:
    async with database.transaction() as session:
        found = (await session.execute(select(Payment).where(Payment.tid == tid))).scalar_one()
        return found


def shown_keys(html: str) -> tuple[str, str]:
    admin, secret = _ADMIN_KEY.search(html), _SECRET_KEY.search(html)
    assert admin, html
    assert secret, html
    return admin.group(1), secret.group(1)


async def apply_form(
    client: httpx.AsyncClient, someone: Person, name: str = "초코상점", number: str | None = None
) -> httpx.Response:
    return await post_form(
        client,
        "/merchant/apply",
        "/merchant/apply",
        {
            "name": name,
            "business_number": number or build.business_number(dashed=True),
            "bank_code": someone.bank_code,
            "account_number": someone.account_number,
        },
    )


async def owner_with_shop(
    client: httpx.AsyncClient, database: Database, bank: BankGateway
) -> tuple[Person, Shop]:
    owner, shop = await build.approved_shop(client, database, bank)
    await sign_in(client, owner)
    return owner, shop


class TestApply:
    async def test_signed_out_visitors_sign_in_first(self, client: httpx.AsyncClient) -> None:
        for path in ("/merchant", "/merchant/apply", "/merchant/keys"):
            response = await client.get(path)
            assert response.status_code == 303
            assert response.headers["location"].startswith("/signin")

    async def test_apply_then_wait_for_review(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        someone = await sign_in(client, await build.applicant(client, database))
        assert (await client.get("/merchant")).headers["location"] == "/merchant/apply"
        page = await client.get("/merchant/apply")
        assert 'data-testid="apply-form"' in page.text
        response = await apply_form(client, someone)
        assert response.headers["location"] == "/merchant/apply?notice=merchant_applied"
        pending = await client.get(response.headers["location"])
        assert 'data-testid="application-pending"' in pending.text
        assert "가맹점 신청을 접수했습니다" in pending.text
        assert 'data-testid="apply-form"' not in pending.text
        # Pending: no dashboard.
        assert (await client.get("/merchant")).headers["location"] == "/merchant/apply"
        for path in ("/merchant/keys", "/merchant/payments/T1234567890123456789"):
            refused = await client.get(path)
            assert refused.status_code == 403, path
            assert "승인된 가맹점이 없습니다" in refused.text
        rotate = await client.post(
            "/merchant/keys/rotate", data={"csrf_token": csrf_of(page.text), "password": PASSWORD}
        )
        assert rotate.status_code == 403

    async def test_duplicate_applications_are_refused(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        someone = await sign_in(client, await build.applicant(client, database))
        assert (await apply_form(client, someone)).status_code == 303
        # The form is gone while pending; a forged second post is refused all the same.
        page = await client.get("/merchant/apply")
        again = await client.post(
            "/merchant/apply",
            data={
                "csrf_token": csrf_of(page.text),
                "name": "두번째",
                "business_number": build.business_number(),
                "bank_code": someone.bank_code,
                "account_number": someone.account_number,
            },
        )
        assert again.status_code == 409
        assert "이미 가맹점이 있거나 심사 중인 신청이 있습니다" in again.text
        assert await merchants_in_db(database) == 1

    @pytest.mark.parametrize(
        "number", ["", "1234567890", "12345", "220-81-6251", "abcdefghij", "220816251７"]
    )
    async def test_bad_business_numbers_show_a_message(
        self, client: httpx.AsyncClient, database: Database, number: str
    ) -> None:
        someone = await sign_in(client, await build.applicant(client, database))
        response = await apply_form(client, someone, number=number or " ")
        assert response.status_code == 422
        assert "사업자등록번호가 올바르지 않습니다" in response.text
        assert f'value="{number}"' in response.text or not number  # the form keeps what was typed
        assert await merchants_in_db(database) == 0

    async def test_someone_elses_account_is_refused(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        someone = await sign_in(client, await build.applicant(client, database))
        strangers = await build.open_account(database, "박지훈")
        someone.account_number = strangers
        response = await apply_form(client, someone)
        assert response.status_code == 409
        assert "예금주가 상호 또는 신청인 이름과 다릅니다" in response.text
        assert await merchants_in_db(database) == 0

    async def test_a_rejected_applicant_sees_it_and_may_apply_again(
        self, client: httpx.AsyncClient, database: Database, bank: BankGateway
    ) -> None:
        someone = await sign_in(client, await build.applicant(client, database))
        applied = await build.apply(database, bank, someone)
        async with database.transaction() as session:
            await service.reject(session, applied.id)
        page = await client.get("/merchant/apply")
        assert 'data-testid="application-rejected"' in page.text
        assert 'data-testid="apply-form"' in page.text
        assert (await client.get("/merchant")).headers["location"] == "/merchant/apply"
        assert (await client.get("/merchant/keys")).status_code == 403
        assert (await apply_form(client, someone)).status_code == 303

    async def test_a_post_without_the_csrf_token_is_refused(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        someone = await sign_in(client, await build.applicant(client, database))
        body = {
            "name": "초코상점",
            "business_number": build.business_number(),
            "bank_code": someone.bank_code,
            "account_number": someone.account_number,
        }
        assert (await client.post("/merchant/apply", data=body)).status_code == 403
        forged = await client.post("/merchant/apply", data={**body, "csrf_token": "x" * 40})
        assert forged.status_code == 403
        assert await merchants_in_db(database) == 0


class TestOperatorConsole:
    async def test_customers_cannot_see_or_review(
        self,
        client: httpx.AsyncClient,
        other_client: httpx.AsyncClient,
        database: Database,
        bank: BankGateway,
    ) -> None:
        applicant = await build.applicant(client, database)
        applied = await build.apply(database, bank, applicant)
        await sign_in(other_client, await build.applicant(client, database, "이서연"))
        assert (await other_client.get("/admin/merchants")).status_code == 403
        token = csrf_of((await other_client.get("/")).text)
        for action in ("approve", "reject"):
            response = await other_client.post(
                f"/admin/merchants/{applied.id}/{action}", data={"csrf_token": token}
            )
            assert response.status_code == 403
        made = await other_client.post(
            "/admin/merchants", data={"csrf_token": token, "name": "몰래상점"}
        )
        assert made.status_code == 403
        assert (await build.merchant(database, applied.id)).status == "pending"
        assert await merchants_in_db(database) == 1

    async def test_approve_and_reject(
        self,
        client: httpx.AsyncClient,
        other_client: httpx.AsyncClient,
        database: Database,
        bank: BankGateway,
    ) -> None:
        first = await build.applicant(client, database)
        await sign_in(client, first)
        await apply_form(client, first, "첫째상점")
        second = await build.applicant(client, database, "이서연")
        second_merchant = await build.apply(database, bank, second, "둘째상점")
        async with database.transaction() as session:
            await service.create(session, "직영점", [], 250)
        operator = await sign_in_operator(other_client, database)
        page = await operator.get("/admin/merchants")
        assert page.status_code == 200
        rows = page.text.split('data-testid="admin-merchant-row"')[1:]
        assert ["첫째상점" in rows[0] or "둘째상점" in rows[0], "직영점" in rows[2]] == [True, True]
        assert page.text.count('data-testid="approve"') == 2

        names = {
            int(found): (await build.merchant(database, int(found))).name
            for found in re.findall(r'data-merchant-id="(\d+)"', page.text)
        }
        merchant_id = next(key for key, name in names.items() if name == "첫째상점")
        # Without the token: refused.
        forged = await operator.post(f"/admin/merchants/{merchant_id}/approve", data={})
        assert forged.status_code == 403
        assert (await build.merchant(database, merchant_id)).status == "pending"

        approved = await operator.post(
            f"/admin/merchants/{merchant_id}/approve",
            data={"csrf_token": csrf_of(page.text), "fee_bp": "180"},
        )
        assert approved.headers["location"] == "/admin/merchants?notice=merchant_approved"
        assert (await build.merchant(database, merchant_id)).fee_bp == 180
        rejected = await operator.post(
            f"/admin/merchants/{second_merchant.id}/reject", data={"csrf_token": csrf_of(page.text)}
        )
        assert rejected.headers["location"] == "/admin/merchants?notice=merchant_rejected"
        twice = await operator.post(
            f"/admin/merchants/{second_merchant.id}/approve",
            data={"csrf_token": csrf_of(page.text)},
        )
        assert twice.status_code == 409
        assert "이미 처리된 신청입니다" in twice.text
        bad_fee = await operator.post(
            f"/admin/merchants/{second_merchant.id}/approve",
            data={"csrf_token": csrf_of(page.text), "fee_bp": "-5"},
        )
        assert bad_fee.status_code == 422
        # The approved owner now has the dashboard.
        dashboard = await client.get("/merchant")
        assert dashboard.status_code == 200
        assert "첫째상점" in dashboard.text

    async def test_suspend_then_reactivate(
        self,
        client: httpx.AsyncClient,
        other_client: httpx.AsyncClient,
        database: Database,
        bank: BankGateway,
    ) -> None:
        _, shop = await owner_with_shop(client, database, bank)
        order = {"cid": shop.cid, "tid": "T" + "0" * 19}
        assert pay.error_of(await pay.call(client, shop, "order", order)) == -721  # key works
        operator = await sign_in_operator(other_client, database)
        page = await operator.get("/admin/merchants")
        assert 'data-testid="suspend"' in page.text
        token = csrf_of(page.text)
        suspended = await operator.post(
            f"/admin/merchants/{shop.merchant_id}/suspend", data={"csrf_token": token}
        )
        assert suspended.headers["location"] == "/admin/merchants?notice=merchant_suspended"
        assert (await build.merchant(database, shop.merchant_id)).status == "suspended"
        refused = await pay.call(client, shop, "order", order)
        assert refused.status_code == 401  # its keys stop at once
        closed = await client.get("/merchant")  # the owner is shown the suspended state
        assert closed.status_code == 303
        assert closed.headers["location"].startswith("/merchant/apply")
        twice = await operator.post(
            f"/admin/merchants/{shop.merchant_id}/suspend", data={"csrf_token": token}
        )
        assert twice.status_code == 409
        back = await operator.post(
            f"/admin/merchants/{shop.merchant_id}/reactivate", data={"csrf_token": token}
        )
        assert back.headers["location"] == "/admin/merchants?notice=merchant_reactivated"
        assert pay.error_of(await pay.call(client, shop, "order", order)) == -721
        assert (await client.get("/merchant")).status_code == 200
        customer = await client.post(
            f"/admin/merchants/{shop.merchant_id}/suspend",
            data={"csrf_token": csrf_of((await client.get("/merchant")).text)},
        )
        assert customer.status_code == 403  # not an operator

    async def test_create_shows_the_keys_once(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient, database: Database
    ) -> None:
        operator = await sign_in_operator(other_client, database)
        page = await operator.get("/admin/merchants")
        no_token = await operator.post("/admin/merchants", data={"name": "직영점"})
        assert no_token.status_code == 403
        assert await merchants_in_db(database) == 0
        created = await operator.post(
            "/admin/merchants",
            data={
                "csrf_token": csrf_of(page.text),
                "name": "직영점",
                "cids": "TC0DIRECT1, tc0direct2",
                "fee_bp": "300",
            },
        )
        assert created.status_code == 200
        assert created.headers["cache-control"] == "no-store"
        admin_key, secret_key = shown_keys(created.text)
        merchant_id = (await build.merchant_ids(database))[0]
        shop = Shop(merchant_id, "TC0DIRECT2", admin_key, secret_key)
        await pay.ready(client, shop)
        await pay.ready(client, shop, "json")
        again = await operator.get("/admin/merchants")
        assert admin_key not in again.text
        assert 'data-testid="admin-key"' not in again.text
        for data, message in [
            ({"name": "x", "cids": "TC0DIRECT1"}, "다른 가맹점이 쓰는 CID입니다"),
            ({"name": "x", "cids": "bad"}, "CID는"),
            ({"name": "x", "fee_bp": "10001"}, "수수료는"),
            ({"name": "x", "fee_bp": "-1"}, "수수료는"),
            ({"name": "x", "owner_phone": "010-0000-0001"}, "이 번호로 가입한 회원이 없습니다"),
        ]:
            refused = await operator.post(
                "/admin/merchants", data={"csrf_token": csrf_of(page.text), **data}
            )
            assert refused.status_code in (404, 409, 422), data
            assert message in refused.text, data
        assert await merchants_in_db(database) == 1


class TestDashboardAccess:
    async def test_another_merchants_payment_is_not_found(
        self, client: httpx.AsyncClient, database: Database, bank: BankGateway
    ) -> None:
        _, theirs = await build.approved_shop(client, database, bank, "남의상점", "이서연")
        other_payment = await pay.ready(client, theirs)
        await owner_with_shop(client, database, bank)
        page = await client.get(f"/merchant/payments/{other_payment.tid}")
        assert page.status_code == 404
        token = csrf_of((await client.get("/merchant")).text)
        cancel = await client.post(
            f"/merchant/payments/{other_payment.tid}/cancel",
            data={"csrf_token": token, "amount": "100", "remaining": "2200"},
        )
        assert cancel.status_code == 404
        listed = await client.get("/merchant", params={"tid": other_payment.tid})
        assert 'data-testid="payment-row"' not in listed.text
        assert (await client.get("/merchant/payments/" + "x" * 300)).status_code == 404

    async def test_a_user_without_a_merchant_has_no_dashboard(
        self, client: httpx.AsyncClient, database: Database, bank: BankGateway
    ) -> None:
        await build.approved_shop(client, database, bank)
        stranger = await sign_in(client, await build.applicant(client, database, "박지훈"))
        assert stranger
        assert (await client.get("/merchant")).headers["location"] == "/merchant/apply"
        assert (await client.get("/merchant/keys")).status_code == 403

    async def test_a_suspended_merchant_has_no_dashboard(
        self, client: httpx.AsyncClient, database: Database, bank: BankGateway
    ) -> None:
        _, shop = await owner_with_shop(client, database, bank)
        async with database.transaction() as session:
            merchant = await session.get(Merchant, shop.merchant_id)
            assert merchant is not None
            merchant.status = "suspended"
        assert (await client.get("/merchant")).headers["location"] == "/merchant/apply"
        assert "이용이 정지되었습니다" in (await client.get("/merchant/apply")).text
        assert (await client.get("/merchant/keys")).status_code == 403


class TestPaymentsPage:
    async def test_search_filters(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        bank: BankGateway,
    ) -> None:
        _, shop = await owner_with_shop(client, database, bank)
        buyer = await pay.buyer(client, database)
        paid = await pay.paid(client, database, settings, shop, buyer, partner_order_id="A-1")
        waiting = await pay.ready(client, shop, partner_order_id="B-2")

        def rows(page: httpx.Response) -> list[str]:
            assert page.status_code == 200, page.text
            return re.findall(r'data-testid="payment-row" data-tid="([^"]+)"', page.text)

        assert rows(await client.get("/merchant")) == [waiting.tid, paid.tid]
        assert rows(await client.get("/merchant", params={"order_id": "A-1"})) == [paid.tid]
        assert rows(await client.get("/merchant", params={"tid": waiting.tid})) == [waiting.tid]
        status = {"status": "SUCCESS_PAYMENT"}
        assert rows(await client.get("/merchant", params=status)) == [paid.tid]
        today = datetime.now(KST).date()
        days = {"from": today.isoformat(), "to": today.isoformat()}
        assert rows(await client.get("/merchant", params=days)) == [waiting.tid, paid.tid]
        tomorrow = (today + timedelta(days=1)).isoformat()
        assert rows(await client.get("/merchant", params={"from": tomorrow})) == []
        assert rows(await client.get("/merchant", params={"status": "BOGUS"})) == [
            waiting.tid,
            paid.tid,
        ]
        bad = await client.get("/merchant", params={"from": "2026-13-40"})
        assert bad.status_code == 422
        assert "날짜를 YYYY-MM-DD 형식으로" in bad.text
        backwards = await client.get(
            "/merchant", params={"from": tomorrow, "to": today.isoformat()}
        )
        assert backwards.status_code == 422

    async def test_pages_of_payments(
        self, client: httpx.AsyncClient, database: Database, bank: BankGateway
    ) -> None:
        _, shop = await owner_with_shop(client, database, bank)
        made = [(await pay.ready(client, shop)).tid for _ in range(22)]
        first = await client.get("/merchant")
        assert first.text.count('data-testid="payment-row"') == 20
        older = re.search(r'href="/merchant\?([^"]+)" data-testid="older"', first.text)
        assert older
        second = await client.get("/merchant?" + older.group(1).replace("&amp;", "&"))
        found = re.findall(r'data-testid="payment-row" data-tid="([^"]+)"', second.text)
        assert found == made[1::-1]
        assert 'data-testid="older"' not in second.text


class TestCancelFromThePage:
    async def test_partial_then_over_cancel_then_the_rest(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        bank: BankGateway,
    ) -> None:
        _, shop = await owner_with_shop(client, database, bank)
        buyer = await pay.buyer(client, database, 10_000)
        started = await pay.paid(client, database, settings, shop, buyer, total_amount=3_000)
        assert await pay.money_balance(client, buyer) == 7_000
        path = f"/merchant/payments/{started.tid}"
        page = await client.get(path)
        assert 'data-testid="cancel-form"' in page.text
        token = csrf_of(page.text)

        no_token = await client.post(f"{path}/cancel", data={"amount": "1000", "remaining": "3000"})
        assert no_token.status_code == 403
        for amount in ("abc", "-1", "1.5"):
            bad = await client.post(
                f"{path}/cancel", data={"csrf_token": token, "amount": amount, "remaining": "3000"}
            )
            assert bad.status_code == 422, amount
        assert (await payment_row(database, started.tid)).canceled_amount == 0

        part = await client.post(
            f"{path}/cancel", data={"csrf_token": token, "amount": "1,000", "remaining": "3000"}
        )
        assert part.headers["location"] == f"{path}?notice=merchant_canceled"
        assert await pay.money_balance(client, buyer) == 8_000
        # The same form again (a double submit): the cancelable amount it showed is stale.
        replay = await client.post(
            f"{path}/cancel", data={"csrf_token": token, "amount": "1000", "remaining": "3000"}
        )
        assert replay.status_code == 409
        assert "그 사이 결제가 바뀌었습니다" in replay.text
        for amount in ("2001", "0", "999999999999999"):
            over = await client.post(
                f"{path}/cancel", data={"csrf_token": token, "amount": amount, "remaining": "2000"}
            )
            assert over.status_code == 409, amount
            assert "취소 가능 금액(2,000원)" in over.text, amount
        too_much_tax_free = await client.post(
            f"{path}/cancel",
            data={"csrf_token": token, "amount": "500", "tax_free": "600", "remaining": "2000"},
        )
        assert too_much_tax_free.status_code == 409
        row = await payment_row(database, started.tid)
        assert (row.status, row.canceled_amount) == ("PART_CANCEL_PAYMENT", 1_000)
        assert await pay.money_balance(client, buyer) == 8_000

        rest = await client.post(
            f"{path}/cancel", data={"csrf_token": token, "amount": "2000", "remaining": "2000"}
        )
        assert rest.status_code == 303
        assert await pay.money_balance(client, buyer) == 10_000
        done = await client.get(path)
        assert 'data-testid="cancel-form"' not in done.text
        assert done.text.count('data-testid="payment-action"') == 3
        assert (await payment_row(database, started.tid)).status == "CANCEL_PAYMENT"

    async def test_an_unpaid_payment_cannot_be_canceled(
        self, client: httpx.AsyncClient, database: Database, bank: BankGateway
    ) -> None:
        _, shop = await owner_with_shop(client, database, bank)
        started = await pay.ready(client, shop)
        path = f"/merchant/payments/{started.tid}"
        page = await client.get(path)
        assert 'data-testid="cancel-form"' not in page.text
        refused = await client.post(
            f"{path}/cancel", data={"csrf_token": csrf_of(page.text), "amount": "100"}
        )
        assert refused.status_code == 409
        assert (await payment_row(database, started.tid)).status == "READY"


class TestKeysPage:
    async def test_issue_then_rotate_keys(
        self, client: httpx.AsyncClient, database: Database, bank: BankGateway
    ) -> None:
        owner = await sign_in(client, await build.applicant(client, database))
        applied = await build.apply(database, bank, owner)
        await build.approve(database, applied.id)
        page = await client.get("/merchant/keys")
        assert "아직 API 키를 발급하지 않았습니다" in page.text
        assert "250bp" in page.text
        no_token = await client.post("/merchant/keys/rotate", data={"password": PASSWORD})
        assert no_token.status_code == 403
        for wrong in ("", "wrong-password-1"):
            refused = await client.post(
                "/merchant/keys/rotate", data={"csrf_token": csrf_of(page.text), "password": wrong}
            )
            assert refused.status_code == 403
            assert "비밀번호가 맞지 않습니다" in refused.text
            assert 'data-testid="admin-key"' not in refused.text
        assert not service.keys_issued(await build.merchant(database, applied.id))

        issued = await client.post(
            "/merchant/keys/rotate", data={"csrf_token": csrf_of(page.text), "password": PASSWORD}
        )
        assert issued.status_code == 200
        assert issued.headers["cache-control"] == "no-store"
        assert "한 번만 보여 드립니다" in issued.text
        cid = (await build.cids(database, applied.id))[0]
        first = Shop(applied.id, cid, *shown_keys(issued.text))
        started = await pay.ready(client, first)
        later = await client.get("/merchant/keys")
        assert first.admin_key not in later.text
        assert "API 키가 발급되어 있습니다" in later.text

        rotated = await client.post(
            "/merchant/keys/rotate", data={"csrf_token": csrf_of(later.text), "password": PASSWORD}
        )
        second = Shop(applied.id, cid, *shown_keys(rotated.text))
        order = {"cid": cid, "tid": started.tid}
        old = await pay.call(client, first, "order", order)
        assert old.status_code == 401
        assert (await pay.call(client, first, "order", order, "json")).status_code == 401
        assert (await pay.call(client, second, "order", order)).status_code == 200

    async def test_settlement_account(
        self, client: httpx.AsyncClient, database: Database, bank: BankGateway
    ) -> None:
        owner, shop = await owner_with_shop(client, database, bank)
        page = await client.get("/merchant/keys")
        business = await build.open_account(database, "초코상점", bank_code="004")
        strangers = await build.open_account(database, "박지훈")
        body = {"bank_code": "004", "account_number": business}
        assert (await client.post("/merchant/settlement-account", data=body)).status_code == 403
        refused = await client.post(
            "/merchant/settlement-account",
            data={
                "csrf_token": csrf_of(page.text),
                "bank_code": "088",
                "account_number": strangers,
            },
        )
        assert refused.status_code == 409
        assert "예금주가" in refused.text
        for bad in (
            {"bank_code": "999", "account_number": business},
            {"bank_code": "004", "account_number": "12"},
        ):
            response = await client.post(
                "/merchant/settlement-account", data={"csrf_token": csrf_of(page.text), **bad}
            )
            assert response.status_code == 422, bad
        missing = await client.post(
            "/merchant/settlement-account",
            data={
                "csrf_token": csrf_of(page.text),
                "bank_code": "004",
                "account_number": "99999999",
            },
        )
        assert missing.status_code == 404
        stored = await build.merchant(database, shop.merchant_id)
        assert stored.settlement_account_number == owner.account_number

        saved = await client.post(
            "/merchant/settlement-account", data={"csrf_token": csrf_of(page.text), **body}
        )
        assert saved.headers["location"] == "/merchant/keys?notice=merchant_account_set"
        stored = await build.merchant(database, shop.merchant_id)
        assert (stored.settlement_bank_code, stored.settlement_account_number) == ("004", business)
        assert stored.settlement_holder_name == "초코상점"


class TestKeysPassword:
    async def test_wrong_passwords_are_limited(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        bank: BankGateway,
        fake_clock: object,  # a fixed rate-limit window must not roll over mid-test
    ) -> None:
        _, shop = await owner_with_shop(client, database, bank)
        page = await client.get("/merchant/keys")
        token = csrf_of(page.text)
        for _ in range(settings.signin_limit_per_phone):
            refused = await client.post(
                "/merchant/keys/rotate", data={"csrf_token": token, "password": "nope-nope-1"}
            )
            assert refused.status_code == 403
        # Past the limit even the right password waits for the window to pass.
        limited = await client.post(
            "/merchant/keys/rotate", data={"csrf_token": token, "password": PASSWORD}
        )
        assert limited.status_code == 429
        assert 'data-testid="admin-key"' not in limited.text
        stored = await build.merchant(database, shop.merchant_id)
        assert stored.admin_key_hash == sha256_hex(shop.admin_key)


class TestEnglish:
    async def test_every_page_reads_in_english(
        self,
        client: httpx.AsyncClient,
        other_client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        bank: BankGateway,
    ) -> None:
        _, shop = await owner_with_shop(client, database, bank)
        buyer = await pay.buyer(client, database)
        started = await pay.paid(client, database, settings, shop, buyer)
        await build.apply(database, bank, await build.applicant(client, database, "이서연"))
        await sign_in_operator(other_client, database)
        client.cookies.set("lang", "en")
        other_client.cookies.set("lang", "en")
        pages = [
            (client, "/merchant", "Payments"),
            (client, f"/merchant/payments/{started.tid}", "Cancel the payment"),
            (client, "/merchant/keys", "Settlement account"),
            (other_client, "/admin/merchants", "Create a merchant"),
        ]
        for who, path, text in pages:
            page = await who.get(path)
            assert page.status_code == 200, path
            assert text in page.text, path
            assert not re.search(r">\s*merchant\.[a-z_.]+\s*<", page.text), path
        refused = await other_client.get("/merchant/keys")
        assert "You run no approved merchant" in refused.text
