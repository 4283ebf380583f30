"""A small demo shop (/demo-shop) that pays through the real merchant API, over HTTP, as any
shop would: `ready` with the demo merchant's published admin key, the buyer to the hosted
checkout, then `approve` with the pg_token the redirect brings back. The shop keeps its order
(tid and order id) in a cookie, as a shop keeps it in its session."""

from __future__ import annotations

import json
import secrets
from typing import Any

import httpx
from fastapi import Request, Response

from easypay.demo import DEMO_MERCHANT_ADMIN_KEY
from easypay.web.forms import read_form
from easypay.web.rendering import redirect, render
from easypay.web.route import page_router
from easypay.web.visitor import settings_of

router = page_router()

CID = "TC0ONETIME"
COOKIE = "demo_shop_order"
ITEMS = {
    "chocopie": ("초코파이 (Choco pie)", 2_200),
    "coffee": ("아메리카노 (Americano)", 4_500),
}


async def _call(request: Request, action: str, params: dict[str, str]) -> httpx.Response:
    base = settings_of(request).base_url.rstrip("/")
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.post(
            f"{base}/v1/payment/{action}",
            data=params,
            headers={"Authorization": f"KakaoAK {DEMO_MERCHANT_ADMIN_KEY}"},
        )


async def _shop(
    request: Request,
    result: dict[str, Any] | None = None,
    message: str = "",
    status_code: int = 200,
) -> Response:
    context = {"items": ITEMS, "result": result, "message": message, "bare": True}
    return await render(request, "demo_shop/shop.html", context, status_code)


@router.get("/demo-shop")
async def shop(request: Request, result: str = "") -> Response:
    message = {
        "cancel": "결제를 취소했어요. (You quit the payment.)",
        "fail": "결제에 실패했어요. (The payment failed or expired.)",
    }.get(result, "")
    return await _shop(request, message=message)


@router.post("/demo-shop/order")
async def order(request: Request) -> Response:
    form = await read_form(request)
    item = ITEMS.get(form.get("item", ""))
    if item is None:
        return await _shop(request, message="상품을 골라 주세요. (Pick an item.)", status_code=422)
    name, price = item
    base = settings_of(request).base_url.rstrip("/")
    order_id = "demo-" + secrets.token_hex(6)
    answer = await _call(
        request,
        "ready",
        {
            "cid": CID,
            "partner_order_id": order_id,
            "partner_user_id": "demo-shopper",
            "item_name": name,
            "quantity": "1",
            "total_amount": str(price),
            "tax_free_amount": "0",
            "approval_url": f"{base}/demo-shop/approved",
            "cancel_url": f"{base}/demo-shop?result=cancel",
            "fail_url": f"{base}/demo-shop?result=fail",
        },
    )
    if answer.status_code != 200:
        return await _shop(request, message=f"ready: {answer.text}", status_code=502)
    body = answer.json()
    response = await redirect(request, body["next_redirect_pc_url"])
    response.set_cookie(
        COOKIE,
        json.dumps({"tid": body["tid"], "order": order_id}),
        httponly=True,
        samesite="lax",
        secure=settings_of(request).cookies_secure,
        path="/demo-shop",
    )
    return response


@router.get("/demo-shop/approved")
async def approved(request: Request, pg_token: str = "") -> Response:
    try:
        kept = json.loads(request.cookies.get(COOKIE, ""))
        tid, order_id = str(kept["tid"]), str(kept["order"])
    except (ValueError, KeyError, TypeError):
        return await _shop(request, message="주문을 찾을 수 없어요. (No order.)", status_code=400)
    answer = await _call(
        request,
        "approve",
        {
            "cid": CID,
            "tid": tid,
            "partner_order_id": order_id,
            "partner_user_id": "demo-shopper",
            "pg_token": pg_token,
        },
    )
    inquiry = await _call(request, "order", {"cid": CID, "tid": tid})
    result = {
        "approve": answer.json(),
        "status": inquiry.json().get("status", ""),
        "ok": answer.status_code == 200,
    }
    return await _shop(request, result=result, status_code=200 if result["ok"] else 400)
