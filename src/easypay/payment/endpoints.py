"""The KakaoPay-compatible merchant API, both generations: `/v1/payment/...` (KakaoAK admin key,
form or query parameters) and `/online/v1/payment/...` (SECRET_KEY, JSON). Every call is a POST.
Answers carry every documented key; absent optional values are left out, never null."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, cast

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.card.dependencies import card_issuer_of
from easypay.config import Settings
from easypay.db import database_of
from easypay.errors import EasyPayError
from easypay.models import Card, Merchant, Payment, PaymentAction, Subscription
from easypay.payment import service, subscriptions
from easypay.payment.errors import ApprovalFailed, PaymentError
from easypay.payment.wire import Generation, Params, authenticate, error_response, read_params
from easypay.transfer.limits import KST

legacy = APIRouter(prefix="/v1/payment", tags=["payments (KakaoPay-compatible, legacy)"])
current = APIRouter(prefix="/online/v1/payment", tags=["payments (KakaoPay-compatible)"])

Action = Callable[[AsyncSession, Settings, Merchant, Params], Awaitable[dict[str, Any]]]
OutsideAction = Callable[[Request, Settings, Merchant, Params], Awaitable[dict[str, Any]]]


def kst(moment: datetime | None) -> str | None:
    """KakaoPay's timestamps: local (KST) ISO-8601 without an offset."""
    return (
        None
        if moment is None
        else moment.astimezone(KST).replace(tzinfo=None).isoformat(timespec="seconds")
    )


