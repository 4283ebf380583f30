"""The certificate pages over HTTP: issue, renew, reissue, suspend, restore and delete with the
right PINs; every refusal (wrong payment PIN, wrong certificate PIN counted until the fifth
locks, renewal before the window, a double issue, CSRF missing, another user's certificate,
event or request) answers a 4xx and changes nothing else; the history with its log proofs;
signature requests approved, rejected or expired."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import html
import re
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from easypay.certificate import service
from easypay.certificate.tlog.merkle import verify_inclusion
from easypay.db import Database
from easypay.kit.clock import FakeClock, as_utc
from easypay.models import CertificateEvent, Notification
from tests.web.certificate_support import (
    CERT_PIN,
    NEW_CERT_PIN,
    SIGN_TEXT,
    WRONG_CERT_PIN,
    act,
    approve,
    ask,
    certificates,
    current_id,
    events,
    fast_argon,
    issued,
    new_institution,
    reject,
    sign_request,
    snapshot,
)
from tests.web.helpers import (
    PASSWORD,
    PHONE,
    PIN,
    STRANGER_NAME,
    STRANGER_PHONE,
    csrf_of,
    post_form,
    sign_up,
    sign_up_with_pin,
)

pytestmark = pytest.mark.usefixtures("fast_argon")
__all__ = ["fast_argon"]

WRONG_PIN = "246813"


def shown(page: httpx.Response, name: str) -> str:
    """The text of the element with data-testid=`name` (tags stripped)."""
    found = re.search(
        rf'data-testid="{name}"[^>]*>(.*?)</(?:span|dd|p|pre|div|li|ol|a)>', page.text, re.S
    )
    assert found, f"no {name} on the page"
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip()


def error_of(page: httpx.Response) -> str:
    return shown(page, "form-error")


@pytest.fixture
async def me(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """김민준, with a payment PIN."""
    await sign_up_with_pin(client)
    return client


@pytest.fixture
async def holder(me: httpx.AsyncClient) -> httpx.AsyncClient:
    """김민준 with an issued certificate."""
    await issued(me)
    return me


class TestStatusPage:
    async def test_signed_out_is_sent_to_sign_in(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/certificates")
        assert response.status_code == 303
        assert response.headers["location"] == "/signin?next=/certificates"

    async def test_without_a_payment_pin_it_asks_for_one_first(
        self, client: httpx.AsyncClient
    ) -> None:
        await sign_up(client)
        response = await client.get("/certificates")
        assert response.status_code == 303
        assert response.headers["location"] == "/pin/set?next=/certificates"

    async def test_no_certificate_offers_to_issue_and_settings_link_here(
        self, me: httpx.AsyncClient
    ) -> None:
        page = await me.get("/certificates")
        assert page.status_code == 200
        assert shown(page, "no-certificate") == "아직 인증서가 없습니다."
        assert 'action="/certificates/issue"' in page.text
        assert 'data-testid="action-renew"' not in page.text
        settings = await me.get("/settings")
        assert 'href="/certificates" data-testid="settings-certificates"' in settings.text

    async def test_english(self, holder: httpx.AsyncClient) -> None:
        switched = await post_form(
            holder, "/certificates", "/lang", {"lang": "en", "next": "/certificates"}
        )
        assert switched.status_code == 303
        page = await holder.get("/certificates")
        assert shown(page, "certificate-status") == "Valid"
        assert "Held by EasyPay" in page.text
        assert "You can renew from" in shown(page, "renewal-hint")


class TestIssue:
    async def test_issue_shows_the_certificate_and_writes_its_event_and_leaf(
        self, me: httpx.AsyncClient, database: Database
    ) -> None:
        cid = await issued(me)
        page = await me.get("/certificates?notice=certificates.issued")
        assert "인증서를 발급했습니다." in page.text
        [row] = await certificates(database)
        assert (row.id, row.status, row.custody) == (cid, "active", "server")
        assert shown(page, "certificate-status") == "유효"
        assert shown(page, "certificate-serial") == row.serial_hex
        assert "서버 보관" in page.text
        days = (as_utc(row.not_after) - as_utc(row.not_before)).days
        assert shown(page, "days-left") in (f"{days}일", f"{days - 1}일")
        assert "갱신은 만료 90일 전인" in shown(page, "renewal-hint")
        assert 'data-testid="action-renew"' not in page.text  # not in the window yet
        for action in ("reissue", "suspend", "delete"):
            assert f'data-testid="action-{action}"' in page.text
        assert 'data-testid="action-restore"' not in page.text
        assert [e.kind for e in await events(database)] == ["issued"]

    @pytest.mark.parametrize(
        ("data", "status", "message"),
        [
            (
                {"new_pin": CERT_PIN, "new_pin_confirm": NEW_CERT_PIN, "payment_pin": PIN},
                422,
                "새 인증서 비밀번호가 서로 다릅니다.",
            ),
            (
                {"new_pin": "12345", "new_pin_confirm": "12345", "payment_pin": PIN},
                422,
                "인증서 비밀번호는 숫자 6자리입니다.",
            ),
            (
                {"new_pin": "12345a", "new_pin_confirm": "12345a", "payment_pin": PIN},
                422,
                "인증서 비밀번호는 숫자 6자리입니다.",
            ),
            (
                {"new_pin": "1" * 400, "new_pin_confirm": "1" * 400, "payment_pin": PIN},
                422,
                "인증서 비밀번호는 숫자 6자리입니다.",
            ),
            ({}, 422, "인증서 비밀번호는 숫자 6자리입니다."),
            (
                {"new_pin": CERT_PIN, "new_pin_confirm": CERT_PIN, "payment_pin": ""},
                422,
                "결제 비밀번호 6자리를 입력해 주세요.",
            ),
            (
                {"new_pin": CERT_PIN, "new_pin_confirm": CERT_PIN, "payment_pin": WRONG_PIN},
                403,
                "결제 비밀번호가 틀렸습니다. 4번 더 틀리면 결제가 잠깁니다.",
            ),
        ],
    )
    async def test_refusals_change_nothing(
        self,
        me: httpx.AsyncClient,
        database: Database,
        data: dict[str, str],
        status: int,
        message: str,
    ) -> None:
        before = await snapshot(database)
        response = await post_form(me, "/certificates", "/certificates/issue", data)
        assert response.status_code == status, response.text
        assert error_of(response) == message
        assert 'action="/certificates/issue"' in response.text
        assert await snapshot(database) == before

    async def test_without_csrf_is_refused(self, me: httpx.AsyncClient, database: Database) -> None:
        before = await snapshot(database)
        data = {"new_pin": CERT_PIN, "new_pin_confirm": CERT_PIN, "payment_pin": PIN}
        response = await me.post("/certificates/issue", data=data)
        assert response.status_code == 403
        assert 'data-testid="error-page"' in response.text
        forged = await me.post("/certificates/issue", data={**data, "csrf_token": "0" * 64})
        assert forged.status_code == 403
        assert await snapshot(database) == before

    async def test_a_second_issue_is_refused(
        self, me: httpx.AsyncClient, database: Database
    ) -> None:
        page = await me.get("/certificates")
        data = {
            "csrf_token": csrf_of(page.text),
            "new_pin": CERT_PIN,
            "new_pin_confirm": CERT_PIN,
            "payment_pin": PIN,
        }
        first = await me.post("/certificates/issue", data=data)
        assert first.status_code == 303
        before = await snapshot(database)
        again = await me.post("/certificates/issue", data=data)  # the same form, sent twice
        assert again.status_code == 409
        assert error_of(again) == "이미 사용 중인 인증서가 있습니다."
        assert await snapshot(database) == before
        assert len(await certificates(database)) == 1

    async def test_two_issues_at_once_make_one_certificate(
        self, me: httpx.AsyncClient, database: Database
    ) -> None:
        page = await me.get("/certificates")
        data = {
            "csrf_token": csrf_of(page.text),
            "new_pin": CERT_PIN,
            "new_pin_confirm": CERT_PIN,
            "payment_pin": PIN,
        }
        answers = await asyncio.gather(
            me.post("/certificates/issue", data=data), me.post("/certificates/issue", data=data)
        )
        assert sorted(a.status_code for a in answers) == [303, 409]
        assert len(await certificates(database)) == 1
        assert [e.kind for e in await events(database)] == ["issued"]


class TestRenew:
    async def test_refused_before_the_window_then_renewed_in_it(
        self,
        me: httpx.AsyncClient,
        database: Database,
        fake_clock: FakeClock,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        # A 100-day validity puts the window 10 days ahead: within the 30-day session.
        monkeypatch.setattr(service, "VALIDITY", timedelta(days=100))
        cid = await issued(me)
        [old] = await certificates(database)
        before = await snapshot(database)
        response = await act(me, cid, "renew", pin=CERT_PIN, payment_pin=PIN)
        assert response.status_code == 409
        assert error_of(response) == "만료 90일 전부터 갱신할 수 있습니다."
        assert await snapshot(database) == before

        fake_clock.set(as_utc(old.not_after) - timedelta(days=89))
        page = await me.get("/certificates")
        assert shown(page, "renewal-hint").startswith("지금 갱신할 수 있어요.")
        assert 'data-testid="action-renew"' in page.text

        response = await act(me, cid, "renew", pin=CERT_PIN, payment_pin=WRONG_PIN)
        assert response.status_code == 403
        assert error_of(response).startswith("결제 비밀번호가 틀렸습니다.")
        assert await snapshot(database) == before  # the payment PIN is counted on the user

        response = await act(me, cid, "renew", pin=WRONG_CERT_PIN, payment_pin=PIN)
        assert response.status_code == 403
        assert error_of(response) == (
            "인증서 비밀번호가 틀렸습니다. 4번 더 틀리면 인증서가 잠깁니다."
        )
        [counted] = await certificates(database)
        assert (counted.status, counted.pin_failures) == ("active", 1)

        response = await act(me, cid, "renew", pin=CERT_PIN, payment_pin=PIN)
        assert response.status_code == 303
        assert response.headers["location"] == "/certificates?notice=certificates.renewed"
        superseded, new = await certificates(database)
        assert (superseded.status, superseded.revocation_reason) == ("revoked", "superseded")
        assert new.status == "active"
        assert as_utc(new.not_after) == as_utc(old.not_after) + timedelta(days=100)
        assert new.replaces_id == cid
        page = await me.get("/certificates")
        assert await current_id(me) == new.id
        assert shown(page, "past-reason").endswith("갱신·재발급으로 교체")

    async def test_a_suspended_certificate_is_not_renewed(
        self,
        holder: httpx.AsyncClient,
        database: Database,
        fake_clock: FakeClock,
    ) -> None:
        cid = await current_id(holder)
        assert (await act(holder, cid, "suspend")).status_code == 303
        [row] = await certificates(database)
        fake_clock.set(as_utc(row.not_after) - timedelta(days=10))
        await sign_in_again(holder)
        before = await snapshot(database)
        response = await act(holder, cid, "renew", pin=CERT_PIN, payment_pin=PIN)
        assert response.status_code == 409
        assert error_of(response) == "지금 인증서 상태에서는 할 수 없는 작업입니다."
        assert await snapshot(database) == before


async def sign_in_again(client: httpx.AsyncClient) -> None:
    """After moving the clock past the session's 30 days."""
    client.cookies.clear()
    response = await post_form(client, "/signin", "/signin", {"phone": PHONE, "password": PASSWORD})
    assert response.status_code == 303, response.text


