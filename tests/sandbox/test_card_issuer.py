"""The card issuer adapter (HttpCardIssuer) against the sandbox card issuer, over real HTTP:
registration, authorise / capture / cancel, idempotent repeats, concurrency, every decline code,
and faults (timeout, fail_after_success) answered truthfully by the result inquiry."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from easypay.card.gateway import CardDeclined, CardIssuerUnavailable
from easypay.card.issuer_client import HttpCardIssuer
from easypay.config import Settings
from easypay.kit.clock import FakeClock
from tests.card.builders import (
    BIRTH,
    CHECK,
    DO_NOT_HONOR,
    EXPIRED,
    EXPIRY,
    GOOD,
    LOST,
    LOW_LIMIT,
    PASSWORD_TWO,
    Sandbox,
    issuer_at,
    request_id,
)
from tests.conftest import LiveServer


@pytest.fixture
async def issuer(live_server: LiveServer, settings: Settings) -> AsyncIterator[HttpCardIssuer]:
    async with issuer_at(live_server.url, settings) as adapter:
        yield adapter


@pytest.fixture
async def sandbox(live_server: LiveServer, settings: Settings) -> AsyncIterator[Sandbox]:
    admin = Sandbox(live_server.url, settings)
    yield admin
    await admin.aclose()


async def token_of(issuer: HttpCardIssuer, number: str = GOOD) -> str:
    return (await issuer.register(number, EXPIRY, BIRTH, PASSWORD_TWO)).token


async def declined_code(call: object) -> str:
    assert asyncio.iscoroutine(call)
    with pytest.raises(CardDeclined) as refused:
        await call
    return refused.value.code


class TestRegister:
    async def test_a_card_gets_a_token_and_its_public_digits(self, issuer: HttpCardIssuer) -> None:
        card = await issuer.register(GOOD, EXPIRY, BIRTH, PASSWORD_TWO)
        assert card.token
        assert (card.bin, card.last4, card.corp_code, card.card_type) == (
            "949012",
            "0012",
            "SBX",
            "신용",
        )

    async def test_registering_again_gives_the_same_token(self, issuer: HttpCardIssuer) -> None:
        first = await issuer.register(GOOD, EXPIRY, BIRTH, PASSWORD_TWO)
        again = await issuer.register(GOOD, EXPIRY, BIRTH, PASSWORD_TWO)
        assert again.token == first.token

    @pytest.mark.parametrize(
        ("number", "expiry", "birth", "password", "code"),
        [
            (GOOD, EXPIRY, "900101", PASSWORD_TWO, "55"),  # another birth date
            (GOOD, EXPIRY, BIRTH, "34", "55"),  # wrong password digits
            (GOOD, "1130", BIRTH, PASSWORD_TWO, "55"),  # wrong expiry
            ("9490129999999993", EXPIRY, BIRTH, PASSWORD_TWO, "14"),  # never issued
            ("9490120000000013", EXPIRY, BIRTH, PASSWORD_TWO, "14"),  # fails Luhn
            (LOST, EXPIRY, BIRTH, PASSWORD_TWO, "62"),
            (EXPIRED, "0125", BIRTH, PASSWORD_TWO, "54"),
        ],
    )
    async def test_refusals_say_why(
        self,
        issuer: HttpCardIssuer,
        sandbox: Sandbox,
        number: str,
        expiry: str,
        birth: str,
        password: str,
        code: str,
    ) -> None:
        assert await declined_code(issuer.register(number, expiry, birth, password)) == code
        if number == GOOD:  # a refused registration hands out no token
            assert (await sandbox.card(GOOD))["token"] is None

    async def test_malformed_input_is_a_format_error(self, issuer: HttpCardIssuer) -> None:
        assert await declined_code(issuer.register("12ab", EXPIRY, BIRTH, PASSWORD_TWO)) == "30"


class TestAuthorize:
    async def test_approval_holds_the_amount(
        self, issuer: HttpCardIssuer, sandbox: Sandbox
    ) -> None:
        token = await token_of(issuer)
        approval = await issuer.authorize(request_id(), token, 15_000, "가게", 0)
        assert len(approval.approval_id) == 8
        assert approval.approval_id.isdigit()
        assert (approval.amount, approval.install_month, approval.interest_free) == (
            15_000,
            0,
            False,
        )
        assert await sandbox.used(GOOD) == 15_000

    async def test_instalments_and_interest_free_months(self, issuer: HttpCardIssuer) -> None:
        token = await token_of(issuer)
        three = await issuer.authorize(request_id(), token, 90_000, "가게", 3)
        twelve = await issuer.authorize(request_id(), token, 90_000, "가게", 12)
        assert (three.install_month, three.interest_free) == (3, True)
        assert (twelve.install_month, twelve.interest_free) == (12, False)

    async def test_a_repeat_gets_the_first_answer_and_holds_once(
        self, issuer: HttpCardIssuer, sandbox: Sandbox
    ) -> None:
        token = await token_of(issuer)
        rid = request_id()
        first = await issuer.authorize(rid, token, 20_000, "가게", 0)
        again = await issuer.authorize(rid, token, 20_000, "가게", 0)
        assert again == first
        assert await sandbox.used(GOOD) == 20_000

    async def test_concurrent_repeats_hold_once(
        self, issuer: HttpCardIssuer, sandbox: Sandbox
    ) -> None:
        token = await token_of(issuer)
        rid = request_id()
        approvals = await asyncio.gather(
            *(issuer.authorize(rid, token, 10_000, "가게", 0) for _ in range(8))
        )
        assert len({approval.approval_id for approval in approvals}) == 1
        assert await sandbox.used(GOOD) == 10_000

    async def test_concurrent_authorizations_never_exceed_the_limit(
        self, issuer: HttpCardIssuer, sandbox: Sandbox
    ) -> None:
        token = await token_of(issuer, LOW_LIMIT)
        results = await asyncio.gather(
            *(issuer.authorize(request_id(), token, 10_000, "가게", 0) for _ in range(5)),
            return_exceptions=True,
        )
        approved = [r for r in results if not isinstance(r, BaseException)]
        declined = [r for r in results if isinstance(r, CardDeclined)]
        assert (len(approved), len(declined)) == (3, 2)
        assert {refusal.code for refusal in declined} == {"51"}
        assert await sandbox.used(LOW_LIMIT) == 30_000

    async def test_over_the_limit_declines_51(
        self, issuer: HttpCardIssuer, sandbox: Sandbox
    ) -> None:
        token = await token_of(issuer, LOW_LIMIT)
        assert await declined_code(issuer.authorize(request_id(), token, 30_001, "가게", 0)) == "51"
        assert await sandbox.used(LOW_LIMIT) == 0

    async def test_unknown_token_declines_14(self, issuer: HttpCardIssuer) -> None:
        assert await declined_code(issuer.authorize(request_id(), "sbx_nope", 1_000, "", 0)) == "14"

    async def test_a_do_not_honor_card_declines_05(
        self, issuer: HttpCardIssuer, sandbox: Sandbox
    ) -> None:
        token = await token_of(issuer, DO_NOT_HONOR)
        assert await declined_code(issuer.authorize(request_id(), token, 1_000, "", 0)) == "05"
        assert await sandbox.used(DO_NOT_HONOR) == 0

    async def test_a_card_reported_lost_declines_62(
        self, issuer: HttpCardIssuer, sandbox: Sandbox
    ) -> None:
        token = await token_of(issuer)
        await sandbox.update(GOOD, status="lost")
        assert await declined_code(issuer.authorize(request_id(), token, 1_000, "", 0)) == "62"
        assert await sandbox.used(GOOD) == 0

    async def test_an_expired_card_declines_54(
        self, issuer: HttpCardIssuer, sandbox: Sandbox, fake_clock: FakeClock
    ) -> None:
        token = await token_of(issuer)
        fake_clock.set(datetime(2032, 1, 1, tzinfo=UTC))
        assert await declined_code(issuer.authorize(request_id(), token, 1_000, "", 0)) == "54"
        assert await sandbox.used(GOOD) == 0

    async def test_a_check_card_takes_no_instalments(
        self, issuer: HttpCardIssuer, sandbox: Sandbox
    ) -> None:
        token = await token_of(issuer, CHECK)
        assert await declined_code(issuer.authorize(request_id(), token, 60_000, "", 3)) == "57"
        approval = await issuer.authorize(request_id(), token, 60_000, "", 0)
        assert approval.interest_free is False
        assert await sandbox.used(CHECK) == 60_000

    @pytest.mark.parametrize(("amount", "months"), [(0, 0), (-1, 0), (10**13, 0), (1_000, 13)])
    async def test_malformed_amounts_and_months_are_refused_and_hold_nothing(
        self, issuer: HttpCardIssuer, sandbox: Sandbox, amount: int, months: int
    ) -> None:
        token = await token_of(issuer)
        rid = request_id()
        assert await declined_code(issuer.authorize(rid, token, amount, "", months)) == "30"
        assert await sandbox.used(GOOD) == 0
        assert await issuer.authorization_result(rid) is None


class TestCaptureAndCancel:
    async def test_partial_cancels_add_up_and_release_the_limit(
        self, issuer: HttpCardIssuer, sandbox: Sandbox
    ) -> None:
        token = await token_of(issuer)
        approval = await issuer.authorize(request_id(), token, 10_000, "가게", 0)
        await issuer.capture(request_id(), approval.approval_id, 10_000)
        await issuer.cancel(request_id(), approval.approval_id, 3_000)
        await issuer.cancel(request_id(), approval.approval_id, 2_000)
        assert await sandbox.used(GOOD) == 5_000
        code = await declined_code(issuer.cancel(request_id(), approval.approval_id, 5_001))
        assert code == "13"
        assert await sandbox.used(GOOD) == 5_000
        await issuer.cancel(request_id(), approval.approval_id, 5_000)
        assert await sandbox.used(GOOD) == 0
        assert await declined_code(issuer.cancel(request_id(), approval.approval_id, 1)) == "13"

    async def test_an_uncaptured_authorisation_can_be_released(
        self, issuer: HttpCardIssuer, sandbox: Sandbox
    ) -> None:
        token = await token_of(issuer)
        approval = await issuer.authorize(request_id(), token, 7_000, "", 0)
        await issuer.cancel(request_id(), approval.approval_id, 7_000)
        assert await sandbox.used(GOOD) == 0
        # Nothing cancelled can be captured.
        code = await declined_code(issuer.capture(request_id(), approval.approval_id, 1))
        assert code == "13"

    async def test_partial_captures_add_up_to_the_authorised_amount(
        self, issuer: HttpCardIssuer
    ) -> None:
        token = await token_of(issuer)
        approval = await issuer.authorize(request_id(), token, 10_000, "", 0)
        await issuer.capture(request_id(), approval.approval_id, 6_000)
        await issuer.capture(request_id(), approval.approval_id, 4_000)
        assert await declined_code(issuer.capture(request_id(), approval.approval_id, 1)) == "13"

    async def test_capture_cannot_take_what_was_cancelled(self, issuer: HttpCardIssuer) -> None:
        token = await token_of(issuer)
        approval = await issuer.authorize(request_id(), token, 10_000, "", 0)
        await issuer.cancel(request_id(), approval.approval_id, 4_000)
        code = await declined_code(issuer.capture(request_id(), approval.approval_id, 6_001))
        assert code == "13"
        await issuer.capture(request_id(), approval.approval_id, 6_000)

    async def test_an_authorisation_never_captured_lapses_after_a_week(
        self, issuer: HttpCardIssuer, sandbox: Sandbox, fake_clock: FakeClock
    ) -> None:
        token = await token_of(issuer, LOW_LIMIT)
        stale = await issuer.authorize(request_id(), token, 20_000, "", 0)
        await issuer.cancel(request_id(), stale.approval_id, 5_000)
        captured = await issuer.authorize(request_id(), token, 10_000, "", 0)
        await issuer.capture(request_id(), captured.approval_id, 10_000)
        fake_clock.advance(days=6)
        assert await declined_code(issuer.authorize(request_id(), token, 10_000, "", 0)) == "51"
        fake_clock.advance(days=2)
        # The stale 15,000 is released; the captured 10,000 stays.
        await issuer.authorize(request_id(), token, 20_000, "", 0)
        assert await sandbox.used(LOW_LIMIT) == 30_000
        code = await declined_code(issuer.capture(request_id(), stale.approval_id, 1_000))
        assert code == "13"

    async def test_a_capture_after_the_lapse_is_refused(
        self, issuer: HttpCardIssuer, sandbox: Sandbox, fake_clock: FakeClock
    ) -> None:
        token = await token_of(issuer)
        approval = await issuer.authorize(request_id(), token, 20_000, "", 0)
        fake_clock.advance(days=8)
        code = await declined_code(issuer.capture(request_id(), approval.approval_id, 20_000))
        assert code == "13"
        assert await sandbox.used(GOOD) == 0

    async def test_repeats_change_nothing(self, issuer: HttpCardIssuer, sandbox: Sandbox) -> None:
        token = await token_of(issuer)
        approval = await issuer.authorize(request_id(), token, 10_000, "", 0)
        capture_id, cancel_id = request_id(), request_id()
        for _ in range(3):
            await issuer.capture(capture_id, approval.approval_id, 10_000)
            await issuer.cancel(cancel_id, approval.approval_id, 4_000)
        assert await sandbox.used(GOOD) == 6_000
        # A full capture and 4,000 cancelled: 6,000 more may still be cancelled, no more.
        assert await declined_code(issuer.cancel(request_id(), approval.approval_id, 6_001)) == "13"

    async def test_concurrent_repeats_of_a_cancel_release_once(
        self, issuer: HttpCardIssuer, sandbox: Sandbox
    ) -> None:
        token = await token_of(issuer)
        approval = await issuer.authorize(request_id(), token, 10_000, "", 0)
        cancel_id = request_id()
        await asyncio.gather(
            *(issuer.cancel(cancel_id, approval.approval_id, 2_500) for _ in range(6))
        )
        assert await sandbox.used(GOOD) == 7_500

    async def test_unknown_approval_and_reused_request_ids_are_invalid_transactions(
        self, issuer: HttpCardIssuer, sandbox: Sandbox
    ) -> None:
        token = await token_of(issuer)
        rid = request_id()
        approval = await issuer.authorize(rid, token, 10_000, "", 0)
        other = "00000000" if approval.approval_id != "00000000" else "00000001"
        assert await declined_code(issuer.cancel(request_id(), other, 1_000)) == "12"
        assert await declined_code(issuer.cancel(rid, approval.approval_id, 1_000)) == "12"
        assert await declined_code(issuer.cancel(request_id(), "not-an-id", 1_000)) == "12"
        assert await sandbox.used(GOOD) == 10_000


class TestFaults:
    @pytest.mark.parametrize("code", ["05", "14", "51", "54", "62"])
    async def test_an_injected_decline_holds_nothing(
        self, issuer: HttpCardIssuer, sandbox: Sandbox, code: str
    ) -> None:
        token = await token_of(issuer)
        await sandbox.fault("authorize", "decline", decline_code=code)
        rid = request_id()
        assert await declined_code(issuer.authorize(rid, token, 1_000, "", 0)) == code
        assert await sandbox.used(GOOD) == 0
        assert await issuer.authorization_result(rid) is None  # declined: no approval
        # The decline is the answer for good; the fault is used up.
        assert await declined_code(issuer.authorize(rid, token, 1_000, "", 0)) == code
        await issuer.authorize(request_id(), token, 1_000, "", 0)

    async def test_a_timeout_is_unavailable_and_the_inquiry_tells_the_truth(
        self, live_server: LiveServer, settings: Settings, sandbox: Sandbox
    ) -> None:
        delay = 1.5
        async with issuer_at(live_server.url, settings, timeout=0.5) as impatient:
            token = await token_of(impatient)
            await sandbox.fault("authorize", "timeout", delay_seconds=delay)
            rid = request_id()
            with pytest.raises(CardIssuerUnavailable):
                await impatient.authorize(rid, token, 12_000, "", 0)
            found = await impatient.authorization_result(rid)
            await asyncio.sleep(delay)  # let the late call land
            again = await impatient.authorization_result(rid)
            if found is None:  # never seen when asked: voided, so the late call did nothing
                assert again is None
                assert await sandbox.used(GOOD) == 0
                assert await declined_code(impatient.authorize(rid, token, 12_000, "", 0)) == "12"
            else:  # it got there first: the approval stands, held once
                assert again == found
                assert await sandbox.used(GOOD) == 12_000

    async def test_a_cancel_that_timed_out_and_was_repeated_releases_once(
        self, live_server: LiveServer, settings: Settings, issuer: HttpCardIssuer, sandbox: Sandbox
    ) -> None:
        delay = 1.0
        token = await token_of(issuer)
        approval = await issuer.authorize(request_id(), token, 10_000, "", 0)
        await sandbox.fault("cancel", "timeout", delay_seconds=delay)
        cancel_id = request_id()
        async with issuer_at(live_server.url, settings, timeout=0.3) as impatient:
            with pytest.raises(CardIssuerUnavailable):
                await impatient.cancel(cancel_id, approval.approval_id, 10_000)
        await issuer.cancel(cancel_id, approval.approval_id, 10_000)  # the retry, done now
        await asyncio.sleep(delay)  # let the late original land: it replays, releases nothing
        assert await sandbox.used(GOOD) == 0
        await issuer.cancel(cancel_id, approval.approval_id, 10_000)
        assert await sandbox.used(GOOD) == 0

    async def test_fail_after_success_is_unavailable_and_the_inquiry_finds_the_approval(
        self, issuer: HttpCardIssuer, sandbox: Sandbox
    ) -> None:
        token = await token_of(issuer)
        await sandbox.fault("authorize", "fail_after_success")
        rid = request_id()
        with pytest.raises(CardIssuerUnavailable):
            await issuer.authorize(rid, token, 8_000, "", 0)
        found = await issuer.authorization_result(rid)
        assert found is not None
        assert found.amount == 8_000
        assert (await issuer.authorize(rid, token, 8_000, "", 0)) == found
        assert await sandbox.used(GOOD) == 8_000

    async def test_a_cancel_that_failed_after_success_is_not_done_twice(
        self, issuer: HttpCardIssuer, sandbox: Sandbox
    ) -> None:
        token = await token_of(issuer)
        approval = await issuer.authorize(request_id(), token, 8_000, "", 0)
        await sandbox.fault("cancel", "fail_after_success")
        cancel_id = request_id()
        with pytest.raises(CardIssuerUnavailable):
            await issuer.cancel(cancel_id, approval.approval_id, 8_000)
        await issuer.cancel(cancel_id, approval.approval_id, 8_000)
        assert await sandbox.used(GOOD) == 0

    async def test_an_injected_capture_decline(
        self, issuer: HttpCardIssuer, sandbox: Sandbox
    ) -> None:
        token = await token_of(issuer)
        approval = await issuer.authorize(request_id(), token, 8_000, "", 0)
        await sandbox.fault("capture", "decline")
        code = await declined_code(issuer.capture(request_id(), approval.approval_id, 8_000))
        assert code == "05"

    async def test_a_request_id_never_seen_is_none_and_refused_later(
        self, issuer: HttpCardIssuer, sandbox: Sandbox
    ) -> None:
        token = await token_of(issuer)
        rid = request_id()
        assert await issuer.authorization_result(rid) is None
        assert await declined_code(issuer.authorize(rid, token, 1_000, "", 0)) == "12"
        assert await issuer.authorization_result(rid) is None
        assert await sandbox.used(GOOD) == 0


class TestUnclearAnswers:
    async def test_a_wrong_token_is_unavailable(
        self, live_server: LiveServer, settings: Settings
    ) -> None:
        wrong = HttpCardIssuer(f"{live_server.url}/sandbox/card", "not-the-token", 5.0)
        try:
            with pytest.raises(CardIssuerUnavailable):
                await wrong.register(GOOD, EXPIRY, BIRTH, PASSWORD_TWO)
        finally:
            await wrong.aclose()

    async def test_a_wrong_address_is_unavailable_never_not_found(
        self, live_server: LiveServer, settings: Settings
    ) -> None:
        # A 404 that is not the issuer's "never seen" must not read as "no authorisation".
        wrong = HttpCardIssuer(f"{live_server.url}/nowhere", settings.card_issuer_api_token, 5.0)
        try:
            with pytest.raises(CardIssuerUnavailable):
                await wrong.authorization_result(request_id())
            with pytest.raises(CardIssuerUnavailable):
                await wrong.authorize(request_id(), "tok", 1_000, "", 0)
        finally:
            await wrong.aclose()

    async def test_garbage_is_unavailable(
        self, live_server: LiveServer, settings: Settings
    ) -> None:
        # The sandbox bank answers JSON without a result_code.
        other = HttpCardIssuer(f"{live_server.url}/sandbox/bank", settings.bank_api_token, 5.0)
        try:
            with pytest.raises(CardIssuerUnavailable):
                await other.register(GOOD, EXPIRY, BIRTH, PASSWORD_TWO)
        finally:
            await other.aclose()

    async def test_a_malformed_capture_or_cancel_is_a_format_error(
        self, issuer: HttpCardIssuer, sandbox: Sandbox
    ) -> None:
        token = await token_of(issuer)
        approval = await issuer.authorize(request_id(), token, 5_000, "", 0)
        for amount in (0, -5_000):
            code = await declined_code(issuer.cancel(request_id(), approval.approval_id, amount))
            assert code == "30"
            code = await declined_code(issuer.capture(request_id(), approval.approval_id, amount))
            assert code == "30"
        assert await declined_code(issuer.cancel("bad id!", approval.approval_id, 1)) == "30"
        assert await sandbox.used(GOOD) == 5_000

    async def test_nobody_listening_is_unavailable(self, settings: Settings) -> None:
        from tests.conftest import _free_port

        nobody = HttpCardIssuer(f"http://127.0.0.1:{_free_port()}", "t", 2.0)
        try:
            with pytest.raises(CardIssuerUnavailable):
                await nobody.capture(request_id(), "12345678", 1_000)
        finally:
            await nobody.aclose()
