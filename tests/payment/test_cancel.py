"""Canceling a payment, in part or in full, until nothing is left: never more than was paid, the
tax-free and VAT parts tracked exactly, the buyer's Pay Money restored to the won."""

from __future__ import annotations

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from easypay.payment.service import default_vat
from tests.payment import builders as pay

FUNDS = 10_000


class TestCancelArithmetic:
    @hypothesis_settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        total=st.integers(min_value=1, max_value=3_000),
        tax_free_share=st.integers(min_value=0, max_value=100),
        data=st.data(),
    )
    async def test_any_sequence_of_partial_cancels(
        self, client, database, settings, total, tax_free_share, data
    ):
        # A fresh merchant, buyer and payment per example: the database is not emptied between.
        shop = await pay.shop(database, cid=f"TC{next(_cids):08d}")
        buyer = await pay.buyer(client, database, FUNDS)
        tax_free = total * tax_free_share // 100
        vat = default_vat(total, tax_free)
        started = await pay.paid(
            client, database, settings, shop, buyer, total_amount=total, tax_free_amount=tax_free
        )
        assert await pay.money_balance(client, buyer) == FUNDS - total

        canceled = canceled_tax_free = canceled_vat = 0
        for _ in range(data.draw(st.integers(min_value=0, max_value=5), label="cancels")):
            remaining = total - canceled
            if remaining == 0:
                break
            amount = data.draw(st.integers(min_value=1, max_value=remaining + 1), label="amount")
            part_tax_free = data.draw(st.integers(min_value=0, max_value=amount), label="tax_free")
            part_vat = data.draw(
                st.none() | st.integers(min_value=0, max_value=amount), label="vat"
            )
            extra = {} if part_vat is None else {"cancel_vat_amount": part_vat}
            response = await pay.cancel(
                client, shop, started.tid, amount, part_tax_free, "json", **extra
            )

            vat_used = (
                min(default_vat(amount, part_tax_free), vat - canceled_vat)
                if part_vat is None
                else part_vat
            )
            if amount > remaining:
                expected = -781
            elif part_tax_free + vat_used > amount:
                expected = -2
            elif amount == remaining:
                expected = 0
            elif canceled_tax_free + part_tax_free > tax_free or canceled_vat + vat_used > vat:
                expected = -781
            else:
                expected = 0

            if expected:
                assert response.status_code == 400, response.text
                assert pay.error_of(response) == expected, (amount, part_tax_free, part_vat)
            else:
                assert response.status_code == 200, response.text
                body = response.json()
                canceled += amount
                if canceled == total:
                    part_tax_free = tax_free - canceled_tax_free
                    vat_used = vat - canceled_vat
                canceled_tax_free += part_tax_free
                canceled_vat += vat_used
                assert body["approved_cancel_amount"]["total"] == amount
                assert body["approved_cancel_amount"]["tax_free"] == part_tax_free
                assert body["approved_cancel_amount"]["vat"] == vat_used
                assert body["status"] == (
                    "CANCEL_PAYMENT" if canceled == total else "PART_CANCEL_PAYMENT"
                )
            order = await pay.order(client, shop, started.tid)
            assert order["canceled_amount"]["total"] == canceled <= total
            assert order["canceled_amount"]["tax_free"] == canceled_tax_free <= tax_free
            assert order["canceled_amount"]["vat"] == canceled_vat <= vat
            assert order["cancel_available_amount"]["total"] == total - canceled
            assert await pay.money_balance(client, buyer) == FUNDS - total + canceled

        # Whatever remains, canceled in one go, settles the parts exactly.
        if canceled < total:
            response = await pay.cancel(client, shop, started.tid, total - canceled, 0, "form")
            assert response.status_code == 200, response.text
            assert response.json()["status"] == "CANCEL_PAYMENT"
        order = await pay.order(client, shop, started.tid)
        assert order["status"] == "CANCEL_PAYMENT"
        assert order["canceled_amount"]["total"] == total
        assert order["canceled_amount"]["tax_free"] == tax_free
        assert order["canceled_amount"]["vat"] == vat
        assert order["cancel_available_amount"] == {
            "total": 0,
            "tax_free": 0,
            "vat": 0,
            "point": 0,
            "discount": 0,
            "green_deposit": 0,
        }
        actions = order["payment_action_details"]
        assert sum(a["amount"] for a in actions if a["payment_action_type"] == "CANCEL") == total
        assert await pay.money_balance(client, buyer) == FUNDS
        assert await pay.available(client, buyer) == FUNDS
        response = await pay.cancel(client, shop, started.tid, 1)
        assert pay.error_of(response) == -781


_cids = iter(range(10**7, 10**8))