class TestReissue:
    @pytest.mark.parametrize(
        ("reason", "crl_reason"),
        [("forgotten_pin", "superseded"), ("lost_device", "keyCompromise")],
    )
    async def test_reissue_revokes_the_old_one(
        self, holder: httpx.AsyncClient, database: Database, reason: str, crl_reason: str
    ) -> None:
        cid = await current_id(holder)
        form = {"new_pin": NEW_CERT_PIN, "new_pin_confirm": NEW_CERT_PIN, "payment_pin": PIN}
        response = await act(holder, cid, "reissue", reason=reason, **form)
        assert response.status_code == 303
        assert response.headers["location"] == "/certificates?notice=certificates.reissued"
        old, new = await certificates(database)
        assert (old.status, old.revocation_reason, old.sealed_key) == ("revoked", crl_reason, None)
        assert (new.status, new.replaces_id) == ("active", cid)
        assert [e.kind for e in await events(database)] == ["issued", "revoked", "reissued"]
        page = await holder.get("/certificates")
        assert await current_id(holder) == new.id
        assert 'data-testid="past-item" data-state="revoked"' in page.text

    @pytest.mark.parametrize(
        ("data", "status", "message"),
        [
            (
                {"new_pin": NEW_CERT_PIN, "new_pin_confirm": NEW_CERT_PIN, "payment_pin": PIN},
                422,
                "재발급 사유를 골라 주세요.",
            ),
            (
                {
                    "reason": "bored",
                    "new_pin": NEW_CERT_PIN,
                    "new_pin_confirm": NEW_CERT_PIN,
                    "payment_pin": PIN,
                },
                422,
                "재발급 사유를 골라 주세요.",
            ),
            (
                {
                    "reason": "forgotten_pin",
                    "new_pin": NEW_CERT_PIN,
                    "new_pin_confirm": CERT_PIN,
                    "payment_pin": PIN,
                },
                422,
                "새 인증서 비밀번호가 서로 다릅니다.",
            ),
            (
                {
                    "reason": "lost_device",
                    "new_pin": NEW_CERT_PIN,
                    "new_pin_confirm": NEW_CERT_PIN,
                    "payment_pin": WRONG_PIN,
                },
                403,
                "결제 비밀번호가 틀렸습니다. 4번 더 틀리면 결제가 잠깁니다.",
            ),
        ],
    )
    async def test_refusals_change_nothing(
        self,
        holder: httpx.AsyncClient,
        database: Database,
        data: dict[str, str],
        status: int,
        message: str,
    ) -> None:
        cid = await current_id(holder)
        before = await snapshot(database)
        response = await act(holder, cid, "reissue", **data)
        assert response.status_code == status
        assert error_of(response) == message
        assert re.search(r'data-testid="action-reissue"\s+open', response.text)
        assert await snapshot(database) == before


