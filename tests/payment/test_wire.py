"""The KakaoPay wire: the four ways parameters travel, the response keys clients index, the two
authorization headers and error envelopes, and refusals of bad parameters."""

from __future__ import annotations

import pytest

from tests.payment import builders as pay
from tests.payment.builders import FORMS, LOCAL_ISO, READY_KEYS


class TestEachWireForm:
    @pytest.mark.parametrize("form", FORMS)
    async def test_ready_approve_cancel_order_in_one_form(self, client, database, settings, form):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 10_000)
        params = pay.ready_params(shop, total_amount=2200, tax_free_amount=0)
        response = await pay.call(client, shop, "ready", params, form)
        assert response.status_code == 200, response.text
        ready = response.json()
        assert set(ready) >= READY_KEYS, ready
        pay.assert_no_nulls(ready)
        assert all(isinstance(ready[key], str) and ready[key] for key in READY_KEYS)
        assert LOCAL_ISO.match(ready["created_at"]), ready["created_at"]
        assert len(ready["tid"]) == 20
        started = pay.Started(
            ready["tid"], params["partner_order_id"], params["partner_user_id"], 2200
        )

        token = await pay.authorise(database, settings, buyer, started.tid)
        response = await pay.approve(client, shop, started, token, form)
        assert response.status_code == 200, response.text
        approved = response.json()
        pay.assert_no_nulls(approved)
        assert {
            "aid",
            "tid",
            "cid",
            "partner_order_id",
            "partner_user_id",
            "payment_method_type",
            "amount",
            "item_name",
            "quantity",
            "created_at",
            "approved_at",
        } <= set(approved)
        assert approved["tid"] == started.tid
        assert approved["cid"] == shop.cid
        assert approved["payment_method_type"] == "MONEY"
        assert approved["quantity"] == 1
        assert approved["item_name"] == "초코파이"
        pay.assert_amount(approved["amount"])
        assert approved["amount"]["total"] == 2200
        assert approved["amount"]["vat"] == 200
        assert len(approved["aid"]) == 20
        # No subscription CID, no card, no payload, no item code: those keys are absent.
        assert not {"sid", "card_info", "payload", "item_code"} & set(approved)
        assert LOCAL_ISO.match(approved["created_at"])
        assert LOCAL_ISO.match(approved["approved_at"])
        assert await pay.available(client, buyer) == 7_800

        response = await pay.cancel(client, shop, started.tid, 700, 0, form)
        assert response.status_code == 200, response.text
        canceled = response.json()
        pay.assert_no_nulls(canceled)
        assert {
            "aid",
            "tid",
            "cid",
            "status",
            "partner_order_id",
            "partner_user_id",
            "payment_method_type",
            "amount",
            "approved_cancel_amount",
            "canceled_amount",
            "cancel_available_amount",
            "item_name",
            "quantity",
            "created_at",
            "approved_at",
            "canceled_at",
        } <= set(canceled)
        for key in (
            "amount",
            "approved_cancel_amount",
            "canceled_amount",
            "cancel_available_amount",
        ):
            pay.assert_amount(canceled[key])
        assert canceled["status"] == "PART_CANCEL_PAYMENT"
        assert canceled["approved_cancel_amount"]["total"] == 700
        assert canceled["canceled_amount"]["total"] == 700
        assert canceled["cancel_available_amount"]["total"] == 1500
        assert canceled["aid"] != approved["aid"]
        for key in ("created_at", "approved_at", "canceled_at"):
            assert LOCAL_ISO.match(canceled[key]), canceled[key]
        assert await pay.available(client, buyer) == 8_500

        order = await pay.order(client, shop, started.tid, form)
        pay.assert_no_nulls(order)
        assert {
            "tid",
            "cid",
            "status",
            "partner_order_id",
            "partner_user_id",
            "payment_method_type",
            "amount",
            "canceled_amount",
            "cancel_available_amount",
            "item_name",
            "quantity",
            "created_at",
            "approved_at",
            "canceled_at",
            "payment_action_details",
        } <= set(order)
        assert order["status"] == "PART_CANCEL_PAYMENT"
        assert order["cancel_available_amount"]["total"] == 1500
        details = order["payment_action_details"]
        assert [d["payment_action_type"] for d in details] == ["PAYMENT", "CANCEL"]
        assert [d["aid"] for d in details] == [approved["aid"], canceled["aid"]]
        assert [d["amount"] for d in details] == [2200, 700]
        for detail in details:
            assert {
                "aid",
                "approved_at",
                "amount",
                "point_amount",
                "discount_amount",
                "green_deposit",
                "payment_action_type",
            } <= set(detail)
            assert LOCAL_ISO.match(detail["approved_at"])

    async def test_optional_values_are_echoed_when_given(self, client, database, settings):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 10_000)
        started = await pay.ready(client, shop, "json", item_code="CHOCO-1", quantity=3)
        token = await pay.authorise(database, settings, buyer, started.tid)
        response = await pay.approve(client, shop, started, token, "json", payload="memo-1")
        assert response.status_code == 200, response.text
        assert response.json()["item_code"] == "CHOCO-1"
        assert response.json()["payload"] == "memo-1"
        assert response.json()["quantity"] == 3
        response = await pay.cancel(client, shop, started.tid, 100, 0, "json", payload="why")
        assert response.json()["payload"] == "why"
        details = (await pay.order(client, shop, started.tid))["payment_action_details"]
        assert [d.get("payload") for d in details] == ["memo-1", "why"]

    async def test_order_of_a_ready_payment_leaves_out_what_has_not_happened(
        self, client, database
    ):
        shop = await pay.shop(database)
        started = await pay.ready(client, shop)
        order = await pay.order(client, shop, started.tid)
        pay.assert_no_nulls(order)
        assert order["status"] == "READY"
        assert order["payment_action_details"] == []
        assert not {"approved_at", "canceled_at", "selected_card_info"} & set(order)
        assert order["cancel_available_amount"]["total"] == 2200
        assert order["canceled_amount"]["total"] == 0

    async def test_query_and_body_together_is_refused(self, client, database):
        """The spec reads parameters from the query, the form body or the JSON body and
        defines no merging: one named in two places is refused, not silently chosen."""
        shop = await pay.shop(database)
        params = pay.ready_params(shop, total_amount=1000)
        response = await client.post(
            "/v1/payment/ready",
            params={**params, "total_amount": "5000"},
            data={"total_amount": "1000"},
            headers=shop.legacy,
        )
        assert response.status_code == 400, response.text
        assert pay.kakao_error(response, legacy=True) == -2
        assert response.json()["msg"] == "total_amount is given in both the query and the body"

    async def test_vat_defaults_to_a_half_up_eleventh_of_the_taxable_part(self, client, database):
        shop = await pay.shop(database)
        # (1000 - 835) / 11 = 15; (1000 - 830) / 11 = 15.45 -> 15; (17) / 11 = 1.545 -> 2
        for total, tax_free, vat in ((1000, 835, 15), (1000, 830, 15), (1017, 1000, 2)):
            started = await pay.ready(client, shop, total_amount=total, tax_free_amount=tax_free)
            order = await pay.order(client, shop, started.tid)
            assert order["amount"]["vat"] == vat, (total, tax_free)