def _present(values: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


def amount_object(
    total: int, tax_free: int, vat: int, point: int = 0, discount: int = 0, green_deposit: int = 0
) -> dict[str, int]:
    return {
        "total": total,
        "tax_free": tax_free,
        "vat": vat,
        "point": point,
        "discount": discount,
        "green_deposit": green_deposit,
    }


def _paid(payment: Payment) -> dict[str, int]:
    return amount_object(
        payment.total_amount,
        payment.tax_free_amount,
        payment.vat_amount,
        payment.point_amount,
        payment.discount_amount,
        payment.green_deposit,
    )


def _canceled(payment: Payment) -> dict[str, int]:
    return amount_object(
        payment.canceled_amount, payment.canceled_tax_free_amount, payment.canceled_vat_amount
    )


def _available(payment: Payment) -> dict[str, int]:
    return amount_object(
        payment.total_amount - payment.canceled_amount,
        payment.tax_free_amount - payment.canceled_tax_free_amount,
        payment.vat_amount - payment.canceled_vat_amount,
    )


def _card_info(payment: Payment, card: Card | None) -> dict[str, Any] | None:
    """`card_info` of an approve-shaped answer (card payments only)."""
    if payment.payment_method_type != "CARD" or card is None:
        return None
    return {
        "kakaopay_purchase_corp": card.corp_name,
        "kakaopay_purchase_corp_code": card.corp_code,
        "kakaopay_issuer_corp": card.corp_name,
        "kakaopay_issuer_corp_code": card.corp_code,
        "bin": card.bin,
        "card_type": card.card_type,
        "install_month": f"{payment.install_month:02d}",
        "approved_id": payment.card_approval_id,
        "card_mid": f"EP{payment.merchant_id:08d}",
        "interest_free_install": "N",
        "installment_type": "CARD_INSTALLMENT" if payment.install_month else "",
        "card_item_code": "",
    }


def _selected_card_info(payment: Payment, card: Card | None) -> dict[str, Any] | None:
    """`selected_card_info` of an order inquiry (card payments only)."""
    if payment.payment_method_type != "CARD" or card is None:
        return None
    return {
        "card_bin": card.bin,
        "install_month": payment.install_month,
        "installment_type": "CARD_INSTALLMENT" if payment.install_month else "",
        "card_corp_name": card.corp_name,
        "interest_free_install": "N",
    }


async def _card_of(session: AsyncSession, payment: Payment) -> Card | None:
    return await session.get(Card, payment.card_id) if payment.card_id is not None else None


def _approved(payment: Payment, action: PaymentAction, card: Card | None) -> dict[str, Any]:
    """The answer of `approve` and of a recurring charge."""
    return {
        "aid": action.aid,
        **_common(payment),
        "sid": payment.sid,
        "amount": _paid(payment),
        "card_info": _card_info(payment, card),
        "payload": action.payload or None,
    }


def _common(payment: Payment) -> dict[str, Any]:
    return {
        "tid": payment.tid,
        "cid": payment.cid,
        "partner_order_id": payment.partner_order_id,
        "partner_user_id": payment.partner_user_id,
        "payment_method_type": payment.payment_method_type or None,
        "item_name": payment.item_name,
        "item_code": payment.item_code or None,
        "quantity": payment.quantity,
        "created_at": kst(payment.created_at),
        "approved_at": kst(payment.approved_at),
    }


async def _run(
    request: Request, generation: Generation, action: Action | OutsideAction
) -> JSONResponse:
    try:
        merchant = await authenticate(request, generation)
        params = await read_params(request)
        settings: Settings = request.app.state.settings
        if action in OUTSIDE:  # calls the bank or the card issuer: its own transactions
            body = await action(request, settings, merchant, params)
        else:
            async with database_of(request).transaction() as session:
                body = await cast(Action, action)(session, settings, merchant, params)
    except PaymentError as error:
        return error_response(error, generation)
    except EasyPayError as error:  # e.g. the ledger refusing: an approval failure to clients
        return error_response(ApprovalFailed(error.detail), generation)
    return JSONResponse(_present(body))


async def _ready(
    session: AsyncSession, settings: Settings, merchant: Merchant, p: Params
) -> dict[str, Any]:
    payment = await service.ready(
        session,
        settings,
        merchant,
        service.ReadyRequest(
            cid=p.text("cid", limit=10),
            partner_order_id=p.text("partner_order_id"),
            partner_user_id=p.text("partner_user_id"),
            item_name=p.text("item_name"),
            item_code=p.text("item_code", required=False),
            quantity=p.required_int("quantity"),
            total_amount=p.required_int("total_amount"),
            tax_free_amount=p.required_int("tax_free_amount"),
            vat_amount=p.integer("vat_amount", required=False),
            green_deposit=p.integer("green_deposit", required=False) or 0,
            approval_url=p.text("approval_url", limit=255),
            cancel_url=p.text("cancel_url", limit=255),
            fail_url=p.text("fail_url", limit=255),
            payment_method_type=p.text("payment_method_type", required=False, limit=8),
            custom_json=p.text("custom_json", required=False, limit=2000),
        ),
    )
    checkout = f"{settings.base_url.rstrip('/')}/checkout/{payment.tid}"
    return {
        "tid": payment.tid,
        "tms_result": False,
        "next_redirect_app_url": f"{checkout}?channel=app",
        "next_redirect_mobile_url": f"{checkout}?channel=mobile",
        "next_redirect_pc_url": checkout,
        "android_app_scheme": f"easypay://checkout?tid={payment.tid}",
        "ios_app_scheme": f"easypay://checkout?tid={payment.tid}",
        "created_at": kst(payment.created_at),
    }


async def _approve(
    session: AsyncSession, settings: Settings, merchant: Merchant, p: Params
) -> dict[str, Any]:
    payment, action = await service.approve(
        session,
        merchant,
        p.text("cid", limit=10),
        p.text("tid", limit=20),
        p.text("partner_order_id"),
        p.text("partner_user_id"),
        p.text("pg_token", limit=100),
        p.text("payload", required=False, limit=200),
        p.integer("total_amount", required=False),
    )
    return _approved(payment, action, await _card_of(session, payment))


async def _cancel(
    session: AsyncSession, settings: Settings, merchant: Merchant, p: Params
) -> dict[str, Any]:
    payment, action = await service.cancel(
        session,
        merchant,
        p.text("cid", limit=10),
        p.text("tid", limit=20),
        p.required_int("cancel_amount"),
        p.required_int("cancel_tax_free_amount"),
        p.integer("cancel_vat_amount", required=False),
        p.integer("cancel_available_amount", required=False),
        p.text("payload", required=False, limit=200),
    )
    return {
        "aid": action.aid,
        **_common(payment),
        "status": payment.status,
        "amount": _paid(payment),
        "approved_cancel_amount": amount_object(
            action.amount, action.tax_free_amount, action.vat_amount
        ),
        "canceled_amount": _canceled(payment),
        "cancel_available_amount": _available(payment),
        "canceled_at": kst(payment.canceled_at),
        "payload": action.payload or None,
    }


def _action_detail(action: PaymentAction) -> dict[str, Any]:
    return _present(
        {
            "aid": action.aid,
            "approved_at": kst(action.created_at),
            "amount": action.amount,
            "point_amount": action.point_amount,
            "discount_amount": action.discount_amount,
            "green_deposit": action.green_deposit,
            "payment_action_type": action.kind,
            "payload": action.payload or None,
        }
    )


async def _order(
    session: AsyncSession, settings: Settings, merchant: Merchant, p: Params
) -> dict[str, Any]:
    payment, actions = await service.order(
        session, merchant, p.text("cid", limit=10), p.text("tid", limit=20)
    )
    return {
        **_common(payment),
        "status": payment.status,
        "amount": _paid(payment),
        "canceled_amount": _canceled(payment),
        "cancel_available_amount": _available(payment),
        "canceled_at": kst(payment.canceled_at),
        "selected_card_info": _selected_card_info(payment, await _card_of(session, payment)),
        "payment_action_details": [_action_detail(action) for action in actions],
    }


async def _subscription_charge(
    request: Request, settings: Settings, merchant: Merchant, p: Params
) -> dict[str, Any]:
    database = database_of(request)
    payment, action = await subscriptions.charge(
        database,
        request.app.state.bank,
        card_issuer_of(request),
        settings,
        merchant,
        subscriptions.Charge(
            cid=p.text("cid", limit=10),
            sid=p.text("sid", limit=20),
            partner_order_id=p.text("partner_order_id"),
            partner_user_id=p.text("partner_user_id"),
            item_name=p.text("item_name"),
            item_code=p.text("item_code", required=False),
            quantity=p.required_int("quantity"),
            total_amount=p.required_int("total_amount"),
            tax_free_amount=p.required_int("tax_free_amount"),
            vat_amount=p.integer("vat_amount", required=False),
            payload=p.text("payload", required=False, limit=200),
        ),
    )
    async with database.transaction() as session:
        return _approved(payment, action, await _card_of(session, payment))


def _subscription_facts(subscription: Subscription) -> dict[str, Any]:
    return {
        "cid": subscription.cid,
        "sid": subscription.sid,
        "status": subscription.status,
        "created_at": kst(subscription.created_at),
        "last_approved_at": kst(subscription.last_approved_at),
        "inactivated_at": kst(subscription.inactivated_at),
    }


async def _inactivate(
    session: AsyncSession, settings: Settings, merchant: Merchant, p: Params
) -> dict[str, Any]:
    subscription = await subscriptions.inactivate(
        session, merchant, p.text("cid", limit=10), p.text("sid", limit=20)
    )
    return _subscription_facts(subscription)


async def _subscription_status(
    session: AsyncSession, settings: Settings, merchant: Merchant, p: Params
) -> dict[str, Any]:
    subscription = await subscriptions.find(
        session, merchant, p.text("cid", limit=10), p.text("sid", limit=20)
    )
    return {
        "available": subscription.status == "ACTIVE",
        **_subscription_facts(subscription),
        "payment_method_type": subscription.payment_method_type,
        "item_name": subscription.item_name,
        "use_point_status": "NOT_USE",
    }


ACTIONS: dict[str, tuple[Action, str]] = {
    "ready": (_ready, "Start a payment; send the buyer to a `next_redirect_*_url`."),
    "approve": (_approve, "Capture a payment the buyer authorised (with the `pg_token`)."),
    "cancel": (_cancel, "Cancel all or part of what remains of a payment."),
    "order": (_order, "A payment's status, amounts and actions."),
    "manage/subscription/inactive": (_inactivate, "Stop a subscription (`sid`)."),
    "manage/subscription/status": (_subscription_status, "Whether a `sid` can still be charged."),
}


OUTSIDE_ACTIONS: dict[str, tuple[OutsideAction, str]] = {
    "subscription": (_subscription_charge, "Charge a subscription (`sid`), server to server."),
}
OUTSIDE = frozenset(action for action, _ in OUTSIDE_ACTIONS.values())


def _endpoint(
    generation: Generation, action: Action | OutsideAction
) -> Callable[[Request], Awaitable[JSONResponse]]:
    async def endpoint(request: Request) -> JSONResponse:
        return await _run(request, generation, action)

    return endpoint


class ErrorExtras(BaseModel):
    method_result_code: str
    method_result_message: str


class LegacyErrorRead(BaseModel):
    """The legacy paths' error envelope."""

    code: int = Field(examples=[-2])
    msg: str = Field(examples=["cid is required"])
    extras: ErrorExtras


class CurrentErrorRead(BaseModel):
    """The current paths' error envelope."""

    error_code: int = Field(examples=[-2])
    error_message: str = Field(examples=["cid is required"])
    extras: ErrorExtras


# The parameters are read by `wire.read_params` (query string, form or JSON; numbers may be
# strings), so the description names the body's media types without a fixed schema.
_FREE_FORM: dict[str, Any] = {"type": "object", "additionalProperties": True}


# One example body per action (KakaoPay's test CID), shown in the API reference.
_EXAMPLES: dict[str, dict[str, Any]] = {
    "ready": {
        "cid": "TC0ONETIME",
        "partner_order_id": "order-1",
        "partner_user_id": "user-1",
        "item_name": "초코파이",
        "quantity": 1,
        "total_amount": 2200,
        "tax_free_amount": 0,
        "approval_url": "https://shop.example/approve",
        "cancel_url": "https://shop.example/cancel",
        "fail_url": "https://shop.example/fail",
    },
    "approve": {
        "cid": "TC0ONETIME",
        "tid": "T1234567890123456789",
        "partner_order_id": "order-1",
        "partner_user_id": "user-1",
        "pg_token": "xxxxxxxxxxxxxxxxxxxx",
    },
    "cancel": {
        "cid": "TC0ONETIME",
        "tid": "T1234567890123456789",
        "cancel_amount": 2200,
        "cancel_tax_free_amount": 0,
    },
    "order": {"cid": "TC0ONETIME", "tid": "T1234567890123456789"},
    "manage/subscription/inactive": {"cid": "TCSUBSCRIP", "sid": "S1234567890123456789"},
    "manage/subscription/status": {"cid": "TCSUBSCRIP", "sid": "S1234567890123456789"},
    "subscription": {
        "cid": "TCSUBSCRIP",
        "sid": "S1234567890123456789",
        "partner_order_id": "order-2",
        "partner_user_id": "user-1",
        "quantity": 1,
        "total_amount": 9900,
        "tax_free_amount": 0,
    },
}


def _openapi(generation: Generation, name: str) -> dict[str, Any]:
    body: dict[str, Any] = {"schema": _FREE_FORM, "example": _EXAMPLES[name]}
    media = (
        {"application/x-www-form-urlencoded": body}
        if generation == "legacy"
        else {"application/json": body}
    )
    return {"requestBody": {"required": False, "content": media}}


def _responses(generation: Generation) -> dict[int | str, dict[str, Any]]:
    model = LegacyErrorRead if generation == "legacy" else CurrentErrorRead
    return {
        200: {"content": {"application/json": {"schema": _FREE_FORM}}},
        400: {"model": model, "description": "Invalid parameter or refused (KakaoPay code)."},
        401: {"model": model, "description": "Authentication failure (-401)."},
    }


def _register(router: APIRouter, generation: Generation) -> None:
    auth = (
        "`Authorization: KakaoAK <admin key>`"
        if generation == "legacy"
        else ("`Authorization: SECRET_KEY <secret key>`")
    )
    every: dict[str, tuple[Action | OutsideAction, str]] = {**ACTIONS, **OUTSIDE_ACTIONS}
    for name, (action, summary) in every.items():
        router.add_api_route(
            f"/{name}",
            _endpoint(generation, action),
            methods=["POST"],
            summary=summary,
            description=f"{auth}. Parameters in the query string, a form body or a JSON body "
            "(numbers may be strings). Errors: 401 (authentication) or 400 with the KakaoPay "
            "error envelope.",
            name=f"payment_{generation}_{name}",
            response_class=JSONResponse,
            responses=_responses(generation),
            openapi_extra=_openapi(generation, name),
        )


_register(legacy, "legacy")
_register(current, "current")