class TestSuspendAndRestore:
    async def test_suspend_then_restore_with_the_payment_pin(
        self, holder: httpx.AsyncClient, database: Database
    ) -> None:
        cid = await current_id(holder)
        response = await act(holder, cid, "suspend")
        assert response.status_code == 303
        assert response.headers["location"] == "/certificates?notice=certificates.suspended"
        page = await holder.get("/certificates")
        assert shown(page, "certificate-status") == "정지"
        assert 'data-testid="action-restore"' in page.text
        assert 'data-testid="action-suspend"' not in page.text
        [row] = await certificates(database)
        assert row.status == "suspended"

        before = await snapshot(database)
        again = await act(holder, cid, "suspend")
        assert again.status_code == 409
        assert error_of(again) == "지금 인증서 상태에서는 할 수 없는 작업입니다."
        wrong = await act(holder, cid, "restore", payment_pin=WRONG_PIN)
        assert wrong.status_code == 403
        assert error_of(wrong).startswith("결제 비밀번호가 틀렸습니다.")
        assert await snapshot(database) == before

        restored = await act(holder, cid, "restore", payment_pin=PIN)
        assert restored.status_code == 303
        assert restored.headers["location"] == "/certificates?notice=certificates.restored"
        page = await holder.get("/certificates")
        assert shown(page, "certificate-status") == "유효"
        assert [e.kind for e in await events(database)] == ["issued", "suspended", "restored"]
        before = await snapshot(database)
        not_suspended = await act(holder, cid, "restore", payment_pin=PIN)
        assert not_suspended.status_code == 409
        assert await snapshot(database) == before


