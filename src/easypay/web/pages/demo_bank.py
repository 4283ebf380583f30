"""A small demo bank (/demo-bank): a relying party that asks an EasyPay user to sign a loan
agreement through the real institution API, over HTTP, with the demo institution's published
key, then collects the result once and checks it with public material only
(`certificate.relying_party`: the JWS and its chain, OCSP, the log's inclusion proof). It keeps
its receipt id and document in a cookie, as a bank's site keeps them in its session."""

from __future__ import annotations

import base64
import json
from datetime import date
from typing import Any

import httpx
from fastapi import Request, Response

from easypay.certificate.demo import DEMO_INSTITUTION_KEY
from easypay.certificate.relying_party import verify_result
from easypay.web.forms import read_form
from easypay.web.rendering import redirect, render
from easypay.web.route import page_router
from easypay.web.visitor import settings_of

router = page_router()

COOKIE = "demo_bank_request"
EXPIRES_IN = 600
DEFAULT_TITLE = "신용대출 약정"
DEFAULT_TEXT = (
    "이지은행 신용대출 약정서\n대출금액: 5,000,000원\n금리: 연 5.2%\n기간: 12개월\n"
    "위 내용에 동의하고 약정합니다."
)
FIELDS = ("phone", "name", "birth_date", "title", "text")


async def _api(
    request: Request, method: str, path: str, body: dict[str, Any] | None = None
) -> httpx.Response:
    base = settings_of(request).base_url.rstrip("/")
    headers = {"Authorization": f"Bearer {DEMO_INSTITUTION_KEY}"}
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        return await client.request(method, path, json=body, headers=headers)


async def _public(request: Request, path: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=settings_of(request).base_url, timeout=10) as client:
        return await client.get(path)


def _kept(request: Request) -> dict[str, str] | None:
    try:
        kept = json.loads(request.cookies.get(COOKIE, ""))
        return {"receipt_id": str(kept["receipt_id"]), "text": str(kept["text"])}
    except (ValueError, KeyError, TypeError):
        return None


def _problem(answer: httpx.Response) -> str:
    try:
        body = answer.json()
        return f"{body.get('error', answer.status_code)}: {body.get('message', '')}"
    except ValueError:
        return f"HTTP {answer.status_code}"


async def _bank(request: Request, status_code: int = 200, **context: Any) -> Response:
    context.setdefault("form", {"title": DEFAULT_TITLE, "text": DEFAULT_TEXT})
    return await render(request, "demo_bank/bank.html", {"bare": True, **context}, status_code)


@router.get("/demo-bank")
async def bank(request: Request) -> Response:
    kept = _kept(request)
    if kept is None:
        return await _bank(request)
    answer = await _api(request, "GET", f"/api/v1/institution/sign-requests/{kept['receipt_id']}")
    if answer.status_code != 200:
        return await _bank(request, message=_problem(answer), status_code=answer.status_code)
    return await _bank(request, state=answer.json(), document=kept["text"])


@router.post("/demo-bank/request")
async def ask(request: Request) -> Response:
    form = await read_form(request)
    entered = {name: form.get(name, "").strip() for name in FIELDS}
    try:
        date.fromisoformat(entered["birth_date"])
    except ValueError:
        message = "생년월일을 YYYY-MM-DD로 입력해 주세요. (Birth date as YYYY-MM-DD.)"
        return await _bank(request, form=entered, message=message, status_code=422)
    body = {**entered, "purpose": "sign", "expires_in": EXPIRES_IN}
    answer = await _api(request, "POST", "/api/v1/institution/sign-requests", body)
    if answer.status_code != 201:
        return await _bank(
            request, form=entered, message=_problem(answer), status_code=answer.status_code
        )
    response = await redirect(request, "/demo-bank")
    kept = {"receipt_id": answer.json()["receipt_id"], "text": entered["text"]}
    response.set_cookie(
        COOKIE,
        json.dumps(kept),
        httponly=True,
        samesite="lax",
        secure=settings_of(request).cookies_secure,
        path="/demo-bank",
    )
    return response


@router.post("/demo-bank/collect")
async def collect(request: Request) -> Response:
    """Collect once, then check everything with what anyone can download."""
    kept = _kept(request)
    if kept is None:
        return await _bank(request, message="요청이 없어요. (No request.)", status_code=400)
    receipt = kept["receipt_id"]
    answer = await _api(request, "POST", f"/api/v1/institution/sign-requests/{receipt}/result")
    if answer.status_code != 200:
        return await _bank(request, message=_problem(answer), status_code=answer.status_code)
    result = answer.json()
    index = int(result["tlog"]["index"])
    entries = (await _public(request, f"/tlog/entries?start={index}&end={index + 1}")).json()
    checks = verify_result(
        result,
        signed=kept["text"].encode("utf-8"),
        ca_pem=(await _public(request, "/pki/ca.pem")).content,
        log_key=(await _public(request, "/tlog/key")).text.strip(),
        log_entry=base64.b64decode(entries["entries"][0]["data"]) if entries["entries"] else b"",
    )
    return await _bank(request, checks=checks, receipt_id=receipt, document=kept["text"])


@router.post("/demo-bank/reset")
async def reset(request: Request) -> Response:
    response = await redirect(request, "/demo-bank")
    response.delete_cookie(COOKIE, path="/demo-bank")
    return response