class TestAuthentication:
    @pytest.mark.parametrize(
        ("path", "header", "legacy"),
        [
            ("/v1/payment/order", None, True),
            ("/v1/payment/order", "KakaoAK wrong-key", True),
            ("/v1/payment/order", "KakaoAK", True),
            ("/v1/payment/order", "SECRET_KEY {secret}", True),
            ("/v1/payment/order", "Basic {admin}", True),
            ("/online/v1/payment/order", None, False),
            ("/online/v1/payment/order", "SECRET_KEY wrong-key", False),
            ("/online/v1/payment/order", "KakaoAK {admin}", False),
            ("/online/v1/payment/order", "SECRET_KEY {admin}", False),
        ],
    )
    async def test_refused_with_401_in_the_envelope_of_the_path(
        self, client, database, path, header, legacy
    ):
        shop = await pay.shop(database)
        started = await pay.ready(client, shop)
        headers = {}
        if header is not None:
            headers["Authorization"] = header.format(secret=shop.secret_key, admin=shop.admin_key)
        response = await client.post(
            path, params={"cid": shop.cid, "tid": started.tid}, headers=headers
        )
        assert response.status_code == 401, response.text
        assert pay.kakao_error(response, legacy) == -401
        assert started.tid not in response.text

    async def test_bearer_is_accepted_on_the_legacy_path(self, client, database):
        shop = await pay.shop(database)
        started = await pay.ready(client, shop)
        response = await client.post(
            "/v1/payment/order",
            params={"cid": shop.cid, "tid": started.tid},
            headers={"Authorization": f"Bearer {shop.admin_key}"},
        )
        assert response.status_code == 200, response.text

    async def test_a_refusal_before_reading_parameters_writes_nothing(self, client, database):
        shop = await pay.shop(database)
        response = await client.post(
            "/v1/payment/ready",
            params=pay.ready_params(shop),
            headers={"Authorization": "KakaoAK nope"},
        )
        assert response.status_code == 401
        # The merchant has no payment: an order on a made-up tid is still "not found".
        response = await pay.call(client, shop, "order", {"cid": shop.cid, "tid": "T" + "0" * 19})
        assert pay.error_of(response) == -721