class TestDelete:
    async def test_delete_needs_the_confirmation_and_the_payment_pin(
        self, holder: httpx.AsyncClient, database: Database
    ) -> None:
        cid = await current_id(holder)
        before = await snapshot(database)
        unconfirmed = await act(holder, cid, "delete", payment_pin=PIN)
        assert unconfirmed.status_code == 422
        assert error_of(unconfirmed) == "삭제를 확인하는 칸에 체크해 주세요."
        wrong = await act(holder, cid, "delete", payment_pin=WRONG_PIN, understand="yes")
        assert wrong.status_code == 403
        assert await snapshot(database) == before

        deleted = await act(holder, cid, "delete", payment_pin=PIN, understand="yes")
        assert deleted.status_code == 303
        assert deleted.headers["location"] == "/certificates?notice=certificates.deleted"
        [row] = await certificates(database)
        assert (row.status, row.revocation_reason, row.sealed_key) == (
            "deleted",
            "cessationOfOperation",
            None,
        )
        page = await holder.get("/certificates")
        assert 'data-testid="past-item" data-state="deleted"' in page.text
        assert shown(page, "past-reason").endswith("사용자가 삭제")
        assert 'action="/certificates/issue"' in page.text  # a new one may be issued
        before = await snapshot(database)
        again = await act(holder, cid, "delete", payment_pin=PIN, understand="yes")
        assert again.status_code == 409
        assert await snapshot(database) == before


