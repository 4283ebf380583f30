"""The operator console's institutions and transparency-log pages: operators only, CSRF on every
form, a key shown once (create and rotate) and never again, suspend / reactivate / rename, and a
"verify now" that reports a tampered log entry."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from easypay.db import Database
from easypay.models import Institution, TlogLeaf
from tests.certificate.lifecycle_support import CERT_PIN, fast_argon, issue, someone
from tests.money.builders import Person
from tests.web.conftest import OPERATOR_PASSWORD, OPERATOR_PHONE, make_operator
from tests.web.helpers import csrf_of, post_form, sign_up_with_pin

__all__ = ["fast_argon"]

ASK = "/api/v1/institution/sign-requests"
_KEY = re.compile(r'data-testid="api-key">(inst_[0-9a-f]+)<')
_ID = re.compile(r'data-institution-id="(\d+)"')


@pytest.fixture
async def operator(client: httpx.AsyncClient, database: Database) -> httpx.AsyncClient:
    await make_operator(database)
    response = await post_form(
        client, "/signin", "/signin", {"phone": OPERATOR_PHONE, "password": OPERATOR_PASSWORD}
    )
    assert response.status_code == 303, response.text
    return client


async def institutions(database: Database) -> list[tuple[Any, ...]]:
    async with database.transaction() as session:
        rows = await session.execute(
            select(
                Institution.id, Institution.name, Institution.status, Institution.api_key_hash
            ).order_by(Institution.id)
        )
        return [tuple(row) for row in rows]


async def create(operator: httpx.AsyncClient, name: str = "국민은행") -> tuple[int, str, str]:
    """Create through the form: (id, key, the answer page)."""
    response = await post_form(
        operator, "/admin/institutions", "/admin/institutions", {"name": name}
    )
    assert response.status_code == 200, response.text
    key = _KEY.search(response.text)
    assert key, response.text
    found = re.search(r'action="/admin/institutions/(\d+)/suspend"', response.text)
    assert found
    return int(found.group(1)), key.group(1), response.text


async def press(operator: httpx.AsyncClient, page: str, action: str) -> httpx.Response:
    """Send the button form `action` found on `page`."""
    shown = await operator.get(page)
    assert f'action="{action}"' in shown.text, shown.text
    return await operator.post(action, data={"csrf_token": csrf_of(shown.text)})


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def key_works(client: httpx.AsyncClient, key: str) -> bool:
    """An authenticated institution asking for a receipt it does not have gets 404, not 401."""
    response = await client.get(f"{ASK}/SR0000", headers=bearer(key))
    assert response.status_code in (401, 404), response.text
    return response.status_code == 404


async def signer(client: httpx.AsyncClient, database: Database) -> Person:
    who = await someone(client, database, "김서연")
    await issue(client, who)
    return who


async def ask(client: httpx.AsyncClient, key: str, who: Person, title: str = "대출 약정서") -> str:
    response = await client.post(
        ASK,
        json={
            "phone": who.phone,
            "name": who.name,
            "birth_date": "1990-05-17",
            "title": title,
            "text": "동의합니다.",
            "expires_in": 600,
        },
        headers=bearer(key),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["receipt_id"])


class TestAccess:
    @pytest.mark.parametrize(
        "path", ["/admin/institutions", "/admin/institutions/1", "/admin/tlog"]
    )
    async def test_signed_out_visitors_sign_in_first(self, client, path):
        response = await client.get(path)
        assert response.status_code == 303
        assert response.headers["location"] == f"/signin?next={path}"

    async def test_customers_get_a_friendly_403_and_change_nothing(self, client, database):
        await sign_up_with_pin(client)
        for path in ("/admin/institutions", "/admin/institutions/1", "/admin/tlog"):
            response = await client.get(path)
            assert response.status_code == 403, path
            assert "운영자만 볼 수 있는 페이지입니다" in response.text
        token = csrf_of((await client.get("/")).text)
        for action in (
            "/admin/institutions",
            "/admin/institutions/1/suspend",
            "/admin/institutions/1/rotate-key",
            "/admin/tlog/verify",
        ):
            response = await client.post(action, data={"name": "가짜은행", "csrf_token": token})
            assert response.status_code == 403, action
        assert await institutions(database) == []

    async def test_forms_without_the_csrf_token_are_refused(self, operator, database):
        await create(operator)
        before = await institutions(database)
        for data in ({"name": "다른은행"}, {"name": "다른은행", "csrf_token": "forged"}):
            for action in (
                "/admin/institutions",
                "/admin/institutions/1/suspend",
                "/admin/institutions/1/rotate-key",
                "/admin/institutions/1/rename",
                "/admin/tlog/verify",
            ):
                response = await operator.post(action, data=data)
                assert response.status_code == 403, action
                assert "보안 확인에 실패해 아무것도 바뀌지 않았습니다" in response.text
        assert await institutions(database) == before


class TestInstitutions:
    async def test_the_key_is_shown_once_and_works(self, operator, database):
        institution_id, key, page = await create(operator, "  국민   은행 ")
        assert "한 번만 보여 드립니다" in page
        assert page.count(key) == 1
        [(_, name, status, key_hash)] = await institutions(database)
        assert (name, status) == ("국민 은행", "active")
        assert key_hash == hashlib.sha256(key.encode()).hexdigest()
        assert await key_works(operator, key)
        for path in ("/admin/institutions", f"/admin/institutions/{institution_id}"):
            again = await operator.get(path)
            assert again.status_code == 200
            assert key not in again.text
            assert 'data-testid="api-key"' not in again.text
            assert again.headers["cache-control"] == "no-store"

    @pytest.mark.parametrize(
        ("name", "status", "text"),
        [
            ("", 422, "기관 이름은 1~100자"),
            ("   ", 422, "기관 이름은 1~100자"),
            ("가" * 101, 422, "기관 이름은 1~100자"),
            ("국민\x01은행", 422, "제어 문자"),
        ],
    )
    async def test_a_bad_name_is_shown_on_the_form(self, operator, database, name, status, text):
        page = await operator.get("/admin/institutions")
        response = await operator.post(
            "/admin/institutions", data={"name": name, "csrf_token": csrf_of(page.text)}
        )
        assert response.status_code == status
        assert text in response.text
        assert 'data-testid="api-key"' not in response.text
        assert await institutions(database) == []

    async def test_a_taken_name_is_409_on_the_form(self, operator, database):
        await create(operator, "국민은행")
        before = await institutions(database)
        page = await operator.get("/admin/institutions")
        response = await operator.post(
            "/admin/institutions", data={"name": "국민은행", "csrf_token": csrf_of(page.text)}
        )
        assert response.status_code == 409
        assert "같은 이름의 기관이 이미 있습니다" in response.text
        assert 'value="국민은행"' in response.text  # the form keeps what was typed
        assert await institutions(database) == before

    async def test_the_list_and_page_show_requests_without_personal_data(self, operator, database):
        institution_id, key, _ = await create(operator, "국민은행")
        await create(operator, "삼성화재")
        who = await signer(operator, database)
        receipts = [await ask(operator, key, who, f"약정서 {n}") for n in range(3)]
        rejected = await operator.post(
            f"/api/v1/sign-requests/{receipts[0]}/reject", headers=who.headers
        )
        assert rejected.status_code == 200
        signed = await operator.post(
            f"/api/v1/sign-requests/{receipts[1]}/approve",
            json={"pin": CERT_PIN},
            headers=who.headers,
        )
        assert signed.status_code == 200

        listing = await operator.get("/admin/institutions")
        assert _ID.findall(listing.text) == [str(institution_id + 1), str(institution_id)]
        row = listing.text.split('data-institution-id="')[2]
        assert re.search(r'data-testid="count-total">3<', row)
        assert re.search(r'data-testid="count-pending">1<', row)
        assert re.search(r'data-testid="count-signed">1<', row)
        assert re.search(r'data-testid="count-rejected">1<', row)
        suspended_only = await operator.get("/admin/institutions?status=suspended")
        assert _ID.findall(suspended_only.text) == []

        page = await operator.get(f"/admin/institutions/{institution_id}")
        assert page.status_code == 200
        for receipt in receipts:
            assert receipt in page.text
        states = re.findall(r'data-receipt="(SR[0-9a-f]+)" data-state="(\w+)"', page.text)
        assert states == [
            (receipts[2], "pending"),
            (receipts[1], "signed"),
            (receipts[0], "rejected"),
        ]
        for personal in (who.name, who.phone, who.phone[-4:], "동의합니다"):
            assert personal not in page.text

    async def test_suspend_refuses_the_key_and_reactivate_restores_it(self, operator, database):
        institution_id, key, _ = await create(operator)
        who = await signer(operator, database)
        pending = await ask(operator, key, who)
        page = f"/admin/institutions/{institution_id}"
        stale = await operator.get(page)

        response = await press(operator, page, f"{page}/suspend")
        assert response.status_code == 303
        assert response.headers["location"] == f"{page}?notice=institutions.suspended"
        shown = await operator.get(response.headers["location"])
        assert "기관을 정지했습니다" in shown.text
        assert 'data-status="suspended"' in shown.text
        assert f'data-receipt="{pending}" data-state="expired"' in shown.text
        assert f'action="{page}/reactivate"' in shown.text
        assert not await key_works(operator, key)

        # a second press (an old tab) is refused on the page and changes nothing
        before = await institutions(database)
        twice = await operator.post(f"{page}/suspend", data={"csrf_token": csrf_of(stale.text)})
        assert twice.status_code == 409
        assert "이미 정지된 기관입니다" in twice.text
        assert await institutions(database) == before

        response = await press(operator, page, f"{page}/reactivate")
        assert response.headers["location"] == f"{page}?notice=institutions.reactivated"
        assert await key_works(operator, key)
        again = await operator.post(f"{page}/reactivate", data={"csrf_token": csrf_of(stale.text)})
        assert again.status_code == 409
        assert "정지된 기관이 아닙니다" in again.text

    async def test_rotate_shows_the_new_key_once_and_refuses_the_old(self, operator, database):
        institution_id, old_key, _ = await create(operator)
        page = f"/admin/institutions/{institution_id}"
        response = await press(operator, page, f"{page}/rotate-key")
        assert response.status_code == 200
        new_key = _KEY.search(response.text)
        assert new_key
        assert new_key.group(1) != old_key
        assert "이전 키는 이제 거절됩니다" in response.text
        assert not await key_works(operator, old_key)
        assert await key_works(operator, new_key.group(1))
        assert new_key.group(1) not in (await operator.get(page)).text

    async def test_rename(self, operator, database):
        institution_id, _, _ = await create(operator, "국민은행")
        await create(operator, "삼성화재")
        page = f"/admin/institutions/{institution_id}"
        shown = await operator.get(page)
        response = await operator.post(
            f"{page}/rename", data={"name": "KB국민은행", "csrf_token": csrf_of(shown.text)}
        )
        assert response.headers["location"] == f"{page}?notice=institutions.renamed"
        assert "KB국민은행" in (await operator.get(page)).text
        before = await institutions(database)
        taken = await operator.post(
            f"{page}/rename", data={"name": "삼성화재", "csrf_token": csrf_of(shown.text)}
        )
        assert taken.status_code == 409
        assert "같은 이름의 기관이 이미 있습니다" in taken.text
        blank = await operator.post(
            f"{page}/rename", data={"name": " ", "csrf_token": csrf_of(shown.text)}
        )
        assert blank.status_code == 422
        assert await institutions(database) == before

    async def test_an_unknown_institution_is_a_404_page(self, operator):
        for path in ("/admin/institutions/999", "/admin/institutions/abc", "/admin/institutions/0"):
            response = await operator.get(path)
            assert response.status_code == 404, path
        page = await operator.get("/admin/institutions")
        token = csrf_of(page.text)
        for action in ("suspend", "reactivate", "rotate-key", "rename"):
            response = await operator.post(
                f"/admin/institutions/999/{action}", data={"name": "x", "csrf_token": token}
            )
            assert response.status_code == 404, action
            assert 'data-testid="api-key"' not in response.text


class TestTlogPage:
    async def test_it_shows_the_log_and_the_pki(self, operator, database):
        who = await signer(operator, database)
        [certificate] = (await operator.get("/api/v1/certificates", headers=who.headers)).json()[
            "items"
        ]
        suspended = await operator.post(
            f"/api/v1/certificates/{certificate['id']}/suspend", headers=who.headers
        )
        assert suspended.status_code == 200, suspended.text

        page = await operator.get("/admin/tlog")
        assert page.status_code == 200
        assert 'data-size="2"' in page.text
        checkpoint = (await operator.get("/tlog/checkpoint")).text
        assert checkpoint.splitlines()[1] == "2"
        assert checkpoint.splitlines()[2] in page.text  # the root hash of the signed note
        verifier_key = (await operator.get("/tlog/key")).text.strip()
        assert f'data-testid="tlog-verifier-key">{verifier_key}<' in page.text
        entries = re.findall(
            r'data-testid="tlog-entry" data-index="(\d+)" data-kind="(\w*)"', page.text
        )
        assert entries == [("1", "suspended"), ("0", "issued")]
        assert f"<code>{certificate['serial_hex'].lower()}</code>" in page.text
        for personal in (who.name, who.phone):
            assert personal not in page.text
        assert re.search(r'data-testid="crl-number">\d+<', page.text)
        assert 'data-testid="certificates-suspended">1<' in page.text
        assert 'data-testid="certificates-active">0<' in page.text
        for link in ("/tlog/checkpoint", "/tlog/key", "/pki/crl", "/pki/ca.pem"):
            assert f'href="{link}"' in page.text

    async def test_verify_now_says_ok_on_a_good_log(self, operator, database):
        await signer(operator, database)
        await operator.get("/tlog/checkpoint")
        response = await press(operator, "/admin/tlog", "/admin/tlog/verify")
        assert response.status_code == 200
        assert 'data-testid="tlog-verify-result" data-ok="true"' in response.text
        assert "로그가 온전합니다" in response.text
        assert "항목 1개" in response.text
        assert "체크포인트 1개" in response.text
        assert 'data-testid="tlog-first-problem"' not in response.text

    async def test_verify_now_reports_a_tampered_entry(self, operator, database):
        who = await signer(operator, database)
        await operator.get("/tlog/checkpoint")
        [certificate] = (await operator.get("/api/v1/certificates", headers=who.headers)).json()[
            "items"
        ]
        suspended = await operator.post(
            f"/api/v1/certificates/{certificate['id']}/suspend", headers=who.headers
        )
        assert suspended.status_code == 200, suspended.text
        async with database.transaction() as session:
            leaf = await session.get(TlogLeaf, 0)
            assert leaf is not None
            fields = json.loads(leaf.data)
            fields["kind"] = "deleted"  # rewrite history: the certificate was never issued
            forged = json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
            await session.execute(update(TlogLeaf).where(TlogLeaf.index == 0).values(data=forged))

        page = await operator.get("/admin/tlog")
        assert page.status_code == 200
        assert 'data-testid="hash-mismatch"' in page.text
        response = await press(operator, "/admin/tlog", "/admin/tlog/verify")
        assert response.status_code == 200
        assert 'data-testid="tlog-verify-result" data-ok="false"' in response.text
        assert "로그에 문제가 있습니다" in response.text
        problem = re.search(r'data-testid="tlog-first-problem">(.*?)</div>', response.text, re.S)
        assert problem
        assert "leaf 0" in problem.group(1)
        assert "does not hash" in problem.group(1)

    async def test_entries_are_paged(self, operator, database):
        from tests.certificate.tlog_support import append_each

        await append_each(database, 0, 30)
        first = await operator.get("/admin/tlog")
        indexes = re.findall(r'data-testid="tlog-entry" data-index="(\d+)"', first.text)
        assert indexes == [str(n) for n in range(29, 4, -1)]
        assert 'href="/admin/tlog?end=5"' in first.text
        older = await operator.get("/admin/tlog?end=5")
        indexes = re.findall(r'data-testid="tlog-entry" data-index="(\d+)"', older.text)
        assert indexes == ["4", "3", "2", "1", "0"]
        assert 'href="/admin/tlog?end=30"' in older.text
        for bad in ("-1", "abc", "9" * 40, "100000"):
            response = await operator.get(f"/admin/tlog?end={bad}")
            assert response.status_code == 200, bad