class TestOtherMerchants:
    @pytest.mark.parametrize("action", ["order", "approve", "cancel"])
    async def test_another_merchants_tid_is_not_found_and_reveals_nothing(
        self, client, database, settings, action
    ):
        owner = await pay.shop(database)
        other = await pay.shop(database, cid="TC0OTHER01", name="남의상점")
        buyer = await pay.buyer(client, database, 10_000)
        started = await pay.paid(
            client, database, settings, owner, buyer, partner_order_id="secret-order"
        )
        params = {
            "order": {"cid": other.cid, "tid": started.tid},
            "approve": started.approve_params(other, "0" * 20),
            "cancel": {
                "cid": other.cid,
                "tid": started.tid,
                "cancel_amount": 100,
                "cancel_tax_free_amount": 0,
            },
        }[action]
        for form in ("query", "json"):
            response = await pay.call(client, other, action, params, form)
            assert response.status_code == 400, response.text
            assert pay.error_of(response) == -721
            assert "secret-order" not in response.text
            assert "2200" not in response.text
        assert (await pay.order(client, owner, started.tid))["status"] == "SUCCESS_PAYMENT"
        assert await pay.available(client, buyer) == 7_800

    @pytest.mark.parametrize("cid", ["TC0OTHER01", "TCUNKNOWN1"])
    async def test_unknown_or_another_merchants_cid_is_refused(self, client, database, cid):
        shop = await pay.shop(database)
        await pay.shop(database, cid="TC0OTHER01", name="남의상점")
        started = await pay.ready(client, shop)
        for action, params in (
            ("ready", pay.ready_params(shop, cid=cid)),
            ("order", {"cid": cid, "tid": started.tid}),
            (
                "cancel",
                {"cid": cid, "tid": started.tid, "cancel_amount": 1, "cancel_tax_free_amount": 0},
            ),
        ):
            for form in ("form", "json-strings"):
                response = await pay.call(client, shop, action, params, form)
                assert response.status_code == 400, response.text
                assert pay.error_of(response) == -799, (action, form)