class TestCertificatePin:
    async def test_wrong_pins_are_counted_and_the_fifth_locks_until_restored(
        self, holder: httpx.AsyncClient, database: Database
    ) -> None:
        key = await new_institution(database)
        receipt = await ask(holder, key)
        for tries_left in (4, 3, 2, 1):
            response = await approve(holder, receipt, WRONG_CERT_PIN)
            assert response.status_code == 403
            assert error_of(response) == (
                f"인증서 비밀번호가 틀렸습니다. {tries_left}번 더 틀리면 인증서가 잠깁니다."
            )
            [row] = await certificates(database)
            assert row.pin_failures == 5 - tries_left
        fifth = await approve(holder, receipt, WRONG_CERT_PIN)
        assert fifth.status_code == 423
        assert error_of(fifth).startswith("인증서 비밀번호를 5번 틀려 인증서가 잠겼습니다.")
        [row] = await certificates(database)
        assert row.locked_at is not None
        assert [e.kind for e in await events(database)] == ["issued", "locked"]
        assert (await sign_request(database, receipt)).status == "pending"

        before = await snapshot(database)
        locked = await approve(holder, receipt, CERT_PIN)  # even the right PIN now
        assert locked.status_code == 423
        assert await snapshot(database) == before

        page = await holder.get("/certificates")
        assert shown(page, "certificate-status") == "잠김"
        assert 'data-testid="locked-note"' in page.text
        cid = await current_id(holder)
        restored = await act(holder, cid, "restore", payment_pin=PIN)
        assert restored.status_code == 303
        [row] = await certificates(database)
        assert (row.status, row.pin_failures, row.locked_at) == ("active", 0, None)
        assert (await approve(holder, receipt, CERT_PIN)).status_code == 303

    async def test_a_right_pin_clears_the_count(
        self, holder: httpx.AsyncClient, database: Database
    ) -> None:
        key = await new_institution(database)
        first, second = await ask(holder, key), await ask(holder, key)
        assert (await approve(holder, first, WRONG_CERT_PIN)).status_code == 403
        assert (await approve(holder, first, CERT_PIN)).status_code == 303
        [row] = await certificates(database)
        assert row.pin_failures == 0
        assert (await approve(holder, second, "12a456")).status_code == 422
        [row] = await certificates(database)
        assert row.pin_failures == 0  # a malformed PIN is not a try


