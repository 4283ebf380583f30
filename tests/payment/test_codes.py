"""Payment codes: their shape, their life (3 minutes, one use, replaced by a new one), and how
they are drawn (Code128 and QR as inline SVG)."""

from __future__ import annotations

import re
from datetime import timedelta

import numpy
import pytest
import zxingcpp
from sqlalchemy import select

from easypay.kit.clock import as_utc
from easypay.models import PaymentCode, User
from easypay.payment import codes
from easypay.payment.errors import CardNotUsable
from easypay.payment.pos_errors import CodeMethodNotSupported, RefreshRefused
from tests.card import builders as cards
from tests.money import builders as money
from tests.payment import builders as pay
from tests.payment import pos_builders as pos
from tests.payment.card_builders import card_id_of


class TestShape:
    async def test_digits_only_and_nothing_of_the_user(self, client, database):
        buyer = await money.person(client, database, phone="+821012345678")
        seen = set()
        for _ in range(20):
            digits = await pos.code_for(database, buyer)
            assert re.fullmatch(r"[0-9]{20}", digits)
            seen.add(digits)
        assert len(seen) == 20  # never repeated
        # A random code may hold any short run by chance, but no part of the phone number, the
        # birth date or the user id is in every code.
        for personal in ("12345678", "19900517", f"{buyer.user_id:06d}"):
            assert not all(personal in digits for digits in seen)

    async def test_only_the_hash_is_stored(self, client, database):
        buyer = await money.person(client, database)
        digits = await pos.code_for(database, buyer)
        async with database.transaction() as session:
            stored = (await session.execute(select(PaymentCode))).scalar_one()
        assert stored.code_hash == codes.digest(digits)
        assert digits not in stored.code_hash
        assert stored.user_id == buyer.user_id
        assert stored.used_at is None

    async def test_valid_for_three_minutes(self, client, database, fake_clock):
        buyer = await money.person(client, database)
        async with database.transaction() as session:
            user = await session.get(User, buyer.user_id)
            assert user is not None
            issued = await codes.issue(session, user)
        assert issued.expires_at - fake_clock.now() == timedelta(minutes=3)
        assert issued.spaced == " ".join(re.findall("....", issued.digits))

    async def test_a_card_code_needs_one_of_the_users_own_cards(self, client, database):
        buyer = await money.person(client, database)
        stranger = await money.person(client, database, name="이서연")
        strangers_card = await card_id_of(await cards.register_card(client, stranger))
        async with database.transaction() as session:
            user = await session.get(User, buyer.user_id)
            assert user is not None
            for card_id in (None, strangers_card, 999_999):
                with pytest.raises(CardNotUsable):
                    await codes.issue(session, user, "CARD", card_id)
            with pytest.raises(CodeMethodNotSupported):
                await codes.issue(session, user, "POINTS")


class TestNewCodeRetiresOlder:
    async def test_an_older_code_stops_working(self, client, database):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 20_000)
        old = await pos.code_for(database, buyer)
        new = await pos.code_for(database, buyer)
        refused = await pos.charge(client, shop, old)
        assert refused.status_code == 409, refused.text
        assert pos.error(refused) == "PaymentCodeExpired"
        assert (await pos.charge(client, shop, new)).status_code == 201
        assert await pay.available(client, buyer) == 20_000 - 4500

    async def test_another_users_code_is_not_retired(self, client, database):
        shop = await pay.shop(database)
        first = await pay.buyer(client, database, 20_000)
        second = await pay.buyer(client, database, 20_000)
        code = await pos.code_for(database, first)
        await pos.code_for(database, second)
        assert (await pos.charge(client, shop, code)).status_code == 201


class TestRefresh:
    async def _user(self, database, someone):
        async with database.transaction() as session:
            user = await session.get(User, someone.user_id)
            assert user is not None
            return user

    async def test_a_recent_code_of_mine_gets_a_new_one(self, client, database, fake_clock):
        buyer = await money.person(client, database)
        first = await pos.code_for(database, buyer)
        fake_clock.advance(minutes=5)  # expired, still recent enough to refresh
        async with database.transaction() as session:
            user = await session.get(User, buyer.user_id)
            assert user is not None
            fresh = await codes.refresh(session, user, codes.spaced(first))
        assert fresh.digits != first
        assert as_utc(fresh.code.expires_at) == fake_clock.now() + codes.LIFETIME

    async def test_refused_for_an_old_code_anothers_code_or_nonsense(
        self, client, database, fake_clock
    ):
        buyer = await money.person(client, database)
        other = await money.person(client, database)
        mine = await pos.code_for(database, buyer)
        theirs = await pos.code_for(database, other)
        fake_clock.advance(minutes=1)
        for previous in (theirs, "", "abc", "1" * 20, mine + "0"):
            async with database.transaction() as session:
                user = await session.get(User, buyer.user_id)
                assert user is not None
                try:
                    await codes.refresh(session, user, previous)
                except RefreshRefused:
                    continue
                raise AssertionError(f"refreshed with {previous!r}")
        fake_clock.advance(minutes=10)
        async with database.transaction() as session:
            user = await session.get(User, buyer.user_id)
            assert user is not None
            try:
                await codes.refresh(session, user, mine)
            except RefreshRefused:
                pass
            else:
                raise AssertionError("refreshed with a code older than the window")


class TestDrawing:
    pytestmark = pytest.mark.no_database

    def test_barcode_svg_has_no_style_attributes(self):
        digits = codes.new_digits()
        svg = codes.barcode_svg(digits)
        assert svg.startswith("<svg ")
        assert "style=" not in svg
        assert 'fill="#000"' in svg

    def test_barcode_encodes_code128(self):
        from barcode import Code128

        digits = "01234567890123456789"
        modules = Code128(digits).build()[0]
        svg = codes.barcode_svg(digits)
        # Every bar of the modules appears, offset by the 10-module quiet zone.
        bars = re.findall(r"M(\d+) 0h(\d+)", svg)
        drawn = ["0"] * (len(modules) + 20)
        for start, width in bars:
            for i in range(int(start), int(start) + int(width)):
                drawn[i] = "1"
        assert "".join(drawn[10:-10]) == modules
        assert modules.startswith("11010011100")  # Start C: digits packed in pairs

    def test_qr_svg(self):
        svg = codes.qr_svg(codes.new_digits())
        assert svg.startswith("<svg ")
        assert "style=" not in svg
        assert "viewBox" in svg

    def test_qr_decodes_to_the_digits(self):
        """Drawn from the SVG's own path (what the page shows) and read back with ZXing."""
        for _ in range(20):
            digits = codes.new_digits()
            assert _read_qr(codes.qr_svg(digits)) == digits


def _read_qr(svg: str) -> str:
    """Rasterise the SVG's dark path as drawn (segno strokes each run of dark modules: `M x y`,
    `m dx dy`, `h n`, in module units, y at the module's middle) and decode it with ZXing."""
    found = re.search(r'viewBox="0 0 (\d+) \d+"', svg)
    drawn = re.search(r'stroke="#000" d="([^"]+)"', svg)
    assert found is not None
    assert drawn is not None
    size = int(found.group(1))
    image = numpy.full((size, size), 255, dtype=numpy.uint8)
    x = y = 0.0
    for command, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", drawn.group(1)):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        else:
            image[int(y), int(x) : int(x + float(a))] = 0
            x += float(a)
    result = zxingcpp.read_barcode(image.repeat(4, 0).repeat(4, 1))
    assert result is not None, "ZXing found no QR code"
    return str(result.text)