class TestPartialThenFull:
    async def test_status_and_balances_step_by_step(self, client, database, settings):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, FUNDS)
        started = await pay.paid(
            client, database, settings, shop, buyer, total_amount=3300, tax_free_amount=1100
        )
        response = await pay.cancel(client, shop, started.tid, 1200, 100, cancel_vat_amount=100)
        assert response.json()["status"] == "PART_CANCEL_PAYMENT"
        assert response.json()["cancel_available_amount"] == {
            "total": 2100,
            "tax_free": 1000,
            "vat": 100,
            "point": 0,
            "discount": 0,
            "green_deposit": 0,
        }
        assert await pay.money_balance(client, buyer) == FUNDS - 2100
        response = await pay.cancel(client, shop, started.tid, 2100, 0)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "CANCEL_PAYMENT"
        assert body["approved_cancel_amount"]["tax_free"] == 1000
        assert body["approved_cancel_amount"]["vat"] == 100
        assert body["canceled_amount"]["total"] == 3300
        assert await pay.money_balance(client, buyer) == FUNDS

    async def test_default_vat_never_outruns_what_remains(self, client, database, settings):
        # 1000 taxable: VAT 91. Cancels of 6 have a default VAT of 1 (6/11 rounds up), so 91
        # of them use all of it; later partial cancels must still be possible.
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, FUNDS)
        started = await pay.paid(client, database, settings, shop, buyer, total_amount=1000)
        for _ in range(93):
            response = await pay.cancel(client, shop, started.tid, 6)
            assert response.status_code == 200, response.text
        order = await pay.order(client, shop, started.tid)
        assert order["canceled_amount"] == {
            "total": 558,
            "tax_free": 0,
            "vat": 91,
            "point": 0,
            "discount": 0,
            "green_deposit": 0,
        }
        assert (await pay.cancel(client, shop, started.tid, 442)).json()["status"] == (
            "CANCEL_PAYMENT"
        )
        assert await pay.money_balance(client, buyer) == FUNDS


class TestCancelRefusals:
    async def test_beyond_what_remains_changes_nothing(self, client, database, settings):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, FUNDS)
        started = await pay.paid(client, database, settings, shop, buyer)
        assert (await pay.cancel(client, shop, started.tid, 2000)).status_code == 200
        before = await pay.order(client, shop, started.tid)
        for form in pay.FORMS:
            response = await pay.cancel(client, shop, started.tid, 201, 0, form)
            assert response.status_code == 400
            assert pay.error_of(response) == -781
        assert await pay.order(client, shop, started.tid) == before
        assert await pay.money_balance(client, buyer) == FUNDS - 200

    async def test_cancel_available_amount_is_a_cross_check(self, client, database, settings):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, FUNDS)
        started = await pay.paid(client, database, settings, shop, buyer)
        response = await pay.cancel(
            client, shop, started.tid, 100, 0, "json", cancel_available_amount=2000
        )
        assert pay.error_of(response) == -781
        assert await pay.money_balance(client, buyer) == FUNDS - 2200
        response = await pay.cancel(
            client, shop, started.tid, 100, 0, "json-strings", cancel_available_amount="2200"
        )
        assert response.status_code == 200, response.text
        response = await pay.cancel(
            client, shop, started.tid, 100, 0, "query", cancel_available_amount=2200
        )
        assert pay.error_of(response) == -781
        response = await pay.cancel(
            client, shop, started.tid, 100, 0, "form", cancel_available_amount=2100
        )
        assert response.status_code == 200, response.text
        assert await pay.money_balance(client, buyer) == FUNDS - 2000

    async def test_a_payment_not_paid_cannot_be_canceled(self, client, database, settings):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, FUNDS)
        started = await pay.ready(client, shop)
        response = await pay.cancel(client, shop, started.tid, 100)
        assert pay.error_of(response) == -781
        await pay.authorise(database, settings, buyer, started.tid)
        response = await pay.cancel(client, shop, started.tid, 100)
        assert pay.error_of(response) == -781
        assert await pay.available(client, buyer) == FUNDS - 2200
        assert await pay.money_balance(client, buyer) == FUNDS

    async def test_a_tax_free_part_beyond_the_payments(self, client, database, settings):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, FUNDS)
        started = await pay.paid(
            client, database, settings, shop, buyer, total_amount=2200, tax_free_amount=100
        )
        response = await pay.cancel(client, shop, started.tid, 500, 101, cancel_vat_amount=0)
        assert pay.error_of(response) == -781
        assert await pay.money_balance(client, buyer) == FUNDS - 2200


class TestGreenDeposit:
    async def test_only_in_full(self, client, database, settings):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, FUNDS)
        started = await pay.paid(
            client, database, settings, shop, buyer, total_amount=2200, green_deposit=200
        )
        order = await pay.order(client, shop, started.tid)
        assert order["amount"]["green_deposit"] == 200
        assert order["payment_action_details"][0]["green_deposit"] == 200
        for amount in (1, 200, 2199):
            response = await pay.cancel(client, shop, started.tid, amount)
            assert response.status_code == 400
            assert pay.error_of(response) == -781
        assert await pay.money_balance(client, buyer) == FUNDS - 2200
        response = await pay.cancel(client, shop, started.tid, 2200)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "CANCEL_PAYMENT"
        assert await pay.money_balance(client, buyer) == FUNDS