class TestAnotherUsersThings:
    async def test_another_users_certificate_event_and_request_are_not_found(
        self, holder: httpx.AsyncClient, stranger: httpx.AsyncClient, database: Database
    ) -> None:
        cid = await current_id(holder)
        key = await new_institution(database)
        receipt = await ask(holder, key)
        [event] = await events(database)
        before = await snapshot(database)
        token = csrf_of((await stranger.get("/certificates")).text)
        pins = {"payment_pin": PIN, "pin": CERT_PIN}
        new = {"new_pin": NEW_CERT_PIN, "new_pin_confirm": NEW_CERT_PIN}
        for action, data in [
            ("renew", pins),
            ("reissue", {"reason": "lost_device", **new, **pins}),
            ("suspend", {}),
            ("restore", pins),
            ("delete", {**pins, "understand": "yes"}),
            ("delete", pins),
        ]:
            response = await stranger.post(
                f"/certificates/{cid}/{action}", data={"csrf_token": token, **data}
            )
            assert response.status_code == 404, action
            assert 'data-testid="error-page"' in response.text
            assert "인증서를 찾을 수 없습니다." in response.text
        not_mine = await stranger.get(f"/certificates/events/{event.id}")
        assert not_mine.status_code == 404
        assert "인증서 내역을 찾을 수 없습니다." in not_mine.text
        not_mine = await stranger.get(f"/certificates/requests/{receipt}")
        assert not_mine.status_code == 404
        assert "서명 요청을 찾을 수 없습니다." in not_mine.text
        for answer, data in [("approve", {"pin": CERT_PIN}), ("reject", {})]:
            response = await stranger.post(
                f"/certificates/requests/{receipt}/{answer}", data={"csrf_token": token, **data}
            )
            assert response.status_code == 404, answer
            assert "서명 요청을 찾을 수 없습니다." in response.text
        listed = await stranger.get("/certificates/requests")
        assert receipt not in listed.text
        assert await snapshot(database) == before
        # The stranger's payment PIN was never tried: it is not locked by these.
        assert (await stranger.get("/certificates")).status_code == 200

    @pytest.mark.parametrize(
        "path",
        [
            "/certificates/events/999999",
            "/certificates/events/abc",
            "/certificates/events/-1",
            "/certificates/requests/SRnope",
            "/certificates/requests/bad-id!",
        ],
    )
    async def test_unknown_ids_are_not_found(self, holder: httpx.AsyncClient, path: str) -> None:
        assert (await holder.get(path)).status_code == 404


class TestHistory:
    async def test_events_newest_first_each_with_a_proof_that_checks_out(
        self, holder: httpx.AsyncClient, database: Database
    ) -> None:
        cid = await current_id(holder)
        assert (await act(holder, cid, "suspend")).status_code == 303
        assert (await act(holder, cid, "restore", payment_pin=PIN)).status_code == 303
        key = await new_institution(database)
        assert (await approve(holder, await ask(holder, key), CERT_PIN)).status_code == 303
        page = await holder.get("/certificates/history")
        kinds = re.findall(r'data-testid="event-item" data-kind="(\w+)"', page.text)
        assert kinds == ["sign", "restored", "suspended", "issued"]
        stored = await events(database)
        for event in stored:
            assert f"/certificates/events/{event.id}" in page.text
            assert f"로그 #{event.tlog_index}" in page.text

        checkpoint = (await holder.get("/tlog/checkpoint")).text
        root = base64.b64decode(checkpoint.split("\n")[2])
        size = int(checkpoint.split("\n")[1])
        assert size == len(stored)
        for event in stored:
            proof = await holder.get(f"/certificates/events/{event.id}")
            assert proof.status_code == 200
            assert shown(proof, "server-verdict") == "검증됨"
            leaf = shown(proof, "leaf-data")
            assert '"kind":"' + event.kind + '"' in leaf
            assert "김민준" not in leaf
            assert "+8210" not in leaf
            leaf_hash = hashlib.sha256(b"\x00" + leaf.encode()).digest()
            assert shown(proof, "leaf-hash") == leaf_hash.hex()
            path = [
                bytes.fromhex(h) for h in re.findall(r'<li class="cert-hash">(\w+)<', proof.text)
            ]
            # Checked here independently of the page's verdict, against the published checkpoint.
            assert verify_inclusion(event.tlog_index, size, leaf_hash, path, root)
            assert shown(proof, "checkpoint") == checkpoint.strip()
            assert 'src="/static/js/tlog-proof.js"' in proof.text
            assert f'data-index="{event.tlog_index}"' in proof.text

    async def test_empty_history(self, me: httpx.AsyncClient) -> None:
        page = await me.get("/certificates/history")
        assert shown(page, "events-empty") == "아직 내역이 없습니다."