class TestBadParameters:
    @pytest.mark.parametrize(
        "overrides",
        [
            {"cid": None},
            {"partner_order_id": None},
            {"partner_user_id": None},
            {"item_name": None},
            {"quantity": None},
            {"total_amount": None},
            {"tax_free_amount": None},
            {"approval_url": None},
            {"cancel_url": None},
            {"fail_url": None},
            {"total_amount": "2,200"},
            {"total_amount": "12abc"},
            {"total_amount": "1e3"},
            {"total_amount": "22.5"},
            {"quantity": "one"},
            {"tax_free_amount": "-"},
            {"total_amount": 0},
            {"total_amount": -100},
            {"quantity": 0},
            {"tax_free_amount": -1},
            {"tax_free_amount": 2201},
            {"vat_amount": 2201},
            {"vat_amount": -1},
            {"green_deposit": 3000},
            {"payment_method_type": "CASH"},
            {"partner_order_id": "x" * 101},
            {"partner_user_id": "x" * 101},
            {"item_name": "상" * 101},
            {"approval_url": "http://shop.test/" + "x" * 250},
            {"total_amount": 10**16},
            {"total_amount": 10**13},
            {"total_amount": "²"},
            {"total_amount": "١٢"},
            {"quantity": 3_000_000_000},
        ],
    )
    @pytest.mark.parametrize("form", ["query", "json"])
    async def test_ready_refuses_with_400_and_minus_2(self, client, database, overrides, form):
        shop = await pay.shop(database)
        response = await pay.call(client, shop, "ready", pay.ready_params(shop, **overrides), form)
        assert response.status_code == 400, response.text
        assert pay.error_of(response) == -2

    async def test_json_booleans_and_floats_are_not_numbers(self, client, database):
        shop = await pay.shop(database)
        for value in (True, 2200.0, [2200], {"n": 2200}):
            params = pay.ready_params(shop, total_amount=value)
            response = await pay.call(client, shop, "ready", params, "json")
            assert response.status_code == 400, (value, response.text)
            assert pay.error_of(response) == -2

    async def test_longest_allowed_texts_are_accepted(self, client, database):
        shop = await pay.shop(database)
        params = pay.ready_params(
            shop,
            partner_order_id="o" * 100,
            partner_user_id="u" * 100,
            item_name="상" * 100,
            approval_url="http://shop.test/" + "x" * 238,
        )
        response = await pay.call(client, shop, "ready", params, "json")
        assert response.status_code == 200, response.text

    @pytest.mark.parametrize(
        "body", [b"{not json", b"[1, 2]", b'"text"', b"\xff\xfe", b"null", b"42"]
    )
    async def test_a_json_body_that_is_not_an_object(self, client, database, body):
        shop = await pay.shop(database)
        response = await client.post(
            "/online/v1/payment/ready",
            content=body,
            headers={**shop.current, "Content-Type": "application/json"},
        )
        assert response.status_code == 400, response.text
        assert pay.kakao_error(response, legacy=False) == -2

    async def test_a_form_body_that_is_not_utf8(self, client, database):
        shop = await pay.shop(database)
        response = await client.post(
            "/v1/payment/ready",
            content=b"cid=\xff\xfe",
            headers={**shop.legacy, "Content-Type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 400, response.text
        assert pay.kakao_error(response, legacy=True) == -2

    @pytest.mark.parametrize("missing", ["cid", "tid", "cancel_amount", "cancel_tax_free_amount"])
    async def test_cancel_refuses_missing_parameters(self, client, database, settings, missing):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 10_000)
        started = await pay.paid(client, database, settings, shop, buyer)
        params = {
            "cid": shop.cid,
            "tid": started.tid,
            "cancel_amount": 100,
            "cancel_tax_free_amount": 0,
        }
        del params[missing]
        response = await pay.call(client, shop, "cancel", params, "json")
        assert response.status_code == 400
        assert pay.error_of(response) == -2
        assert await pay.available(client, buyer) == 7_800

    @pytest.mark.parametrize(
        "extra",
        [
            {"cancel_amount": 0},
            {"cancel_amount": -5},
            {"cancel_amount": "abc"},
            {"cancel_tax_free_amount": -1},
            {"cancel_tax_free_amount": 101},
            {"cancel_vat_amount": -1},
            {"cancel_vat_amount": 101},
            {"payload": "p" * 201},
        ],
    )
    async def test_cancel_refuses_bad_values_and_changes_nothing(
        self, client, database, settings, extra
    ):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 10_000)
        started = await pay.paid(client, database, settings, shop, buyer)
        params = {
            "cid": shop.cid,
            "tid": started.tid,
            "cancel_amount": 100,
            "cancel_tax_free_amount": 0,
            **extra,
        }
        response = await pay.call(client, shop, "cancel", params, "json")
        assert response.status_code == 400, response.text
        assert pay.error_of(response) in (-2, -781)
        order = await pay.order(client, shop, started.tid)
        assert order["status"] == "SUCCESS_PAYMENT"
        assert order["canceled_amount"]["total"] == 0
        assert await pay.available(client, buyer) == 7_800

    async def test_a_tid_that_does_not_exist(self, client, database):
        shop = await pay.shop(database)
        for tid in ("T" + "9" * 19, "nonsense"):
            response = await pay.call(client, shop, "order", {"cid": shop.cid, "tid": tid})
            assert response.status_code == 400
            assert pay.error_of(response) == -721
        response = await pay.call(client, shop, "order", {"cid": shop.cid, "tid": "T" * 21})
        assert pay.error_of(response) == -2


class TestTimestamps:
    async def test_are_korean_local_time_without_an_offset(
        self, client, database, settings, fake_clock
    ):
        from datetime import UTC, datetime

        fake_clock.set(datetime(2026, 7, 15, 12, 18, 22, 654321, tzinfo=UTC))
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 10_000)
        started = await pay.ready(client, shop, "json")
        fake_clock.advance(minutes=2)
        token = await pay.authorise(database, settings, buyer, started.tid)
        approved = (await pay.approve(client, shop, started, token, "json")).json()
        fake_clock.advance(days=1)
        canceled = (await pay.cancel(client, shop, started.tid, 100)).json()
        assert approved["created_at"] == "2026-07-15T21:18:22"
        assert approved["approved_at"] == "2026-07-15T21:20:22"
        assert canceled["canceled_at"] == "2026-07-16T21:20:22"
        order = await pay.order(client, shop, started.tid)
        assert [d["approved_at"] for d in order["payment_action_details"]] == [
            "2026-07-15T21:20:22",
            "2026-07-16T21:20:22",
        ]
