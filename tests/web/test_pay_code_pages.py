"""The wallet's payment code page: PIN first, then the barcode, the QR, the digits and a
countdown; refresh replaces the code; a charge of the shown digits works once."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import func, select

from easypay.models import PaymentCode, User
from easypay.payment import codes
from tests.payment import builders as pay
from tests.payment import pos_builders as pos
from tests.web.helpers import PIN, balance_of, csrf_of, post_form, sign_up_with_pin

DIGITS = re.compile(r'data-testid="pay-code-digits">([0-9 ]+)<')


def digits_on(html: str) -> str:
    match = DIGITS.search(html)
    assert match, html
    return match.group(1).replace(" ", "")


async def show_code(client: httpx.AsyncClient, pin: str = PIN) -> httpx.Response:
    return await post_form(client, "/pay/code", "/pay/code", {"pin": pin})


async def refresh(client: httpx.AsyncClient, page: str, previous: str) -> httpx.Response:
    return await client.post(
        "/pay/code/refresh", data={"previous": previous, "csrf_token": csrf_of(page)}
    )


async def code_count(database) -> int:
    async with database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(PaymentCode)) or 0)


class TestPinFirst:
    async def test_signed_out_goes_to_sign_in(self, client):
        response = await client.get("/pay/code")
        assert response.status_code == 303
        assert response.headers["location"].startswith("/signin")

    async def test_without_a_pin_set_it_first(self, client):
        from tests.web.helpers import sign_up

        await sign_up(client)
        response = await client.get("/pay/code")
        assert response.status_code == 303
        assert response.headers["location"].startswith("/pin/set")

    async def test_the_page_asks_for_the_pin_and_shows_no_code(self, client, database):
        await sign_up_with_pin(client)
        response = await client.get("/pay/code")
        assert response.status_code == 200
        assert 'name="pin"' in response.text
        assert "pay-code-digits" not in response.text
        assert await code_count(database) == 0

    async def test_a_wrong_pin_shows_no_code(self, client, database):
        await sign_up_with_pin(client)
        for pin, status in (("000000", 403), ("12", 422), ("", 422), ("abcdef", 422)):
            response = await show_code(client, pin)
            assert response.status_code == status, response.text
            assert "pay-code-digits" not in response.text
            assert 'data-testid="form-error"' in response.text
        assert await code_count(database) == 0

    async def test_a_locked_pin_shows_no_code(self, client, database):
        await sign_up_with_pin(client)
        for _ in range(5):
            await show_code(client, "000000")
        response = await show_code(client)
        assert response.status_code == 423, response.text
        assert "pay-code-digits" not in response.text
        assert await code_count(database) == 0

    async def test_without_the_csrf_token_nothing_is_issued(self, client, database):
        await sign_up_with_pin(client)
        response = await client.post("/pay/code", data={"pin": PIN})
        assert response.status_code == 403
        assert await code_count(database) == 0


class TestTheCode:
    async def test_barcode_qr_digits_and_countdown(self, client, database, fake_clock):
        await sign_up_with_pin(client)
        response = await show_code(client)
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        html = response.text
        digits = digits_on(html)
        assert re.fullmatch(r"[0-9]{20}", digits)
        assert codes.spaced(digits) in html
        assert 'data-testid="pay-code-barcode"' in html
        assert 'data-testid="pay-code-qr"' in html
        assert 'data-testid="pay-code-countdown">3:00<' in html
        assert 'data-seconds-left="180"' in html
        assert "style=" not in html  # the CSP forbids inline styles
        async with database.transaction() as session:
            stored = (await session.execute(select(PaymentCode))).scalar_one()
            user = (await session.execute(select(User))).scalar_one()
        assert stored.code_hash == codes.digest(digits)
        assert stored.user_id == user.id

    async def test_refresh_replaces_the_code(self, client, database):
        shop = await pay.shop(database)
        await sign_up_with_pin(client)
        first = await show_code(client)
        old = digits_on(first.text)
        second = await refresh(client, first.text, old)
        assert second.status_code == 200, second.text
        new = digits_on(second.text)
        assert new != old
        # The old code is retired: it no longer pays.
        refused = await pos.charge(client, shop, old, 1000)
        assert refused.status_code == 409
        assert pos.error(refused) == "PaymentCodeExpired"

    async def test_refresh_with_a_code_not_mine_asks_for_the_pin(
        self, client, other_client, database
    ):
        await sign_up_with_pin(client)
        from tests.web.helpers import FRIEND_NAME, FRIEND_PHONE

        await sign_up_with_pin(other_client, phone=FRIEND_PHONE, name=FRIEND_NAME)
        theirs = digits_on((await show_code(other_client)).text)
        page = await client.get("/pay/code")
        for previous in (theirs, "", "123", "9" * 20):
            response = await refresh(client, page.text, previous)
            assert response.status_code == 403, response.text
            assert "pay-code-digits" not in response.text
            assert 'name="pin"' in response.text
        assert await code_count(database) == 1

    async def test_refresh_long_after_asks_for_the_pin(self, client, database, fake_clock):
        await sign_up_with_pin(client)
        first = await show_code(client)
        fake_clock.advance(minutes=11)
        response = await refresh(client, first.text, digits_on(first.text))
        assert response.status_code == 403
        assert "pay-code-digits" not in response.text


class TestPayingWithTheShownCode:
    async def test_a_pos_charge_of_the_digits_works_once(self, sender, database):
        client = sender  # 김민준 with 100,000원 of Pay Money
        shop = await pay.shop(database)
        digits = digits_on((await show_code(client)).text)
        paid = await pos.charge(client, shop, digits, 4500, "web-1")
        assert paid.status_code == 201, paid.text
        again = await pos.charge(client, shop, digits, 4500, "web-2")
        assert again.status_code == 409, again.text
        assert await balance_of(client) == "95,500원"


class TestAssets:
    async def test_the_script_and_the_styles_are_served(self, client):
        for path in ("/static/js/pay_code.js", "/static/css/pay_code.css"):
            response = await client.get(path)
            assert response.status_code == 200, path
            assert len(response.content) > 100

    async def test_english(self, client):
        await sign_up_with_pin(client)
        await post_form(client, "/", "/lang", {"lang": "en", "next": "/pay/code"})
        page = await client.get("/pay/code")
        assert "Enter your payment PIN to show a code" in page.text
        shown = await show_code(client)
        assert "Time left" in shown.text
        assert "Refresh" in shown.text


class TestCardCode:
    async def test_a_code_for_a_registered_card(self, sender, database):
        card_form = {
            "card_number": "9490-1200-0000-0012",
            "expiry": "1231",
            "birth_date": "900517",
            "password_two_digits": "12",
            "nickname": "생활비 카드",
            "pin": PIN,
        }
        registered = await post_form(sender, "/cards/register", "/cards/register", card_form)
        assert registered.status_code == 303, registered.text
        page = await sender.get("/pay/code")
        assert 'data-testid="pay-code-card"' in page.text
        card = re.search(r'name="method" value="(card:\d+)"', page.text)
        assert card is not None
        shown = await post_form(sender, "/pay/code", "/pay/code", {"pin": PIN, "method": card[1]})
        assert shown.status_code == 200, shown.text
        assert "생활비 카드(으)로 결제" in shown.text
        digits = digits_on(shown.text)
        async with database.transaction() as session:
            code = (
                await session.execute(
                    select(PaymentCode).where(PaymentCode.code_hash == codes.digest(digits))
                )
            ).scalar_one()
            assert code.method == "CARD"
            assert code.card_id == int(card[1].split(":")[1])
        # someone else's card id in the form is refused, and no code is shown
        forged = await post_form(
            sender, "/pay/code", "/pay/code", {"pin": PIN, "method": "card:999999"}
        )
        assert forged.status_code == 400
        assert 'data-testid="pay-code-digits"' not in forged.text