class TestSignRequests:
    async def test_listed_read_and_approved(
        self, holder: httpx.AsyncClient, database: Database
    ) -> None:
        key = await new_institution(database, "한빛은행")
        receipt = await ask(holder, key)
        home = await holder.get("/certificates")
        assert shown(home, "pending-count") == "1건"
        listed = await holder.get("/certificates/requests")
        assert f'data-receipt="{receipt}"' in listed.text
        assert "대출 약정서" in listed.text
        assert "한빛은행 · 전자서명" in listed.text
        assert "분" in listed.text
        assert "남음" in listed.text
        inbox = await holder.get("/inbox")
        assert "한빛은행에서 서명을 요청했어요" in inbox.text

        page = await holder.get(f"/certificates/requests/{receipt}")
        assert shown(page, "institution") == "한빛은행"
        assert shown(page, "sign-text") == SIGN_TEXT
        assert "<script>alert" not in page.text  # escaped, never markup
        assert 'data-testid="approve"' in page.text

        response = await approve(holder, receipt, CERT_PIN)
        assert response.status_code == 303
        assert response.headers["location"] == "/certificates/requests?notice=certificates.signed"
        signed = await sign_request(database, receipt)
        assert signed.status == "signed"
        assert signed.cms_der
        assert signed.jws
        assert signed.tlog_index is not None
        async with database.transaction() as session:
            event = (
                await session.execute(
                    select(CertificateEvent).where(CertificateEvent.kind == "sign")
                )
            ).scalar_one()
        assert event.tlog_index == signed.tlog_index
        assert event.detail["receipt_id"] == receipt
        listed = await holder.get("/certificates/requests?notice=certificates.signed")
        assert "서명했습니다." in listed.text
        assert shown(listed, "sign-requests-empty") == "기다리는 서명 요청이 없습니다."
        page = await holder.get(f"/certificates/requests/{receipt}")
        assert shown(page, "sign-request-status") == "서명함"
        assert 'data-testid="approve"' not in page.text

        before = await snapshot(database)
        again = await approve(holder, receipt, CERT_PIN)
        assert again.status_code == 409
        assert error_of(again) == "이미 서명했거나 거절한 요청입니다."
        assert await snapshot(database) == before

    async def test_two_approvals_at_once_sign_once(
        self, holder: httpx.AsyncClient, database: Database
    ) -> None:
        receipt = await ask(holder, await new_institution(database))
        page = f"/certificates/requests/{receipt}"
        token = csrf_of((await holder.get(page)).text)
        data = {"csrf_token": token, "pin": CERT_PIN}
        answers = await asyncio.gather(
            holder.post(f"{page}/approve", data=data), holder.post(f"{page}/approve", data=data)
        )
        assert sorted(a.status_code for a in answers) == [303, 409]
        assert [e.kind for e in await events(database)] == ["issued", "sign"]

    async def test_without_csrf_nothing_is_signed(
        self, holder: httpx.AsyncClient, database: Database
    ) -> None:
        receipt = await ask(holder, await new_institution(database))
        before = await snapshot(database)
        page = f"/certificates/requests/{receipt}"
        for answer in ("approve", "reject"):
            response = await holder.post(f"{page}/{answer}", data={"pin": CERT_PIN})
            assert response.status_code == 403
        assert await snapshot(database) == before

    async def test_a_document_hash_is_shown_instead_of_text(
        self, holder: httpx.AsyncClient, database: Database
    ) -> None:
        digest = hashlib.sha256(b"contract.pdf").hexdigest()
        receipt = await ask(
            holder, await new_institution(database), text=None, document_hash=digest.upper()
        )
        page = await holder.get(f"/certificates/requests/{receipt}")
        assert shown(page, "sign-hash") == digest
        assert 'data-testid="sign-text"' not in page.text

    async def test_reject(self, holder: httpx.AsyncClient, database: Database) -> None:
        receipt = await ask(holder, await new_institution(database))
        response = await reject(holder, receipt)
        assert response.status_code == 303
        assert response.headers["location"] == "/certificates/requests?notice=certificates.rejected"
        assert (await sign_request(database, receipt)).status == "rejected"
        assert [e.kind for e in await events(database)] == ["issued"]
        before = await snapshot(database)
        too_late = await approve(holder, receipt, CERT_PIN)
        assert too_late.status_code == 409
        assert await snapshot(database) == before

    async def test_an_expired_request_cannot_be_answered(
        self, holder: httpx.AsyncClient, database: Database, fake_clock: FakeClock
    ) -> None:
        receipt = await ask(holder, await new_institution(database), expires_in=60)
        fake_clock.advance(seconds=61)
        page = await holder.get(f"/certificates/requests/{receipt}")
        assert shown(page, "expired-note") == "유효 시간이 지난 요청입니다. 서명할 수 없습니다."
        assert 'data-testid="approve"' not in page.text
        listed = await holder.get("/certificates/requests")
        assert receipt not in listed.text
        response = await approve(holder, receipt, CERT_PIN)
        assert response.status_code == 410
        assert error_of(response).startswith("서명 요청의 유효 시간이 지났습니다.")
        expired = await sign_request(database, receipt)
        assert (expired.status, expired.cms_der) == ("expired", None)
        assert (await reject(holder, receipt)).status_code == 410
        [row] = await certificates(database)
        assert row.pin_failures == 0
        assert [e.kind for e in await events(database)] == ["issued"]

    async def test_a_suspended_certificate_cannot_sign(
        self, holder: httpx.AsyncClient, database: Database
    ) -> None:
        receipt = await ask(holder, await new_institution(database))
        cid = await current_id(holder)
        assert (await act(holder, cid, "suspend")).status_code == 303
        page = await holder.get(f"/certificates/requests/{receipt}")
        assert 'data-testid="no-certificate"' in page.text
        before = await snapshot(database)
        response = await approve(holder, receipt, CERT_PIN)
        assert response.status_code == 409
        assert await snapshot(database) == before
        assert (await sign_request(database, receipt)).status == "pending"

    async def test_the_inbox_message_links_to_the_request(
        self, holder: httpx.AsyncClient, database: Database
    ) -> None:
        receipt = await ask(holder, await new_institution(database))
        async with database.transaction() as session:
            note = (await session.execute(select(Notification))).scalar_one()
        assert note.link == f"/certificates/requests/{receipt}"
        opened = await post_form(holder, "/inbox", f"/inbox/{note.id}/open", {})
        assert opened.status_code == 303
        assert opened.headers["location"] == note.link
        assert (await holder.get(note.link)).status_code == 200

    async def test_requests_are_only_for_a_matching_user(
        self, holder: httpx.AsyncClient, stranger: httpx.AsyncClient, database: Database
    ) -> None:
        key = await new_institution(database)
        response = await holder.post(
            "/api/v1/institution/sign-requests",
            json={
                "phone": STRANGER_PHONE,
                "name": STRANGER_NAME,
                "birth_date": "1990-05-17",
                "title": "t",
                "text": "x",
                "expires_in": 60,
            },
            headers={"Authorization": f"Bearer {key}"},
        )
        assert response.status_code == 404  # the stranger has no certificate
        assert "sign-request-item" not in (await stranger.get("/certificates/requests")).text
